#!/bin/bash
# NAME
#	collect.sh - surel-setup configures collect mode: the hosting's SMTP out, its mailboxes in
# DESCRIPTION
#	dialctl's "collect" mode, against a school server image below a
#	temporary root (see common.sh):
#	  - surel-setup --mode collect --smarthost HOST --isp-login ...
#	    --mailbox URL --mailbox-user ... --mailbox-password-file F
#	    --postmaster LOGIN: main.cf as in etrn mode (the hosting's SMTP
#	    with its login in smarthost_passwd), master.cf.surel-collect's
#	    smtpd on 127.0.0.1:10026 (relays nothing, no TLS, no SASL),
#	    [dial] mode, [collect] and [collect.hosting] in surel.ini (surel's
#	    configuration loader accepts them), the password in
#	    /etc/surel/collect-hosting.password (root, 0600) and nowhere in
#	    surel.ini, no ETRN credentials; postfix check passes; a second
#	    run (the same options, or none of collect mode's) changes nothing;
#	  - refusals change nothing (a checksum of the whole root): a URL
#	    that is no mailbox (http://, ftp://, a blank, a line break,
#	    empty, a login in it, a POP3 folder), a missing or empty password
#	    file, a bad mailbox name or kind, --deliver without person or
#	    person without --deliver, a --postmaster or --deliver the roster
#	    does not have, collect mode without a login at the hosting,
#	    without --postmaster or a mailbox, --etrn-host in collect mode,
#	    collect mode's options in another mode, another setup's smtpd on
#	    127.0.0.1:10026;
#	  - another --mailbox-name adds a section (a person's mailbox, with
#	    --deliver); the same name replaces its values;
#	  - collect -> batch -> collect -> ssh -> collect -> etrn -> collect:
#	    the smtpd on 127.0.0.1:10026 takes each mode's syslog_name, no
#	    surel-batch or surel-tunnel stays in collect mode, each mode's
#	    main.cf comes back, postfix check passes.
#	surel-setup itself reads surel.ini through surel-roster: this needs a
#	build whose configuration loader knows [dial] mode = collect and the
#	[collect] keys (lib/config_keys_collect.c).
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
ISP=$T/isp
SETUP_ISP=$SUREL_SRC_DIR/scripts/surel-setup-isp
TPL=$SUREL_SRC_DIR/etc/postfix
HOSTING=mail.hosting.example
printf 'isp-secret-1\n' >"$T/isp.pw"
# A mailbox password with what surel.ini would have to quote (and a
# Windows line end, which is not part of it).
BOX_PW='kotak;rahasia#1 "x"'
printf '%s\r\nsecond line\n' "$BOX_PW" >"$T/box.pw"
printf 'guru-secret-2\n' >"$T/guru.pw"
: >"$T/empty.pw"

