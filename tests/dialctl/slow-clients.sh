#!/bin/bash
# NAME
#	slow-clients.sh - slow and silent control clients delay nothing
# DESCRIPTION
#	While a session carries 3 messages each way, 50 clients sit on the
#	control socket without a word and one more sends "status" a byte
#	every 1.5 s and never ends its line (tests/dialctl/hostile-clients;
#	each one dropped connects again).  The daemon must still answer
#	"dialctl status" (within a generous 10 s, several times), drop the
#	oldest at the cap, saying so in its log, and end the session as it
#	does without them: all mail across, hung up because nothing was
#	left, one dial.  Then, under the cap, the slow client and 5 silent
#	ones must be dropped at their deadline, and the log must say so.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"

HOSTILE_PID=
# start_hostile SILENT: that many silent clients and a slow one (hostile-clients).
start_hostile() {
	"$SUREL_SRC_DIR/tests/dialctl/hostile-clients" "$T/run/dialctl.sock" "$1" 1.5 \
		>"$T/hostile.out" 2>&1 &
	HOSTILE_PID=$!
	sleep 1
	kill -0 "$HOSTILE_PID" 2>/dev/null || fail "hostile-clients could not connect: $(cat "$T/hostile.out")"
}

# stop_hostile: SIGTERM the hostile clients, keep what they counted in HOSTILE.
stop_hostile() {
	[ -n "$HOSTILE_PID" ] || return 0
	kill -TERM "$HOSTILE_PID" 2>/dev/null || true
	wait "$HOSTILE_PID" 2>/dev/null || true
	HOSTILE_PID=
	HOSTILE=$(cat "$T/hostile.out" 2>/dev/null || true)
}
trap 'stop_hostile; dc_cleanup' EXIT

dc_setup slow-clients
dc_send_out 3
dc_hold_in 3
dc_wait_held "$T/school" 3
dc_wait_held "$T/isp" 3
dc_start

check "50 silent clients and a slow one connect"
start_hostile 50

check "dialctl status answers while they are connected"
st=$(timeout 10 ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" status) ||
	fail "dialctl status got no answer within 10 s with 50 silent clients connected"
grep -q '^state: idle' <<<"$st" || fail "expected state idle, got: $st"

check "dialctl dial starts a session"
timeout 10 ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" dial >/dev/null ||
	fail "dialctl dial was refused or got no answer within 10 s"

check "status answers during the session too"
for i in 1 2 3; do
	sleep 2
	st=$(timeout 10 ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" status) ||
		fail "dialctl status got no answer within 10 s during the session (round $i)"
	grep -q '^state: ' <<<"$st" || fail "a status without a state: $st"
done

check "the session ends as it does without them"
dc_wait_sessions 1 150 || fail "no session recorded within 150 s"
stop_hostile
echo "  hostile clients: $HOSTILE"
[ "$(dc_count "$T/isp")" -eq 3 ] || fail "expected 3 messages at outside.test, found $(dc_count "$T/isp")"
[ "$(dc_count "$T/school")" -eq 3 ] || fail "expected 3 messages at school.test, found $(dc_count "$T/school")"
grep -q 'hanging up: nothing left to carry and the link is quiet' "$T/dialctl.log" ||
	fail "the session did not hang up because nothing was left"
row=$(dc_sql 'SELECT trigger, attempts, msgs_out, msgs_in FROM session')
[ "$row" = "manual 1 3 3" ] || fail "expected 'manual 1 3 3' (trigger, dials, out, in) in the ledger, got '$row'"
ip netns exec "$DC_SNS" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"

check "the daemon said why it dropped clients at the cap"
grep -q 'dropped client pid .*: 32 clients connected, the most taken; the oldest makes room' \
	"$T/dialctl.log" || fail "no log line for a client dropped at the cap"

check "under the cap, the slow client and 5 silent ones are dropped at their deadline"
start_hostile 5
for ((i = 0; i < 150; i++)); do
	grep -q 'dropped client pid .*: no whole request line before its deadline' "$T/dialctl.log" &&
		break
	sleep 0.2
done
grep -q 'dropped client pid .*: no whole request line before its deadline' "$T/dialctl.log" ||
	fail "no log line for a client dropped at its deadline within 30 s"
timeout 10 ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" status >/dev/null ||
	fail "dialctl status got no answer within 10 s"
stop_hostile
echo "  hostile clients: $HOSTILE"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
