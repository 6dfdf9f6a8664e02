#!/bin/bash
# NAME
#	exchange.sh - batch mode: both spools cross in one session, answered message by message
# DESCRIPTION
#	The world of the ssh suites (tests/ssh/common.sh: school behind a
#	carrier NAT, real sshd and Postfix at the ISP) with school1 in batch
#	mode on both sides (st_batch_world).
#	- Offline, each side's Postfix hands its mail to surel-batch's spool
#	  at once (the pipe transport; nothing deferred, nothing bounced),
#	  one copy per recipient of a message to two people.
#	- One dialctl session carries both spools over one SSH connection and
#	  hangs up as soon as both sides confirmed, without the quiet grace;
#	  every message arrives once, both spools are empty, the ledger says
#	  mode batch with the messages counted and fewer wire bytes than
#	  message bytes, and the envelope survives (a sender with a quoted
#	  local part, the recipients as given).
#	- A message the receiving Postfix refuses for good is reported to
#	  its sender by the side that accepted it, once per direction; the
#	  report for an outside sender (mail an alias forwarded, which the
#	  ISP will not relay) waits in the school's spool for the next
#	  session, not lost.
#	- Mail waiting in the spool (not in Postfix's queue) counts for
#	  [dial] queue_messages: four spooled messages start a session.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
trap st_cleanup EXIT
N=5

st_setup_world bx
st_batch_world
st_write_ini batch
# Both sides refuse, at the end of the data, a message whose subject asks for it.
echo '/^Subject: refuse me/ REJECT 5.7.1 refused by this test' >"$T/refuse.regexp"
for d in "$T/school" "$T/isp"; do     # only what comes in by SMTP: not the test's own sendmail
	pf_conf "$d" "header_checks=regexp:$T/refuse.regexp"
	postconf -c "$d/etc" -P "pickup/unix/receive_override_options=no_header_body_checks"
done
postfix -c "$T/school/etc" reload >/dev/null 2>&1
postfix -c "$T/isp/etc" reload >/dev/null 2>&1

check "offline: each side's mail goes into its spool at once, one copy per recipient"
dc_send_out "$N"
dc_hold_in "$N"
printf 'From: budi@school.test\nSubject: two people\nMessage-ID: <two.%s@test>\n\nto both\n' $$ |
	pf_sendmail "$T/school" -f budi@school.test ali@outside.test eko@outside.test
printf 'From: ali@outside.test\nSubject: refuse me\nMessage-ID: <rin.%s@test>\n\nno\n' $$ |
	pf_sendmail "$T/isp" -f ali@outside.test siti@school.test
printf 'From: budi@school.test\nSubject: refuse me\nMessage-ID: <rout.%s@test>\n\nno\n' $$ |
	pf_sendmail "$T/school" -f budi@school.test ali@outside.test
printf 'From: x\nSubject: quoted\nMessage-ID: <q.%s@test>\n\nq\n' $$ |
	pf_sendmail "$T/isp" -f '"ali baba"@outside.test' siti@school.test
# Mail an alias forwards keeps its outside sender: the ISP refuses to relay it.
printf 'From: dewi@outside.test\nSubject: forwarded\nMessage-ID: <fw.%s@test>\n\nfw\n' $$ |
	pf_sendmail "$T/school" -f dewi@outside.test bob@outside.test
st_wait_spooled "$T/school-spool" $((N + 4)) ||
	fail "expected $((N + 4)) messages in the school's spool, got $(st_spooled "$T/school-spool")"
st_wait_spooled "$T/isp-spool/school1" $((N + 2)) ||
	fail "expected $((N + 2)) in the ISP's spool, got $(st_spooled "$T/isp-spool/school1")"
grep -q "status=deferred\|status=bounced" "$T/isp/maillog" "$T/school/maillog" &&
	fail "a spool delivery was deferred or bounced: $(grep -h 'status=deferred\|status=bounced' "$T"/*/maillog | head -3)"
grep -q "relay=surel-batch, .*status=sent" "$T/school/maillog" || fail "the school's pipe transport was not used"

check "one session carries both spools and hangs up when both sides confirmed"
dc_start
dc_cmd status | grep -q "^mode: batch (root@$ST_ISP port $ST_SSH_PORT; spool $T/school-spool: $((N + 4)) waiting)" ||
	fail "dialctl status does not show batch mode: $(dc_cmd status)"
dc_cmd dial >/dev/null || fail "dialctl dial refused"
dc_wait_sessions 1 180 || fail "the session did not end within 180 s"
grep -q "hanging up: the exchange is complete and nothing else crosses the link" "$T/dialctl.log" ||
	fail "the session did not hang up on both sides' confirmation: $(grep -i 'hang' "$T/dialctl.log" | tail -3)"
