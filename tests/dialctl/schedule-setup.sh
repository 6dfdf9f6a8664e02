#!/bin/bash
# NAME
#	schedule-setup.sh - a schedule with ';' from surel-setup is in force with both parts
# DESCRIPTION
#	surel-setup (on a --root image, as tests/setup does) writes
#	--schedule "DAY1 HH1; DAY2 HH2": two parts, the second firing
#	first.  iniparser ends an unquoted value at ';', so the value must be
#	written quoted (and so must a --name with ';', '#' and a quote).
#	dialctl's daemon then runs on that surel.ini (only its paths moved
#	below T) and "dialctl status" must name the next firing of each
#	part, and the second part's as the next trigger; the same after
#	SIGHUP.  The unquoted form is refused by the client (exit 78, file,
#	line and key named) and by a SIGHUP reload, which keeps both parts
#	(asked by a client that reads the quoted copy).  The times are whole hours two and three hours ahead of
#	one reading of the clock, so the test never races it.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
S=$T
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"

# One reading of the clock: both parts fire one to three hours from now.
now=$(date +%s)
at1=$((now / 3600 * 3600 + 3 * 3600))
at2=$((now / 3600 * 3600 + 2 * 3600))
part1="$(LC_ALL=C date -d "@$at1" +%a) $(date -d "@$at1" +%H:%M)"
part2="$(LC_ALL=C date -d "@$at2" +%a) $(date -d "@$at2" +%H:%M)"
next1=$(date -d "@$at1" '+%Y-%m-%d %H:%M:%S')
next2=$(date -d "@$at2" '+%Y-%m-%d %H:%M:%S')
schedule="$part1; $part2"

check "surel-setup writes --schedule '$schedule' and a --name with ';', '#' and a quote quoted"
name="SMP Sant'Yosef; kelas #1"
"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" --smarthost mail.isp.example.net \
	--name "$name" --schedule "$schedule" >"$S/setup.out" 2>&1 </dev/null ||
	fail "surel-setup failed: $(cat "$S/setup.out")"
line=$(grep '^schedule *=' "$R/etc/surel/surel.ini") || fail "no schedule in the written surel.ini"
[ "$line" = "schedule = \"$schedule\"" ] || fail "the schedule is written as: $line"
grep -qxF "name = \"$name\"" "$R/etc/surel/surel.ini" ||
	fail "the name is written as: $(grep '^name' "$R/etc/surel/surel.ini")"

# dialctl's world (namespace, fake pppd, T); surel-setup's surel.ini with its paths below T.
dc_setup_bare "sched-setup"
trap 'dc_cleanup; rm -rf "$S"' EXIT
cp "$R/etc/surel/surel.ini" "$T/surel.ini"
dc_ini_set roster db "$T/roster.db"
dc_ini_set roster credentials "$T/credentials.db"
for kv in "pppd $DC_FAKE" "peer isp" "hook $DC_HOOK" "attempts 1" "maillog $T/maillog" \
	"socket $T/run/dialctl.sock" "lock $T/run/dialctl.lock" "ledger $T/ledger.db"; do
	dc_ini_set dial ${kv%% *} "${kv#* }"
done
grep -qxF "$line" "$T/surel.ini" || fail "the schedule line was changed on the way"
: >"$T/maillog"

# both_parts WHEN [CONFIG]: dialctl status (the client reading CONFIG, by
# default T/surel.ini) names each part's next firing, the second first.
both_parts() {
	local st
	st=$(ip netns exec "$DC_SNS" "$DIALCTL" --config "${2:-$T/surel.ini}" status) ||
		fail "dialctl status failed $1"
	grep -qxF "next trigger: $next2 (schedule)" <<<"$st" ||
		fail "$1: expected next trigger $next2 (the part after ';'), status says: $st"
	grep -qxF "schedule: $part1, next $next1" <<<"$st" &&
		grep -qxF "schedule: $part2, next $next2" <<<"$st" ||
		fail "$1: expected both parts with their next firing, status says: $st"
	echo "  $(grep '^schedule:' <<<"$st" | tr '\n' ' ')"
}

check "dialctl status names the next firing of both parts"
dc_start
both_parts "at start"

check "both parts hold after SIGHUP"
kill -HUP "$DC_PID"
for ((i = 0; i < 50; i++)); do
	grep -q 'configuration reloaded' "$T/dialctl.log" && break
	sleep 0.1
done
grep -q 'configuration reloaded' "$T/dialctl.log" || fail "no 'configuration reloaded' after SIGHUP"
both_parts "after SIGHUP"

check "the unquoted form is refused with file, line and key"
cp "$T/surel.ini" "$T/quoted.ini"
sed -i "s|^schedule = \"\(.*\)\"\$|schedule = \1|" "$T/surel.ini"
n=$(grep -n '^schedule = ' "$T/surel.ini" | cut -d: -f1)
rc=0
out=$(dc_cmd report 2>&1) || rc=$?
[ "$rc" = 78 ] || fail "expected exit 78 for 'schedule = $schedule', got $rc: $out"
grep -qF "$T/surel.ini:$n: [dial] schedule: a value without quotes ends at ';'" <<<"$out" ||
	fail "expected the file, line $n and key named: $out"

check "a SIGHUP with the unquoted form keeps both parts"
kill -HUP "$DC_PID"
for ((i = 0; i < 50; i++)); do
	grep -q 'reload refused' "$T/dialctl.log" && break
	sleep 0.1
done
grep -q "reload refused, keeping the old settings: $T/surel.ini:$n: \[dial\] schedule" "$T/dialctl.log" ||
	fail "expected the reload refused naming [dial] schedule"
both_parts "after a refused reload" "$T/quoted.ini"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
