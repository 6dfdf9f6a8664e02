#!/bin/bash
# NAME
#	etrn-route.sh - a school's held mail follows it to whatever address it dials in from
# DESCRIPTION
#	End-to-end, with real parts: an ISP Postfix configured by
#	surel-setup-isp, a private Dovecot for SMTP AUTH, surel-mxd, a
#	school Postfix and an outsider Postfix, each in its own network
#	namespace.  The school's curl says AUTH + ETRN exactly as dialctl
#	will.
#
#	1. Mail for school.test waits at the ISP while the school is away.
#	2. The school dials in from A (192.0.2.10), says ETRN, and receives
#	   the mail at A; mail sent while the route is fresh goes to A at once.
#	3. It hangs up; mail arrives meanwhile; the next session comes from
#	   B (198.51.100.10): ETRN, and the mail arrives at B.
#	4. An outsider (203.0.113.30) runs its own Postfix that would accept
#	   school.test: ETRN without AUTH, with another school's login, and
#	   with a wrong password are all refused, the route stays B, and after
#	   three refusals even a valid ETRN from that address gets 450.  The
#	   outsider receives nothing.
#	5. surel-mxd runs its second flush (postqueue -s, through its helper
#	   running as user postfix) after an ETRN, and postqueue completes.
#
#	qmgr keeps its last address resolution for 30 s (one entry).  So
#	that the ETRN's own flush re-resolves the waiting message instead of
#	waiting 30 s, the test sends one message to another school right
#	after it, as any busy MX would; notes/etrn-dynamic-route.md 3.1.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/mxd/common.sh"

T=$(mktemp -d /tmp/surel-mxd-etrn.XXXXXX)
NS_ISP=smxd-isp-$$
NS_SCH=smxd-sch-$$
NS_OUT=smxd-out-$$
MXD_PID=

