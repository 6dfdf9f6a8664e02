#!/bin/bash
# NAME
#	webmail.sh - surel-setup --webmail writes the webmail's configuration, once
# DESCRIPTION
#	Against a system image below a temporary root (tests/setup/common.sh)
#	that also holds Debian's Roundcube directories, nginx's stock
#	"default" site and a PHP-FPM pool directory:
#	  - a site nginx's package did not ship (the administrator's own) is
#	    refused with status 78 and a message, and nothing changes;
#	  - surel-setup --webmail writes surel's Roundcube settings (the
#	    school's domain, name, language, roster, the milter's outside
#	    limit), the PHP-FPM pool, the nginx snippet and site (HTTP without
#	    a certificate of the school's own), links surel's plugin, and
#	    switches off nginx's stock default site; nginx -t accepts the site
#	    (with this host's nginx, pointed at the image's files);
#	  - a second run, without --webmail, says nothing changed and changes
#	    no byte; a changed [policy] external_max_size reaches Roundcube;
#	  - with --tls-cert, the site serves HTTPS and sends HTTP there.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
printf 'isp-secret-1\n' >"$T/isp.pw"
mkdir -p "$R/usr/share/roundcube" "$R/var/lib/roundcube/plugins" "$R/etc/php/8.2/fpm/pool.d" \
	"$R/etc/nginx/sites-available" "$R/etc/nginx/sites-enabled" "$R/etc/nginx/snippets"
printf 'server {\n    listen 80 default_server;\n    root /var/www/html;\n}\n' >"$R/etc/nginx/sites-available/default"
ln -s /etc/nginx/sites-available/default "$R/etc/nginx/sites-enabled/default"

setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" --name "SMP Negeri 1 Contoh" \
		--smarthost mail.isp.example.net --isp-login smpn1 --isp-password-file "$T/isp.pw" "$@"
}

printf 'server {\n    listen 80;\n    server_name wiki.sekolah;\n}\n' >"$R/etc/nginx/sites-enabled/wiki"
refused "a web site of the administrator's own (--webmail)" 78 setup --webmail
rm "$R/etc/nginx/sites-enabled/wiki"

check "surel-setup --webmail writes Roundcube's, PHP-FPM's and nginx's configuration"
setup --webmail >"$T/run1" 2>&1 || fail "surel-setup --webmail failed: $(cat "$T/run1")"
rc=$R/etc/surel/webmail/config.inc.php
php -l "$rc" >/dev/null || fail "the Roundcube settings are not valid PHP"
grep -q "^\$config\['mail_domain'\] = '$D';" "$rc" || fail "mail_domain is not the school's: $(grep mail_domain "$rc")"
grep -q "^\$config\['product_name'\] = 'SMP Negeri 1 Contoh';" "$rc" || fail "the login page does not name the school"
grep -q "^\$config\['language'\] = 'id_ID';" "$rc" || fail "Roundcube's language is not Indonesian"
grep -q "^\$config\['max_message_size'\] = '512K';" "$rc" || fail "max_message_size is not the milter's 512K"
grep -q "^\$config\['identities_level'\] = 4;" "$rc" || fail "a pupil could change the sender address"
grep -q "^\$config\['surel_roster_db'\] = '/var/lib/surel/roster.db';" "$rc" || fail "the plugin reads another roster"
grep -q "^\$config\['login_rate_limit'\] = 0;" "$rc" || fail "Roundcube would lock a pupil out after others' guesses"
grep -q 'limit_req_zone .*zone=surel_webmail_login' "$R/etc/nginx/conf.d/surel-webmail.conf" ||
	fail "nginx does not limit login attempts per address"
pool=$R/etc/php/8.2/fpm/pool.d/surel-webmail.conf
grep -q '^env\[RCUBE_CONFIG_PATH\] = /etc/roundcube:/etc/surel/webmail$' "$pool" || fail "the pool does not read surel's settings over Debian's"
grep -q '^php_admin_value\[upload_max_filesize\] = 512K$' "$pool" || fail "PHP's upload limit is not the milter's"
[ ! -e "$R/etc/nginx/sites-enabled/default" ] || fail "nginx's stock default site is still enabled"
[ -f "$R/etc/nginx/sites-available/default" ] || fail "nginx's stock default site was deleted, not disabled"
[ "$(readlink "$R/etc/nginx/sites-enabled/surel-webmail")" = /etc/nginx/sites-available/surel-webmail ] ||
	fail "surel's site is not enabled"
