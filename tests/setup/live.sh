#!/bin/bash
# NAME
#	live.sh - surel-setup on a live Debian system with systemd as PID 1:
#	the README's command works, and a second run restarts nothing
# DESCRIPTION
#	Started by ctest on this machine, it runs itself again inside
#	tests/vm/run --systemd (a throw-away VM over this machine's root).
#	There it:
#	  - waits for the boot, gives Dovecot the certificate that
#	    dovecot-core's postinst makes on a real install (the image that
#	    the VM boots may lack it);
#	  - installs the build tree under test (cmake --install, into the
#	    VM's overlay) and runs the README's etrn-mode surel-setup
#	    command: it must succeed, and surel-milter, dialctl, Postfix and
#	    Dovecot must then be active, /var/mail/surel exactly 0770;
#	  - runs the same command again: it must print only "surel-setup:
#	    nothing to change: DOMAIN is set up (etrn mode)", every unit must
#	    keep its MainPID, Postfix's master and qmgr and Dovecot's master
#	    their PIDs, and systemd must log no start, stop, restart or
#	    reload of those units in between;
#	  - runs it with another --etrn-host: surel.ini changes, and dialctl
#	    must be reloaded (it logs "configuration reloaded"), not
#	    restarted (its MainPID stays);
#	  - runs it with --webmail: nginx and PHP-FPM are active and
#	    http://127.0.0.1/mail/ is Roundcube's login page, in Indonesian,
#	    named for the school (Debian's Roundcube with surel's settings
#	    over Debian's, the installed plugin), and no mail service was
#	    restarted or reloaded for it; a later run without --webmail
#	    changes nothing.
#	Waits poll with shell builtins: every exec costs 30-40 times more
#	in the VM under TCG.  About 4-8 minutes under TCG on two cores.
set -uo pipefail
: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
if [ -z "${SUREL_VM_GUEST:-}" ]; then
	exec "$SUREL_SRC_DIR/tests/vm/run" --systemd bash "$SUREL_SRC_DIR/tests/setup/live.sh"
fi
exec 2>&1
D=smpn1-contoh.sch.id
T=/root/surel-live
mkdir -p "$T"
fail() {
	echo "FAIL: $*"
	exit 1
}
check() {
	echo "check: $*"
}
exec {idle}<> <(:)
# pause SECONDS: sleep without an exec.
pause() { read -r -t "$1" -u "$idle" _ || true; }
# took START: seconds since START ($EPOCHREALTIME), to a tenth.
took() { local us=$((${EPOCHREALTIME/./} - ${1/./})); echo "$((us / 1000000)).$((us / 100000 % 10)) s"; }
uptime() { local u; read -r u _ </proc/uptime; echo "$u"; }

check "the VM has booted (systemd as PID 1)"
read -r pid1 </proc/1/comm
[ "$pid1" = systemd ] || fail "PID 1 is $pid1"
state=$(timeout 400 systemctl is-system-running --wait)
echo "  $state at uptime $(uptime) s"
if [ ! -s /etc/dovecot/private/dovecot.pem ]; then
	echo "  (no /etc/dovecot/private/dovecot.pem in this image: made as dovecot-core's postinst would)"
	openssl req -new -x509 -nodes -days 30 -subj "/CN=mail.$D" -out /etc/dovecot/private/dovecot.pem \
		-keyout /etc/dovecot/private/dovecot.key >/dev/null 2>&1 || fail "openssl could not make a certificate"
	chmod 0600 /etc/dovecot/private/dovecot.key
	systemctl restart dovecot.service || fail "Dovecot does not start: $(journalctl -u dovecot -n 10 --no-pager)"
fi
postconf -e "myhostname=mail.$D" || fail "postconf -e myhostname"

check "cmake --install of the build tree"
t0=$EPOCHREALTIME
cmake --install "$SUREL_BIN_DIR" >"$T/install.log" 2>&1 || fail "cmake --install: $(tail -n 5 "$T/install.log")"
echo "  $(took "$t0")"
for p in surel-setup surel-roster surel-milter dialctl; do
	[ -x "/usr/sbin/$p" ] || fail "/usr/sbin/$p was not installed"
done

printf 'isp-secret-1\n' >/root/isp.pw
printf 'ppp-secret-1\n' >/root/ppp.pw
chmod 0600 /root/isp.pw /root/ppp.pw
# The README's command ("Deploying at a school", step 2).
setup() {
	surel-setup --domain smpn1-contoh.sch.id --name "SMP Negeri 1 Contoh" \
		--smarthost mail.isp.net.id --isp-login smpn1 --isp-password-file /root/isp.pw \
		--link modem --device /dev/ttyS0 --phone 0211234567 --ppp-user isp-user \
		--ppp-password-file /root/ppp.pw --per-minute 165 --schedule "Mon-Sat 07:00 12:00 15:00" "$@"
}
UNITS=(surel-milter.service dialctl.service postfix@-.service dovecot.service)

check "the README's surel-setup command sets the school up"
t0=$EPOCHREALTIME
setup >"$T/run1" 2>&1 || fail "surel-setup exited $?: $(cat "$T/run1")"
echo "  $(took "$t0"); it said:"
sed 's/^/    /' "$T/run1"
for u in "${UNITS[@]}"; do
	systemctl is-active --quiet "$u" ||
		fail "$u is not active: $(systemctl status "$u" --no-pager -n 10)"
done
[ "$(stat -c '%U:%G %a' /var/mail/surel)" = "vmail:vmail 770" ] ||
	fail "/var/mail/surel is $(stat -c '%U:%G %a' /var/mail/surel)"

