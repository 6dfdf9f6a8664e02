#!/bin/bash
# NAME
#	setup.sh - surel-setup wires a school server, twice without change, and refuses cleanly
# DESCRIPTION
#	Against a system image below a temporary root (--root: Debian's
#	Postfix and Dovecot configuration, passwd and group copied from this
#	host; nothing is started and nothing outside the image changes):
#	  - a full setup (domain, ISP smarthost and login, 3G/4G peer): the
#	    Postfix settings, the submission service (an existing one keeps
#	    the administrator's own options), the roster's tables,
#	    the Dovecot snippet, the users, the modes of the roster files,
#	    surel.ini with the school's values (accepted by surel's own
#	    configuration loader), the peer, the enabled units;
#	  - "postfix -c ROOT/etc/postfix check" passes on the result;
#	  - a second run says nothing changed and changes no byte, mode or
#	    owner;
#	  - [school] language is id unless --language en says otherwise, and
#	    stays as set on later runs; messages follow LANG (id_ID.UTF-8);
#	  - bad input is refused with its exit status and a message, and
#	    changes nothing: a bad domain, another school's domain, a
#	    relayhost another setup made, a hand-edited Dovecot snippet, a
#	    missing template, a name surel.ini cannot hold, not root.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
printf 'isp-secret-1\n' >"$T/isp.pw"
printf 'ppp-secret-1\n' >"$T/ppp.pw"

# The pppd peer templates come with dialctl (etc/ppp); without them the
# setup runs without a link and the peer checks are not made (said below).
LINK=(--link mobile --device /dev/ttyUSB2 --apn internet --ppp-user wap --ppp-password-file "$T/ppp.pw")
[ -f "$SUREL_SRC_DIR/etc/ppp/peers/surel-mobile" ] || LINK=()

# setup ARGS...: surel-setup on the image with the school's values.
setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" --name "SMP Negeri 1 Contoh" \
		--smarthost mail.isp.example.net --isp-login smpn1 --isp-password-file "$T/isp.pw" \
		"${LINK[@]}" --per-mb 100 --schedule "Mon-Sat 07:00 12:00" "$@"
}

# The administrator's own submission service: surel changes its columns, keeps its options.
postconf -c "$R/etc/postfix" -M "submission/inet=submission inet n - n - - smtpd" 2>/dev/null
postconf -c "$R/etc/postfix" -P "submission/inet/smtpd_client_connection_rate_limit=5" 2>/dev/null

check "a full setup of $D"
setup >"$T/run1" 2>&1 || fail "surel-setup failed: $(cat "$T/run1")"
[ "$(pc -F submission/inet/chroot | sed 's/.*= //')" = y ] || fail "submission's chroot column was not set"
pc -P submission/inet/smtpd_client_connection_rate_limit | grep -q '= 5$' ||
	fail "surel dropped the administrator's own -o of submission: $(pc -M submission/inet)"
[ "$(pc -h virtual_mailbox_domains)" = "$D" ] || fail "virtual_mailbox_domains is '$(pc -h virtual_mailbox_domains)'"
[ "$(pc -h virtual_mailbox_maps)" = "proxy:sqlite:/etc/postfix/surel/mailboxes.cf" ] || fail "virtual_mailbox_maps"
[ "$(pc -h smtpd_milters)" = "unix:/surel/milter.sock" ] || fail "smtpd_milters is '$(pc -h smtpd_milters)'"
[ "$(pc -h milter_default_action)" = tempfail ] || fail "milter_default_action is not tempfail"
[ "$(pc -h relayhost)" = "[mail.isp.example.net]:587" ] || fail "relayhost is '$(pc -h relayhost)'"
[ "$(pc -h defer_transports)" = smtp ] || fail "outside mail is not held (defer_transports)"
pc -F submission/inet/command | grep -q '= smtpd ' || fail "no submission service in master.cf: $(pc -M submission/inet)"
[ "$(pc -P submission/inet/smtpd_sasl_path | sed 's/.*= //')" = private/auth ] || fail "submission has no Dovecot SASL"
grep -q "^domain = $D" "$R/etc/postfix/surel/mailboxes.cf" || fail "mailboxes.cf lacks the domain"
grep -q '^dbpath = /var/lib/surel/roster.db' "$R/etc/postfix/surel/lists.cf" || fail "lists.cf dbpath"
grep -q '^\[mail.isp.example.net\]:587 smpn1:isp-secret-1$' "$R/etc/postfix/surel/smarthost_passwd" ||
	fail "smarthost_passwd lacks the ISP login"