# cleanup: stop every server, delete the namespaces and the directory.
cleanup() {
	local rc=$?
	mxd_stop "$T"
	mxd_stop_dovecot "$T"
	pf_stop "$T/isp"
	pf_stop "$T/school"
	pf_stop "$T/out"
	ns_delete "$NS_ISP" "$NS_SCH" "$NS_OUT"
	if [ $rc -ne 0 ]; then
		echo "--- ISP maillog" >&2; tail -n 40 "$T/isp/maillog" >&2 2>/dev/null || true
		echo "--- surel-mxd log" >&2; cat "$T/mxd.log" "$T/mxd.stderr" >&2 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# etrn NS ISP_ADDR DOMAIN [LOGIN:PASS]: AUTH + ETRN with curl; prints curl's exit
# status and the server's reply to ETRN ("0 < 250 2.0.0 Queuing started").
etrn() {
	local ns=$1 addr=$2 domain=$3 cred=${4:-} rc=0 out
	local -a auth=()
	[ -n "$cred" ] && auth=(-u "$cred" --sasl-ir)
	out=$(ns_exec "$ns" curl -sS -v --max-time 20 --url "smtp://$addr" "${auth[@]}" \
		-X ETRN --mail-rcpt "$domain" 2>&1) || rc=$?
	echo "$rc $(awk '/^> ETRN / {e = 1; next} e && /^< [0-9][0-9][0-9] / {print; exit}' <<<"$out")"
}

# send_mail SUBJECT RCPT: the outsider hands a message to the ISP MX.
send_mail() {
	ns_exec "$NS_OUT" swaks --server 203.0.113.1 --from "sender@outside.test" \
		--to "$2" --header "Subject: $1" --body "mail for the school: $1" >/dev/null ||
		fail "swaks could not hand '$1' to the ISP"
}

# route DOMAIN: what Postfix's own transport lookup (as user postfix) answers.
route() {
	setpriv --reuid postfix --regid postfix --clear-groups \
		postmap -q "$1" "sqlite:$T/isp/etc/surel-routes.cf"
}

# held_count: messages waiting in the ISP's queue.
held_count() {
	pf_queue_count "$T/isp"
}

# --- namespaces and servers
ns_create "$NS_ISP" "$NS_SCH" "$NS_OUT"
ns_link "$NS_ISP" vo 203.0.113.1/24 "$NS_OUT" veth0 203.0.113.30/24

pf_init "$T/isp" isp.test all
mxd_write_ini "$T" "$T/isp"
mxd_setup_isp "$T" "$T/isp" install >"$T/setup.log" || fail "surel-setup-isp install failed: $(cat "$T/setup.log")"
printf 'pw-school1-secret\n' >"$T/pw1"
printf 'pw-school2-secret\n' >"$T/pw2"
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test --password-file "$T/pw1" >>"$T/setup.log"
mxd_setup_isp "$T" "$T/isp" add-school school2 other.test --password-file "$T/pw2" >>"$T/setup.log"

pf_init "$T/school" school.test all
mxd_mailbox_init "$T/school"
pf_init "$T/out" impostor.test all
mxd_mailbox_init "$T/out"

pf_start "$T/isp" "$NS_ISP"
pf_start "$T/school" "$NS_SCH"
pf_start "$T/out" "$NS_OUT"
mxd_start_dovecot "$T"
mxd_start "$T"

# --- 1. mail waits while the school is away
check "mail for school.test is held at the ISP while the school has no route"
send_mail m1 siswa@school.test
send_mail cache-other-1 guru@other.test
pf_wait_log "$T/isp" "to=<siswa@school.test>.*status=deferred" 20 ||
	fail "expected m1 deferred at the ISP; log: $(grep siswa "$T/isp/maillog" || true)"
[ "$(route school.test)" = "surel-offline:" ] || fail "expected route surel-offline:, got '$(route school.test)'"
[ "$(held_count)" -ge 1 ] || fail "expected m1 in the ISP's queue"
grep -q 'status=bounced' "$T/isp/maillog" && fail "a message bounced: $(grep bounced "$T/isp/maillog")"

# --- 2. session from address A
ns_link "$NS_ISP" va 192.0.2.1/24 "$NS_SCH" veth0 192.0.2.10/24
check "school1 dials in from 192.0.2.10 and says ETRN school.test"
res=$(etrn "$NS_SCH" 192.0.2.1 school.test school1:pw-school1-secret)
[[ $res == "0 < 250 "* ]] || fail "expected curl exit 0 and 250, got '$res'"
[ "$(route school.test)" = "surel:[192.0.2.10]" ] || fail "expected route surel:[192.0.2.10], got '$(route school.test)'"
check "the held message arrives at 192.0.2.10"
mxd_wait_mail "$T/school" 1 30 || fail "expected m1 at the school, it has $(mxd_mail_count "$T/school")"
grep -q "to=<siswa@school.test>, relay=192.0.2.10\[192.0.2.10\]:25.*status=sent" "$T/isp/maillog" ||
	fail "expected the ISP log to show delivery to 192.0.2.10"
check "while the route is fresh, new mail goes to 192.0.2.10 at once"
send_mail m2 siswa@school.test
mxd_wait_mail "$T/school" 2 30 || fail "expected m2 at the school, it has $(mxd_mail_count "$T/school")"

# --- 3. hang up, mail arrives, session from address B
ip -n "$NS_ISP" link del va
check "after hang-up, mail waits; the next session comes from 198.51.100.10"
deferred_before=$(grep -c "to=<siswa@school.test>.*status=deferred" "$T/isp/maillog" || true)
send_mail m3 siswa@school.test
send_mail cache-other-2 guru@other.test
for ((i = 0; i < 150; i++)); do
	[ "$(grep -c "to=<siswa@school.test>.*status=deferred" "$T/isp/maillog" || true)" -gt "$deferred_before" ] && break
	sleep 0.2
done
[ "$i" -lt 150 ] || fail "expected m3 deferred while the school is unreachable"
ns_link "$NS_ISP" vb 198.51.100.1/24 "$NS_SCH" veth1 198.51.100.10/24
res=$(etrn "$NS_SCH" 198.51.100.1 school.test school1:pw-school1-secret)
[[ $res == "0 < 250 "* ]] || fail "expected curl exit 0 and 250 from B, got '$res'"
[ "$(route school.test)" = "surel:[198.51.100.10]" ] || fail "expected route surel:[198.51.100.10], got '$(route school.test)'"
mxd_wait_mail "$T/school" 3 40 || fail "expected m3 at the school (at B), it has $(mxd_mail_count "$T/school")"
grep -q "to=<siswa@school.test>, relay=198.51.100.10\[198.51.100.10\]:25.*status=sent" "$T/isp/maillog" ||
	fail "expected the ISP log to show delivery to 198.51.100.10"

# --- 4. the outsider
check "ETRN for school.test without AUTH from 203.0.113.30 is refused"
res=$(etrn "$NS_OUT" 203.0.113.1 school.test)
[[ $res == "8 < 554 "* ]] || fail "expected curl exit 8 and 554, got '$res'"
check "ETRN for school.test with school2's login is refused"
res=$(etrn "$NS_OUT" 203.0.113.1 school.test school2:pw-school2-secret)
[[ $res == "8 < 554 "* ]] || fail "expected 554 for another school's login, got '$res'"
check "a wrong password gets no further than AUTH"
res=$(etrn "$NS_OUT" 203.0.113.1 school.test school1:wrong-password)
[[ $res == "67 "* ]] || fail "expected curl exit 67 (login denied), got '$res'"
check "after three refusals the outsider's address is locked out, even for school2's own domain"
res=$(etrn "$NS_OUT" 203.0.113.1 school.test school2:pw-school2-secret)
[[ $res == "8 < 554 "* ]] || fail "expected the third refusal to be 554, got '$res'"
res=$(etrn "$NS_OUT" 203.0.113.1 other.test school2:pw-school2-secret)
[[ $res == "8 < 450 "* ]] || fail "expected 450 while locked out, got '$res'"
[ "$(route other.test)" = "surel-offline:" ] || fail "a locked-out ETRN changed other.test's route: '$(route other.test)'"
grep -q "locked out" "$T/mxd.log" || fail "expected surel-mxd to log the lockout"
check "the refusals changed no route, and the outsider received nothing"
[ "$(route school.test)" = "surel:[198.51.100.10]" ] || fail "expected route still surel:[198.51.100.10], got '$(route school.test)'"
send_mail m4 siswa@school.test
mxd_wait_mail "$T/school" 4 30 || fail "expected m4 at the school, it has $(mxd_mail_count "$T/school")"
[ "$(mxd_mail_count "$T/out")" = 0 ] || fail "the outsider received $(mxd_mail_count "$T/out") message(s)"
grep -q "relay=203.0.113.30" "$T/isp/maillog" && fail "the ISP connected to the outsider"
grep -c "refused" "$T/mxd.log" | { read -r n; [ "$n" -ge 3 ] || fail "expected >= 3 refusals logged, got $n"; }

# --- 5. the second flush
check "surel-mxd ran its second flush of school.test"
mxd_wait_file_line "$T/mxd.log" "second flush of school.test: postqueue -s done" 30 ||
	fail "expected 'postqueue -s done' for school.test in the surel-mxd log: $(grep -i flush "$T/mxd.log" || true)"
grep -q "failed" "$T/mxd.log" && fail "something failed in surel-mxd: $(grep failed "$T/mxd.log")"
grep -q 'status=bounced' "$T/isp/maillog" && fail "a message bounced: $(grep bounced "$T/isp/maillog")"
echo "PASS: etrn-route"
