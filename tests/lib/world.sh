# NAME
#	world.sh - a school, its ISP and the outside world on one machine
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/world.sh"
#
#	world_init DIR ID		name the world (namespaces, addresses, paths)
#	world_load DIR			read a world's names back (world.env)
#	world_net			namespaces and the two wired links
#	world_outside_up		the outside sender's Postfix (example.org)
#	world_isp_up PASSWORD_FILE	the ISP: Postfix set up by surel-setup-isp,
#					Dovecot for SMTP AUTH, surel-mxd
#	world_school_ini		write the school's surel.ini ($W_INI)
#	world_school_up PASSWORD_FILE	the school: Postfix + surel-milter,
#					Dovecot + the roster module, dialctl
#	world_stop			stop everything, delete the namespaces
#	world_submit USER PASS ARGS...	swaks from a student's PC, port 587, STARTTLS
#	world_outside_send ARGS...	swaks from the outside host to the ISP MX
#	world_imap USER PASS ARGS...	curl IMAP (STARTTLS) from a student's PC
#	world_dialctl ARGS...		dialctl client of the school
#	world_school_held / world_isp_held	messages held by the school / ISP
# DESCRIPTION
#	Sourceable (bash, set -euo pipefail safe); builds on netns.sh,
#	postfix.sh and dovecot.sh.  Needs SUREL_BIN_DIR (the build tree) and
#	SUREL_SRC_DIR.  Four network namespaces, named sw-ROLE-ID:
#
#	out	the outside world: a Postfix for example.org (203.0.113.30),
#		whose mail for the school goes to the ISP's MX
#	isp	the ISP (203.0.113.1 towards the outside; 192.0.2.1 on the
#		dial-up link while it is up): Postfix configured by
#		scripts/surel-setup-isp (route table, ETRN through surel-mxd,
#		SMTP AUTH through a Dovecot that does only SASL), plus a
#		submission port where the school relays its outbound mail
#	sch	the school server: Postfix with the shipped etc/postfix
#		snippets and surel-milter, Dovecot with the shipped conf.d
#		snippet and the roster module, dialctl; 198.51.100.1 on the
#		school's LAN, 192.0.2.10 on ppp0 while the link is up.  Both
#		present one throwaway self-signed certificate for
#		mail.$W_DOMAIN ($W_TLS_DIR/cert.pem, tests/lib/tls.sh):
#		logins from the LAN only inside STARTTLS
#	lan	a student's PC (198.51.100.20)
#
#	The school and its ISP have no link until dialctl dials: the pppd
#	stand-in tests/dialctl/fake-pppd then raises a 56 kbit/s shaped veth
#	pair (ppp0), and takes it down at hang-up.
#
#	Daemons that do not detach (surel-milter -f, surel-mxd, dialctl)
#	run in their own session (setsid), their pids in DIR/pids, so that
#	the world outlives the script that built it (scripts/demo --keep)
#	and world_stop can end exactly those processes later.  Every log is
#	below DIR.  world.env records the names for world_load.
# DIAGNOSTICS
#	Functions print "world: ..." on stderr and return non-zero.

. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/lib/dovecot.sh"
. "$SUREL_SRC_DIR/tests/lib/tls.sh"

W_DOMAIN=smpn1-contoh.sch.id
W_OUT_DOMAIN=example.org
W_SCHOOL_LOGIN=smpn1-contoh
W_LAN_SERVER=198.51.100.1
W_LAN_PC=198.51.100.20
W_ISP_OUT=203.0.113.1
W_OUT_ADDR=203.0.113.30
W_PPP_SCHOOL=192.0.2.10
W_PPP_ISP=192.0.2.1

# _w_die MSG: complain on stderr and fail.
_w_die() {
	echo "world: $*" >&2
	return 1
}