[ "$(owner_mode "$R/etc/postfix/surel/smarthost_passwd")" = "root:root 600" ] || fail "smarthost_passwd is not root 0600"
[ -f "$R/etc/postfix/surel/smarthost_passwd.db" ] || fail "smarthost_passwd was not postmap'd"
cmp -s "$R/etc/dovecot/conf.d/90-surel.conf" "$SUREL_SRC_DIR/etc/dovecot/conf.d/90-surel.conf" ||
	fail "90-surel.conf is not the shipped snippet"
grep -q '^#!include auth-system.conf.ext' "$R/etc/dovecot/conf.d/10-auth.conf" ||
	fail "system accounts still enabled in 10-auth.conf"
grep -q '^vmail:' "$R/etc/passwd" && grep -q '^surel-milter:' "$R/etc/passwd" ||
	fail "users vmail and surel-milter were not created in the image"
echo "  users: $(grep -E '^(vmail|surel-milter):' "$R/etc/passwd" | cut -d: -f1,3 | tr '\n' ' ')"

check "the roster's files and directories have their production owners and modes"
[ "$(owner_mode "$R/var/lib/surel/roster.db")" = "root:root 644" ] || fail "roster.db: $(owner_mode "$R/var/lib/surel/roster.db")"
[ "$(owner_mode "$R/var/lib/surel/credentials.db")" = "root:dovecot 640" ] ||
	fail "credentials.db: $(owner_mode "$R/var/lib/surel/credentials.db")"
for f in "$R"/var/lib/surel/credentials.db-*; do
	[ "$(owner_mode "$f")" = "root:dovecot 640" ] || fail "$f: $(owner_mode "$f")"
done
uid=$(awk -F: '$1 == "surel-milter" {print $3}' "$R/etc/passwd")
[ "$(stat -c '%u %a' "$R/var/lib/surel/milter")" = "$uid 755" ] || fail "the usage store's directory is not the milter's"
pg=$(awk -F: '$1 == "postfix" {print $3}' "$R/etc/group")
[ "$(stat -c '%u %g %a' "$R/var/spool/postfix/surel")" = "$uid $pg 2750" ] ||
	fail "the milter's socket directory: $(stat -c '%u %g %a' "$R/var/spool/postfix/surel")"
vu=$(awk -F: '$1 == "vmail" {print $3}' "$R/etc/passwd")
[ "$(stat -c '%u %a' "$R/var/mail/surel")" = "$vu 770" ] ||
	fail "/var/mail/surel is not vmail's 0770 (setgid inherited from /var/mail?): $(stat -c '%u %a' "$R/var/mail/surel")"

check "surel.ini has the school's values and surel's configuration loader accepts it"
[ "$(ini school domain)" = "$D" ] || fail "[school] domain is '$(ini school domain)'"
[ "$(ini milter usage_db)" = /var/lib/surel/milter/usage.db ] || fail "[milter] usage_db"
[ "$(ini etrn host)" = mail.isp.example.net ] || fail "[etrn] host"
[ "$(ini tariff per_mb)" = 100 ] || fail "[tariff] per_mb"
[ "$(ini dial maillog)" = /var/log/mail.log ] || fail "[dial] maillog"
grep -q '^schedule = Mon-Sat 07:00 12:00$' "$R/etc/surel/surel.ini" || fail "[dial] schedule"
[ "$(owner_mode "$R/etc/surel/etrn-credentials")" = "root:root 600" ] || fail "etrn-credentials is not root 0600"
sed -E "s#^(db|credentials) = /#\1 = $R/#" "$R/etc/surel/surel.ini" >"$T/check.ini"
out=$("$ROSTER" --config "$T/check.ini" list 2>&1) || fail "surel-roster refuses the written surel.ini: $out"
if [ -x "$SUREL_BIN_DIR/dialctl/dialctl" ]; then
	rc=0
	out=$("$SUREL_BIN_DIR/dialctl/dialctl" --config "$T/check.ini" report 2>&1) || rc=$?
	[ "$rc" != 78 ] || fail "dialctl refuses the written surel.ini: $out"
