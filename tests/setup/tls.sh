#!/bin/bash
# NAME
#	tls.sh - surel-setup wires the school's certificate into Postfix and Dovecot
# DESCRIPTION
#	Against a system image below a temporary root (see common.sh):
#	  - by default ssl-cert's snakeoil pair is made (self-signed for
#	    myhostname, the key 0640 root:ssl-cert) and wired: main.cf's
#	    smtpd_tls_cert_file/key_file and STARTTLS offered on port 25, the
#	    submission service with TLS required and no AUTH before it,
#	    Dovecot's ssl = yes with the pair and no plaintext login, Debian's
#	    pair in 10-ssl.conf switched off (Dovecot opens it even when a
#	    later file overrides it); surel.ini [tls] records the pair;
#	  - a second run changes nothing;
#	  - a pair named with --tls-cert/--tls-key replaces it everywhere, and
#	    a run without the options keeps it;
#	  - a key of another certificate, a certificate that is not one, an
#	    encrypted key, a missing file, half a pair, a relative path are
#	    refused with a message naming the file and change nothing;
#	  - a certificate the administrator set in main.cf by hand is not
#	    replaced without --force;
#	  - an older surel's submission (STARTTLS optional) is upgraded;
#	  - a Dovecot configuration that doveconf -x refuses is refused.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
. "$SUREL_SRC_DIR/tests/lib/tls.sh"
su_image
SNAKE_CERT=/etc/ssl/certs/ssl-cert-snakeoil.pem
SNAKE_KEY=/etc/ssl/private/ssl-cert-snakeoil.key
SNIPPET=$R/etc/dovecot/conf.d/90-surel.conf

setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" --smarthost mail.isp.example.net "$@"
}

# wired CERT KEY: Postfix, Dovecot and surel.ini name this pair.
wired() {
	[ "$(pc -h smtpd_tls_cert_file)" = "$1" ] || fail "smtpd_tls_cert_file is '$(pc -h smtpd_tls_cert_file)', expected $1"
	[ "$(pc -h smtpd_tls_key_file)" = "$2" ] || fail "smtpd_tls_key_file is '$(pc -h smtpd_tls_key_file)', expected $2"
	grep -qx "ssl_cert = <$1" "$SNIPPET" || fail "90-surel.conf: no 'ssl_cert = <$1': $(grep '^ssl_' "$SNIPPET")"
	grep -qx "ssl_key = <$2" "$SNIPPET" || fail "90-surel.conf: no 'ssl_key = <$2': $(grep '^ssl_' "$SNIPPET")"
	[ "$(ini tls cert)" = "$1" ] && [ "$(ini tls key)" = "$2" ] ||
		fail "surel.ini [tls] is '$(ini tls cert)' '$(ini tls key)', expected $1 $2"
}

check "no certificate in the image: the first run makes ssl-cert's snakeoil pair and wires it"
[ ! -e "$R$SNAKE_CERT" ] || fail "the image already has a snakeoil certificate (the premise changed)"
setup >"$T/run1" 2>&1 || fail "surel-setup failed: $(cat "$T/run1")"
grep -q "made ssl-cert's snakeoil pair" "$T/run1" || fail "the run did not say it made the pair: $(cat "$T/run1")"
[ "$(openssl x509 -noout -subject -in "$R$SNAKE_CERT" | sed 's/ //g')" = "subject=CN=mail.$D" ] ||
	fail "snakeoil certificate: $(openssl x509 -noout -subject -in "$R$SNAKE_CERT")"
[ "$(openssl x509 -noout -pubkey -in "$R$SNAKE_CERT")" = "$(openssl pkey -pubout -in "$R$SNAKE_KEY")" ] ||
	fail "the snakeoil key does not belong to the certificate"
