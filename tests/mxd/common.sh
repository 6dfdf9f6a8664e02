# NAME
#	common.sh - what the surel-mxd end-to-end tests share
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/mxd/common.sh"
#
#	mxd_write_ini T ISPDIR		write T/surel.ini ([mxd] for a private ISP)
#	mxd_setup_isp T ISPDIR ARGS...	run surel-setup-isp against the private ISP
#	mxd_start_dovecot T		private Dovecot: SASL only, passwd-file
#	mxd_stop_dovecot T
#	mxd_start T			surel-mxd in the background, log T/mxd.log
#	mxd_stop T
#	mxd_mailbox_init DIR		school-like Postfix: school.test into DIR/mail
#	mxd_mail_count DIR		messages delivered into DIR/mail
#	mxd_wait_mail DIR N [SECS]	poll until DIR/mail holds N messages
#	mxd_wait_file_line FILE RE [SECS]	poll FILE for a line matching RE
#	fail MSG / check MSG		report and stop / announce a check
# DESCRIPTION
#	Paths are below the test's own mktemp directory T; nothing global is
#	touched except alternate_config_directories (by tests/lib/postfix.sh,
#	under its lock).  The ISP's Dovecot runs as root in the root
#	namespace: Postfix reaches it through a unix socket in the ISP's
#	queue directory, as surel-mxd's socket.
#	Requires SUREL_BIN_DIR and SUREL_SRC_DIR, and postfix.sh sourced.

MXD_BIN=$SUREL_BIN_DIR/mxd/surel-mxd
SETUP_ISP=$SUREL_SRC_DIR/scripts/surel-setup-isp

# fail MSG: say what was expected and what happened, and stop.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# mxd_write_ini T ISPDIR: surel.ini for surel-mxd serving the ISP instance.
mxd_write_ini() {
	local t=$1 isp=$2
	mkdir -p "$t/routes"
	chmod 0755 "$t/routes"
	cat >"$t/surel.ini" <<EOF
[mxd]
db = $t/routes/routes.db
socket = $isp/spool/private/surel-mxd
user = nobody
socket_group = postfix
postfix_config_dir = $isp/etc
route_ttl = 60s
flush_again = 5s
max_failures = 3
log_file = $t/mxd.log
EOF
}

# mxd_setup_isp T ISPDIR ARGS...: surel-setup-isp on the private instance.
mxd_setup_isp() {
	local t=$1 isp=$2
	shift 2
	"$SETUP_ISP" --config-dir "$isp/etc" --surel-config "$t/surel.ini" --mxd "$MXD_BIN" \
		--passwd-file "$t/isp-passwd" --dovecot-conf "$t/dovecot/sasl.conf" \
		--allow-plaintext-auth "$@"
}

# mxd_start_dovecot T: a private Dovecot that only answers Postfix's SASL.
mxd_start_dovecot() {
	local t=$1 i
	mkdir -p "$t/dovecot/run"
	cat >"$t/dovecot/dovecot.conf" <<EOF
base_dir = $t/dovecot/run
log_path = $t/dovecot/dovecot.log
protocols =
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
!include $t/dovecot/sasl.conf
EOF
	dovecot -c "$t/dovecot/dovecot.conf" || fail "dovecot did not start: $(tail -5 "$t/dovecot/dovecot.log" 2>/dev/null)"
	for ((i = 0; i < 100; i++)); do
		[ -S "$(sed -n 's/^ *unix_listener \(.*\) {$/\1/p' "$t/dovecot/sasl.conf")" ] && return 0
		sleep 0.1
	done
	fail "dovecot's SASL socket did not appear"
}

# mxd_stop_dovecot T: stop the private Dovecot if it runs.
mxd_stop_dovecot() {
	[ -f "$1/dovecot/dovecot.conf" ] && doveadm -c "$1/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
}

# mxd_start T: run surel-mxd in the background; wait for its socket.
mxd_start() {
	local t=$1 sock i
	sock=$(sed -n 's/^socket = //p' "$t/surel.ini")
	"$MXD_BIN" -c "$t/surel.ini" serve 2>>"$t/mxd.stderr" &
	MXD_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		kill -0 "$MXD_PID" 2>/dev/null || fail "surel-mxd exited: $(cat "$t/mxd.stderr" "$t/mxd.log" 2>/dev/null)"
		sleep 0.1
	done
	fail "surel-mxd socket $sock did not appear"
}

# mxd_stop T: stop surel-mxd if it runs.
mxd_stop() {
	if [ -n "${MXD_PID:-}" ]; then
		kill -TERM "$MXD_PID" 2>/dev/null || true
		wait "$MXD_PID" 2>/dev/null || true
		MXD_PID=
	fi
}

# mxd_mailbox_init DIR: make the instance in DIR take school.test into DIR/mail.
mxd_mailbox_init() {
	local dir=$1
	mkdir -p "$dir/mail"
	chown nobody:nogroup "$dir/mail"
	pf_conf "$dir" "mydestination=" "virtual_mailbox_domains=school.test" \
		"virtual_mailbox_base=$dir/mail" "virtual_mailbox_maps=static:inbox/" \
		"virtual_uid_maps=static:$(id -u nobody)" "virtual_gid_maps=static:$(id -g nobody)"
}

# mxd_mail_count DIR: how many messages DIR's Postfix delivered.
mxd_mail_count() {
	find "$1/mail" -path '*/new/*' -type f 2>/dev/null | wc -l
}

# mxd_wait_mail DIR N [SECS]: poll until DIR holds N delivered messages.
mxd_wait_mail() {
	local dir=$1 n=$2 secs=${3:-30} i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(mxd_mail_count "$dir")" -ge "$n" ] && return 0
		sleep 0.2
	done
	return 1
}

# mxd_wait_file_line FILE RE [SECS]: poll FILE until a line matches RE.
mxd_wait_file_line() {
	local f=$1 re=$2 secs=${3:-30} i
	for ((i = 0; i < secs * 5; i++)); do
		grep -Eq -- "$re" "$f" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
