#!/bin/bash
# NAME
#	faults.sh - batch mode: a link cut mid-stream both ways, and a full spool disk
# DESCRIPTION
#	The ssh suites' world with school1 in batch mode (st_batch_world).
#	- 60 incompressible messages of about 5 KB wait on each side: the
#	  streams take tens of seconds on the shaped link.  Once the first
#	  message of each stream has been queued by the receiving Postfix,
#	  the modem hangs up (fake-pppd's SIGUSR2: no clean close reaches the
#	  ISP).  dialctl redials, the exchange starts again and sends what
#	  was not confirmed; each receiver drops what it had queued already.
#	  Every message arrives exactly once each way, both spools end empty,
#	  nothing bounces.
#	- The school's spool on a full disk (a 64 KB tmpfs): the pipe
#	  transport fails with "No space left on device", Postfix defers the
#	  message (not bounced, not lost) and no half-written copy is left in
#	  the spool; with room again, the next session's flush spools it and
#	  it reaches the ISP.  (The tmpfs is mounted, then Postfix started
#	  again: it lives in a mount namespace of its own.)
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
N=60
export DC_BODY=random
unmount_spool() { umount "$T/school-spool" 2>/dev/null || true; }
ST_CLEANUP_HOOK=unmount_spool
trap st_cleanup EXIT

st_setup_world bf
st_batch_world
st_write_ini batch
dc_send_out "$N"
dc_hold_in "$N"
st_wait_spooled "$T/school-spool" "$N" || fail "the school's spool did not fill"
st_wait_spooled "$T/isp-spool/school1" "$N" || fail "the ISP's spool did not fill"

check "the link is cut while both streams cross"
dc_start
dc_cmd dial >/dev/null || fail "dialctl dial refused"
for ((i = 0; i < 1200; i++)); do
	out=$(dc_count "$T/isp") in=$(dc_count "$T/school")
	[ "$out" -ge 1 ] && [ "$in" -ge 1 ] && break
	sleep 0.1
done
[ "$out" -ge 1 ] && [ "$in" -ge 1 ] || fail "the streams did not start in 120 s ($out out, $in in)"
kill -USR2 "$(head -n 1 "$T"/run/ppp-*.pid)" || fail "cannot signal fake-pppd"
echo "  cut after $out out, $in in"
[ "$out" -lt "$N" ] && [ "$in" -lt "$N" ] || fail "a stream had ended before the cut: make N larger"

check "after the redial every message arrives exactly once, both spools empty"
dc_wait_sessions 1 400 || fail "the session did not end within 400 s"
grep -q "batch exchange stopped: sent=$N delivered=0 " "$T/dialctl.log" ||
	fail "dialctl did not stop the exchange of the lost link"
grep -q "ETRN" "$T/dialctl.log" && fail "batch mode has no ETRN, but the log speaks of one"
grep -Eq "received=$N queued=[0-9]+ duplicates=[1-9]" "$T/dialctl.log" ||
	fail "the school was sent again what it had queued, but counted no duplicate"
dc_wait_count "$T/isp" "$N" 60 || fail "expected $N out, got $(dc_count "$T/isp")"
dc_wait_count "$T/school" "$N" 60 || fail "expected $N in, got $(dc_count "$T/school")"
echo "  arrived: $(dc_count "$T/isp") out ($(dc_unique "$T/isp") distinct), $(dc_count "$T/school") in ($(dc_unique "$T/school") distinct)"
[ "$(dc_count "$T/isp")" = "$N" ] && [ "$(dc_unique "$T/isp")" = "$N" ] || fail "out: not exactly once"
[ "$(dc_count "$T/school")" = "$N" ] && [ "$(dc_unique "$T/school")" = "$N" ] || fail "in: not exactly once"
[ "$(st_spooled "$T/school-spool")" = 0 ] && [ "$(st_spooled "$T/isp-spool/school1")" = 0 ] ||
	fail "the spools are not empty: $(st_spooled "$T/school-spool") school, $(st_spooled "$T/isp-spool/school1") ISP"
grep -q "status=bounced" "$T/isp/maillog" "$T/school/maillog" && fail "something bounced"
read -r sessions attempts <<<"$(dc_sql 'SELECT count(*), max(attempts) FROM session')"
[ "$sessions" = 1 ] && [ "$attempts" -ge 2 ] || fail "expected one session with a redial, got '$sessions' '$attempts'"
dc_stop

check "a full spool disk: Postfix defers, nothing half-written, delivered later"
rm -rf "$T/school-spool"
mkdir "$T/school-spool"
mount -t tmpfs -o "size=64k,mode=0700,uid=$(id -u nobody)" surel-spool "$T/school-spool" ||
	fail "cannot mount a tmpfs for the spool"
# Postfix and dialctl run in mount namespaces of their own (ip netns exec):
# start the school's Postfix again, so that its copy of the mounts has the
# tmpfs (the remount below changes its size everywhere: one superblock).
pf_stop "$T/school"
pf_start "$T/school" "$ST_SNS" || fail "the school's Postfix did not start again"
dc_message budi@school.test ali@outside.test small | pf_sendmail "$T/school" -f budi@school.test ali@outside.test
st_wait_spooled "$T/school-spool" 1 || fail "the small message was not spooled"
{ dc_message budi@school.test ali@outside.test big; head -c 150000 /dev/urandom | base64 -w 76; } |
	pf_sendmail "$T/school" -f budi@school.test ali@outside.test
pf_wait_log "$T/school" "relay=surel-batch.*status=deferred.*No space left on device" 30 ||
	fail "expected the pipe transport to defer with 'No space left on device'"
grep -q "relay=surel-batch.*status=bounced" "$T/school/maillog" && fail "the message was bounced"
[ "$(st_spooled "$T/school-spool")" = 1 ] || fail "expected only the small message in the spool"
[ -z "$(ls -A "$T/school-spool/tmp")" ] || fail "a half-written copy was left: $(ls "$T/school-spool/tmp")"
mount -o remount,size=4m "$T/school-spool" || fail "cannot grow the tmpfs"
rm -rf "$T/isp/mail"/* "$T/ledger.db"
dc_start
dc_cmd dial >/dev/null || fail "dialctl dial refused"
dc_wait_sessions 1 240 || fail "the session did not end"
dc_wait_count "$T/isp" 2 60 || fail "expected both messages at the ISP after the disk had room, got $(dc_count "$T/isp")"
dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC"
echo "PASS: batch faults"
