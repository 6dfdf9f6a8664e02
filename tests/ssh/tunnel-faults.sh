#!/bin/bash
# NAME
#	tunnel-faults.sh - ssh mode: a tunnel that goes silent is noticed, retried a bounded number of times, and the mail waits
# DESCRIPTION
#	6 messages of 5 KB wait on each side.  While the tunnel carries
#	them, the carrier starts dropping every packet between the NAT and
#	the ISP (no FIN, no RST: only keepalives can tell).  Checks:
#	- ssh's keepalives (2 s x 3 here) end the dead tunnel and dialctl
#	  says so within seconds;
#	- dialctl retries with growing pauses and stops after [ssh] attempts
#	  connections (4): no loop burning the link; the session then hangs
#	  up by itself and the ledger says why;
#	- nothing is lost or bounced: what did not cross waits in the queues,
#	  and the next session, with the carrier back, carries it all.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
trap st_cleanup EXIT
N=6

st_setup_world flt
st_write_ini ssh
python3 - "$T/surel.ini" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("backoff = 1s", "backoff = 1s\nconnect_timeout = 5s\nattempts = 4")
open(p, "w").write(s)
PY
dc_send_out "$N"
dc_hold_in "$N"
st_wait_deferred "$T/isp" "$N"

# blackhole on|off: drop (or stop dropping) everything between the NAT and the ISP.
blackhole() {
	if [ "$1" = on ]; then
		ns_exec "$ST_NNS" nft -f - <<EOF || fail "nft: cannot drop the traffic"
table ip surel_cut {
	chain carrier {
		type filter hook forward priority 0; policy drop;
	}
}
EOF
	else
		ns_exec "$ST_NNS" nft delete table ip surel_cut
	fi
}

check "the carrier goes silent while the tunnel carries mail"
dc_start
dc_cmd dial >/dev/null || fail "dialctl dial refused"
# Polled by count, not by time: on a loaded machine the tunnel itself may
# take a while to come up.
for ((i = 0; i < 1800; i++)); do
	[ "$(($(dc_count "$T/isp") + $(dc_count "$T/school")))" -ge 2 ] && break
	sleep 0.1
done
[ "$(($(dc_count "$T/isp") + $(dc_count "$T/school")))" -ge 2 ] ||
	fail "nothing crossed the tunnel in three minutes"
blackhole on
cut_at=$(date +%s)
echo "  silent after $(dc_count "$T/isp") out, $(dc_count "$T/school") in"

check "keepalives end the dead tunnel within seconds"
# Keepalives give up after 6 s; the limit here is a safety net for a loaded
# machine, not the measure (the time it took is printed).
for ((i = 0; i < 1200; i++)); do
	grep -q "tunnel lost" "$T/dialctl.log" && break
	sleep 0.1
done
grep -q "tunnel lost" "$T/dialctl.log" || fail "dialctl did not notice the dead tunnel in two minutes"
echo "  noticed after $(($(date +%s) - cut_at)) s: $(grep -m1 'tunnel lost' "$T/dialctl.log")"

check "retries stop after [ssh] attempts and the session hangs up by itself"
dc_wait_sessions 1 180 || fail "the session did not end with the carrier silent"
tries=$(grep -c "tunnel to .* failed" "$T/dialctl.log" || true)
[ "$tries" = 3 ] || fail "expected 3 failed reconnections (4 attempts in all), got $tries"
grep -q "tunnel: no attempts left (4)" "$T/dialctl.log" || fail "dialctl did not say it gave up"
grep -q "next attempt in 1 s" "$T/dialctl.log" && grep -q "next attempt in 2 s" "$T/dialctl.log" &&
	grep -q "next attempt in 4 s" "$T/dialctl.log" || fail "expected pauses of 1, 2 and 4 s between attempts"
dc_sql 'SELECT errors FROM session' | grep -q "not responding\|Timeout" ||
	fail "the ledger does not say the tunnel timed out: $(dc_sql 'SELECT errors FROM session')"
grep -q "status=bounced" "$T/isp/maillog" "$T/school/maillog" && fail "something bounced"

check "with the carrier back, the next session carries everything"
blackhole off
dc_cmd dial >/dev/null || fail "dialctl dial refused"
dc_wait_sessions 2 180 || fail "the second session did not end"
dc_wait_count "$T/isp" "$N" 120 || true
dc_wait_count "$T/school" "$N" 120 || true
uout=$(dc_unique "$T/isp") uin=$(dc_unique "$T/school")
echo "  arrived: $uout/$N out, $uin/$N in; duplicates: $(($(dc_count "$T/isp") - uout)) out, $(($(dc_count "$T/school") - uin)) in"
[ "$uout" = "$N" ] && [ "$uin" = "$N" ] || fail "expected all $N each way, got $uout out, $uin in"
grep -q "status=bounced" "$T/isp/maillog" "$T/school/maillog" && fail "something bounced"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC (sanitizers report there)"

echo "PASS: tunnel-faults"