# Out: N, one message to two people, and the report to ali; in: N, the quoted
# sender's, and the report to budi.
dc_wait_count "$T/isp" $((N + 3)) 20 || fail "expected $((N + 3)) messages at the ISP, got $(dc_count "$T/isp")"
dc_wait_count "$T/school" $((N + 2)) 20 || fail "expected $((N + 2)) messages at the school, got $(dc_count "$T/school")"
[ "$(dc_unique "$T/isp")" = $((N + 2)) ] || fail "expected $((N + 2)) distinct messages at the ISP, got $(dc_unique "$T/isp")"
[ "$(dc_unique "$T/school")" = $((N + 2)) ] || fail "expected $((N + 2)) distinct messages at the school, got $(dc_unique "$T/school")"
[ "$(dc_count "$T/isp")" = $((N + 3)) ] && [ "$(dc_count "$T/school")" = $((N + 2)) ] ||
	fail "more than expected arrived: $(dc_count "$T/isp") at the ISP, $(dc_count "$T/school") at the school"
[ "$(st_spooled "$T/school-spool")" = 1 ] && grep -q "^to dewi@outside.test$" "$T"/school-spool/new/* ||
	fail "the school's spool should hold only the report to dewi, for the next session: $(head -3 "$T"/school-spool/new/*)"
[ "$(st_spooled "$T/isp-spool/school1")" = 0 ] || fail "the ISP's spool still holds $(st_spooled "$T/isp-spool/school1")"
grep -q "qmgr.*from=<\"ali baba\"@outside.test>" "$T/school/maillog" ||
	fail "the quoted sender did not survive: $(grep 'ali baba' "$T/school/maillog" | head -2)"
grep -q "to=<eko@outside.test>.*status=sent" "$T/isp/maillog" || fail "the second recipient did not get its copy"
grep -q "postfix/tunnel-school1/smtpd" "$T/isp/maillog" || fail "outbound mail did not go through school1's own smtpd"
grep -q "/surel-tunnel-in/smtpd" "$T/school/maillog" || fail "inbound mail did not come through the tunnel-only smtpd"

check "the ledger: mode batch, messages counted, fewer wire bytes than message bytes"
read -r mode out in payload wire <<<"$(dc_sql 'SELECT mode, msgs_out, msgs_in, payload_bytes, wire_bytes FROM session')"
[ "$mode" = batch ] || fail "expected mode batch in the ledger, got '$mode'"
[ "$out" = $((N + 4)) ] && [ "$in" = $((N + 1)) ] ||
	fail "expected $((N + 4)) out (two refused) and $((N + 1)) in in the ledger, got $out/$in"
[ -n "$payload" ] && [ "$payload" -gt "$wire" ] && [ "$wire" -gt 0 ] ||
	fail "expected payload bytes > wire bytes > 0, got '$payload' '$wire'"
echo "  ledger: $payload message bytes carried as $wire"

check "a refused message goes back to its sender from the side that accepted it"
bounce_to() { grep -l "^Subject: Surat tidak terkirim" "$1"/mail/*/new/* 2>/dev/null | head -1; }
b=$(bounce_to "$T/school")
[ -n "$b" ] || fail "budi got no report of his refused message"
grep -q "^Final-Recipient: rfc822; ali@outside.test" "$b" && grep -q "^Status: 5.7.1" "$b" &&
	grep -q "^Subject: refuse me" "$b" || fail "budi's report lacks the recipient, status or headers: $(cat "$b")"
b=$(bounce_to "$T/isp")
[ -n "$b" ] || fail "ali got no report of his refused message"
grep -q "^Final-Recipient: rfc822; siti@school.test" "$b" || fail "ali's report does not name siti: $(cat "$b")"
grep -q "^Return-Path: <>" "$b" || fail "a report must come from the empty sender"
dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC"

check "mail waiting in the spool fires the queue-size trigger"
sed -i '/^\[dial\]/a queue_messages = 4\ncheck_interval = 1s' "$T/surel.ini"
dc_send_out 3
st_wait_spooled "$T/school-spool" 4 || fail "the three messages were not spooled beside dewi's report"
dc_start
dc_wait_sessions 2 120 || fail "no session started for the four spooled messages"
trigger=$(dc_sql "SELECT trigger FROM session ORDER BY started DESC LIMIT 1")
[ "$trigger" = queue-size ] || fail "expected the queue-size trigger, got '$trigger'"
dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC"
echo "PASS: batch exchange"