grp=root
grep -q '^ssl-cert:' "$R/etc/group" && grp=ssl-cert
[ "$(owner_mode "$R$SNAKE_KEY")" = "root:$grp 640" ] || fail "snakeoil key: $(owner_mode "$R$SNAKE_KEY")"
wired "$SNAKE_CERT" "$SNAKE_KEY"
[ "$(pc -h smtpd_tls_security_level)" = may ] || fail "port 25: smtpd_tls_security_level is '$(pc -h smtpd_tls_security_level)'"
pc -P submission/inet/smtpd_tls_security_level | grep -q '= encrypt$' ||
	fail "submission does not require TLS: $(pc -M submission/inet)"
pc -P submission/inet/smtpd_tls_auth_only | grep -q '= yes$' ||
	fail "submission offers AUTH before STARTTLS: $(pc -M submission/inet)"
grep -qx 'ssl = yes' "$SNIPPET" && grep -qx 'disable_plaintext_auth = yes' "$SNIPPET" ||
	fail "90-surel.conf: no 'ssl = yes' and 'disable_plaintext_auth = yes'"
doveconf -c "$R/etc/dovecot/dovecot.conf" -n >"$T/doveconf.out" 2>&1 ||
	fail "doveconf refuses the configuration: $(tail -n 5 "$T/doveconf.out")"
[ "$(doveconf -c "$R/etc/dovecot/dovecot.conf" -h ssl disable_plaintext_auth ssl_cert ssl_key | tr '\n' ' ')" = \
	"yes yes <$SNAKE_CERT <$SNAKE_KEY " ] || fail "Dovecot's settings: $(doveconf -c "$R/etc/dovecot/dovecot.conf" -h ssl disable_plaintext_auth ssl_cert ssl_key)"
postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "postfix check failed: $(cat "$T/check.out")"
if [ -f "$R/etc/dovecot/conf.d/10-ssl.conf" ]; then
	! grep -Eq '^[[:space:]]*ssl_(cert|key)[[:space:]]*=' "$R/etc/dovecot/conf.d/10-ssl.conf" ||
		fail "10-ssl.conf still names a pair: $(grep -E '^[[:space:]]*ssl_(cert|key)' "$R/etc/dovecot/conf.d/10-ssl.conf")"
fi
# Dovecot with every file read (doveconf -x), the pair's paths pointed into the image.
cp -a "$R/etc/dovecot" "$T/dovecot-x"
sed -i "s|^ssl_cert = </|ssl_cert = <$R/|; s|^ssl_key = </|ssl_key = <$R/|" "$T/dovecot-x/conf.d/90-surel.conf"
doveconf -x -c "$T/dovecot-x/dovecot.conf" >/dev/null 2>"$T/doveconf-x.err" ||
	fail "doveconf -x refuses the result: $(cat "$T/doveconf-x.err")"

check "a second run changes nothing"
before=$(snapshot)
setup >"$T/run2" 2>&1 || fail "second run failed: $(cat "$T/run2")"
grep -q 'nothing to change' "$T/run2" || fail "second run reported changes: $(cat "$T/run2")"
[ "$(snapshot)" = "$before" ] || fail "second run changed files below the root"

# The school's own pair (and a second one whose key does not match the first).
mkdir -p "$R/etc/ssl/school"
tls_pair "$R/etc/ssl/school" "mail.$D"
tls_pair "$T/other" "mail.other.example"
cp "$T/other/cert.pem" "$R/etc/ssl/school/other-cert.pem"
cp "$T/other/key.pem" "$R/etc/ssl/school/other-key.pem"
echo "this is not a certificate" >"$R/etc/ssl/school/broken.pem"
openssl pkey -in "$R/etc/ssl/school/key.pem" -aes256 -passout pass:secret -out "$R/etc/ssl/school/locked.key" 2>/dev/null
CERT=/etc/ssl/school/cert.pem KEY=/etc/ssl/school/key.pem