# world_init DIR ID: the world's names and paths, saved in DIR/world.env.
world_init() {
	W_DIR=$1
	W_ID=$2
	W_NS_OUT=sw-out-$W_ID
	W_NS_ISP=sw-isp-$W_ID
	W_NS_SCH=sw-sch-$W_ID
	W_NS_LAN=sw-lan-$W_ID
	W_INI=$W_DIR/school/surel.ini
	W_TLS_DIR=$W_DIR/school/tls
	mkdir -p "$W_DIR"
	chmod 0755 "$W_DIR"
	: >"$W_DIR/pids"
	local v
	for v in W_DIR W_ID W_NS_OUT W_NS_ISP W_NS_SCH W_NS_LAN W_INI W_TLS_DIR SUREL_BIN_DIR SUREL_SRC_DIR; do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$W_DIR/world.env"
}

# world_load DIR: the names of a world built earlier (for --stop).
world_load() {
	[ -f "$1/world.env" ] || _w_die "$1 holds no world (no world.env)" || return 1
	. "$1/world.env"
}

# world_net: the namespaces, the LAN and the ISP's link to the outside.
world_net() {
	ns_create "$W_NS_OUT" "$W_NS_ISP" "$W_NS_SCH" "$W_NS_LAN" || return 1
	ns_link "$W_NS_ISP" vout "$W_ISP_OUT/24" "$W_NS_OUT" veth0 "$W_OUT_ADDR/24" || return 1
	ns_link "$W_NS_SCH" vlan "$W_LAN_SERVER/24" "$W_NS_LAN" veth0 "$W_LAN_PC/24"
}

# _w_spawn NAME NS CMD...: run CMD in namespace NS in its own session, in the
# background, output to DIR/NAME.out; its pid goes to DIR/pids.
_w_spawn() {
	local name=$1 ns=$2
	shift 2
	setsid ip netns exec "$ns" "$@" </dev/null >>"$W_DIR/$name.out" 2>&1 &
	echo "$name $!" >>"$W_DIR/pids"
}

# _w_pid NAME: the recorded pid of a spawned daemon.
_w_pid() {
	awk -v n="$1" '$1 == n {p = $2} END {if (p) print p}' "$W_DIR/pids"
}

# _w_wait_socket SOCKET NAME: wait (10 s) for a daemon's socket.
_w_wait_socket() {
	local sock=$1 name=$2 pid i
	pid=$(_w_pid "$name")
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && return 0
		kill -0 "$pid" 2>/dev/null ||
			_w_die "$name exited at start: $(tail -n 5 "$W_DIR/$name.out")" || return 1
		sleep 0.1
	done
	_w_die "$name did not open $sock within 10 s"
}

# world_outside_up: a Postfix for example.org; mail for the school to the ISP.
world_outside_up() {
	local pf=$W_DIR/out/pf
	mkdir -p "$W_DIR/out"
	pf_init "$pf" "mail.$W_OUT_DOMAIN" all || return 1
	mkdir -p "$pf/mail"
	chown nobody:nogroup "$pf/mail"
	pf_conf "$pf" "mynetworks=127.0.0.0/8" "relayhost=[$W_ISP_OUT]:25" \
		"virtual_mailbox_domains=$W_OUT_DOMAIN" "virtual_mailbox_base=$pf/mail" \
		"virtual_mailbox_maps=static:inbox/" "virtual_uid_maps=static:$(id -u nobody)" \
		"virtual_gid_maps=static:$(id -g nobody)" || return 1
	pf_start "$pf" "$W_NS_OUT"
}

# _w_isp_ini: surel.ini of the ISP (its own file: only [mxd]).
_w_isp_ini() {
	local isp=$W_DIR/isp
	mkdir -p "$isp/routes"
	chmod 0755 "$isp/routes"
	cat >"$isp/surel.ini" <<-EOF
	[mxd]
	db = $isp/routes/routes.db
	socket = $isp/pf/spool/private/surel-mxd
	user = nobody
	socket_group = postfix
	postfix_config_dir = $isp/pf/etc
	route_ttl = 2m
	log_file = $isp/mxd.log
	EOF
}

