#!/bin/bash
# NAME
#	logins.sh - roster people log in to a real Dovecot over IMAP and POP3
# DESCRIPTION
#	A class list is imported with surel-roster (slips written), a teacher
#	is added, one student is suspended and one graduated; the roster and
#	credentials files get their production owners and modes.  A private
#	Dovecot with the roster module (tests/lib/dovecot.sh) runs in its own
#	network namespace; logins come over the veth link from another one.
#	Checks: the slip password works over IMAP and POP3; wrong password,
#	suspended, graduated and unknown are refused (the log says why and
#	shows no temporary failure); "BUDI" and "budi@DOMAIN" are budi, a
#	foreign domain is not; doveadm user shows uid, gid, home, mail and
#	quota_rule (role and override); doveadm user '*' lists everyone;
#	LMTP delivers to budi@DOMAIN and to a suspended person, rejects an
#	unknown one; user postfix cannot read credentials.db; no password or hash reaches
#	the log.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dovecot/common.sh"

dc_setup logins
D=$DC_DIR/dovecot

echo "== roster: class list 7A with slips, a teacher, a suspension, a graduation"
cat >"$DC_DIR/7a.csv" <<'EOF'
Nama;Kelas;NISN;JK
Budi;7A;0091000001;L
Siti Nurhaliza;7A;0091000002;P
Muhammad Rizky Pratama;7A;0091000003;L
Dewi Lestari;7A;0091000004;P
Agus;7A;0091000005;L
EOF
dc_roster import --role student --slips "$DC_DIR/slips.csv" "$DC_DIR/7a.csv" >/dev/null
teacher=$(dc_roster add --name "Ani Wijaya" --role teacher)
echo "guru-rahasia-9" | dc_roster passwd "$teacher" --stdin >/dev/null
dc_roster suspend dewi.lestari >/dev/null
dc_roster graduate agus >/dev/null
pw_budi=$(dc_slip_password "$DC_DIR/slips.csv" budi)
pw_siti=$(dc_slip_password "$DC_DIR/slips.csv" siti.nurhaliza)
pw_dewi=$(dc_slip_password "$DC_DIR/slips.csv" dewi.lestari)
pw_agus=$(dc_slip_password "$DC_DIR/slips.csv" agus)
[ -n "$pw_budi" ] && [ -n "$pw_dewi" ] && [ -n "$pw_agus" ] ||
	dc_fail "slips.csv lacks passwords: $(cat "$DC_DIR/slips.csv")"
dc_fix_permissions

echo "== permissions are the production ones"
[ "$(stat -c '%U:%G %a' "$DC_DIR/roster.db")" = "root:root 644" ] ||
	dc_fail "roster.db: expected root:root 644, got $(stat -c '%U:%G %a' "$DC_DIR/roster.db")"
[ "$(stat -c '%U:%G %a' "$DC_DIR/credentials.db")" = "root:dovecot 640" ] ||
	dc_fail "credentials.db: expected root:dovecot 640, got $(stat -c '%U:%G %a' "$DC_DIR/credentials.db")"
for u in postfix nobody; do
	if runuser -u "$u" -- head -c 16 "$DC_DIR/credentials.db" >/dev/null 2>&1; then
		dc_fail "user $u could read credentials.db"
	fi
	dc_pass "user $u cannot read credentials.db"
done
runuser -u postfix -- head -c 16 "$DC_DIR/roster.db" >/dev/null ||
	dc_fail "user postfix cannot read roster.db (Postfix's lookup tables need it)"

echo "== Dovecot with the roster module"
dovecot_start "$D" "$DC_INI" "$DC_SERVER"

echo "== logins over the network"
dc_expect_login imap budi "$pw_budi"
dc_expect_login pop3 budi "$pw_budi"
dc_expect_login imap siti.nurhaliza "$pw_siti"
dc_expect_login imap "$teacher" guru-rahasia-9
dc_expect_login imap BUDI "$pw_budi"
dc_expect_login pop3 Budi "$pw_budi"
dc_expect_login imap "budi@$DC_DOMAIN" "$pw_budi"
dc_expect_login pop3 "Budi@SMPN1.SCH.ID" "$pw_budi"
dc_expect_refused imap budi "${pw_budi}x"
dc_expect_refused pop3 budi "wrong-password"
dc_expect_refused imap budi "$pw_siti"
dc_expect_refused imap dewi.lestari "$pw_dewi"
dc_expect_refused pop3 dewi.lestari "$pw_dewi"
dc_expect_refused imap agus "$pw_agus"
dc_expect_refused imap nobody-here "$pw_budi"
dc_expect_refused imap "budi@other.example" "$pw_budi"

echo "== the auth log says why, and nothing failed temporarily"
dovecot_wait_log "$D" 'roster\(dewi\.lestari.*account is suspended in the roster' 5 ||
	dc_fail "no log line saying dewi.lestari is suspended"
dovecot_wait_log "$D" 'roster\(agus.*account is graduated in the roster' 5 ||
	dc_fail "no log line saying agus graduated"
dovecot_wait_log "$D" 'roster\(nobody-here.*unknown user' 5 ||
	dc_fail "no log line saying nobody-here is unknown"
dovecot_wait_log "$D" 'Login: user=<budi>.*rip=192\.0\.2\.2' 5 ||
	dc_fail "no log line of budi logging in under the canonical name from the client"