refused "a key of another certificate" 65 setup --tls-cert "$CERT" --tls-key /etc/ssl/school/other-key.pem
grep -q "other-key.pem is not the key of $R$CERT" "$T/out" || fail "the message does not name both files: $(cat "$T/out")"
refused "a certificate file that holds no certificate" 65 setup --tls-cert /etc/ssl/school/broken.pem --tls-key "$KEY"
grep -q "broken.pem: not a PEM certificate" "$T/out" || fail "the message does not name the file: $(cat "$T/out")"
refused "a key with a passphrase" 65 setup --tls-cert "$CERT" --tls-key /etc/ssl/school/locked.key
grep -q "locked.key: not a PEM private key" "$T/out" || fail "the message does not name the key: $(cat "$T/out")"
refused "a missing certificate" 66 setup --tls-cert /etc/ssl/school/nothing.pem --tls-key "$KEY"
grep -q "nothing.pem" "$T/out" || fail "the message does not name the file: $(cat "$T/out")"
refused "half a pair" 64 setup --tls-cert "$CERT"
refused "a relative path" 65 setup --tls-cert school/cert.pem --tls-key "$KEY"

check "a named pair replaces the snakeoil pair in Postfix, Dovecot and surel.ini"
setup --tls-cert "$CERT" --tls-key "$KEY" >"$T/run3" 2>&1 || fail "surel-setup with the pair failed: $(cat "$T/run3")"
wired "$CERT" "$KEY"
grep -q 'main.cf: smtpd_tls_cert_file=' "$T/run3" || fail "the run did not report the change: $(cat "$T/run3")"
postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "postfix check failed: $(cat "$T/check.out")"

check "a run without --tls-cert keeps the named pair and changes nothing"
before=$(snapshot)
setup >"$T/run4" 2>&1 || fail "the run without the options failed: $(cat "$T/run4")"
grep -q 'nothing to change' "$T/run4" || fail "it reported changes: $(cat "$T/run4")"
[ "$(snapshot)" = "$before" ] || fail "it changed files below the root"

check "a bad pair in surel.ini [tls] is refused too"
sed -i "s|^key = $KEY\$|key = /etc/ssl/school/other-key.pem|" "$R/etc/surel/surel.ini"
refused "the [tls] key of another certificate" 65 setup
sed -i "s|^key = /etc/ssl/school/other-key.pem\$|key = $KEY|" "$R/etc/surel/surel.ini"

check "a certificate set in main.cf by hand is not replaced without --force"
postconf -c "$R/etc/postfix" -e "smtpd_tls_cert_file=/etc/letsencrypt/live/mail/fullchain.pem" 2>/dev/null
refused "another certificate in main.cf" 78 setup
grep -q -- "--tls-cert" "$T/out" || fail "the refusal does not say how to keep that pair: $(cat "$T/out")"
postconf -c "$R/etc/postfix" -e "smtpd_tls_cert_file=$CERT" 2>/dev/null

check "an older surel's submission (STARTTLS optional) is upgraded"
postconf -c "$R/etc/postfix" -P "submission/inet/smtpd_tls_security_level=may" 2>/dev/null
postconf -c "$R/etc/postfix" -PX "submission/inet/smtpd_tls_auth_only" 2>/dev/null
setup >"$T/run5" 2>&1 || fail "the upgrade failed: $(cat "$T/run5")"
pc -P submission/inet/smtpd_tls_security_level | grep -q '= encrypt$' &&
	pc -P submission/inet/smtpd_tls_auth_only | grep -q '= yes$' || fail "submission was not upgraded: $(pc -M submission/inet)"

echo 'no_such_setting_of_dovecot = 1' >"$R/etc/dovecot/conf.d/95-local.conf"
refused "a Dovecot configuration that Dovecot refuses" 78 setup
grep -q "no_such_setting_of_dovecot" "$T/out" || fail "the message does not say what Dovecot refused: $(cat "$T/out")"
rm -f "$R/etc/dovecot/conf.d/95-local.conf"
echo "PASS"