# _w_setup_isp ARGS...: scripts/surel-setup-isp against the ISP's instance.
_w_setup_isp() {
	local isp=$W_DIR/isp
	"$SUREL_SRC_DIR/scripts/surel-setup-isp" --config-dir "$isp/pf/etc" \
		--surel-config "$isp/surel.ini" --mxd "$SUREL_BIN_DIR/mxd/surel-mxd" \
		--passwd-file "$isp/isp-passwd" --dovecot-conf "$isp/dovecot/sasl.conf" \
		--templates "$SUREL_SRC_DIR/etc/postfix-isp" --allow-plaintext-auth "$@"
}

# _w_isp_dovecot: Dovecot for SMTP AUTH only, in the ISP's namespace.
_w_isp_dovecot() {
	local d=$W_DIR/isp/dovecot i
	mkdir -p "$d/run"
	cat >"$d/dovecot.conf" <<-EOF
	base_dir = $d/run
	log_path = $d/dovecot.log
	instance_name = surel-world-isp-$W_ID
	protocols =
	ssl = no
	disable_plaintext_auth = no
	auth_mechanisms = plain login
	!include $d/sasl.conf
	EOF
	ip netns exec "$W_NS_ISP" dovecot -c "$d/dovecot.conf" ||
		_w_die "the ISP's Dovecot did not start: $(tail -n 5 "$d/dovecot.log" 2>/dev/null)" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -S "$W_DIR/isp/pf/spool/private/surel-auth" ] && return 0
		sleep 0.1
	done
	_w_die "the ISP's SASL socket did not appear"
}

# world_isp_up PASSWORD_FILE: the ISP's MX holding the school's mail until
# ETRN; the school logs in as $W_SCHOOL_LOGIN with the password in the file.
world_isp_up() {
	local pwfile=$1 isp=$W_DIR/isp pf=$W_DIR/isp/pf
	pf_init "$pf" mx.isp.example.net all || return 1
	# Mail that is not for a school goes out to the "Internet" (one host here).
	pf_conf "$pf" "mynetworks=127.0.0.0/8" "relayhost=[$W_OUT_ADDR]:25" || return 1
	_w_isp_ini
	_w_setup_isp install >"$isp/setup.log" 2>&1 ||
		_w_die "surel-setup-isp install failed: $(cat "$isp/setup.log")" || return 1
	_w_setup_isp add-school "$W_SCHOOL_LOGIN" "$W_DOMAIN" --password-file "$pwfile" \
		>>"$isp/setup.log" 2>&1 ||
		_w_die "surel-setup-isp add-school failed: $(cat "$isp/setup.log")" || return 1
	# The school relays its outbound mail here after logging in (smarthost).
	pf_master "$pf" "submission inet n - y - - smtpd" || return 1
	postconf -c "$pf/etc" -P "submission/inet/syslog_name=postfix/submission" \
		"submission/inet/smtpd_sasl_auth_enable=yes" \
		"submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject" ||
		return 1
	pf_start "$pf" "$W_NS_ISP" || return 1
	_w_isp_dovecot || return 1
	_w_spawn mxd "$W_NS_ISP" "$SUREL_BIN_DIR/mxd/surel-mxd" -c "$isp/surel.ini" serve
	_w_wait_socket "$pf/spool/private/surel-mxd" mxd
}

# world_school_ini: the school's surel.ini (roster, mail, milter, dialctl).
world_school_ini() {
	local s=$W_DIR/school
	mkdir -p "$s/mail" "$s/usage" "$s/run" "$s/peers"
	chmod 0755 "$s"
	chown mail:mail "$s/mail"
	chown nobody "$s/usage"
	cat >"$W_INI" <<-EOF
	[school]
	domain = $W_DOMAIN
	name = SMP Negeri 1 Contoh
	[roster]
	db = $s/roster.db
	credentials = $s/credentials.db
	[mail]
	root = $s/mail
	user = mail
	[milter]
	socket = unix:$s/pf/spool/surel/milter.sock
	user = nobody
	usage_db = $s/usage/usage.db
	[dial]
	pppd = $SUREL_SRC_DIR/tests/dialctl/fake-pppd
	peer = isp
	hook = $SUREL_BIN_DIR/dialctl/dialctl-hook
	attempts = 3
	dial_timeout = 20s
	redial_delay = 1s
	grace = 3s
	max_session = 4m
	postfix_config = $s/pf/etc
	maillog = $s/pf/maillog
	socket = $s/run/dialctl.sock
	lock = $s/run/dialctl.lock
	ledger = $s/ledger.db
	schedule =
	[tariff]
	per_minute = 165
	billing_unit = 60s
	per_call = 250
	[etrn]
	host = $W_PPP_ISP
	credentials = $s/etrn-credentials
	EOF
	cat >"$s/peers/isp" <<-EOF
	isp_ns=$W_NS_ISP
	ifname=ppp0
	local=$W_PPP_SCHOOL
	remote=$W_PPP_ISP
	rate=56kbit
	dial_delay=1
	EOF
}

