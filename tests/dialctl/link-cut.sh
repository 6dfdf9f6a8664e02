#!/bin/bash
# NAME
#	link-cut.sh - the link is cut mid-transfer; everything still arrives
# DESCRIPTION
#	10 messages each way.  As soon as the first one has crossed, the
#	stand-in pppd plays "the modem hung up" (SIGUSR2: the link goes away,
#	ip-down runs, pppd exits 16).  dialctl must notice the lost link,
#	re-dial within its attempts and exchange again; the ledger shows 2
#	attempts and pppd's reason.  A delivery that the cut left half-open
#	(no peer left on the other side) cannot finish: Postfix times it out
#	(30 s here) and keeps the message, and dialctl must not wait for it
#	forever ([dial] stall).  So every message must arrive, in this
#	session or, for what the cut stranded, in at most two more sessions
#	dialled after Postfix gave up on the dead connections.  Duplicates
#	(SMTP's at-least-once edge when a cut falls on the final dot) are
#	counted and shown, not hidden.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup cut
dc_ini_set dial stall 45s
dc_send_out 10
dc_hold_in 10
dc_wait_held "$T/school" 10
dc_wait_held "$T/isp" 10
dc_start

check "dial, then cut the link once the first message has crossed"
dc_cmd dial >/dev/null || fail "dialctl dial was refused"
for ((i = 0; i < 300; i++)); do
	[ $(($(dc_count "$T/isp") + $(dc_count "$T/school"))) -ge 1 ] && break
	sleep 0.2
done
[ $(($(dc_count "$T/isp") + $(dc_count "$T/school"))) -ge 1 ] || fail "no message crossed within 60 s"
[ -s "$(dc_link_pidfile)" ] || fail "no pppd pid file while the link is up"
dc_link_cut
echo "cut the link after $(dc_count "$T/isp") out, $(dc_count "$T/school") in"

check "dialctl re-dials after the cut and the session ends"
dc_wait_sessions 1 200 || fail "no session recorded within 200 s"
grep -q 'link lost mid-session; re-dialling' "$T/dialctl.log" || fail "no re-dial after the cut"
row=$(dc_sql 'SELECT attempts, errors FROM session WHERE id = 1')
echo "ledger: $row"
grep -q '^2 ' <<<"$row" || fail "expected 2 dial attempts in the ledger: $row"
grep -q 'modem hung up' <<<"$row" || fail "expected pppd's exit reason (modem hung up) in the errors: $row"

# dc_active DIR: messages in DIR's active or incoming queue.
dc_active() {
	postqueue -c "$1/etc" -j | grep -c '"queue_name": "\(active\|incoming\)"' || true
}

check "every message arrives, at most two more sessions for what the cut stranded"
for n in 2 3; do
	[ "$(dc_unique "$T/isp")" = 10 ] && [ "$(dc_unique "$T/school")" = 10 ] && break
	echo "after session $((n - 1)): $(dc_unique "$T/isp") out, $(dc_unique "$T/school") in; waiting for Postfix to give up on dead connections"
	for ((i = 0; i < 400; i++)); do
		[ "$(dc_active "$T/school")" = 0 ] && [ "$(dc_active "$T/isp")" = 0 ] && break
		sleep 0.2
	done
	dc_cmd dial >/dev/null || fail "dialctl dial for session $n was refused"
	dc_wait_sessions "$n" 150 || fail "session $n was not recorded within 150 s"
done
out=$(dc_unique "$T/isp") in=$(dc_unique "$T/school")
echo "arrived in $(dc_sessions) session(s): $out distinct of 10 out ($(dc_count "$T/isp") files), $in distinct of 10 in ($(dc_count "$T/school") files)"
[ "$out" = 10 ] || fail "expected all 10 outbound messages at outside.test, $out arrived"
[ "$in" = 10 ] || fail "expected all 10 inbound messages at the school, $in arrived"
dups=$(($(dc_count "$T/isp") + $(dc_count "$T/school") - 20))
echo "duplicates delivered because of the cut: $dups"

check "the link is down, both queues are empty"
ip netns exec "$DC_SNS" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"
[ "$(pf_queue_count "$T/school")" = 0 ] || fail "school queue not empty: $(pf_queue_json "$T/school")"
[ "$(pf_queue_count "$T/isp")" = 0 ] || fail "ISP queue not empty: $(pf_queue_json "$T/isp")"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
