#!/bin/bash
# NAME
#	browser.sh - pupils use the school's webmail in a real browser
# DESCRIPTION
#	The school server of tests/lib/world.sh (Postfix with the shipped
#	snippets and surel-milter, Dovecot with the roster module) and the
#	webmail of tests/lib/webmail.sh (Debian's Roundcube with surel's
#	settings and plugin, nginx, PHP-FPM); on a pupil's PC in another
#	namespace, Debian's Chromium driven by Selenium (browser.py) opens
#	http://SERVER/mail/ and:
#	  (a) Budi (7A) logs in with the password from his slip; the quota
#	      bar shows his role's quota;
#	  (b) the address book completes his classmate Badu, his teacher and
#	      the class list, never a pupil of another class;
#	  (c) Budi writes to Badu; Badu logs in and reads it; it came From
#	      Budi's roster name and address;
#	  (d) a suspended pupil cannot log in and sees Roundcube's ordinary
#	      failure;
#	  (e) a pupil of 7B, which may not write outside, writes to an outside
#	      address and sees the milter's reason, in Indonesian, in the
#	      compose window; nothing is queued;
#	  (f) a file over [policy] external_max_size is refused when it is
#	      attached, before anything is sent, and the limit is shown;
#	  (g) of Roundcube's PHP only index.php runs, and the plugins' code,
#	      configuration and translations, dot files, logs and paths
#	      outside public_html are never sent (curl with --path-as-is);
#	  (h) 30 simultaneous password guesses from one PC are limited
#	      (nginx, 429), and Budi still logs in from another address
#	      (Roundcube's per-user lockout is off);
#	  (i) a sender typed as text ("Ibu Sri Wahyuni <budi...>") leaves as
#	      Budi's roster identity, and a 60 KB search writes no more than a
#	      line or two to Roundcube's error log.
#	Each step's screenshot is kept in SUREL_ARTIFACTS (default
#	BIN_DIR/test-artifacts/webmail); a failure prints the page's text.
set -euo pipefail
: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/world.sh"
. "$SUREL_SRC_DIR/tests/lib/webmail.sh"
BROWSER=$SUREL_SRC_DIR/tests/webmail/browser.py
SHOTS=${SUREL_ARTIFACTS:-$SUREL_BIN_DIR/test-artifacts}/webmail
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() { echo "check: $*"; }

W=$(mktemp -d /tmp/surel-web.XXXXXX)
world_init "$W" "web$$"
cleanup() {
	local rc=$?
	if ((rc != 0)); then
		echo "--- school mail log (last 20 lines):" >&2
		tail -n 20 "$W/school/pf/maillog" >&2 2>/dev/null || true
		echo "--- Roundcube's errors (last 20 lines):" >&2
		tail -n 20 "$W/school/rc/logs/errors.log" >&2 2>/dev/null || true
		echo "--- nginx and PHP-FPM:" >&2
		tail -n 10 "$W/school/web/nginx-error.log" "$W/school/web/fpm.log" >&2 2>/dev/null || true
	fi
	world_stop
	rm -rf "$W"
	exit $rc
}
[ -n "${WEBMAIL_KEEP:-}" ] || trap cleanup EXIT

world_school_ini
# The school's language, as surel-setup writes it: the milter's refusals, in
# Indonesian, reach the compose window (the catalogue: SUREL_LOCALEDIR).
sed -i '/^\[school\]$/a language = id' "$W_INI"
cat >>"$W_INI" <<-INI
[policy]
external_refused_classes = 7B
external_max_size = 100K
INI
roster() { "$SUREL_BIN_DIR/roster/surel-roster" --config "$W_INI" "$@"; }
roster init >/dev/null
printf 'Nama,Kelas\nBudi Santoso,7A\nBadu,7A\nBibi,7A\nAyu Lestari,7B\nDimas,7B\n' >"$W/pupils.csv"
printf 'Nama\nSri Wahyuni\n' >"$W/teachers.csv"
roster import --slips "$W/slips.csv" "$W/pupils.csv" >/dev/null
roster import --role teacher --slips "$W/slips-t.csv" "$W/teachers.csv" >/dev/null
roster suspend bibi >/dev/null
pw() { awk -F, -v u="$1" '{ gsub(/"/, "") } $1 == u { print $4 }' "$W/slips.csv"; }
pw_budi=$(pw budi.santoso) pw_badu=$(pw badu) pw_bibi=$(pw bibi) pw_ayu=$(pw ayu.lestari)
[ -n "$pw_budi" ] && [ -n "$pw_badu" ] && [ -n "$pw_bibi" ] && [ -n "$pw_ayu" ] ||
	fail "no slips for the pupils: $(cat "$W/slips.csv")"
echo "isp-secret" >"$W/isp.pw"
world_net || fail "could not create the namespaces"
world_school_up "$W/isp.pw" || fail "the school server did not come up"
world_webmail_up || fail "the webmail did not come up"
URL=$(world_webmail_url)

