#!/bin/bash
# NAME
#	dial.sh - how a real dial goes: the modem's answers, the ISP's
#	refusals, attempts, a 3G/4G stick, a pty link
# DESCRIPTION
#	Runs in the VM (tests/ppp/in-vm): dialctl, the real pppd with the
#	peer file and chat script surel-setup wrote, a modem that answers
#	AT (tests/ppp/link.sh).  Nothing is queued; each "dialctl dial" is
#	one session in the ledger.  Cases, one after the other:
#	  - BUSY three times: three dials of the configured number (chat's
#	    ABORT, pppd exits 8), then no attempts left, and a retry
#	    [dial] retry_delay later;
#	  - NO CARRIER, then CONNECT: the second attempt brings the link up
#	    (pppd, PAP, ip-up), and with nothing to carry dialctl hangs up;
#	  - NO DIALTONE, then a modem that never answers ATDT (chat's own
#	    60 s TIMEOUT), then CONNECT;
#	  - the ISP refuses the password, by PAP and by CHAP (pppd exits 19),
#	    and CHAP with the right one comes up;
#	  - the 3G/4G peer: AT+CGDCONT with the APN, ATD*99#;
#	  - a peer with pppd's "pty" option, where the hooks get an empty tty
#	    argument (dialctl-hook once refused it: no session came up).
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup dial
dc_start

# dial_session N: "dialctl dial", wait for session N in the ledger, print its row.
dial_session() {
	dc_cmd dial >/dev/null || fail "dialctl dial was refused"
	dc_wait_sessions "$1" 400 || fail "session $1 was not recorded"
	row=$(dc_sql "SELECT attempts, up_seconds > 0, errors FROM session WHERE id = $1")
	echo "  ledger: $row"
}

# dials: how many ATD commands the modem has received so far.
dials() {
	grep -c '^< ATD' "$T/modem.log" || true
}

check "BUSY three times: three dials of 0211234567, then no attempts left"
ppp_plan BUSY BUSY BUSY
dial_session 1
[ "$(dials)" = 3 ] || fail "expected 3 dials, the modem saw $(dials): $(cat "$T/modem.log")"
[ "$(grep -c '^< ATDT0211234567$' "$T/modem.log")" = 3 ] || fail "chat did not dial the configured number"
grep -q '^< ATZ$' "$T/modem.log" && grep -q '^< ATE1V1$' "$T/modem.log" ||
	fail "the shipped chat script's ATZ / ATE1V1 did not reach the modem"
grep -q '^3 0 .*connect script (chat) failed.*no attempts left (3)' <<<"$row" ||
	fail "expected 3 attempts, the link never up, chat failed, no attempts left: $row"

check "after the failed session dialctl backs off: a retry [dial] retry_delay (10 min) later"
st=$(dc_cmd status) || fail "dialctl status failed"
retry=$(sed -n 's/^next trigger: \(.*\) (retry of manual)$/\1/p' <<<"$st")
[ -n "$retry" ] || fail "status shows no retry of the failed session: $st"
ended=$(dc_sql 'SELECT ended FROM session WHERE id = 1')
gap=$(($(date -d "$retry" +%s) - ended))
echo "  retry at $retry, $gap s after the session ended"
# At least the delay after the ledger's end (dialctl sets it a moment after writing the row).
[ "$gap" -ge 600 ] && [ "$gap" -lt 1200 ] || fail "expected the retry 600 s after the session, got $gap s"

check "NO CARRIER, then CONNECT: the link comes up on the second attempt and drops when idle"
ppp_plan "NO CARRIER" CONNECT
dial_session 2
grep -q '^2 1 ' <<<"$row" || fail "expected 2 attempts and the link up: $row"
grep -q 'link up: ppp0 192.0.2.10 -> 192.0.2.1' "$T/dialctl.log" || fail "no link-up report from the real pppd's hook"
grep -q 'hanging up: nothing left to carry' "$T/dialctl.log" || fail "dialctl did not hang up an idle link"
grep -q 'PAP peer authentication succeeded for isp-user@isp.test' "$T/isp-pppd.log" || fail "the ISP's pppd did not see PAP succeed"

check "NO DIALTONE, then no answer to ATDT (chat's own timeout), then CONNECT"
ppp_plan "NO DIALTONE" SILENT CONNECT
dial_session 3
grep -q '^3 1 ' <<<"$row" || fail "expected 3 attempts, the last one up: $row"
[ "$(grep -c 'connect script (chat) failed' <<<"$row")" = 1 ] || fail "expected chat's failures in the errors: $row"

check "the ISP refuses the password (PAP): pppd exits 19, no attempt comes up"
ppp_isp_secret not-the-schools-password
ppp_plan CONNECT CONNECT CONNECT
dial_session 4
grep -q '^3 0 .*authentication to the peer failed' <<<"$row" || fail "expected the ISP's refusal in the ledger: $row"

check "the same by CHAP; then CHAP with the right password comes up"
dc_peer_set auth chap
dial_session 5
grep -q '^3 0 .*authentication to the peer failed' <<<"$row" || fail "expected the ISP's CHAP refusal: $row"
ppp_isp_secret ''
dial_session 6
grep -q '^1 1 ' <<<"$row" || fail "expected CHAP with the right password to come up: $row"
grep -q 'CHAP authentication succeeded' "$T/syslog" || fail "the school's pppd did not log CHAP success"
! grep -q 'has world and/or group access' "$T/syslog" || fail "pppd warns that a secrets file is readable by others"

check "the 3G/4G stick: APN, ATD*99#, the link up"
dc_stop
PPP_PEER=surel-mobile
_ppp_modem_stop
_ppp_install
_ppp_modem_start
dc_start
dial_session 7
grep -q '^1 1 ' <<<"$row" || fail "expected the mobile peer to come up at once: $row"
grep -q '^< AT+CGDCONT=1,"IP","internet","",0,0$' "$T/modem.log" || fail "the APN did not reach the modem"
grep -q '^< ATD\*99#$' "$T/modem.log" || fail "chat did not dial *99#"

check "a pppd \"pty\" link: the hooks get an empty tty, the session still comes up"
dc_stop
_ppp_modem_stop
_ppp_isp_cmd
{
	sed '/^\/dev\//d;/^connect /d;/^[0-9]*$/d;/^crtscts$/d;/^modem$/d;/^lock$/d' /etc/ppp/peers/surel
	printf 'pty "ip netns exec %s %s"\n' "$DC_INS" "${PPP_ISP[*]}"
} >/etc/ppp/peers/surel-pty
dc_ini_set dial peer surel-pty
dc_start
dial_session 8
grep -q '^1 1 ' <<<"$row" || fail "expected the pty link to come up: $row"
grep -Eq 'link up: ppp0 192.0.2.10 -> 192.0.2.1' "$T/dialctl.log" || fail "no link-up report on the pty link"
! grep -q 'not a single word' "$T/syslog" || fail "dialctl-hook refused pppd's arguments: $(grep hook "$T/syslog")"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with status $DC_RC after SIGTERM"
echo PASS