# _w_school_postfix PASSWORD_FILE: the shipped etc/postfix snippets, pointed at
# this world's roster, applied the way scripts/surel-setup applies them.
_w_school_postfix() {
	local pw pf=$W_DIR/school/pf src=$SUREL_SRC_DIR/etc/postfix f line
	pw=$(head -n 1 "$1")
	pf_init "$pf" "mail.$W_DOMAIN" all || return 1
	tls_pair "$W_TLS_DIR" "mail.$W_DOMAIN" || return 1
	mkdir -p "$pf/etc/surel"
	for f in mailboxes lists; do
		sed -e "s|@DOMAIN@|$W_DOMAIN|g" -e "s|^dbpath = .*|dbpath = $W_DIR/school/roster.db|" \
			"$src/surel/$f.cf" >"$pf/etc/surel/$f.cf"
	done
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		line=${line//@DOMAIN@/$W_DOMAIN}
		line=${line//@SMARTHOST@/$W_PPP_ISP}
		line=${line//@TLS_CERT@/$W_TLS_DIR/cert.pem}
		line=${line//@TLS_KEY@/$W_TLS_DIR/key.pem}
		line=${line//\/etc\/postfix\/surel\//$pf/etc/surel/}
		postconf -c "$pf/etc" -e "${line%% = *}=${line#* = }" || return 1
	done <"$src/main.cf.surel"
	grep -v '^#' "$src/master.cf.surel" >>"$pf/etc/master.cf"
	install -m 0600 /dev/null "$pf/etc/surel/smarthost_passwd"
	echo "[$W_PPP_ISP]:587 $W_SCHOOL_LOGIN:$pw" >"$pf/etc/surel/smarthost_passwd"
	postmap -c "$pf/etc" "hash:$pf/etc/surel/smarthost_passwd" || return 1
	# The milter's socket directory below the chroot: setgid postfix.
	install -d -o nobody -g postfix -m 2750 "$pf/spool/surel"
}

# _w_school_dovecot: Dovecot with the roster module; LMTP and SASL sockets
# in the school Postfix's spool (as the shipped snippet puts them); IMAP also
# on loopback, where the webmail logs in (tests/lib/webmail.sh).
_w_school_dovecot() {
	local pf=$W_DIR/school/pf
	DOVECOT_NETNS=$W_NS_SCH DOVECOT_TLS_DIR=$W_TLS_DIR \
		DOVECOT_EXTRA="$(dovecot_postfix_sockets "$pf")
listen = $W_LAN_SERVER, 127.0.0.1" dovecot_start "$W_DIR/school/dc" "$W_INI" "$W_LAN_SERVER"
}

# _w_roster_modes: the production modes of the roster files (surel-setup's).
_w_roster_modes() {
	local f s=$W_DIR/school
	for f in "$s"/roster.db "$s"/roster.db-*; do
		[ -e "$f" ] && chown root:root "$f" && chmod 0644 "$f"
	done
	for f in "$s"/credentials.db "$s"/credentials.db-*; do
		[ -e "$f" ] && chown root:dovecot "$f" && chmod 0640 "$f"
	done
	return 0
}

# world_school_up PASSWORD_FILE: Postfix, milter, Dovecot and dialctl of the
# school (the roster must exist); PASSWORD_FILE holds the school's ISP password.
world_school_up() {
	local pw s=$W_DIR/school
	pw=$(head -n 1 "$1")
	_w_roster_modes
	install -m 0600 /dev/null "$s/etrn-credentials"
	printf 'username=%s\npassword=%s\n' "$W_SCHOOL_LOGIN" "$pw" >"$s/etrn-credentials"
	_w_school_postfix "$1" || return 1
	pf_start "$s/pf" "$W_NS_SCH" || return 1
	_w_school_dovecot || return 1
	_w_spawn milter "$W_NS_SCH" "$SUREL_BIN_DIR/milter/surel-milter" --config "$W_INI" --foreground
	_w_wait_socket "$s/pf/spool/surel/milter.sock" milter || return 1
	_w_spawn dialctl "$W_NS_SCH" env FAKE_PPPD_RUN="$s/run" FAKE_PPPD_PEERS="$s/peers" \
		"$SUREL_BIN_DIR/dialctl/dialctl" --config "$W_INI" daemon
	_w_wait_socket "$s/run/dialctl.sock" dialctl
}

# _w_stop_pid NAME: SIGTERM one recorded daemon, wait 20 s, then SIGKILL.
_w_stop_pid() {
	local pid i
	pid=$(_w_pid "$1")
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "world: $1 (pid $pid) did not stop in 20 s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

# world_stop: stop every server of the world and delete its namespaces.
world_stop() {
	local pidf
	[ -n "${W_DIR:-}" ] && [ -f "$W_DIR/world.env" ] || return 0
	_w_stop_pid dialctl
	for pidf in "$W_DIR"/school/run/ppp-*.pid; do
		[ -f "$pidf" ] && kill -TERM "$(head -n 1 "$pidf")" 2>/dev/null
	done
	_w_stop_pid milter
	_w_stop_pid mxd
	_w_stop_pid nginx      # the webmail's (tests/lib/webmail.sh), when it ran
	_w_stop_pid php-fpm
	dovecot_stop "$W_DIR/school/dc" || true
	[ -f "$W_DIR/isp/dovecot/dovecot.conf" ] &&
		doveadm -c "$W_DIR/isp/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
	pf_stop "$W_DIR/school/pf"
	pf_stop "$W_DIR/isp/pf"
	pf_stop "$W_DIR/out/pf"
	ns_delete "$W_NS_LAN" "$W_NS_SCH" "$W_NS_ISP" "$W_NS_OUT"
}

# world_submit USER PASS ARGS...: swaks from the student's PC to port 587,
# logging in inside STARTTLS (the only way submission takes a login).
world_submit() {
	local user=$1 pass=$2
	shift 2
	ns_exec "$W_NS_LAN" swaks --server "$W_LAN_SERVER:587" -tls --auth PLAIN --auth-user "$user" \
		--auth-password "$pass" --from "$user@$W_DOMAIN" --timeout 30 "$@" 2>&1
}

# world_outside_send ARGS...: swaks from the outside host to the ISP's MX.
world_outside_send() {
	ns_exec "$W_NS_OUT" swaks --server "$W_ISP_OUT:25" --timeout 30 "$@" 2>&1
}

# world_imap USER PASS [CURL ARGS...]: IMAP from the student's PC (INBOX),
# inside STARTTLS, trusting only the world's certificate.
world_imap() {
	local user=$1 pass=$2
	shift 2
	ns_exec "$W_NS_LAN" curl -sS --max-time 20 --ssl-reqd --cacert "$W_TLS_DIR/cert.pem" \
		--connect-to "mail.$W_DOMAIN:143:$W_LAN_SERVER:143" "imap://mail.$W_DOMAIN:143/INBOX" \
		-u "$user:$pass" "$@"
}

# world_dialctl ARGS...: the dialctl client, in the school's namespace.
world_dialctl() {
	ns_exec "$W_NS_SCH" "$SUREL_BIN_DIR/dialctl/dialctl" --config "$W_INI" "$@"
}

# _w_held PFDIR: messages in the queue with a delay reason (held, not active).
_w_held() {
	postqueue -c "$1/etc" -j | grep -c '"delay_reason"' || true
}

world_school_held() { _w_held "$W_DIR/school/pf"; }
world_isp_held() { _w_held "$W_DIR/isp/pf"; }
