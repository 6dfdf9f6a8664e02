#!/bin/bash
# NAME
#	session.sh - mail both ways crosses in one session, the link drops after
# DESCRIPTION
#	The school holds 6 messages for outside (defer_transports), the ISP
#	holds 6 for the school (until ETRN).  "dialctl dial" raises the
#	56 kbit/s link through fake-pppd; the session must flush, say ETRN,
#	carry all 12 messages, hang up because nothing is left (not because
#	of the maximum session length), and record the session in the ledger
#	with its bytes, messages, ETRN answer and cost.  The stand-in plays a
#	"pty" link, where the real pppd gives the hooks an empty tty argument
#	(dialctl-hook once refused it, and no session ever came up).
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup session
dc_roster 4 1
dc_send_out 6
dc_hold_in 6
dc_wait_held "$T/school" 6
dc_wait_held "$T/isp" 6
# ETRN again every 2 s while mail crosses (a long session's route refresh, shortened).
dc_ini_set etrn refresh 2s
dc_peer_set pty 1
dc_start

check "dialctl status before dialling says idle, etrn mode, link down, 6 held outbound"
st=$(dc_cmd status) || fail "dialctl status failed"
echo "$st"
grep -q '^state: idle' <<<"$st" || fail "expected state idle, got: $st"
grep -q '^mode: etrn (relay and ETRN to ' <<<"$st" || fail "expected etrn mode, got: $st"
grep -q '^link: down' <<<"$st" || fail "expected link down, got: $st"
grep -q '^queue: 6 outbound' <<<"$st" || fail "expected 6 outbound in status, got: $st"

check "dialctl dial starts a session"
dc_cmd dial >/dev/null || fail "dialctl dial was refused"
dc_wait_sessions 1 150 || fail "no session recorded within 150 s"

check "all 6 outbound messages reached the ISP, all 6 inbound reached the school"
[ "$(dc_count "$T/isp")" -eq 6 ] || fail "expected 6 messages at outside.test, found $(dc_count "$T/isp")"
[ "$(dc_count "$T/school")" -eq 6 ] || fail "expected 6 messages at school.test, found $(dc_count "$T/school")"

check "the link is down and pppd gone"
ip netns exec "$DC_SNS" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"
[ ! -e "$(dc_link_pidfile)" ] || fail "pppd is still running"

check "dialctl hung up because nothing was left, not on a limit"
grep -q 'hanging up: nothing left to carry and the link is quiet' "$T/dialctl.log" ||
	fail "no 'nothing left to carry' hang-up in the log"

check "while mail crossed, ETRN went again to keep the ISP's route fresh"
grep -q 'ETRN once more: a long session' "$T/dialctl.log" || fail "no route-refreshing ETRN in the log"
n=$(grep -c 'disconnect from .* etrn=1' "$T/isp/maillog" || true)
[ "$n" -ge 2 ] || fail "expected the ISP to see ETRN at least twice, it saw $n"
echo "  the ISP saw $n ETRNs"

check "the ledger row: manual trigger, ETRN 250, 6 out, 6 in, bytes and cost"
row=$(dc_sql 'SELECT trigger, attempts, msgs_out, msgs_in, bytes_sent > 30000,
	bytes_rcvd > 30000, cost, etrn FROM session')
echo "ledger: $row"
read -r trig att mout min bs br cost etrn <<<"$row"
[ "$trig" = manual ] || fail "expected trigger manual, got $trig"
[ "$att" = 1 ] || fail "expected 1 dial attempt, got $att"
[ "$mout" = 6 ] || fail "expected 6 messages out in the ledger, got $mout"
[ "$min" = 6 ] || fail "expected 6 messages in in the ledger, got $min"
[ "$bs" = 1 ] && [ "$br" = 1 ] || fail "expected more than 30,000 bytes each way, got: $row"
[ "$cost" -ge 415 ] || fail "expected at least one call and one minute (Rp 415), got Rp $cost"
grep -q '250' <<<"$etrn" || fail "expected ETRN 250 in the ledger, got: $etrn"

check "dialctl report shows the session and its cost"
# The session's own month, not today's: a month may turn while the test runs.
month=$(dc_sql "SELECT strftime('%Y-%m', started, 'unixepoch', 'localtime') FROM session")
rep=$(dc_cmd report --month "$month") || fail "dialctl report --month $month failed"
echo "$rep"
# Rupiah as Indonesians write them: "Rp 1.234", a share rounded up to the whole Rupiah.
rp=$(python3 -c "print('Rp ' + f'{$cost:,}'.replace(',', '.'))")
grep -Eq "^total +1 +[0-9]+ +[0-9.]+ +${rp//./\\.}\$" <<<"$rep" || fail "report total does not show 1 session at $rp"
per=$(python3 -c "print('Rp ' + f'{-(-$cost // 4):,}'.replace(',', '.'))")
grep -qF "students: 4 active; $per per student this month" <<<"$rep" ||
	fail "expected $per per student (4 active students, the teacher not counted)"

check "both queues are empty"
[ "$(pf_queue_count "$T/school")" = 0 ] || fail "school queue not empty: $(pf_queue_json "$T/school")"
[ "$(pf_queue_count "$T/isp")" = 0 ] || fail "ISP queue not empty: $(pf_queue_json "$T/isp")"

check "a one-line message from outside, over in a blink, is still counted as in"
printf 'From: ali@outside.test\nTo: siti@school.test\nSubject: short\n\nok\n' |
	pf_sendmail "$T/isp" -f ali@outside.test siti@school.test
# It waits at the ISP: held by defer_transports or, when the ISP's Postfix tries it at
# once (seen right after a session with several ETRNs), deferred as unreachable.
dc_wait_queued "$T/isp" 1 '"queue_name": "deferred"' deferred
dc_cmd dial >/dev/null || fail "the second dial was refused"
dc_wait_sessions 2 150 || fail "no second session recorded within 150 s"
[ "$(dc_count "$T/school")" -eq 7 ] || fail "expected the short message delivered, found $(dc_count "$T/school") in all"
min2=$(dc_sql 'SELECT msgs_in FROM session ORDER BY id DESC LIMIT 1')
[ "$min2" = 1 ] || fail "expected 1 message in for the second session, the ledger says '$min2'"

check "SIGTERM stops the daemon cleanly"
dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
grep -q 'stopped' "$T/dialctl.log" || fail "no clean stop in the log"
echo "PASS"
