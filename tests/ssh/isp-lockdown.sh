#!/bin/bash
# NAME
#	isp-lockdown.sh - a school's SSH key opens its own two forwards and nothing else
# DESCRIPTION
#	Real sshd and Postfix at the ISP, set up by surel-setup-isp-ssh for
#	two schools; the school namespace (holding school1's key, like a
#	school that also stole school2's port numbers) sits behind the NAT.
#	With school1's key:
#	- its own tunnel comes up ("ready" only once both forwards are
#	  confirmed) and its own smtpd relays mail from its domain;
#	- that smtpd refuses envelope senders of school2 and of the ISP
#	  itself, relays nothing for strangers, and takes ETRN only for the
#	  school's own domain;
#	- a local forward to school2's smtpd or the ISP's port 25 is refused
#	  by sshd, a remote forward on school2's port fails, and any command
#	  (a shell) is refused by the gate;
#	- a link cut without a clean close leaves the ISP's sshd holding
#	  school1's port: a new tunnel fails, "release" drops the stale
#	  session at once, and the next tunnel comes up;
#	- surel-setup-isp ssh-remove takes school2 away in one command: its
#	  key no longer logs in and its port is gone.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"

TUN_PID=
# stop_tunnel: end a tunnel this script started (by its pid).
stop_tunnel() {
	if [ -n "$TUN_PID" ]; then
		kill -TERM "$TUN_PID" 2>/dev/null || true
		wait "$TUN_PID" 2>/dev/null || true
	fi
	exec 8>&-
	TUN_PID=
	return 0
}
ST_CLEANUP_HOOK=stop_tunnel
trap st_cleanup EXIT

st_setup_world lock
st_add_school school2 school2.test
OUT1=$(st_port school1 out) IN1=$(st_port school1 in)
OUT2=$(st_port school2 out) IN2=$(st_port school2 in)
[ -n "$OUT1" ] && [ -n "$OUT2" ] && [ "$OUT1" != "$OUT2" ] || fail "ports not assigned: '$OUT1' '$OUT2'"
st_link_up

# tunnel LOCAL_FWD REMOTE_FWD: school1's tunnel in the background; waits for ready.
tunnel() {
	mkfifo "$T/tin.$$" 2>/dev/null || true
	: >"$T/tunnel.out"
	: >"$T/tunnel.err"
	st_ssh_cmd school1 -o ExitOnForwardFailure=yes -L "$1" -R "$2" "$ST_ISP" tunnel
	"${ST_SSH_CMD[@]}" <"$T/tin.$$" >"$T/tunnel.out" 2>"$T/tunnel.err" &
	TUN_PID=$!              # ip netns exec execs ssh: this is ssh's pid
	exec 8>"$T/tin.$$"          # hold its standard input open
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^surel-tunnel ready school1' "$T/tunnel.out" && return 0
		kill -0 "$TUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	exec 8>&-
	wait "$TUN_PID" 2>/dev/null || true
	TUN_PID=
	return 1
}

# smtp PORT: an SMTP conversation from the school through the local forward.
smtp() {
	ns_exec "$ST_SNS" swaks --server 127.0.0.1 --port "$1" --helo school.test \
		--timeout 20 --suppress-data "${@:2}" 2>&1
}

check "school1's tunnel comes up behind the NAT with both forwards"
tunnel "127.0.0.1:10025:127.0.0.1:$OUT1" "127.0.0.1:$IN1:127.0.0.1:10026" ||
	fail "expected 'surel-tunnel ready school1', got: $(cat "$T/tunnel.out" "$T/tunnel.err")"
grep -q "from $ST_NAT port" "$T/sshd.log" ||
	fail "expected the ISP to see the NAT's address $ST_NAT, sshd says: $(grep Accepted "$T/sshd.log")"

check "school1 relays mail from its own domain through its own smtpd"
out=$(smtp 10025 --from budi@school.test --to ali@outside.test) ||
	fail "expected 250 for budi@school.test -> ali@outside.test, got: $out"
pf_wait_log "$T/isp" "to=<ali@outside.test>.*status=sent" 30 || fail "the relayed message did not arrive"
grep -q "postfix/tunnel-school1/smtpd" "$T/isp/maillog" || fail "not received by school1's own smtpd"

check "school1 may not send as school2, as the ISP, or relay for strangers"
for from in siti@school2.test postmaster@isp.test ali@outside.test; do
	if out=$(smtp 10025 --from "$from" --to x@outside.test); then
		fail "expected a refusal of MAIL FROM:<$from> through school1's tunnel, got: $out"
	fi
	grep -Eq '<\*\* *5[0-9][0-9]' <<<"$out" || fail "expected a 5xx for <$from>, got: $out"
done

