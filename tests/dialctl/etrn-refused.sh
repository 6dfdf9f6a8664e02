#!/bin/bash
# NAME
#	etrn-refused.sh - ETRN refused, then the ISP's host unreachable
# DESCRIPTION
#	The ISP refuses ETRN (smtpd_etrn_restrictions = reject: 554).  The
#	session must still flush the school's outbound mail, log and record
#	the refusal with the server's words, and drop the link promptly
#	(because nothing is left, not on a limit); the ISP keeps the school's
#	mail.  Then [etrn] host points at an address no route leads to and
#	the daemon reloads (SIGHUP): the next session records the connection
#	failure and hangs up the same way.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup etrn
pf_conf "$T/isp" "smtpd_etrn_restrictions=reject"
postfix -c "$T/isp/etc" reload >/dev/null 2>&1 || fail "ISP Postfix reload failed"
dc_send_out 2
dc_hold_in 2
dc_wait_held "$T/school" 2
dc_wait_held "$T/isp" 2
dc_start

check "ETRN refused: logged with the server's answer, outbound still sent, link dropped"
dc_cmd dial >/dev/null || fail "dialctl dial was refused"
dc_wait_sessions 1 120 || fail "no session recorded within 120 s"
grep -q 'ETRN school.test to 192.0.2.1 refused or failed: 554' "$T/dialctl.log" ||
	fail "expected the 554 refusal in dialctl's log"
row=$(dc_sql 'SELECT msgs_out, etrn, errors FROM session WHERE id = 1')
echo "ledger: $row"
grep -q '^2 ' <<<"$row" || fail "expected the 2 outbound messages to be sent: $row"
grep -q 'ETRN school.test: 554' <<<"$row" || fail "expected 'ETRN school.test: 554' in the ledger's errors: $row"
[ "$(dc_count "$T/isp")" = 2 ] || fail "expected 2 messages at outside.test, found $(dc_count "$T/isp")"
[ "$(dc_count "$T/school")" = 0 ] || fail "the ISP delivered although ETRN was refused"
grep -q 'hanging up: nothing left to carry and the link is quiet' "$T/dialctl.log" ||
	fail "expected a prompt hang-up (nothing left), not a limit"
ip netns exec "$DC_SNS" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"
st=$(dc_cmd status)
grep -q '^state: idle' <<<"$st" || fail "expected state idle after the session: $st"

check "ISP host unreachable after SIGHUP: recorded, link dropped"
dc_ini_set etrn host 203.0.113.250
kill -HUP "$DC_PID"
for ((i = 0; i < 50; i++)); do
	grep -q 'configuration reloaded' "$T/dialctl.log" && break
	sleep 0.1
done
dc_cmd dial >/dev/null || fail "second dialctl dial was refused"
dc_wait_sessions 2 120 || fail "no second session recorded within 120 s"
row=$(dc_sql 'SELECT etrn, errors FROM session WHERE id = 2')
echo "ledger: $row"
grep -q 'ETRN school.test: 0 .*\(unreachable\|connect\|timed out\)' <<<"$row" ||
	fail "expected the connection failure in the ledger: $row"
[ "$(grep -c 'hanging up: nothing left to carry' "$T/dialctl.log")" = 2 ] ||
	fail "expected the second session to hang up because nothing was left"
ip netns exec "$DC_SNS" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"
[ "$(pf_queue_count "$T/isp")" = 2 ] || fail "the ISP should still hold the school's 2 messages"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
