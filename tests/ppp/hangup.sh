#!/bin/bash
# NAME
#	hangup.sh - the ledger against pppd's own figures; SIGTERM while a
#	hook is slow
# DESCRIPTION
#	Runs in the VM (tests/ppp/in-vm) with the real pppd, the peer and
#	chat script surel-setup wrote and a modem that answers AT
#	(tests/ppp/link.sh).  dialctl's hook is wrapped by a script that
#	first notes pppd's CONNECT_TIME, BYTES_SENT and BYTES_RCVD, and when
#	told to, sleeps before it reports.
#	  - 8 incompressible messages each way cross in one session; the
#	    ledger's bytes each way are pppd's, exactly, its seconds up within
#	    a few of pppd's CONNECT_TIME, and the bill covers all of them;
#	  - ip-down sleeps 8 s (pppd's child-timeout is 5 s: it kills the
#	    hook): SIGTERM to dialctl mid-transfer still hangs up, records
#	    the session from the interface's counters and stops cleanly,
#	    with no pppd and no hook left;
#	  - ip-up sleeps 30 s: SIGTERM while pppd waits for it; the same.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup hangup
dc_roster 2 1
cat >"$T/hook-wrap" <<EOF
#!/bin/sh
# pppd's figures, then (slowly when asked) the real hook.
d=\$(dirname "\$6")
echo "\${CONNECT_TIME:-up} \${BYTES_SENT:-} \${BYTES_RCVD:-}" >>"\$d/hook-figures"
if [ -n "\$CONNECT_TIME" ]; then s=\$d/slow-down; else s=\$d/slow-up; fi
[ -f "\$s" ] && sleep "\$(cat "\$s")"
exec $DC_HOOK "\$@"
EOF
chmod 0755 "$T/hook-wrap"
dc_ini_set dial hook "$T/hook-wrap"
export DC_BODY=random
dc_send_out 8
dc_hold_in 8
dc_wait_held "$T/school" 8
dc_wait_held "$T/isp" 8
dc_start

check "8 messages each way in one session; the ledger holds pppd's own seconds and bytes"
# pppd waits 5 s for ip-down (child-timeout), then kills it and exits: the
# report with its figures is then lost.  Under emulation on a loaded machine
# starting the hook can take that long, so this session gives it 60 s.
cp -p /etc/ppp/options "$T/options.debian"
echo "child-timeout 60" >>/etc/ppp/options
dc_cmd dial >/dev/null || fail "dialctl dial was refused"
dc_wait_sessions 1 400 || fail "no session recorded"
[ "$(dc_unique "$T/isp")" = 8 ] && [ "$(dc_unique "$T/school")" = 8 ] ||
	fail "expected 8 each way, got $(dc_unique "$T/isp") out and $(dc_unique "$T/school") in"
read -r ct sent rcvd < <(grep -v '^up' "$T/run/hook-figures" | tail -n 1)
read -r up billed bs br < <(dc_sql 'SELECT up_seconds, billed_seconds, bytes_sent, bytes_rcvd
	FROM session WHERE id = 1')
echo "  pppd: $ct s, $sent bytes sent, $rcvd received; ledger: $up s up, $billed s billed, $bs, $br"
[ "$bs" = "$sent" ] && [ "$br" = "$rcvd" ] || fail "the ledger's bytes are not pppd's"
# dialctl's own clock runs from the ip-up report to the hang-up; the bill
# never counts less than pppd's (the telephone company's side of it).
[ "$billed" -ge "$ct" ] || fail "billed $billed s, less than pppd's CONNECT_TIME $ct"
[ $((up - ct)) -le 5 ] && [ $((ct - up)) -le 5 ] || fail "the ledger's $up s up are far from pppd's $ct s"
[ "$sent" -gt 40000 ] && [ "$rcvd" -gt 40000 ] || fail "pppd counted too few bytes for 8 messages each way"
grep -q "Sent $sent bytes, received $rcvd bytes" "$T/syslog" || fail "pppd's own log line says otherwise"

# sigterm_while WHAT: SIGTERM to dialctl now; it stops cleanly, pppd and the hook gone.
sigterm_while() {
	local i
	dc_stop
	echo "  dialctl exited $DC_RC"
	[ "$DC_RC" = 0 ] || fail "dialctl exited with status $DC_RC after SIGTERM while $1"
	grep -q 'stopped' "$T/dialctl.log" || fail "no clean stop in the log"
	for ((i = 0; i < 100; i++)); do
		pgrep -x pppd >/dev/null || break
		sleep 0.2
	done
	! pgrep -x pppd >/dev/null || fail "a pppd is left after dialctl stopped: $(pgrep -a pppd)"
	! pgrep -f hook-wrap >/dev/null || fail "a hook is left running"
	[ ! -e /run/ppp-surel.pid ] || fail "pppd's pid file is left"
}

check "ip-down takes 8 s (pppd kills it at 5 s): SIGTERM mid-transfer still ends cleanly"
cp -p "$T/options.debian" /etc/ppp/options
echo 8 >"$T/run/slow-down"
dc_send_out 20
dc_wait_held "$T/school" 20
dc_cmd dial >/dev/null || fail "the second dial was refused"
for ((i = 0; i < 600; i++)); do
	[ "$(dc_unique "$T/isp")" -ge 9 ] && break
	sleep 0.2
done
[ "$(dc_unique "$T/isp")" -ge 9 ] || fail "no message of the second session crossed"
sigterm_while "ip-down was slow"
row=$(dc_sql 'SELECT up_seconds > 0, bytes_sent > 5000, errors FROM session WHERE id = 2')
echo "  ledger: $row"
grep -q '^1 1 ' <<<"$row" || fail "the stopped session was not recorded with its time and bytes: $row"

check "ip-up takes 30 s: SIGTERM while pppd waits for it ends cleanly"
rm -f "$T/run/slow-down"
echo 30 >"$T/run/slow-up"
dc_start
dc_cmd dial >/dev/null || fail "the third dial was refused"
for ((i = 0; i < 600; i++)); do
	[ -s /run/ppp-surel.pid ] && break
	sleep 0.2
done
[ -s /run/ppp-surel.pid ] || fail "pppd did not bring the link up"
sigterm_while "ip-up was slow"
[ "$(dc_sessions)" = 3 ] || fail "the third session was not recorded"
echo PASS