# setup ARGS...: surel-setup on the image for the school.
setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" "$@"
}
# collect ARGS...: collect mode with the hosting's SMTP login and mailbox.
collect() {
	setup --mode collect --smarthost "$HOSTING" --isp-login "sekolah@$D" --isp-password-file "$T/isp.pw" \
		--mailbox "imaps://$HOSTING/INBOX" --mailbox-user "sekolah@$D" --mailbox-password-file "$T/box.pw" \
		--postmaster tata.usaha "$@"
}
# isp ARGS...: the ISP's ssh set-up against its own configuration directory
# (for the switches to ssh and batch mode).
isp() {
	"$SETUP_ISP" --config-dir "$ISP/etc" "$@" --tunnel-user root --keys "$ISP/authorized_keys" \
		--state "$ISP/gate" --sshd-conf "$ISP/sshd.conf" --ssh-host isp.example.net \
		--ssh-port 2222 --host-key "$ISP/host.pub" --firewall "$ISP/tunnel.nft" --no-firewall-load \
		--batch "$SUREL_BIN_DIR/batch/surel-batch" --batch-user nobody --spool-root "$ISP/spool"
}
# has NAME/TYPE: master.cf has that service.
has() { pc -M "$1" | grep -q .; }
# param NAME/TYPE PARAM: the entry's -o PARAM.
param() { pc -P "$1/$2" | sed 's/^[^=]*= \{0,1\}//'; }
# sini SECTION KEY: a key of surel.ini, as the setup's own ini_get reads it.
sini() { awk -v s="[$1]" -v k="$2" '/^\[/ { sec = $0 } sec == s && $1 == k { sub(/^[^=]*= */, ""); print; exit }' "$R/etc/surel/surel.ini"; }
# clean_check WHAT: postfix check and postconf say nothing (the sqlite tables
# name the target's paths, which cannot be opened from here).
clean_check() {
	postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "$1: postfix check failed: $(cat "$T/check.out")"
	postconf -c "$R/etc/postfix" -n >/dev/null 2>>"$T/check.out"
	if grep -v 'open "sqlite" configuration "/etc/postfix/surel/' "$T/check.out" | grep -qi 'warning\|fatal\|error'; then
		fail "$1: postfix complains: $(cat "$T/check.out")"
	fi
}
# image_ini: surel.ini with the roster's and the password files' paths below R.
image_ini() {
	sed -E "s#^(db|credentials|password_file|identity|known_hosts) = /#\1 = $R/#" "$R/etc/surel/surel.ini" >"$T/check.ini"
}
# loader_accepts WHAT: surel's configuration loader (surel-roster's, the
# one every program uses) and dialctl take the written surel.ini.
loader_accepts() {
	local out rc=0
	image_ini
	out=$("$ROSTER" --config "$T/check.ini" list 2>&1) || fail "$1: surel's configuration loader refuses surel.ini: $out"
	if [ -x "$SUREL_BIN_DIR/dialctl/dialctl" ]; then
		out=$("$SUREL_BIN_DIR/dialctl/dialctl" --config "$T/check.ini" report 2>&1) || rc=$?
		[ "$rc" != 78 ] || fail "$1: dialctl refuses the written surel.ini: $out"
	fi
}
# collect_mode_is_set WHAT: main.cf as etrn mode's, the smtpd of
# master.cf.surel-collect, no other mode's services, [dial] mode = collect.
collect_mode_is_set() {
	local line
	[ "$(pc -h relayhost)" = "[$HOSTING]:587" ] || fail "$1: relayhost is '$(pc -h relayhost)'"
	[ "$(pc -h default_transport)" = smtp ] && [ "$(pc -h defer_transports)" = smtp ] ||
		fail "$1: transports: $(pc -h default_transport) / $(pc -h defer_transports)"
	[ "$(pc -h smtp_sasl_password_maps)" = hash:/etc/postfix/surel/smarthost_passwd ] ||
		fail "$1: smtp_sasl_password_maps is '$(pc -h smtp_sasl_password_maps)'"
	! pc -n surel-batch_destination_recipient_limit | grep -q . || fail "$1: batch mode's recipient limit stayed in main.cf"
	pc -F 127.0.0.1:10026/inet/command | grep -Eq '= smtpd( |$)' || fail "$1: no smtpd on 127.0.0.1:10026"
	while IFS= read -r line; do
		[ "$(param 127.0.0.1:10026/inet "${line%%=*}")" = "${line#*=}" ] ||
			fail "$1: the smtpd on 127.0.0.1:10026 lacks -o $line: $(pc -P 127.0.0.1:10026/inet)"
	done < <(awk '/^127.0.0.1:10026/ { on = 1; next } /^[^ \t]/ { on = 0 }
		on && sub(/^[ \t]+-o[ \t]+/, "")' "$TPL/master.cf.surel-collect")
	[ "$(param 127.0.0.1:10026/inet syslog_name)" = postfix/surel-collect ] || fail "$1: syslog_name"
	[ -z "$(param 127.0.0.1:10026/inet mynetworks)" ] || fail "$1: the smtpd on 127.0.0.1:10026 has mynetworks"
	! has surel-batch/unix && ! has surel-tunnel/unix ||
		fail "$1: another mode's transport stayed in master.cf: $(pc -M | grep -e surel-batch -e surel-tunnel)"
	[ "$(ini dial mode)" = collect ] || fail "$1: [dial] mode is '$(ini dial mode)'"
}

check "collect mode is refused without what it needs, and nothing changes"
refused "collect mode without --smarthost" 64 setup --mode collect --mailbox "imaps://$HOSTING" \
	--mailbox-user u --mailbox-password-file "$T/box.pw" --postmaster tata.usaha
refused "collect mode without a login at the hosting's SMTP" 64 setup --mode collect --smarthost "$HOSTING" \
	--mailbox "imaps://$HOSTING" --mailbox-user u --mailbox-password-file "$T/box.pw" --postmaster tata.usaha
refused "collect mode without a mailbox" 64 setup --mode collect --smarthost "$HOSTING" \
	--isp-login "sekolah@$D" --isp-password-file "$T/isp.pw" --postmaster tata.usaha
refused "collect mode without --postmaster" 64 setup --mode collect --smarthost "$HOSTING" \
	--isp-login "sekolah@$D" --isp-password-file "$T/isp.pw" --mailbox "imaps://$HOSTING" \
	--mailbox-user u --mailbox-password-file "$T/box.pw"
refused "--mailbox in etrn mode" 64 setup --smarthost "$HOSTING" --mailbox "imaps://$HOSTING"

check "surel-setup --mode collect sets the school up"
collect >"$T/run1" 2>&1 || fail "surel-setup --mode collect failed: $(cat "$T/run1")"
grep -q '^surel-setup: .*set up (collect mode)' "$T/run1" || fail "the setup does not say the mode: $(tail -n 2 "$T/run1")"
grep -q 'roster has nobody yet' "$T/run1" || fail "the setup does not say that the logins were not checked: $(cat "$T/run1")"
collect_mode_is_set "collect mode"
grep -qx "\[$HOSTING\]:587 sekolah@$D:isp-secret-1" "$R/etc/postfix/surel/smarthost_passwd" ||
	fail "smarthost_passwd lacks the hosting's login: $(cat "$R/etc/postfix/surel/smarthost_passwd")"
[ -f "$R/etc/postfix/surel/smarthost_passwd.db" ] || fail "smarthost_passwd was not postmap'd"
[ ! -e "$R/etc/surel/etrn-credentials" ] || fail "collect mode wrote ETRN credentials (it has no ETRN)"
! grep -q '^\[etrn\]' "$R/etc/surel/surel.ini" || fail "collect mode wrote an [etrn] section"
clean_check "collect mode"

check "surel.ini: [collect] and [collect.hosting]; the password in a root-only file, not in surel.ini"
[ "$(sini collect postmaster)" = tata.usaha ] || fail "[collect] postmaster is '$(sini collect postmaster)'"
[ "$(sini collect deliver_to)" = 127.0.0.1:10026 ] || fail "[collect] deliver_to is '$(sini collect deliver_to)'"
[ "$(sini collect.hosting url)" = "imaps://$HOSTING/INBOX" ] || fail "[collect.hosting] url is '$(sini collect.hosting url)'"
[ "$(sini collect.hosting user)" = "sekolah@$D" ] || fail "[collect.hosting] user is '$(sini collect.hosting user)'"
[ "$(sini collect.hosting kind)" = catchall ] || fail "[collect.hosting] kind is '$(sini collect.hosting kind)'"
[ "$(sini collect.hosting password_file)" = /etc/surel/collect-hosting.password ] ||
	fail "[collect.hosting] password_file is '$(sini collect.hosting password_file)'"
PWF=$R/etc/surel/collect-hosting.password
[ "$(owner_mode "$PWF")" = "root:root 600" ] || fail "the password file is $(owner_mode "$PWF")"
[ "$(cat "$PWF")" = "$BOX_PW" ] || fail "the password file holds '$(cat "$PWF")', not the first line of the given file"
! grep -qF 'kotak;rahasia' "$R/etc/surel/surel.ini" || fail "the mailbox password is in surel.ini"
! grep -qF 'kotak;rahasia' "$T/run1" || fail "the setup printed the mailbox password"
! grep -q '^password[[:space:]]*=' "$R/etc/surel/surel.ini" || fail "surel.ini has a password key"
loader_accepts "collect mode"

check "a second run changes nothing (the same options, or none of collect mode's)"
before=$(snapshot)
collect >"$T/run2" 2>&1 || fail "second run failed: $(cat "$T/run2")"
grep -q 'nothing to change.*(collect mode)' "$T/run2" || fail "second run reported changes: $(cat "$T/run2")"
setup --smarthost "$HOSTING" >"$T/run3" 2>&1 || fail "a run without collect mode's options failed: $(cat "$T/run3")"
grep -q 'nothing to change.*(collect mode)' "$T/run3" || fail "a run without collect mode's options changed something: $(cat "$T/run3")"
setup --smarthost "$HOSTING" --mailbox-name hosting >"$T/run3" 2>&1 || fail "a run naming the mailbox alone failed: $(cat "$T/run3")"
grep -q 'nothing to change.*(collect mode)' "$T/run3" || fail "a run naming the mailbox alone changed something: $(cat "$T/run3")"
[ "$(snapshot)" = "$before" ] || fail "a second run changed files below the root"

check "bad mailbox URLs and password files are refused"
refused "an http:// URL" 65 collect --mailbox "http://$HOSTING/"
refused "an ftp:// URL" 65 collect --mailbox "ftp://$HOSTING/INBOX"
refused "a URL with a blank" 65 collect --mailbox "imaps://$HOSTING/Sent Items"
refused "a URL with a line break" 65 collect --mailbox "imaps://$HOSTING/INBOX
[dial]"
refused "an empty URL" 65 collect --mailbox ""
refused "no URL at all" 65 collect --mailbox "$HOSTING"
refused "a URL with a bad host" 65 collect --mailbox "imaps://mail_hosting!/INBOX"
refused "a URL with a bad port" 65 collect --mailbox "imaps://$HOSTING:99999/INBOX"
refused "a POP3 URL with a folder" 65 collect --mailbox "pop3s://$HOSTING/INBOX"
refused "a URL with a login and password in it" 65 collect --mailbox "imaps://sekolah:url-secret@$HOSTING/INBOX"
! grep -q url-secret "$T/out" || fail "the refusal printed the password of the URL: $(cat "$T/out")"
refused "a missing password file" 66 collect --mailbox-password-file "$T/no-such.pw"
refused "an empty password file" 65 collect --mailbox-password-file "$T/empty.pw"
refused "a mailbox name that cannot be a section" 65 collect --mailbox-name "Hosting_1"
refused "a mailbox name with a line break" 65 collect --mailbox-name "a
b"
refused "an unknown mailbox kind" 65 collect --mailbox-kind everyone
refused "a person's mailbox without --deliver" 64 collect --mailbox-name guru --mailbox-kind person
refused "--deliver for a catch-all" 64 collect --deliver tata.usaha
refused "a --postmaster that is no login" 65 collect --postmaster 'Tata Usaha'
refused "a --postmaster of another domain" 65 collect --postmaster tu@other.example
refused "--etrn-host in collect mode" 64 collect --etrn-host mx.hosting.example
refused "a mailbox option without --mailbox for a new name" 64 setup --mode collect --smarthost "$HOSTING" \
	--mailbox-name baru --mailbox-user x
refused "a new --mailbox-name alone" 64 setup --mode collect --smarthost "$HOSTING" --mailbox-name baru

check "--postmaster and --deliver: once the roster has people, logins it lacks are refused"
image_ini
"$ROSTER" --config "$T/check.ini" add --name "Tata Usaha" --role staff >/dev/null 2>&1
"$ROSTER" --config "$T/check.ini" add --name "Budi Santoso" --role teacher >/dev/null 2>&1
"$ROSTER" --config "$T/check.ini" show budi.santoso >/dev/null 2>&1 || fail "surel-roster add did not make budi.santoso"
refused "a --postmaster the roster lacks" 65 collect --postmaster kepala.sekolah
grep -q 'kepala.sekolah.*roster' "$T/out" || fail "the refusal does not name the login: $(cat "$T/out")"
refused "a --deliver the roster lacks" 65 collect --mailbox-name guru-budi --mailbox-kind person \
	--mailbox "pop3s://$HOSTING" --mailbox-user "budi@$D" --mailbox-password-file "$T/guru.pw" --deliver siapa.saja
before=$(snapshot)
collect --postmaster "tata.usaha@$D" >"$T/run4" 2>&1 || fail "a --postmaster LOGIN@DOMAIN in the roster was refused: $(cat "$T/run4")"
[ "$(sini collect postmaster)" = "tata.usaha@$D" ] || fail "[collect] postmaster is '$(sini collect postmaster)'"
collect >"$T/run5" 2>&1 || fail "back to --postmaster tata.usaha failed: $(cat "$T/run5")"
[ "$(snapshot)" = "$before" ] || fail "changing the postmaster and back left a change"

check "another --mailbox-name adds a section; the same name replaces its values"
collect --mailbox-name guru-budi --mailbox-kind person --mailbox "pop3s://$HOSTING" \
	--mailbox-user "budi@$D" --mailbox-password-file "$T/guru.pw" --deliver budi.santoso >"$T/run6" 2>&1 ||
	fail "a second mailbox failed: $(cat "$T/run6")"
[ "$(sini collect.guru-budi url)" = "pop3s://$HOSTING" ] && [ "$(sini collect.guru-budi kind)" = person ] &&
	[ "$(sini collect.guru-budi deliver)" = budi.santoso ] && [ "$(sini collect.guru-budi user)" = "budi@$D" ] ||
	fail "[collect.guru-budi]: $(sed -n '/^\[collect.guru-budi\]/,/^\[/p' "$R/etc/surel/surel.ini")"
[ "$(sini collect.hosting url)" = "imaps://$HOSTING/INBOX" ] && [ "$(sini collect.hosting kind)" = catchall ] ||
	fail "the second mailbox changed the first: $(sed -n '/^\[collect.hosting\]/,/^\[/p' "$R/etc/surel/surel.ini")"
[ "$(grep -c '^\[collect\.' "$R/etc/surel/surel.ini")" = 2 ] || fail "expected two [collect.NAME] sections"
[ "$(owner_mode "$R/etc/surel/collect-guru-budi.password")" = "root:root 600" ] &&
	[ "$(cat "$R/etc/surel/collect-guru-budi.password")" = guru-secret-2 ] || fail "the second password file"
[ "$(cat "$PWF")" = "$BOX_PW" ] || fail "the second mailbox changed the first one's password file"
! grep -qF guru-secret "$R/etc/surel/surel.ini" || fail "the second mailbox's password is in surel.ini"
loader_accepts "two mailboxes"
before=$(snapshot)
setup --mode collect --smarthost "$HOSTING" --mailbox-name guru-budi --mailbox "pop3s://$HOSTING" >"$T/run7" 2>&1 ||
	fail "the same mailbox again failed: $(cat "$T/run7")"
grep -q 'nothing to change' "$T/run7" || fail "the same mailbox again changed something: $(cat "$T/run7")"
[ "$(snapshot)" = "$before" ] || fail "the same mailbox again changed files below the root"
setup --mode collect --smarthost "$HOSTING" --mailbox-name guru-budi --mailbox "IMAPS://Mail.Hosting.Example:993/Arsip/2026" \
	--mailbox-kind catchall >"$T/run8" 2>&1 || fail "replacing the mailbox's values failed: $(cat "$T/run8")"
[ "$(sini collect.guru-budi url)" = "imaps://$HOSTING:993/Arsip/2026" ] && [ "$(sini collect.guru-budi kind)" = catchall ] ||
	fail "the same name did not replace the values: $(sed -n '/^\[collect.guru-budi\]/,/^\[/p' "$R/etc/surel/surel.ini")"
[ -z "$(sini collect.guru-budi deliver)" ] || fail "a catch-all kept the person's deliver"
[ "$(grep -c '^\[collect\.' "$R/etc/surel/surel.ini")" = 2 ] || fail "replacing values added a section"
[ "$(sini collect.guru-budi user)" = "budi@$D" ] || fail "the mailbox's user went"
setup --mode collect --smarthost "$HOSTING" --mailbox-name guru-budi --mailbox "imap://$HOSTING" >"$T/run9" 2>&1 ||
	fail "an imap:// mailbox failed: $(cat "$T/run9")"
grep -q 'only with STARTTLS' "$T/run9" || fail "imap:// without a word on STARTTLS: $(cat "$T/run9")"
[ "$(sini collect.guru-budi url)" = "imap://$HOSTING/INBOX" ] || fail "url is '$(sini collect.guru-budi url)'"
loader_accepts "the replaced mailbox"
clean_check "two mailboxes"

check "the ISP adds the school (for the switches to batch and ssh mode)"
"$SETUP" --root "$R" --domain "$D" --ssh-key >"$T/school.pub" 2>"$T/key.err" ||
	fail "--ssh-key failed: $(cat "$T/key.err")"
mkdir -p "$ISP/etc"
cp /etc/postfix/main.cf /etc/postfix/master.cf "$ISP/etc/"
postconf -c "$ISP/etc" -e "alternate_config_directories="
ssh-keygen -q -t ed25519 -N '' -C isp-host -f "$ISP/host"
isp ssh-install >"$T/isp.out" 2>&1 || fail "ssh-install: $(cat "$T/isp.out")"
isp ssh-add smpn1 "$D" --key "$T/school.pub" --mode batch >"$T/tunnel.batch" 2>"$T/isp.err" ||
	fail "ssh-add --mode batch: $(cat "$T/isp.err" "$T/tunnel.batch")"

check "collect -> batch: surel-batch comes, the smtpd on 127.0.0.1:10026 takes batch mode's options"
setup --mode batch --tunnel "$T/tunnel.batch" >"$T/run10" 2>&1 || fail "switching to batch failed: $(cat "$T/run10")"
has surel-batch/unix || fail "no surel-batch transport in batch mode"
[ "$(param 127.0.0.1:10026/inet syslog_name)" = postfix/surel-tunnel-in ] ||
	fail "batch mode's smtpd has syslog_name '$(param 127.0.0.1:10026/inet syslog_name)'"
[ "$(pc -h default_transport)" = surel-batch ] && [ -z "$(pc -h relayhost)" ] ||
	fail "batch mode's main.cf: $(pc -h default_transport) '$(pc -h relayhost)'"
[ "$(ini dial mode)" = batch ] || fail "[dial] mode is '$(ini dial mode)'"
clean_check "batch mode after collect mode"

check "batch -> collect: surel-batch and its recipient limit go, the smtpd stays with collect mode's options"
setup --mode collect --smarthost "$HOSTING" >"$T/run11" 2>&1 || fail "switching back to collect failed: $(cat "$T/run11")"
collect_mode_is_set "collect mode after batch mode"
clean_check "collect mode after batch mode"
setup >"$T/run12" 2>&1 && fail "a run without --smarthost in collect mode passed: $(cat "$T/run12")"
setup --smarthost "$HOSTING" >"$T/run12" 2>&1 || fail "second collect run failed: $(cat "$T/run12")"
grep -q 'nothing to change.*(collect mode)' "$T/run12" || fail "the second collect run changed something: $(cat "$T/run12")"

check "collect -> ssh -> collect: surel-tunnel comes and goes"
isp ssh-add smpn1 "$D" --key "$T/school.pub" >"$T/tunnel.ssh" 2>"$T/isp.err" ||
	fail "ssh-add: $(cat "$T/isp.err" "$T/tunnel.ssh")"
setup --mode ssh --tunnel "$T/tunnel.ssh" >"$T/run13" 2>&1 || fail "switching to ssh failed: $(cat "$T/run13")"
has surel-tunnel/unix && ! has surel-batch/unix || fail "ssh mode's master.cf: $(pc -M | grep -e surel-batch -e surel-tunnel)"
[ "$(param 127.0.0.1:10026/inet syslog_name)" = postfix/surel-tunnel-in ] ||
	fail "ssh mode's smtpd has syslog_name '$(param 127.0.0.1:10026/inet syslog_name)'"
[ "$(pc -h relayhost)" = "[127.0.0.1]:10025" ] || fail "ssh mode's relayhost is '$(pc -h relayhost)'"
clean_check "ssh mode after collect mode"
setup --mode collect --smarthost "$HOSTING" >"$T/run14" 2>&1 || fail "switching back to collect failed: $(cat "$T/run14")"
collect_mode_is_set "collect mode after ssh mode"
clean_check "collect mode after ssh mode"

check "collect -> etrn -> collect: the smtpd on 127.0.0.1:10026 goes and comes back"
setup --mode etrn --smarthost "$HOSTING" >"$T/run15" 2>&1 || fail "switching to etrn failed: $(cat "$T/run15")"
! has 127.0.0.1:10026/inet && ! has surel-batch/unix && ! has surel-tunnel/unix ||
	fail "another mode's services stayed in master.cf in etrn mode: $(pc -M | grep -e surel-batch -e 10026 -e surel-tunnel)"
[ "$(pc -h relayhost)" = "[$HOSTING]:587" ] || fail "etrn mode's relayhost is '$(pc -h relayhost)'"
[ "$(ini dial mode)" = etrn ] || fail "[dial] mode is '$(ini dial mode)'"
clean_check "etrn mode after collect mode"
setup --mode collect --smarthost "$HOSTING" >"$T/run16" 2>&1 || fail "switching back to collect failed: $(cat "$T/run16")"
collect_mode_is_set "collect mode after etrn mode"
[ "$(grep -c '^\[collect\.' "$R/etc/surel/surel.ini")" = 2 ] || fail "the mailboxes went while in other modes"
setup --smarthost "$HOSTING" >"$T/run17" 2>&1 || fail "second collect run failed: $(cat "$T/run17")"
grep -q 'nothing to change.*(collect mode)' "$T/run17" || fail "the second collect run changed something: $(cat "$T/run17")"

check "another setup's smtpd on 127.0.0.1:10026 is not replaced"
setup --mode etrn --smarthost "$HOSTING" >"$T/run18" 2>&1 || fail "switching to etrn failed: $(cat "$T/run18")"
postconf -c "$R/etc/postfix" -M "127.0.0.1:10026/inet=127.0.0.1:10026 inet n - n - - smtpd" 2>/dev/null
postconf -c "$R/etc/postfix" -P "127.0.0.1:10026/inet/syslog_name=postfix/amavis-in" 2>/dev/null
refused "another setup's smtpd on 127.0.0.1:10026" 78 setup --mode collect --smarthost "$HOSTING"
postconf -c "$R/etc/postfix" -MX 127.0.0.1:10026/inet 2>/dev/null
echo "PASS"
