#!/bin/bash
# NAME
#	install.sh - "cmake --install" puts every file where Debian expects it
# DESCRIPTION
#	DESTDIR=T cmake --install of the build tree under test, then checks
#	the tree: programs in /usr/sbin, dialctl's hook where dialctl's
#	default [dial] hook looks, the Dovecot module where Debian's own auth
#	modules are, man pages, the templates surel-setup and
#	surel-setup-isp read from /usr/share/surel (surel.ini only as a template there),
#	the units in /lib/systemd/system.  The units are checked with
#	systemd-analyze verify: the only complaint allowed is that a program
#	is missing on this host, and only for a program the install put in T.
#	Finally the installed surel-setup, with its installed templates,
#	sets up a system image (it finds everything it needs).
set -euo pipefail
: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
T=$(mktemp -d /tmp/surel-install.XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() {
	echo "check: $*"
}

D=$T/dest
DESTDIR=$D cmake --install "$SUREL_BIN_DIR" >"$T/install.log" 2>&1 ||
	fail "cmake --install failed: $(tail -n 5 "$T/install.log")"

check "programs in /usr/sbin, executable"
for p in surel-roster surel-milter surel-mxd dialctl surel-setup surel-setup-isp; do
	[ -x "$D/usr/sbin/$p" ] || fail "expected /usr/sbin/$p, executable; installed: $(ls "$D/usr/sbin" 2>&1)"
done

check "the Indonesian catalogue where gettext and the scripts' TEXTDOMAINDIR look"
[ -f "$D/usr/share/locale/id/LC_MESSAGES/surel.mo" ] ||
	fail "expected /usr/share/locale/id/LC_MESSAGES/surel.mo, found: $(find "$D" -name 'surel.mo')"

check "dialctl-hook where dialctl's default [dial] hook says"
hook=$(sed -n 's/.*{"dial", "hook", CFG_PATH, "\([^"]*\)".*/\1/p' "$SUREL_SRC_DIR/lib/config_keys_dialctl.c")
[ -n "$hook" ] || fail "could not read the default [dial] hook from lib/config_keys_dialctl.c"
[ -x "$D$hook" ] || fail "expected the hook at $hook (dialctl's default), found: $(find "$D" -name 'dialctl-hook*')"
echo "  $hook"

check "the Dovecot module beside Debian's own auth modules"
imap_mod=$(dpkg -L dovecot-core | grep '/libauthdb_imap\.so$' | head -n 1)
[ -n "$imap_mod" ] || fail "dovecot-core lists no libauthdb_imap.so (is it installed?)"
moddir=$(dirname "$imap_mod")
[ -f "$D$moddir/libauthdb_roster.so" ] ||
	fail "expected $moddir/libauthdb_roster.so, found: $(find "$D" -name 'libauthdb_roster*')"
echo "  $moddir/libauthdb_roster.so"

check "man pages in /usr/share/man/man8"
for m in surel-roster surel-milter surel-mxd dialctl surel-setup surel-setup-isp; do
	[ -f "$D/usr/share/man/man8/$m.8" ] || fail "expected /usr/share/man/man8/$m.8"
	grep -q '^\.TH ' "$D/usr/share/man/man8/$m.8" || fail "$m.8 is not a man page (no .TH)"
	if command -v man >/dev/null; then    # man-db is not in a minimal image
		man -l "$D/usr/share/man/man8/$m.8" >/dev/null 2>"$T/man.err" && [ ! -s "$T/man.err" ] ||
			fail "$m.8 does not format cleanly: $(cat "$T/man.err")"
	fi
done

check "configuration and templates"
[ ! -e "$D/etc/surel/surel.ini" ] || fail "cmake --install wrote /etc/surel/surel.ini: a re-install would overwrite the school's configuration"
for f in /usr/share/surel/surel.ini /usr/share/surel/postfix/main.cf.surel \
	/usr/share/surel/postfix/master.cf.surel /usr/share/surel/postfix/surel/mailboxes.cf \
	/usr/share/surel/postfix/main.cf.surel-ssh /usr/share/surel/postfix/master.cf.surel-ssh \
	/usr/share/surel/postfix/main.cf.surel-batch /usr/share/surel/postfix/master.cf.surel-batch \
	/usr/share/surel/postfix/master.cf.surel-collect \
	/usr/share/surel/postfix/surel/lists.cf /usr/share/surel/dovecot/conf.d/90-surel.conf \
	/usr/share/surel/postfix-isp/surel-routes.cf /usr/share/surel/postfix-isp/surel-domains.cf \
	/usr/share/surel/webmail/roundcube.inc.php /usr/share/surel/webmail/nginx-locations.conf \
	/usr/share/surel/roundcube/surel/surel.php /usr/share/surel/roundcube/surel/localization/id_ID.inc; do
	[ -f "$D$f" ] || fail "expected $f"
done
if [ -d "$SUREL_SRC_DIR/etc/ppp/peers" ]; then
	for f in "$SUREL_SRC_DIR"/etc/ppp/peers/*; do
		[ -f "$D/usr/share/surel/ppp/peers/$(basename "$f")" ] ||
			fail "expected /usr/share/surel/ppp/peers/$(basename "$f")"
	done
fi
[ -z "$(find "$D/usr" -path '*/etc/*' -o -path '*/usr/var/*' | head -n 1)" ] ||
	fail "files below /usr/etc or /usr/var: $(find "$D/usr" -path '*/etc/*' -o -path '*/usr/var/*')"
[ ! -e "$D/usr/local" ] || fail "files below /usr/local: $(find "$D/usr/local" -type f | head -n 3)"

check "systemd units in /lib/systemd/system pass systemd-analyze verify"
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (package systemd)"
for u in surel-milter.service dialctl.service surel-mxd.service; do
	f=$D/lib/systemd/system/$u
	[ -f "$f" ] || fail "expected /lib/systemd/system/$u"
	systemd-analyze verify --man=no "$f" >"$T/verify.out" 2>&1 || true
	while IFS= read -r line; do
		if [[ $line =~ Command\ (/[^ ]+)\ is\ not\ executable ]] && [ -x "$D${BASH_REMATCH[1]}" ]; then
			continue    # installed in DESTDIR, not on this host
		fi
		fail "systemd-analyze verify $u: $line"
	done <"$T/verify.out"
	grep -q '^NoNewPrivileges=yes' "$f" && grep -q '^ProtectSystem=strict' "$f" &&
		grep -q '^ReadWritePaths=' "$f" && grep -q '^PrivateTmp=yes' "$f" &&
		grep -q '^ProtectHome=yes' "$f" || fail "$u lacks a hardening option"
	echo "  $u"
done
grep -q '^User=surel-milter' "$D/lib/systemd/system/surel-milter.service" ||
	fail "surel-milter.service should run as its own user"

check "the installed surel-setup finds its installed templates"
R=$T/root
mkdir -p "$R/etc/postfix"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$R/etc/"
if [ -f /etc/postfix/main.cf ]; then cp /etc/postfix/main.cf "$R/etc/postfix/"; else
	cp /usr/share/postfix/main.cf.debian "$R/etc/postfix/main.cf"; fi
cp /etc/postfix/master.cf "$R/etc/postfix/"
postconf -c "$R/etc/postfix" -e myhostname=mail.smpn9.sch.id alternate_config_directories=
cp -a /etc/dovecot "$R/etc/"
cp -a "$D/lib" "$R/"
"$D/usr/sbin/surel-setup" --root "$R" --templates "$D/usr/share/surel" \
	--roster "$D/usr/sbin/surel-roster" --domain smpn9.sch.id --smarthost mail.isp.example.net \
	>"$T/setup.out" 2>&1 || fail "installed surel-setup failed: $(cat "$T/setup.out")"
[ "$(postconf -c "$R/etc/postfix" -h virtual_mailbox_domains 2>/dev/null)" = smpn9.sch.id ] ||
	fail "the installed surel-setup did not configure Postfix: $(cat "$T/setup.out")"
echo "PASS"
