#!/bin/bash
# NAME
#	schedule.sh - the schedule fires; SIGHUP reloads the configuration
# DESCRIPTION
#	The daemon starts with a schedule that does not fire for hours;
#	SIGHUP loads one two hours ahead, and "dialctl status" must name
#	exactly that time as the next trigger; a broken surel.ini on SIGHUP
#	must keep it.  Then SIGHUP loads one that fires at each of the next
#	three minutes, and a session with trigger "schedule" must start at
#	one of them (pppd is called; so this test waits up to about a
#	minute).  Every time is computed from one reading of the clock and
#	is far enough from it, or has a spare, so a minute turning during
#	the test changes nothing.  The stand-in pppd does not come up here
#	(exit 8), which keeps the test free of mail servers.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

# hhmm EPOCH: the local time of day of a Unix time, as a schedule writes it.
hhmm() {
	date -d "@$1" +%H:%M
}

dc_setup_bare schedule
dc_ini_set dial attempts 1
dc_peer_set fail 8
now=$(date +%s)
# Five hours ahead: nothing fires while this test runs.
dc_ini_set dial schedule "daily $(hhmm $((now + 5 * 3600)))"
dc_start

far=$(((now + 2 * 3600) / 60 * 60))       # two hours ahead, on the minute
check "SIGHUP reloads surel.ini with a schedule for $(hhmm "$far")"
dc_ini_set dial schedule "daily $(hhmm "$far")"
kill -HUP "$DC_PID"
want="next trigger: $(date -d "@$far" '+%Y-%m-%d %H:%M:%S') (schedule)"
ok=
for ((i = 0; i < 50; i++)); do
	if dc_cmd status | grep -qxF "$want"; then
		ok=1
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || fail "expected '$want' after SIGHUP, status says: $(dc_cmd status)"
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
dc_cmd status | grep -qxF "$want" || fail "the schedule was lost by a refused reload: $(dc_cmd status)"

# The next three minutes: if one turns before the daemon reloads, the next fires.
now=$(date +%s)
first=$(((now / 60 + 1) * 60))
times="$(hhmm "$first") $(hhmm $((first + 60))) $(hhmm $((first + 120)))"
check "SIGHUP loads 'daily $times'; the schedule fires at one of them"
dc_ini_set dial schedule "daily $times"
kill -HUP "$DC_PID"
dc_wait_sessions 1 240 || fail "no session started by the schedule 'daily $times'"
grep -q 'call isp' "$T/run/calls.log" || fail "pppd was not called"
trig=$(dc_sql 'SELECT trigger FROM session')
[ "$trig" = schedule ] || fail "expected a session with trigger 'schedule', got '$trig'"
started=$(dc_sql "SELECT strftime('%H:%M', started, 'unixepoch', 'localtime') FROM session")
grep -qw -- "$started" <<<"$times" ||
	fail "expected the session to start at one of $times, it started at $started"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
