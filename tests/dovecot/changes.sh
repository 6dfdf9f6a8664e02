#!/bin/bash
# NAME
#	changes.sh - roster changes hold at the next login, without restarting Dovecot
# DESCRIPTION
#	Dovecot runs with the shipped auth cache on, its TTLs shortened to
#	2 s so the test stays short.  After a cached login, changes made with
#	surel-roster must hold without a restart (the master's pid is
#	checked): a new password works at once and the old one stops working;
#	a suspension refuses the next login once the cached answer has aged
#	(polled, bounded); re-activation lets the person in again; a person
#	added (after a failed login was cached as unknown) can log in;
#	"doveadm auth cache flush USER" makes a suspension hold at once.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dovecot/common.sh"

dc_setup changes
D=$DC_DIR/dovecot
export DOVECOT_EXTRA="auth_cache_ttl = 2 s
auth_cache_negative_ttl = 2 s"

# poll_login PROTO USER PASS WANT: retry (up to 20 s) until the login's outcome
# is WANT ("works" or "refused"); fail saying what happened otherwise.
poll_login() {
	local proto=$1 user=$2 pass=$3 want=$4 i rc out
	for i in $(seq 1 40); do
		rc=0
		out=$("dc_$proto" "$user" "$pass" 2>&1) || rc=$?
		if [ "$want" = works ] && [ $rc -eq 0 ]; then
			dc_pass "$proto login as '$user' works (after $i tries)"
			return 0
		elif [ "$want" = refused ] && [ $rc -eq 67 ]; then
			dc_pass "$proto login as '$user' refused (after $i tries)"
			return 0
		elif [ $rc -ne 0 ] && [ $rc -ne 67 ]; then
			dc_fail "$proto login as '$user': curl exit $rc: $out"
		fi
		sleep 0.5
	done
	dc_fail "$proto login as '$user': expected it to be $want within 20 s (cache TTL 2 s), last: exit $rc $out"
}

printf 'Nama,Kelas,NISN\nBudi,8A,0092000001\nSiti,8A,0092000002\n' >"$DC_DIR/8a.csv"
dc_roster import --role student --slips "$DC_DIR/slips.csv" "$DC_DIR/8a.csv" >/dev/null
pw_budi=$(dc_slip_password "$DC_DIR/slips.csv" budi)
pw_siti=$(dc_slip_password "$DC_DIR/slips.csv" siti)
dc_fix_permissions
dovecot_start "$D" "$DC_INI" "$DC_SERVER"
master=$(cat "$D/run/master.pid")
grep -q '^auth_cache_size = 1M' "$D/dovecot.conf" || dc_fail "the shipped snippet no longer turns the auth cache on"

echo "== a cached login, then a new password"
dc_expect_login imap budi "$pw_budi"
dc_expect_login imap budi "$pw_budi"     # answered from the cache
echo "neues-passwort-42" | dc_roster passwd budi --stdin >/dev/null
dc_expect_login imap budi neues-passwort-42
poll_login imap budi "$pw_budi" refused

echo "== suspension holds once the cached answer ages; activation lets budi in again"
dc_expect_login pop3 budi neues-passwort-42
dc_roster suspend budi >/dev/null
poll_login pop3 budi neues-passwort-42 refused
dovecot_wait_log "$D" 'roster\(budi.*account is suspended in the roster' 5 ||
	dc_fail "no log line saying budi is suspended"
dc_roster activate budi >/dev/null
poll_login imap budi neues-passwort-42 works

echo "== a new person, first unknown (and cached as such), then added"
dc_expect_refused imap rina.new baru-sekali-77
rina=$(dc_roster add --name "Rina New" --class 8A 2>/dev/null)
[ "$rina" = rina.new ] || dc_fail "surel-roster add: expected username rina.new, got '$rina'"
echo "baru-sekali-77" | dc_roster passwd rina.new --stdin >/dev/null
poll_login imap rina.new baru-sekali-77 works
out=$(dovecot_doveadm "$D" user rina.new) || dc_fail "doveadm user rina.new failed"
grep -qxF "home	$DC_DIR/mail/rina.new" <<<"$out" || dc_fail "rina.new: unexpected userdb answer: $out"
dc_pass "the new person is in the userdb"

echo "== doveadm auth cache flush makes a suspension hold at once"
dc_expect_login imap siti "$pw_siti"
dc_roster suspend siti >/dev/null
dovecot_doveadm "$D" auth cache flush siti >/dev/null
dc_expect_refused imap siti "$pw_siti"

[ "$(cat "$D/run/master.pid")" = "$master" ] || dc_fail "Dovecot was restarted (master pid changed)"
if grep -E 'Temporary authentication failure|internal failure|Fatal|Panic|signal [0-9]' \
	"$D/dovecot.log" | grep -v 'Killed with signal 15'; then
	dc_fail "the log shows a temporary failure or a crash (above)"
fi
dc_pass "all changes held without restarting Dovecot"
echo "PASS"