# pids: "NAME=PID" of every process that a restart or reload would replace.
pids() {
	local p c
	systemctl show -p Id -p MainPID -p NRestarts "${UNITS[@]}" | grep .
	read -r p </var/spool/postfix/pid/master.pid && echo "postfix-master=$p"
	read -r p </run/dovecot/master.pid && echo "dovecot-master=$p"
	for p in /proc/[0-9]*; do
		# Postfix's master starts a new qmgr on every reload.
		read -r c <"$p/comm" 2>/dev/null && [ "$c" = qmgr ] && echo "qmgr=${p#/proc/}"
	done
}
check "the services stay up on their own (no restarts after a few seconds)"
pids >"$T/pids1"
pause 5
pids >"$T/pids1b"
cmp -s "$T/pids1" "$T/pids1b" || fail "a service restarted by itself: $(diff "$T/pids1" "$T/pids1b")"
grep -q '^qmgr=' "$T/pids1" || fail "no qmgr process found"
sed 's/^/    /' "$T/pids1"
cursor=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
[ -n "$cursor" ] || fail "no journal cursor"

check "a second run changes nothing and says exactly that"
t0=$EPOCHREALTIME
setup >"$T/run2" 2>&1 || fail "the second run exited $?: $(cat "$T/run2")"
echo "  $(took "$t0"); it said: $(cat "$T/run2")"
[ "$(cat "$T/run2")" = "surel-setup: nothing to change: $D is set up (etrn mode)" ] ||
	fail "the second run did not say only 'nothing to change'"

check "the second run restarted and reloaded nothing"
pids >"$T/pids2"
cmp -s "$T/pids1" "$T/pids2" || fail "processes changed: $(diff "$T/pids1" "$T/pids2")"
args=()
for u in "${UNITS[@]}" postfix.service; do
	[ ${#args[@]} -eq 0 ] || args+=(+)
	args+=(_PID=1 "UNIT=$u")
done
journalctl -q --no-pager --after-cursor="$cursor" "${args[@]}" >"$T/systemd.log"
[ ! -s "$T/systemd.log" ] || fail "systemd acted on the units: $(cat "$T/systemd.log")"

check "a run that changes dialctl's configuration reloads dialctl, never restarts it"
t0=$EPOCHREALTIME
setup --etrn-host mx.isp.net.id >"$T/run3" 2>&1 || fail "the third run exited $?: $(cat "$T/run3")"
echo "  $(took "$t0"); it said:"
sed 's/^/    /' "$T/run3"
grep -q '^surel-setup: dialctl rereads surel.ini' "$T/run3" || fail "the run did not say that dialctl rereads surel.ini"
pids >"$T/pids3"
# "Id=" follows its unit's MainPID and NRestarts in systemctl show's output.
[ "$(grep -x -B2 'Id=dialctl.service' "$T/pids1")" = "$(grep -x -B2 'Id=dialctl.service' "$T/pids3")" ] ||
	fail "dialctl was restarted: $(diff "$T/pids1" "$T/pids3")"
for ((i = 0; i < 30; i++)); do
	journalctl -q --no-pager -u dialctl.service --after-cursor="$cursor" -o cat >"$T/dialctl.log"
	grep -q 'configuration reloaded' "$T/dialctl.log" && break
	pause 1
done
grep -q 'configuration reloaded' "$T/dialctl.log" || fail "dialctl did not reload: $(cat "$T/dialctl.log")"
[ "$(awk '/^\[/ { s = $1 } s == "[etrn]" && $1 == "host" { print $3 }' /etc/surel/surel.ini)" = mx.isp.net.id ] ||
	fail "[etrn] host was not changed: $(cat /etc/surel/surel.ini)"
check "surel-setup --webmail: Roundcube at http://SERVER/mail/, in Indonesian, with the school's name"
pids >"$T/pids4"
t0=$EPOCHREALTIME
setup --etrn-host mx.isp.net.id --webmail >"$T/run4" 2>&1 || fail "surel-setup --webmail exited $?: $(cat "$T/run4")"
echo "  $(took "$t0"); it said:"
sed 's/^/    /' "$T/run4"
fpm=$(cd /lib/systemd/system && echo php*-fpm.service)
for u in nginx.service "$fpm"; do
	systemctl is-active --quiet "$u" || fail "$u is not active: $(systemctl status "$u" --no-pager -n 10)"
done
curl -sS --max-time 60 -o "$T/login.html" -w '%{http_code}\n' http://127.0.0.1/mail/ >"$T/code" 2>&1 ||
	fail "no answer from http://127.0.0.1/mail/: $(cat "$T/code")"
[ "$(cat "$T/code")" = 200 ] || fail "http://127.0.0.1/mail/ answered $(cat "$T/code"): $(tail -n 5 /var/log/nginx/error.log)"
grep -q '<title>SMP Negeri 1 Contoh' "$T/login.html" || fail "the login page does not name the school: $(head -c 600 "$T/login.html")"
grep -q 'lang="id"' "$T/login.html" || fail "the login page is not in Indonesian: $(head -c 600 "$T/login.html")"
pids >"$T/pids5"
cmp -s "$T/pids4" "$T/pids5" || fail "--webmail restarted a mail service: $(diff "$T/pids4" "$T/pids5")"
setup --etrn-host mx.isp.net.id >"$T/run5" 2>&1 || fail "the run after --webmail exited $?: $(cat "$T/run5")"
[ "$(cat "$T/run5")" = "surel-setup: nothing to change: $D is set up (etrn mode)" ] ||
	fail "the run after --webmail did not say only 'nothing to change': $(cat "$T/run5")"
echo "PASS (uptime $(uptime) s)"