fi

if [ ${#LINK[@]} -eq 0 ]; then
	echo "NOTE: no etc/ppp/peers/surel-mobile in the sources: the peer was not set up or checked"
else
check "the ppp peer and its secrets"
grep -q '^/dev/ttyUSB2$' "$R/etc/ppp/peers/surel" && grep -q -- '-T internet"' "$R/etc/ppp/peers/surel" &&
	grep -q '^user "wap"$' "$R/etc/ppp/peers/surel" || fail "the peer lacks device, APN or user: $(cat "$R/etc/ppp/peers/surel")"
[ -f "$R/etc/chatscripts/surel-mobile" ] || fail "no chat script"
grep -q '^"wap" \* "ppp-secret-1"$' "$R/etc/ppp/pap-secrets" && [ "$(owner_mode "$R/etc/ppp/chap-secrets")" = "root:root 600" ] ||
	fail "pppd secrets missing or not 0600"
fi

check "the units are enabled"
for u in surel-milter.service dialctl.service; do
	[ -L "$R/etc/systemd/system/multi-user.target.wants/$u" ] || fail "$u is not enabled"
done

check "postfix check passes on the result"
postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "postfix check failed: $(cat "$T/check.out")"
if grep -v 'open "sqlite" configuration "/etc/postfix/surel/' "$T/check.out" | grep -qi 'warning\|fatal\|error'; then
	fail "postfix check complains: $(cat "$T/check.out")"
fi

check "Dovecot accepts its configuration; roster people are the only logins"
doveconf -c "$R/etc/dovecot/dovecot.conf" -n >"$T/doveconf.out" 2>&1 ||
	fail "doveconf refuses the configuration: $(tail -n 5 "$T/doveconf.out")"
drivers=$(awk '/^passdb \{/ {p = 1} p && /driver =/ {print $3; p = 0}' "$T/doveconf.out" | sort -u | tr '\n' ' ')
[ "$drivers" = "roster " ] || fail "expected only the roster passdb, doveconf shows: $drivers"

check "a second run changes nothing"
before=$(snapshot)
setup >"$T/run2" 2>&1 || fail "second run failed: $(cat "$T/run2")"
grep -q 'nothing to change' "$T/run2" || fail "second run reported changes: $(cat "$T/run2")"
[ "$(snapshot)" = "$before" ] || fail "second run changed files below the root"

check "[school] language: id unless told otherwise, kept on later runs, messages in LANG's language"
grep -qx 'language = id' "$R/etc/surel/surel.ini" || fail "surel.ini has no [school] language = id"
setup --language en >"$T/run5" 2>&1 || fail "--language en failed: $(cat "$T/run5")"
grep -qx 'language = en' "$R/etc/surel/surel.ini" || fail "--language en did not set language = en"
setup >"$T/run6" 2>&1 || fail "the run after --language en failed: $(cat "$T/run6")"
grep -q 'nothing to change' "$T/run6" && grep -qx 'language = en' "$R/etc/surel/surel.ini" ||
	fail "a run without --language changed the school's language back: $(cat "$T/run6")"
setup --language id >"$T/run7" 2>&1 || fail "--language id failed: $(cat "$T/run7")"
grep -qx 'language = id' "$R/etc/surel/surel.ini" || fail "--language id did not set language = id"
grep -q 'id_ID.UTF-8 locale is not made' "$T/run7" || fail "below --root the locale note is missing: $(cat "$T/run7")"
refused "a --language surel does not speak" 65 setup --language jawa
rc=0
out=$(env -u LC_ALL -u LANGUAGE LANG=id_ID.UTF-8 "$SETUP" --root "$R" --roster "$ROSTER" \
	--domain 'bad_domain!' --smarthost x.example.net 2>&1) || rc=$?
[ "$rc" = 65 ] && grep -q "'bad_domain!' bukan nama domain" <<<"$out" ||
	fail "under LANG=id_ID.UTF-8 expected exit 65 in Indonesian, got $rc: $out"
[ "$(snapshot)" = "$before" ] || fail "switching the language back and forth left a change"

refused "a bad domain" 65 "$SETUP" --root "$R" --roster "$ROSTER" --domain 'bad_domain!' --smarthost x.example.net
refused "another school's domain" 78 "$SETUP" --root "$R" --roster "$ROSTER" --domain smpn2.sch.id --smarthost mail.isp.example.net
refused "a missing --smarthost" 64 "$SETUP" --root "$R" --roster "$ROSTER" --domain "$D"
refused "a missing template" 69 setup --templates "$T/nowhere"
refused "a --name with both kinds of quote (surel.ini cannot hold it)" 65 setup --name "SMP \"Sant' Yosef\""
postconf -c "$R/etc/postfix" -e "relayhost=[other-relay.example.net]" 2>/dev/null
refused "a relayhost another setup made" 78 setup
postconf -c "$R/etc/postfix" -e "relayhost=[mail.isp.example.net]:587" 2>/dev/null
echo "# edited" >>"$R/etc/dovecot/conf.d/90-surel.conf"
refused "a hand-edited Dovecot snippet" 78 setup
sed -i '$d' "$R/etc/dovecot/conf.d/90-surel.conf"
refused "to run without root" 77 setpriv --reuid nobody --regid nogroup --clear-groups \
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" --smarthost mail.isp.example.net
check "a roster whose -wal/-shm the sqlite3 shell removed gets them back"
sqlite3 "$R/var/lib/surel/roster.db" "SELECT count(*) FROM person" >/dev/null
[ ! -e "$R/var/lib/surel/roster.db-shm" ] || fail "the sqlite3 shell left -shm (the premise changed)"
setup >"$T/run4" 2>&1 || fail "the repairing run failed: $(cat "$T/run4")"
grep -q "put back the roster's -wal/-shm" "$T/run4" || fail "the run did not say so: $(cat "$T/run4")"
[ "$(owner_mode "$R/var/lib/surel/roster.db-shm")" = "root:root 644" ] ||
	fail "roster.db-shm: $(owner_mode "$R/var/lib/surel/roster.db-shm" 2>&1)"

check "a roster of an older surel (schema 1) is brought up to date, so its readers take it"
sqlite3 "$R/var/lib/surel/roster.db" "DROP VIEW webmail_contact; PRAGMA user_version = 1;"
# (the sqlite3 shell removes -wal and -shm; empty ones are what SQLite starts from)
install -m 0644 /dev/null "$R/var/lib/surel/roster.db-wal"
install -m 0644 /dev/null "$R/var/lib/surel/roster.db-shm"
printf '[school]\ndomain = %s\n[roster]\ndb = %s\n' "$D" "$R/var/lib/surel/roster.db" >"$T/image.ini"
"$ROSTER" --config "$T/image.ini" list >"$T/list" 2>&1 && fail "a reader took the schema 1 roster (the premise changed)"
grep -q "old schema" "$T/list" || fail "the schema 1 roster was refused for another reason: $(cat "$T/list")"
setup >"$T/run5" 2>&1 || fail "the upgrading run failed: $(cat "$T/run5")"
grep -q "brought the roster .* up to date" "$T/run5" || fail "the run did not say so: $(cat "$T/run5")"
"$ROSTER" --config "$T/image.ini" list >/dev/null || fail "the roster is still refused after the run"

check "after the refusals, the setup still stands unchanged"
setup >"$T/run3" 2>&1 || fail "third run failed: $(cat "$T/run3")"
grep -q 'nothing to change' "$T/run3" || fail "third run reported changes: $(cat "$T/run3")"
echo "PASS"
