#!/bin/bash
# NAME
#	lockdown.sh - batch mode: a school's key reaches its own spool and nothing else
# DESCRIPTION
#	Two schools in batch mode at one ISP (school1: school.test,
#	school2: school2.test), mail held for both.  With school1's key:
#	- no command but the exchange ("sh -c id", "serve school2",
#	  "batch; id" are refused with a message and exit 64);
#	- no forwarding: a local forward to school2's smtpd entry point
#	  leads nowhere, a remote forward is refused;
#	- an exchange receives school1's mail only; school2's stays in its
#	  spool, untouched;
#	- a message school1 sends with a sender of school2's domain is refused
#	  by school1's own smtpd at the ISP and relayed nowhere;
#	- another local user at the ISP cannot read a school's spool.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
trap st_cleanup EXIT
B=$SUREL_BIN_DIR/batch/surel-batch

st_setup_world bl
st_batch_world
ssh-keygen -q -t ed25519 -N '' -C root@school2 -f "$T/keys/school2"
st_setup add school2 school2.test --key "$T/keys/school2.pub" --mode batch >"$T/setup-school2.out" 2>&1 ||
	fail "ssh-add school2 failed: $(cat "$T/setup-school2.out")"
printf 'Subject: for school1\n\nhi\n' | pf_sendmail "$T/isp" -f ali@outside.test siti@school.test
printf 'Subject: for school2\n\nhi\n' | pf_sendmail "$T/isp" -f ali@outside.test rudi@school2.test
st_wait_spooled "$T/isp-spool/school1" 1 || fail "school1's mail was not spooled"
st_wait_spooled "$T/isp-spool/school2" 1 || fail "school2's mail was not spooled"
st_link_up

check "school1's key runs nothing but the exchange"
for req in "sh -c id" "serve --spool-root /tmp school2" "batch; id" "scp -t /tmp"; do
	rc=0
	st_ssh school1 "$ST_ISP" "$req" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] && grep -q "only 'batch' is allowed" "$T/err" ||
		fail "'$req' was not refused (exit $rc): $(cat "$T/out" "$T/err")"
done

check "school1's key forwards nothing"
out2=$(sed -n 's/^# ports \([0-9]*\) .*/\1/p' "$T/isp/etc/surel-tunnel.d/school2")
[ -n "$out2" ] || fail "no port for school2"
st_ssh_cmd school1 -N -o ExitOnForwardFailure=yes -L "127.0.0.1:19999:127.0.0.1:$out2" "$ST_ISP"
"${ST_SSH_CMD[@]}" </dev/null 2>"$T/fwd.err" &
fwd=$!
for ((i = 0; i < 100; i++)); do
	ip netns exec "$ST_SNS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/19999' 2>/dev/null && break
	sleep 0.1
done
greeting=$(timeout 10 ip netns exec "$ST_SNS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/19999 && timeout 5 head -n 1 <&3' 2>/dev/null || true)
kill "$fwd" 2>/dev/null || true
wait "$fwd" 2>/dev/null || true
[ -z "$greeting" ] || fail "a local forward reached school2's smtpd: $greeting"
grep -q "refused local port forward\|administratively prohibited\|port forwarding.* disabled\|forwarding.*not permitted" "$T/sshd.log" "$T/fwd.err" ||
	fail "sshd did not refuse the forward: $(tail -n 5 "$T/sshd.log")"
rc=0
st_ssh school1 -N -o ExitOnForwardFailure=yes -R 127.0.0.1:19998:127.0.0.1:25 "$ST_ISP" </dev/null >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] && grep -qi "forwarding failed" "$T/err" || fail "a remote forward was allowed (exit $rc): $(cat "$T/err")"

check "an exchange with school1's key gets school1's mail, and school2's stays"
mkdir -p "$T/attacker"
printf 'From: x@school2.test\nSubject: forged\n\nforged\n' |
	"$B" spool --spool "$T/attacker" --sender=x@school2.test -- ali@outside.test 2>/dev/null
st_ssh_cmd school1 "$ST_ISP" batch
ip netns exec "$ST_SNS" "$B" exchange --spool "$T/attacker" --deliver-to 127.0.0.1:10026 -- \
	"$(command -v ssh)" "${ST_SSH_CMD[@]:5}" >"$T/figures" 2>"$T/exchange.err" ||
	fail "the exchange failed: $(cat "$T/exchange.err")"
grep -q "received=1 queued=1 " "$T/figures" || fail "expected school1's one message: $(cat "$T/figures")"
[ "$(st_spooled "$T/isp-spool/school2")" = 1 ] || fail "school2's spool was touched"
grep -q "rudi@school2.test" "$T/school/maillog" && fail "school2's mail reached school1"

check "a sender of school2's domain is refused by school1's smtpd at the ISP"
grep -q "sent=1 delivered=0 refused=1 " "$T/figures" || fail "the forged sender was not refused: $(cat "$T/figures")"
grep -q "tunnel-school1/smtpd.*reject.*x@school2.test" "$T/isp/maillog" ||
	fail "school1's smtpd did not log the refusal: $(grep school2 "$T/isp/maillog" | tail -3)"
grep -rq "Subject: forged" "$T/isp/mail" && fail "the forged message was delivered"

check "another local user at the ISP cannot read a school's spool"
runuser -u daemon -- ls "$T/isp-spool/school2/new" >/dev/null 2>&1 && fail "user daemon can list school2's spool"
echo "PASS: batch lockdown"
