# NAME
#	common.sh - what the Dovecot auth module's end-to-end tests share
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/dovecot/common.sh"
#	dc_setup NAME			temp dir, namespaces, surel.ini, roster
#	dc_roster ARGS...		surel-roster --config $DC_INI ARGS...
#	dc_fix_permissions		roster.db root 0644, credentials.db root:dovecot 0640
#	dc_slip_password USER		a password from the import's slips
#	dc_imap USER PASS		IMAP login (STARTTLS) + LIST from the client namespace
#	dc_pop3 USER PASS		POP3 login (STLS) + LIST from the client namespace
#	dc_pass MSG / dc_fail MSG	report a check
#	dc_expect_login PROTO USER PASS	fail unless the login works
#	dc_expect_refused PROTO USER PASS	fail unless it is refused
# DESCRIPTION
#	dc_setup makes $DC_DIR (mktemp -d), two namespaces "sdc-s-NAME-PID"
#	(server, 192.0.2.1) and "sdc-c-NAME-PID" (client, 192.0.2.2) joined by
#	a veth pair, $DC_INI ([school] domain smpn1.sch.id, the roster in
#	$DC_DIR, [mail] root $DC_DIR/mail owned by user mail, [mail] user mail)
#	and an initialised roster, and sets the EXIT trap that stops Dovecot
#	and deletes the namespaces.  Dovecot itself is started by the test
#	(dovecot_start "$DC_DIR/dovecot" "$DC_INI" 192.0.2.1, with
#	DOVECOT_NETNS=$DC_NS_SERVER, exported here).
# DIAGNOSTICS
#	dc_fail prints "FAIL: ..." and exits 1.

. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/lib/dovecot.sh"

DC_DOMAIN=smpn1.sch.id
DC_SERVER=192.0.2.1
DC_ROSTER_BIN=$SUREL_BIN_DIR/roster/surel-roster

dc_pass() { echo "ok: $*"; }
dc_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# _dc_cleanup: stop Dovecot, delete the namespaces and the directory.
_dc_cleanup() {
	local rc=$?
	dovecot_stop "$DC_DIR/dovecot" || true
	ns_delete "$DC_NS_SERVER" "$DC_NS_CLIENT"
	if [ $rc -ne 0 ] && [ -f "$DC_DIR/dovecot/dovecot.log" ]; then
		echo "--- last lines of the Dovecot log ---" >&2
		tail -n 30 "$DC_DIR/dovecot/dovecot.log" >&2
	fi
	rm -rf "$DC_DIR"
	exit $rc
}

dc_roster() { "$DC_ROSTER_BIN" --config "$DC_INI" "$@"; }

# dc_setup NAME: everything but Dovecot; see DESCRIPTION.
dc_setup() {
	local name=$1
	[ -x "$DC_ROSTER_BIN" ] || dc_fail "surel-roster not built at $DC_ROSTER_BIN"
	DC_DIR=$(mktemp -d "/tmp/surel-dovecot-$name.XXXXXX")
	chmod 0755 "$DC_DIR"    # the mail user must reach $DC_DIR/mail
	DC_NS_SERVER=sdc-s-$name-$$
	DC_NS_CLIENT=sdc-c-$name-$$
	export DOVECOT_NETNS=$DC_NS_SERVER
	trap _dc_cleanup EXIT
	ns_pair "$DC_NS_SERVER" "$DC_SERVER/24" "$DC_NS_CLIENT" 192.0.2.2/24
	DC_INI=$DC_DIR/surel.ini
	mkdir -p "$DC_DIR/mail" "$DC_DIR/dovecot"
	chown mail:mail "$DC_DIR/mail"
	cat >"$DC_INI" <<-EOF
	[school]
	domain = $DC_DOMAIN
	name = SMP Negeri 1 Test
	[roster]
	db = $DC_DIR/roster.db
	credentials = $DC_DIR/credentials.db
	[mail]
	root = $DC_DIR/mail
	user = mail
	[quota]
	student = 200M
	teacher = 1G
	EOF
	dc_roster init >/dev/null
}

# dc_fix_permissions: the production modes, applied to the files and their -wal/-shm.
dc_fix_permissions() {
	local f
	for f in "$DC_DIR"/roster.db "$DC_DIR"/roster.db-*; do
		chown root:root "$f" && chmod 0644 "$f"
	done
	for f in "$DC_DIR"/credentials.db "$DC_DIR"/credentials.db-*; do
		chown root:dovecot "$f" && chmod 0640 "$f"
	done
}

# dc_slip_password SLIPS USER: the password printed on USER's slip.
dc_slip_password() {
	awk -F, -v u="\"$2\"" '$1 == u { gsub(/"/, "", $4); print $4 }' "$1"
}

# dc_imap USER PASS: log in over IMAP from the client namespace and list
# mailboxes; inside STARTTLS (the test's throwaway certificate: -k), as
# Dovecot refuses a plaintext login from another host.
dc_imap() {
	ns_exec "$DC_NS_CLIENT" curl -sS --max-time 20 --ssl-reqd -k "imap://$DC_SERVER:143/" \
		-u "$1:$2" -X 'LIST "" "*"'
}

# dc_pop3 USER PASS: log in over POP3 (inside STLS) from the client namespace
# and list messages.
dc_pop3() {
	ns_exec "$DC_NS_CLIENT" curl -sS --max-time 20 --ssl-reqd -k "pop3://$DC_SERVER:110/" -u "$1:$2"
}

# dc_expect_login PROTO USER PASS: the login must work.
dc_expect_login() {
	local out
	out=$("dc_$1" "$2" "$3" 2>&1) ||
		dc_fail "$1 login as '$2' with the right password: expected success, got: $out"
	dc_pass "$1 login as '$2' works"
}

# dc_expect_refused PROTO USER PASS: the login must be refused as a login failure.
dc_expect_refused() {
	local out rc=0
	out=$("dc_$1" "$2" "$3" 2>&1) || rc=$?
	[ $rc -eq 67 ] ||
		dc_fail "$1 login as '$2': expected 'Login denied' (curl 67), got exit $rc: $out"
	dc_pass "$1 login as '$2' refused"
}