# web SCENARIO ARGS...: browser.py from the pupil's PC; its output in $T_OUT.
web() {
	local rc=0
	T_OUT=$(ns_exec "$W_NS_LAN" /usr/bin/python3 "$BROWSER" --url "$URL" --shots "$SHOTS" "$@" 2>&1) || rc=$?
	echo "$T_OUT" | sed 's/^/  /'
	return $rc
}
has() { grep -qF -- "$1" <<<"$T_OUT"; }
# delivered USER REGEX: the messages in USER's mailbox with a line matching REGEX.
delivered() {
	find "$W/school/mail/$1/Maildir/new" "$W/school/mail/$1/Maildir/cur" -type f \
		-exec grep -l -e "$2" {} + 2>/dev/null || true
}

if [ -n "${WEBMAIL_KEEP:-}" ]; then
	mkdir -p "$WEBMAIL_KEEP"
	printf 'URL=%s\nNS=%s\nW=%s\nUSER1=budi.santoso\nPASS1=%s\nUSER2=badu\nPASS2=%s\nSUSPENDED=bibi\nPASS_SUSPENDED=%s\nOUTSIDE_REFUSED=ayu.lestari\nPASS_OUTSIDE_REFUSED=%s\n' \
		"$URL" "$W_NS_LAN" "$W" "$pw_budi" "$pw_badu" "$pw_bibi" "$pw_ayu" >"$WEBMAIL_KEEP/READY"
	echo "kept: $WEBMAIL_KEEP/READY"
	exit 0
fi

check "(a) Budi logs in with his slip's password; the quota bar shows his quota"
web login budi.santoso "$pw_budi" || fail "Budi's login did not go through"
has "login ok" || fail "Budi's login: expected 'login ok'"
web quota budi.santoso "$pw_budi" || fail "the quota display could not be read"
has "200" || fail "the quota display does not show the student's 200 MB"

check "(b) completion: the classmate, the teacher and the class list; not another class"
web complete budi.santoso "$pw_budi" bad || fail "completion failed"
has "badu@$W_DOMAIN" || fail "Badu (7A) not completed for Budi (7A)"
web complete budi.santoso "$pw_budi" sri || fail "completion failed"
has "sri.wahyuni@$W_DOMAIN" || fail "the teacher not completed for Budi"
web complete budi.santoso "$pw_budi" kelas-7 || fail "completion failed"
has "kelas-7a@$W_DOMAIN" || fail "the class list not completed for Budi"
web complete budi.santoso "$pw_budi" ayu || fail "completion failed"
! has "ayu.lestari@" || fail "a pupil of 7B was offered to a pupil of 7A"

check "(c) Budi writes to Badu; Badu reads it; From is Budi's roster name"
web send budi.santoso "$pw_budi" "badu@$W_DOMAIN" "Tugas IPA" "Badu, tugas IPA dikumpulkan besok." ||
	fail "Budi's message did not go"
has "sent" || fail "Budi's message: expected 'sent'"
web read badu "$pw_badu" "Tugas IPA" || fail "Badu could not read Budi's message"
has "tugas IPA dikumpulkan besok" || fail "Badu's read: the body is not Budi's text"
[ -n "$(delivered badu "^From: Budi Santoso <budi.santoso@$W_DOMAIN>")" ] ||
	fail "the delivered message is not From: Budi Santoso <budi.santoso@$W_DOMAIN>"

check "(d) a suspended pupil cannot log in: Roundcube's ordinary failure"
web login bibi "$pw_bibi" || fail "the login page misbehaved for a suspended pupil"
has "login failed" || fail "a suspended pupil logged in"

check "(e) a pupil of 7B writes outside: the milter's reason, in Indonesian"
web send ayu.lestari "$pw_ayu" "teman@example.org" "Halo" "Halo dari sekolah." ||
	fail "the compose window misbehaved"
has "refused:" || fail "a 7B pupil's outside message was not refused"
has "tidak diizinkan untuk siswa kelas 7B" || fail "the refusal does not give the milter's reason in Indonesian"
[ "$(world_school_held)" = 0 ] || fail "the refused message was queued anyway"

check "(f) a file over the outside limit is refused when attached, the limit shown"
head -c 200000 /dev/urandom >"$W/foto.jpg"
web attach budi.santoso "$pw_budi" "$W/foto.jpg" || fail "the compose window misbehaved"
has "refused:" || fail "a 200 KB file was attached under a 100 KB limit"
# Roundcube leaves room for base64 (x 1.33): 100 KB of message, 75 KB of file.
has "limit-bytes: $((102400 * 100 / 133))" || fail "the limit shown is not the milter's 100K"
head -c 20000 /dev/urandom >"$W/kecil.jpg"
web attach budi.santoso "$pw_budi" "$W/kecil.jpg" || fail "the compose window misbehaved"
has "attached" || fail "a 20 KB file was refused under a 100 KB limit"