if grep -E 'Temporary authentication failure|internal failure|Fatal|Panic|signal' \
	"$D/dovecot.log"; then
	dc_fail "the log shows a temporary failure or a crash (above)"
fi
dc_pass "refusals logged with their reason, no temporary failure"

echo "== doveadm user"
out=$(dovecot_doveadm "$D" user budi)
for want in "uid	$(id -u mail)" "gid	$(id -g mail)" "home	$DC_DIR/mail/budi" \
	"mail	maildir:~/Maildir" "quota_rule	*:storage=200M"; do
	grep -qxF "$want" <<<"$out" || dc_fail "doveadm user budi: expected '$want' in: $out"
done
dc_pass "doveadm user budi shows uid, gid, home, mail, quota_rule"
out=$(dovecot_doveadm "$D" user "$teacher")
grep -qxF "quota_rule	*:storage=1G" <<<"$out" ||
	dc_fail "teacher: expected quota_rule *:storage=1G, got: $out"
out=$(dovecot_doveadm "$D" user "Budi@$DC_DOMAIN")
grep -qxF "home	$DC_DIR/mail/budi" <<<"$out" ||
	dc_fail "doveadm user Budi@$DC_DOMAIN: expected budi's home, got: $out"
dc_pass "role quota for the teacher; Budi@domain is budi"
rc=0
dovecot_doveadm "$D" user no-such-person >/dev/null 2>&1 || rc=$?
[ $rc -eq 67 ] || dc_fail "doveadm user no-such-person: expected exit 67 (unknown), got $rc"
dc_pass "unknown user is unknown to the userdb"
quota=$(dovecot_doveadm "$D" quota get -u budi | awk '$3 == "STORAGE" { print $5 }')
[ "$quota" = 204800 ] || dc_fail "doveadm quota get -u budi: expected limit 204800 KiB, got '$quota'"
dc_pass "Dovecot's quota plugin applies the rule: 200M"

echo "== doveadm user '*' lists everyone"
want=$(dc_roster list --format csv | tail -n +2 | cut -d, -f1 | tr -d '"' | sort)
got=$(dovecot_doveadm "$D" user '*' | sort)
[ "$want" = "$got" ] || dc_fail "doveadm user '*': expected
$want
got
$got"
[ "$(wc -l <<<"$got")" -eq 6 ] || dc_fail "expected 6 people, got $(wc -l <<<"$got")"
dovecot_doveadm "$D" mailbox list -A >"$DC_DIR/mailboxes" ||
	dc_fail "doveadm mailbox list -A failed"
grep -q '^budi INBOX$' "$DC_DIR/mailboxes" || dc_fail "doveadm -A: no INBOX for budi"
dc_pass "doveadm user '*' and doveadm -A cover all 6 people"

echo "== LMTP delivery (what Postfix uses) finds people through the userdb"
lmtp=$(ns_exec "$DC_NS_CLIENT" timeout 20 bash -c '
	exec 3<>/dev/tcp/$1/24
	printf "LHLO client.test\r\nMAIL FROM:<guru@$2>\r\nRCPT TO:<budi@$2>\r\nRCPT TO:<nobody-here@$2>\r\nRCPT TO:<dewi.lestari@$2>\r\nDATA\r\nSubject: PR\r\n\r\nKerjakan halaman 12.\r\n.\r\nQUIT\r\n" >&3
	cat <&3' lmtp "$DC_SERVER" "$DC_DOMAIN" | tr -d '\r')
grep -q '^550 5.1.1 <nobody-here@' <<<"$lmtp" || dc_fail "LMTP: expected 550 for an unknown recipient, got: $lmtp"
[ "$(grep -c '^250 2.0.0 <.*Saved' <<<"$lmtp")" -eq 2 ] || dc_fail "LMTP: expected 2 deliveries saved, got: $lmtp"
grep -rqs 'Kerjakan halaman 12' "$DC_DIR/mail/budi/Maildir/new" ||
	dc_fail "LMTP: the message is not in budi's Maildir under [mail] root"
grep -rqs 'Kerjakan halaman 12' "$DC_DIR/mail/dewi.lestari/Maildir/new" ||
	dc_fail "LMTP: mail for a suspended person must still be kept"
[ "$(stat -c %U "$DC_DIR/mail/budi")" = mail ] || dc_fail "budi's mailbox is not owned by [mail] user"
dc_pass "LMTP delivers to budi@$DC_DOMAIN (owned by user mail), keeps mail of the suspended, rejects the unknown"

echo "== no password or hash in the log"
for pw in "$pw_budi" "$pw_siti" "$pw_dewi" "$pw_agus" guru-rahasia-9; do
	if grep -qF -- "$pw" "$D/dovecot.log"; then
		dc_fail "a password appears in the Dovecot log"
	fi
done
if grep -qE '\$(y|6|2b|2y)\$' "$D/dovecot.log"; then
	dc_fail "a password hash appears in the Dovecot log"
fi
dc_pass "no password or hash in the log"

echo "== files still have their modes after use"
[ "$(stat -c '%U:%G %a' "$DC_DIR/credentials.db")" = "root:dovecot 640" ] ||
	dc_fail "credentials.db changed to $(stat -c '%U:%G %a' "$DC_DIR/credentials.db")"
echo "PASS"
