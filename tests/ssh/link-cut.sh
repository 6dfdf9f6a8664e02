#!/bin/bash
# NAME
#	link-cut.sh - ssh mode: the link dies mid-transfer, the school redials from a new address
# DESCRIPTION
#	12 messages of 5 KB wait on each side.  While the tunnel carries them,
#	the modem hangs up (fake-pppd's SIGUSR2: the link vanishes, no clean
#	close reaches the ISP), and the next dial gets another address.  The
#	ISP's sshd still serves the dead connection and holds the school's
#	port, so the first new tunnel is refused; dialctl asks the gate to
#	drop the old session and connects again at once, in the same
#	session.  Checks: every message arrives both ways, nothing bounces,
#	duplicates (SMTP's at-least-once edge) are counted and printed, the
#	ledger keeps one session that says what happened, and the refused
#	tunnel cost one retry, not a loop.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
trap st_cleanup EXIT
# Incompressible bodies (ssh -C squeezes the usual x's to nothing) and
# enough of them that the transfer takes tens of seconds on the shaped link:
# the cut must fall inside it however slowly this loop gets to look.
N=40
export DC_BODY=random

st_setup_world cut
st_write_ini ssh
dc_send_out "$N"
dc_hold_in "$N"
st_wait_deferred "$T/isp" "$N"

check "the link is cut while the tunnel carries mail"
dc_start
dc_cmd dial >/dev/null || fail "dialctl dial refused"
for ((i = 0; i < 600; i++)); do
	out=$(dc_count "$T/isp") in=$(dc_count "$T/school")
	[ "$((out + in))" -ge 2 ] && break
	sleep 0.1
done
[ "$((out + in))" -ge 2 ] || fail "nothing crossed the tunnel in 60 s"
[ "$out" -lt "$N" ] || [ "$in" -lt "$N" ] || fail "everything crossed before the cut: make N larger"
dc_peer_set local 192.0.2.11
kill -USR2 "$(head -n 1 "$T"/run/ppp-*.pid)" || fail "cannot signal fake-pppd"
echo "  cut after $out out, $in in"

check "the redial from a new address gets the tunnel back in the same session"
dc_wait_sessions 1 240 || fail "the session did not end within 240 s"
grep -q "still held our previous session" "$T/dialctl.log" ||
	fail "expected dialctl to find the ISP holding the old session and release it"
grep -A1 "still held our previous session" "$T/dialctl.log" | grep -q "tunnel up (attempt 2)" ||
	fail "expected the tunnel back right after the release (the new link's second connection)"
attempts=$(grep -c "tunnel to .* failed" "$T/dialctl.log" || true)
[ "$attempts" -le 1 ] || fail "expected one refused tunnel, not a loop: $attempts failures"
grep -q "Accepted publickey for root from $ST_NAT" "$T/sshd.log" || fail "sshd saw no login"

check "every message arrived both ways, nothing bounced"
dc_wait_count "$T/isp" "$N" 120 || true
dc_wait_count "$T/school" "$N" 120 || true
uout=$(dc_unique "$T/isp") uin=$(dc_unique "$T/school")
dout=$(($(dc_count "$T/isp") - uout)) din=$(($(dc_count "$T/school") - uin))
echo "  arrived: $uout/$N out, $uin/$N in; duplicates: $dout out, $din in"
[ "$uout" = "$N" ] && [ "$uin" = "$N" ] ||
	fail "expected all $N each way after the redial, got $uout out, $uin in"
grep -q "status=bounced" "$T/isp/maillog" "$T/school/maillog" && fail "something bounced"

check "the ledger: one session, two dials, the lost link in its errors"
read -r sessions attempts mode <<<"$(dc_sql 'SELECT count(*), max(attempts), max(mode) FROM session')"
[ "$sessions" = 1 ] && [ "$attempts" = 2 ] && [ "$mode" = ssh ] ||
	fail "expected 1 ssh session with 2 dials, got '$sessions' '$attempts' '$mode'"
dc_sql 'SELECT errors FROM session' | grep -q "link lost" ||
	fail "the ledger does not mention the lost link: $(dc_sql 'SELECT errors FROM session')"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC (sanitizers report there)"

echo "PASS: link-cut"
