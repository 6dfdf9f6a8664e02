#!/bin/bash
# NAME
#	schedule.sh - the schedule fires; SIGHUP reloads the configuration
# DESCRIPTION
#	The daemon starts with a schedule that does not fire today; SIGHUP
#	loads one that fires at the start of the next minute (so this test
#	waits up to about a minute).  "dialctl status" must name that time as
#	the next trigger, and at that minute a session with trigger
#	"schedule" must start (pppd is called).  The stand-in pppd does not
#	come up here (exit 8), which keeps the test free of mail servers.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup_bare schedule
dc_ini_set dial attempts 1
dc_peer_set fail 8
# Far from now: two hours ahead (wraps around midnight, still not "now").
dc_ini_set dial schedule "daily $(date -d '+2 hours' +%H:00)"
dc_start

check "SIGHUP reloads surel.ini with a schedule for the next minute"
next=$(date -d '+1 minute' +%H:%M)
dc_ini_set dial schedule "daily $next"
kill -HUP "$DC_PID"
ok=
for ((i = 0; i < 50; i++)); do
	if dc_cmd status | grep -q "^next trigger: $(date -d '+1 minute' +%Y-%m-%d) $next:00 (schedule)"; then
		ok=1
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || fail "expected next trigger $next (schedule) after SIGHUP, status says: $(dc_cmd status)"
grep -q 'configuration reloaded' "$T/dialctl.log" || fail "no 'configuration reloaded' in the log"

check "a broken surel.ini on SIGHUP keeps the old settings"
cp "$T/surel.ini" "$T/surel.ini.good"
echo "bogus_key = 1" >>"$T/surel.ini"
kill -HUP "$DC_PID"
for ((i = 0; i < 50; i++)); do
	grep -q 'reload refused, keeping the old settings' "$T/dialctl.log" && break
	sleep 0.1
done
grep -q 'reload refused, keeping the old settings.*bogus_key' "$T/dialctl.log" ||
	fail "expected the bad key to be named and the reload refused"
mv "$T/surel.ini.good" "$T/surel.ini"
dc_cmd status | grep -q "(schedule)" || fail "the schedule was lost by a refused reload"

check "at $next the schedule fires and dialctl dials"
dc_wait_sessions 1 90 || fail "no session started by the schedule by $next"
grep -q 'call isp' "$T/run/calls.log" || fail "pppd was not called"
trig=$(dc_sql 'SELECT trigger FROM session')
[ "$trig" = schedule ] || fail "expected a session with trigger 'schedule', got '$trig'"
started=$(dc_sql "SELECT strftime('%H:%M', started, 'unixepoch', 'localtime') FROM session")
[ "$started" = "$next" ] || fail "expected the session to start at $next, it started at $started"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
