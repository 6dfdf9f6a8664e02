#!/bin/bash
# NAME
#	socket-group.sh - who may do what on the control socket
# DESCRIPTION
#	A throwaway system user in a throwaway group, the group named in
#	[dial] socket_group (both removed at exit).  That user may read
#	status, dial within the budget and hang up; "dial --force", which
#	passes the budget, is refused with the reason in its output and in
#	the daemon's log, and pppd is not started for it.  Root's
#	"dial --force" is tested in budget.sh.  The stand-in pppd stays
#	dialling (a long dial_delay) until the member hangs up; no Postfix.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"

DC_USER=dct$$
# remove_user: the throwaway user and group, if they were made.
remove_user() {
	id "$DC_USER" >/dev/null 2>&1 && userdel "$DC_USER" 2>/dev/null
	getent group "$DC_USER" >/dev/null && groupdel "$DC_USER" 2>/dev/null
	return 0
}
trap 'dc_cleanup; remove_user' EXIT

# as_member ARGS...: the dialctl client as the throwaway user.
as_member() {
	timeout 10 setpriv --reuid="$DC_USER" --regid="$DC_USER" --init-groups \
		"$DIALCTL" --config "$T/surel.ini" "$@"
}

groupadd --system "$DC_USER" || fail "groupadd failed"
useradd --system --gid "$DC_USER" --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$DC_USER" || fail "useradd failed"

dc_setup_bare socket-group
dc_ini_set dial socket_group "$DC_USER"
dc_ini_set dial attempts 1
dc_ini_set dial dial_timeout 5m
dc_peer_set dial_delay 600
dc_start

check "the socket belongs to the group, mode 660"
[ "$(stat -c '%a %G' "$T/run/dialctl.sock")" = "660 $DC_USER" ] ||
	fail "expected mode 660 group $DC_USER, got $(stat -c '%a %G' "$T/run/dialctl.sock")"

check "a member of the group reads the status"
st=$(as_member status) || fail "status refused to a member of the socket group"
grep -q '^state: idle' <<<"$st" || fail "expected state idle, got: $st"

check "a member's 'dial --force' is refused, saying why, and pppd is not started"
if out=$(as_member dial --force 2>&1); then
	fail "expected 'dial --force' to be refused to uid $(id -u "$DC_USER"), it said: $out"
fi
# The daemon answers people in [school] language: Indonesian unless set.
grep -q "hanya untuk root (Anda uid $(id -u "$DC_USER"))" <<<"$out" ||
	fail "expected the refusal to say (in Indonesian) it is for root only, got: $out"
grep -q "refused 'dial --force' from uid $(id -u "$DC_USER") pid [0-9]*: passing the budget is for root only" \
	"$T/dialctl.log" || fail "expected the refusal in the daemon's log"
[ ! -e "$T/run/calls.log" ] || fail "pppd was started for a refused dial --force"
dc_cmd status | grep -q '^state: idle' || fail "a refused dial --force changed the state"

check "a member dials within the budget"
out=$(as_member dial) || fail "'dialctl dial' refused to a member of the socket group: $out"
grep -q 'menyambungkan (pemicu manual)' <<<"$out" ||
	fail "expected 'menyambungkan (pemicu manual)' (dialling, in Indonesian), got: $out"
for ((i = 0; i < 50; i++)); do
	[ -s "$T/run/calls.log" ] && break
	sleep 0.2
done
grep -q 'call isp' "$T/run/calls.log" || fail "pppd was not called for the member's dial"

check "a member hangs up; the session is recorded"
out=$(as_member hangup) || fail "'dialctl hangup' refused to a member of the socket group: $out"
dc_wait_sessions 1 60 || fail "no session recorded after the member's hang-up"
trig=$(dc_sql 'SELECT trigger FROM session')
[ "$trig" = manual ] || fail "expected a manual session, got '$trig'"
grep -q 'hang-up asked by uid [0-9]*' "$T/dialctl.log" || fail "the hang-up's asker is not in the log"

check "a member reads the log and the report"
out=$(as_member log) || fail "'dialctl log' failed for a member: $out"
grep -q 'session 1 (manual)' <<<"$out" || fail "expected the session in the member's log, got: $out"
as_member report >/dev/null || fail "'dialctl report' failed for a member"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