[ "$(readlink "$R/var/lib/roundcube/plugins/surel")" = "$SUREL_SRC_DIR/webmail/roundcube/surel" ] ||
	fail "the plugin is not linked into Roundcube's plugins: $(readlink "$R/var/lib/roundcube/plugins/surel")"
[ "$(owner_mode "$R/var/lib/surel/webmail/roundcube.db")" = "www-data:www-data 640" ] ||
	fail "Roundcube's store: $(owner_mode "$R/var/lib/surel/webmail/roundcube.db")"
grep -q 'listen 80 default_server' "$R/etc/nginx/sites-available/surel-webmail" || fail "the site does not serve the LAN on port 80"
! grep -q 'listen 443' "$R/etc/nginx/sites-available/surel-webmail" || fail "HTTPS without a certificate of the school's"

check "nginx accepts the site (this host's nginx, the image's files)"
sed "s|include /etc/nginx/snippets/|include $R/etc/nginx/snippets/|" "$R/etc/nginx/sites-available/surel-webmail" >"$T/site.conf"
printf 'pid %s/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n include /etc/nginx/mime.types;\n include %s;\n include %s;\n}\n' \
	"$T" "$R/etc/nginx/conf.d/surel-webmail.conf" "$T/site.conf" >"$T/nginx.conf"
nginx -t -q -p "$T" -c "$T/nginx.conf" 2>"$T/nginx.err" || fail "nginx -t refuses surel's site: $(cat "$T/nginx.err")"

check "a second run (without --webmail) changes nothing"
before=$(snapshot)
setup >"$T/run2" 2>&1 || fail "second run failed: $(cat "$T/run2")"
grep -q 'nothing to change' "$T/run2" || fail "second run reported changes: $(cat "$T/run2")"
[ "$(snapshot)" = "$before" ] || fail "second run changed files below the root"

check "a new outside limit reaches Roundcube, PHP and nginx on the next run"
printf '[policy]\nexternal_max_size = 2M\n' >>"$R/etc/surel/surel.ini"
setup >"$T/run3" 2>&1 || fail "third run failed: $(cat "$T/run3")"
grep -q "^\$config\['max_message_size'\] = '2M';" "$rc" || fail "max_message_size did not follow: $(grep max_message "$rc")"
grep -q 'client_max_body_size 2M;' "$R/etc/nginx/snippets/surel-webmail.conf" || fail "nginx's body limit did not follow"

check "a school name with a quote and a backslash reaches the login page as written"
sed -i "s|^name = .*|name = \"SMP Sant' Yosef \\\\ Malang\"|" "$R/etc/surel/surel.ini"
grep -q "^name = \"SMP Sant' Yosef \\\\ Malang\"$" "$R/etc/surel/surel.ini" || fail "the premise: $(grep '^name' "$R/etc/surel/surel.ini")"
setup >"$T/run5" 2>&1 || fail "the run with a quoted name failed: $(cat "$T/run5")"
php -l "$rc" >/dev/null || fail "a quote in the school's name broke the Roundcube settings: $(grep product_name "$rc")"
shown=$(php -r 'include $argv[1]; echo $config["product_name"];' "$rc")
[ "$shown" = "SMP Sant' Yosef \\ Malang" ] || fail "Roundcube would show the name as: $shown"

check "with the school's certificate: HTTPS, and plain HTTP sends the browser there"
. "$SUREL_SRC_DIR/tests/lib/tls.sh"
tls_pair "$T/tls" "mail.$D" >/dev/null
mkdir -p "$R/etc/ssl/school"
cp "$T/tls/cert.pem" "$T/tls/key.pem" "$R/etc/ssl/school/"
setup --tls-cert /etc/ssl/school/cert.pem --tls-key /etc/ssl/school/key.pem >"$T/run4" 2>&1 ||
	fail "the run with a certificate failed: $(cat "$T/run4")"
site=$R/etc/nginx/sites-available/surel-webmail
grep -q 'listen 443 ssl default_server' "$site" || fail "no HTTPS with the school's certificate"
grep -q 'ssl_certificate /etc/ssl/school/cert.pem;' "$site" || fail "HTTPS does not present the school's certificate"
grep -q 'return 301 https://' "$site" || fail "plain HTTP does not send the browser to HTTPS"
echo "ok - surel-setup --webmail"