check "(g) only Roundcube's entry point runs and only its public files are sent"
code() { ns_exec "$W_NS_LAN" curl -s -o /dev/null -w '%{http_code}' --path-as-is --max-time 20 "http://$W_LAN_SERVER$1"; }
[ "$(code /mail/index.php)" = 200 ] || fail "/mail/index.php does not answer 200"
[ "$(code /mail/skins/elastic/ui.min.js)" = 200 ] || fail "Roundcube's scripts are not served"
for path in /mail/plugins/surel/surel.php /mail/plugins/surel/surel_roster_book.php \
	/mail/plugins/surel/config.inc.php.dist /mail/plugins/surel/localization/id_ID.inc \
	/mail/plugins/surel/composer.json /mail/.htaccess /mail/../config/config.inc.php \
	/mail/program/../../config/config.inc.php /mail../config/config.inc.php /mail/logs/errors.log; do
	c=$(code "$path")
	[ "$c" = 404 ] || [ "$c" = 400 ] || [ "$c" = 403 ] || fail "GET $path answered $c (expected 404)"
done

# rc_login NS URL USER PASS JAR: Roundcube's login form by hand (curl), the
# session in JAR; prints the POST's HTTP status (302: logged in).
rc_login() {
	local tok
	tok=$(ns_exec "$1" curl -s -c "$5" -b "$5" --max-time 30 "$2" |
		sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p' | head -n 1)
	ns_exec "$1" curl -s -o /dev/null -w '%{http_code}' -c "$5" -b "$5" --max-time 30 \
		-d "_task=login&_action=login&_timezone=UTC" --data-urlencode "_token=$tok" \
		--data-urlencode "_user=$3" --data-urlencode "_pass=$4" "$2?_task=login"
}

check "(h) password guessing is slowed per address; the pupil is never locked out"
guessers=()
for i in $(seq 1 30); do
	rc_login "$W_NS_LAN" "$URL" budi.santoso "salah$i" "$W/jar.$i" >"$W/code.$i" &
	guessers+=($!)
done
wait "${guessers[@]}"   # not a bare wait: the world's daemons are children too
codes=$(for f in "$W"/code.*; do cat "$f"; echo; done | sort | uniq -c | tr -s ' \n' ' ')
echo "  30 guesses at once from one PC: HTTP status (count code):$codes"
grep -qx 429 "$W"/code.* || fail "30 simultaneous guesses from one PC were not limited:$codes"
code=$(rc_login "$W_NS_SCH" http://127.0.0.1/mail/ budi.santoso "$pw_budi" "$W/jar.budi")
[ "$code" = 302 ] || fail "after the guesses Budi could not log in from another address (HTTP $code)"

check "(i) a free-text sender goes out as the pupil's identity; a huge search is cut short"
page=$(ns_exec "$W_NS_SCH" curl -sL -b "$W/jar.budi" -c "$W/jar.budi" --max-time 30 "http://127.0.0.1/mail/?_task=mail&_action=compose")
tok=$(sed -n 's/.*"request_token":"\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
cid=$(sed -n 's/.*"compose_id":"\([^"]*\)".*/\1/p' <<<"$page" | head -n 1)
[ -n "$tok" ] && [ -n "$cid" ] || fail "no compose form for Budi's session"
ns_exec "$W_NS_SCH" curl -s -o /dev/null -b "$W/jar.budi" --max-time 60 -H "X-Roundcube-Request: $tok" \
	--data-urlencode "_token=$tok" --data-urlencode "_id=$cid" -d "_task=mail&_action=send&_is_html=0" \
	--data-urlencode "_from=Ibu Sri Wahyuni <budi.santoso@$W_DOMAIN>" --data-urlencode "_to=badu@$W_DOMAIN" \
	--data-urlencode "_subject=Dari guru" --data-urlencode "_message=Ini Ibu Sri (bukan)." \
	"http://127.0.0.1/mail/?_task=mail&_action=send"
for ((i = 0; i < 100; i++)); do
	f=$(delivered badu "^Subject: Dari guru" | head -n 1)
	[ -n "$f" ] && break
	sleep 0.3
done
[ -n "${f:-}" ] || fail "the free-text sender's message did not arrive (it should go, as Budi)"
grep -q "^From: Budi Santoso <budi.santoso@$W_DOMAIN>" "$f" ||
	fail "a pupil chose his display name: $(grep '^From:' "$f")"
log=$W/school/rc/logs/errors.log
before=$(stat -c %s "$log" 2>/dev/null || echo 0)
printf 'a %.0s' {1..30000} >"$W/search"     # 30,000 words: each one a condition
answer=$(ns_exec "$W_NS_SCH" curl -s -b "$W/jar.budi" --max-time 60 -H "X-Roundcube-Request: $tok" \
	--data-urlencode "_search@$W/search" -d "_remote=1&_id=1" \
	"http://127.0.0.1/mail/?_task=mail&_action=autocomplete")
grep -q '"action":"autocomplete"' <<<"$answer" || fail "the search was not answered as a search: ${answer:0:300}"
after=$(stat -c %s "$log" 2>/dev/null || echo 0)
((after - before < 20000)) || fail "one search of 60 KB wrote $((after - before)) bytes to Roundcube's error log"

echo "ok - pupils log in, write, read and are refused in the browser; screenshots in $SHOTS"