check "ETRN through school1's port works for school.test only"
for dom in school2.test isp.test; do
	out=$(ns_exec "$ST_SNS" curl -sv --max-time 20 --url "smtp://127.0.0.1:10025" -X ETRN \
		--mail-rcpt "$dom" 2>&1 || true)
	grep -q '< 554' <<<"$out" || fail "expected 554 to ETRN $dom through school1's port, got: $(grep '^<' <<<"$out")"
done
out=$(ns_exec "$ST_SNS" curl -sv --max-time 20 --url "smtp://127.0.0.1:10025" -X ETRN \
	--mail-rcpt school.test 2>&1 || true)
grep -q '< 250' <<<"$out" || fail "expected 250 to ETRN school.test, got: $(grep '^<' <<<"$out")"
stop_tunnel

check "school1's key cannot reach school2's smtpd or the ISP's port 25"
for target in "$OUT2" 25; do
	tunnel "127.0.0.1:10027:127.0.0.1:$target" "127.0.0.1:$IN1:127.0.0.1:10026" ||
		fail "tunnel with a forbidden -L did not even start: $(cat "$T/tunnel.err")"
	if out=$(smtp 10027 --from budi@school.test --to ali@outside.test); then
		fail "expected no SMTP through a forward to 127.0.0.1:$target, got: $out"
	fi
	grep -q "open failed: administratively prohibited" "$T/tunnel.err" ||
		fail "expected sshd to refuse the forward to port $target, ssh said: $(cat "$T/tunnel.err")"
	stop_tunnel
done

check "school1's key cannot listen on school2's port"
if tunnel "127.0.0.1:10025:127.0.0.1:$OUT1" "127.0.0.1:$IN2:127.0.0.1:10026"; then
	fail "expected the remote forward on school2's port $IN2 to be refused"
fi
grep -q "remote port forwarding failed for listen port $IN2" "$T/tunnel.err" ||
	fail "expected 'remote port forwarding failed', ssh said: $(cat "$T/tunnel.err")"

check "school1's key runs no shell and no command"
rc=0
out=$(st_ssh school1 "$ST_ISP" /bin/sh -c id 2>&1 </dev/null) || rc=$?
[ "$rc" = 64 ] || fail "expected the gate to refuse a command (exit 64), got $rc: $out"
grep -q "only 'tunnel' and 'release'" <<<"$out" || fail "expected the gate's refusal, got: $out"
grep -q 'uid=' <<<"$out" && fail "a command ran at the ISP: $out"

check "a cut link leaves a stale forward; release drops it at once"
tunnel "127.0.0.1:10025:127.0.0.1:$OUT1" "127.0.0.1:$IN1:127.0.0.1:10026" ||
	fail "tunnel did not come up: $(cat "$T/tunnel.err")"
st_link_cut
kill -KILL "$TUN_PID" 2>/dev/null || true
wait "$TUN_PID" 2>/dev/null || true
exec 8>&-
TUN_PID=
st_link_up 192.0.2.11
if tunnel "127.0.0.1:10025:127.0.0.1:$OUT1" "127.0.0.1:$IN1:127.0.0.1:10026"; then
	fail "expected the ISP to still hold port $IN1 right after the cut (no keepalive can have fired)"
fi
grep -q "remote port forwarding failed for listen port $IN1" "$T/tunnel.err" ||
	fail "expected 'remote port forwarding failed', ssh said: $(cat "$T/tunnel.err")"
out=$(st_ssh school1 "$ST_ISP" release </dev/null 2>&1) || fail "release failed: $out"
[ "$out" = "surel-tunnel released school1 1" ] || fail "expected one session released, got: $out"
tunnel "127.0.0.1:10025:127.0.0.1:$OUT1" "127.0.0.1:$IN1:127.0.0.1:10026" ||
	fail "expected the tunnel right after release, ssh said: $(cat "$T/tunnel.err")"
stop_tunnel

check "remove takes school2 away in one command"
st_setup remove school2 >"$T/remove.out" 2>&1 || fail "remove failed: $(cat "$T/remove.out")"
rc=0
out=$(st_ssh school2 "$ST_ISP" tunnel </dev/null 2>&1) || rc=$?
[ "$rc" = 255 ] && grep -q "Permission denied" <<<"$out" ||
	fail "expected school2's key to be refused after remove, got $rc: $out"
grep -q "school2" "$T/isp/etc/surel-tunnels" && fail "school2 is still in surel-tunnels"
postconf -c "$T/isp/etc" -M | grep -q "127.0.0.1:$OUT2" && fail "school2's smtpd is still in master.cf"
[ "$(st_setup list | cut -d' ' -f1)" = school1 ] || fail "list shows: $(st_setup list)"

echo "PASS: isp-lockdown"
