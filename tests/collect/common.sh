# NAME
#	common.sh - collect mode's world: a school whose mail is a hosting mailbox
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/collect/common.sh"
#
#	co_setup ID			the whole world (below), the link down
#	co_cleanup			stop everything (EXIT trap; keeps the test's status)
#	co_ini_set SECTION KEY VALUE	change a key of the school's surel.ini
#	co_pw USER			a pupil's password (from the roster's slips)
#	co_message FROM TO TAG [KB]	a message, Message-ID <TAG.$$@test>, about KB
#					kilobytes of incompressible body (default 2)
#	co_outside_send TAG FROM RCPT...	the message for TAG from the outside host
#					to the hosting's MX, one SMTP transaction
#	co_hosting_save BOX ENVELOPE_TO FILE	FILE straight into a hosting
#					mailbox, as cPanel's Exim stores it (Envelope-to first)
#	co_hosting_count BOX		messages in a hosting mailbox
#	co_hosting_wait BOX N		wait (30 s) until it holds N
#	co_hosting_headers BOX HEADER	that header of each message there
#	co_mids USER			Message-IDs in a school user's INBOX, one a line
#	co_has USER TAG			how many copies of TAG's message USER has
#	co_wait_has USER TAG N [SECS]	wait until USER has N copies of TAG's message
#	co_fetch USER TAG		the whole of TAG's message as USER has it
#	co_sessions / co_sql SQL	the ledger's sessions / one query on it
#	co_wait_sessions N [SECS]	wait until the ledger holds N sessions
#	co_figures			the "collect complete" lines of dialctl's log
#	co_figure LINE KEY		one figure (delivered, listed, ...) of such a line
#	co_link_cut			the modem hangs up (the pppd stand-in exits 16)
#	fail MSG / check MSG
# DESCRIPTION
#	tests/lib/world.sh's namespaces and links, with its ISP namespace
#	playing the school's HOSTING instead (no surel-setup-isp there): a
#	cPanel-like host whose only service for the school is mailboxes and
#	SMTP with a login.  Below W=$CO_DIR:
#
#	hosting (namespace $W_NS_ISP; 203.0.113.1 outside, 192.0.2.1 on the
#	dial-up link while it is up):
#	  - Dovecot (W/isp/dovecot: a passwd-file passdb and userdb, IMAPS on
#	    993 and POP3S on 995 only, listening on every address of the
#	    namespace, since the link's address comes and goes; certificate for
#	    $CO_HOST and IP:192.0.2.1, W/isp/tls/cert.pem, the school's ca_file).
#	    Mailboxes: catchall@DOMAIN (the whole domain lands there), sri@DOMAIN
#	    (a teacher's own box), and the account login smpn1-contoh (SMTP only).
#	  - Postfix (W/isp/pf) as the domain's MX and SMTP: mail for DOMAIN goes
#	    through virtual_alias_maps (@DOMAIN -> catchall@, sri@ to herself)
#	    and Postfix's virtual(8) into maildirs below W/isp/mail that Dovecot
#	    reads; virtual(8) adds X-Original-To (the address as given) and
#	    Delivered-To (catchall@DOMAIN).  One SMTP transaction to two pupils
#	    gives two copies in the catch-all, each with its own X-Original-To.
#	    Submission on 587: STARTTLS required, SASL through the Dovecot above,
#	    relaying to the outside host.
#	outside: world_outside_up (example.org; its mail for the school goes to
#	  the hosting's MX at 203.0.113.1).
#	school: world_school_up with surel.ini in collect mode (outbound through
#	  the hosting's 587 with the account's login: world.sh's smarthost_passwd),
#	  the tunnel-only-style smtpd on 127.0.0.1:10026 of master.cf.surel-ssh
#	  (syslog_name postfix/surel-collect), a roster of Budi, Badu (7A),
#	  Citra, Dewi (7B), the teacher Sri and the staff member Tata, who is
#	  [collect] postmaster; [collect.catchall] (imaps; CO_CATCHALL_URL to
#	  change) and [collect.sri] (pop3s, CO_SRI_URL; kind person, deliver
#	  sri), both trusting only the hosting's certificate (ca_file).
#	Needs SUREL_BIN_DIR and SUREL_SRC_DIR; runs as root.

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/world.sh"

CO_HOST=mail.hosting.test
CO_PW_CATCHALL=catchall-secret-$$
CO_PW_SRI=sri-secret-$$
CO_PW_ACCOUNT=account-secret-$$

# fail MSG: say what was expected and what happened, show the logs, stop.
fail() {
	echo "FAIL: $*" >&2
	if [ -n "${W_DIR:-}" ]; then
		local f
		for f in "$W_DIR/dialctl.out" "$W_DIR/school/pf/maillog" "$W_DIR/isp/dovecot/dovecot.log"; do
			[ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 25 "$f" >&2; }
		done
	fi
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# co_ini_set SECTION KEY VALUE: set one key of the school's surel.ini (added
# to its section, or the section added, when absent).
co_ini_set() {
	python3 - "$W_INI" "$1" "$2" "$3" <<'PY'
import sys
path, sec, key, val = sys.argv[1:]
out, cur, done = [], None, False
for l in open(path).read().splitlines():
    s = l.strip()
    if s.startswith('[') and s.endswith(']'):
        if cur == sec and not done:
            out.append(f"{key} = {val}")
            done = True
        cur = s[1:-1]
    elif cur == sec and s.split('=')[0].strip() == key:
        l, done = f"{key} = {val}", True
    out.append(l)
if not done:
    if cur != sec:
        out.append(f"[{sec}]")
    out.append(f"{key} = {val}")
open(path, 'w').write("\n".join(out) + "\n")
PY
}

# _co_hosting_dovecot: the hosting's Dovecot, mailboxes from a passwd-file.
_co_hosting_dovecot() {
	local d=$W_DIR/isp/dovecot mail=$W_DIR/isp/mail uid gid i
	uid=$(id -u nobody) gid=$(id -g nobody)
	mkdir -p "$d/run" "$d/state"
	install -m 0640 -g dovecot /dev/null "$d/users"
	cat >"$d/users" <<-EOF
	catchall@$W_DOMAIN:{PLAIN}$CO_PW_CATCHALL:$uid:$gid::$mail/$W_DOMAIN/catchall::
	sri@$W_DOMAIN:{PLAIN}$CO_PW_SRI:$uid:$gid::$mail/$W_DOMAIN/sri::
	$W_SCHOOL_LOGIN:{PLAIN}$CO_PW_ACCOUNT:$uid:$gid::$mail/account::
	EOF
	cat >"$d/dovecot.conf" <<-EOF
	# the school's hosting: written by tests/collect/common.sh
	base_dir = $d/run
	state_dir = $d/state
	log_path = $d/dovecot.log
	instance_name = surel-hosting-$W_ID
	protocols = imap pop3
	listen = *
	ssl = required
	ssl_cert = <$W_DIR/isp/tls/cert.pem
	ssl_key = <$W_DIR/isp/tls/key.pem
	disable_plaintext_auth = yes
	auth_mechanisms = plain login
	auth_failure_delay = 0
	first_valid_uid = 1
	mail_location = maildir:~/Maildir
	pop3_uidl_format = %08Xu%08Xv
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $d/users
	}
	userdb {
	  driver = passwd-file
	  args = username_format=%u $d/users
	}
	service imap-login {
	  inet_listener imap {
	    port = 0
	  }
	  inet_listener imaps {
	    port = 993
	    ssl = yes
	  }
	}
	service pop3-login {
	  inet_listener pop3 {
	    port = 0
	  }
	  inet_listener pop3s {
	    port = 995
	    ssl = yes
	  }
	}
	service auth {
	  unix_listener $W_DIR/isp/pf/spool/private/auth {
	    mode = 0660
	    user = postfix
	    group = postfix
	  }
	}
	service anvil {
	  unix_listener anvil-auth-penalty {
	    mode = 0
	  }
	}
	EOF
	ns_exec "$W_NS_ISP" dovecot -c "$d/dovecot.conf" ||
		_w_die "the hosting's Dovecot did not start: $(tail -n 5 "$d/dovecot.log" 2>/dev/null)" || return 1
	for ((i = 0; i < 100; i++)); do
		[ -S "$W_DIR/isp/pf/spool/private/auth" ] &&
			doveadm -c "$d/dovecot.conf" user "catchall@$W_DOMAIN" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	_w_die "the hosting's Dovecot did not answer: $(tail -n 5 "$d/dovecot.log" 2>/dev/null)"
}

# _co_hosting_postfix: the hosting's MX (into the maildirs) and submission.
_co_hosting_postfix() {
	local pf=$W_DIR/isp/pf mail=$W_DIR/isp/mail
	pf_init "$pf" "$CO_HOST" all || return 1
	mkdir -p "$mail/$W_DOMAIN"
	chown -R nobody:nogroup "$mail"
	pf_conf "$pf" "mynetworks=127.0.0.0/8" "relayhost=[$W_OUT_ADDR]:25" \
		"virtual_mailbox_domains=$W_DOMAIN" "virtual_mailbox_base=$mail" \
		"virtual_mailbox_maps=inline:{catchall@$W_DOMAIN=$W_DOMAIN/catchall/Maildir/, sri@$W_DOMAIN=$W_DOMAIN/sri/Maildir/}" \
		"virtual_alias_maps=inline:{catchall@$W_DOMAIN=catchall@$W_DOMAIN, sri@$W_DOMAIN=sri@$W_DOMAIN, @$W_DOMAIN=catchall@$W_DOMAIN}" \
		"virtual_uid_maps=static:$(id -u nobody)" "virtual_gid_maps=static:$(id -g nobody)" \
		"smtpd_tls_cert_file=$W_DIR/isp/tls/cert.pem" "smtpd_tls_key_file=$W_DIR/isp/tls/key.pem" \
		"smtpd_tls_security_level=may" "smtpd_sasl_type=dovecot" "smtpd_sasl_path=private/auth" \
		"smtpd_timeout=60s" || return 1
	pf_master "$pf" "submission inet n - y - - smtpd" || return 1
	postconf -c "$pf/etc" -P "submission/inet/syslog_name=postfix/submission" \
		"submission/inet/smtpd_tls_security_level=encrypt" \
		"submission/inet/smtpd_tls_auth_only=yes" \
		"submission/inet/smtpd_sasl_auth_enable=yes" \
		"submission/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject" || return 1
	pf_start "$pf" "$W_NS_ISP"
}

# co_hosting_up: the hosting (its certificate, Postfix, Dovecot).
co_hosting_up() {
	tls_pair "$W_DIR/isp/tls" "$CO_HOST" "IP:$W_PPP_ISP" "IP:$W_ISP_OUT" || return 1
	_co_hosting_postfix || return 1
	_co_hosting_dovecot
}

# _co_school_ini: collect mode in the school's surel.ini.
_co_school_ini() {
	local s=$W_DIR/school
	co_ini_set dial mode collect
	install -m 0600 /dev/null "$s/catchall.pw"
	echo "$CO_PW_CATCHALL" >"$s/catchall.pw"
	install -m 0600 /dev/null "$s/sri.pw"
	echo "$CO_PW_SRI" >"$s/sri.pw"
	cat >>"$W_INI" <<-EOF
	[collect]
	program = $SUREL_BIN_DIR/collect/surel-collect
	deliver_to = 127.0.0.1:10026
	postmaster = tata
	state = $s/collect.db
	idle = 30s
	attempts = 3
	[collect.catchall]
	url = ${CO_CATCHALL_URL:-imaps://$W_PPP_ISP/INBOX}
	user = catchall@$W_DOMAIN
	password_file = $s/catchall.pw
	kind = catchall
	ca_file = $W_DIR/isp/tls/cert.pem
	[collect.sri]
	url = ${CO_SRI_URL:-pop3s://$W_PPP_ISP}
	user = sri@$W_DOMAIN
	password_file = $s/sri.pw
	kind = person
	deliver = sri
	ca_file = $W_DIR/isp/tls/cert.pem
	EOF
}

# _co_roster: Budi, Badu (7A), Citra, Dewi (7B), the teacher Sri, Tata (staff).
_co_roster() {
	local r=$SUREL_BIN_DIR/roster/surel-roster
	"$r" --config "$W_INI" init >/dev/null || return 1
	printf 'Nama,Kelas\nBudi,7A\nBadu,7A\nCitra,7B\nDewi,7B\n' >"$W_DIR/pupils.csv"
	"$r" --config "$W_INI" import --slips "$W_DIR/slips.csv" "$W_DIR/pupils.csv" >/dev/null || return 1
	"$r" --config "$W_INI" add --name Sri --role teacher >/dev/null 2>&1 || return 1
	"$r" --config "$W_INI" add --name Tata --role staff >/dev/null 2>&1 || return 1
	[ "$("$r" --config "$W_INI" list --format csv | cut -d, -f1 | tail -n +2 | sort | tr '\n' ' ')" = \
		"badu budi citra dewi sri tata " ] ||
		_w_die "unexpected usernames: $("$r" --config "$W_INI" list --format csv)"
}

# co_pw USER: a pupil's password, from the slips of the import.
co_pw() {
	awk -F, -v u="$1" '{ gsub(/"/, "") } $1 == u { print $4 }' "$W_DIR/slips.csv"
}

# _co_school_postfix: the collected mail's smtpd (master.cf.surel-ssh's entry
# for 127.0.0.1:10026, under its own syslog name).
_co_school_postfix() {
	local pf=$W_DIR/school/pf
	awk '/^127\.0\.0\.1:10026[ \t]/ { on = 1; print; next } on && /^[ \t]/ { print; next } { on = 0 }' \
		"$SUREL_SRC_DIR/etc/postfix/master.cf.surel-ssh" |
		sed 's|syslog_name=postfix/surel-tunnel-in|syslog_name=postfix/surel-collect|' >>"$pf/etc/master.cf"
	grep -q 'syslog_name=postfix/surel-collect' "$pf/etc/master.cf" ||
		_w_die "no 127.0.0.1:10026 entry in master.cf.surel-ssh" || return 1
	postfix -c "$pf/etc" reload >/dev/null 2>&1 || return 1
	local i
	for ((i = 0; i < 100; i++)); do
		ns_exec "$W_NS_SCH" bash -c 'exec 3<>/dev/tcp/127.0.0.1/10026' 2>/dev/null && return 0
		sleep 0.1
	done
	_w_die "nothing listens on 127.0.0.1:10026 at the school"
}

# co_setup ID: the world, the hosting, the school; the link down.
co_setup() {
	CO_DIR=$(mktemp -d /tmp/surel-collect.XXXXXX)
	world_init "$CO_DIR" "$1"
	world_school_ini
	_co_school_ini
	_co_roster || fail "could not make the roster"
	install -m 0600 /dev/null "$CO_DIR/account.pw"
	echo "$CO_PW_ACCOUNT" >"$CO_DIR/account.pw"
	world_net || fail "could not create the namespaces"
	world_outside_up || fail "the outside Postfix did not start"
	co_hosting_up || fail "the hosting did not come up"
	world_school_up "$CO_DIR/account.pw" || fail "the school did not come up"
	_co_school_postfix || fail "the school's smtpd for collected mail did not start"
}

# co_cleanup: stop everything; keeps the test's exit status.
co_cleanup() {
	local rc=$?
	set +e
	[ -n "${CO_DIR:-}" ] || exit "$rc"
	world_stop
	if [ -n "${CO_KEEP:-}" ]; then      # debugging: keep the logs
		mkdir -p "$CO_KEEP"
		cp "$CO_DIR/dialctl.out" "$CO_DIR/school/surel.ini" "$CO_KEEP/" 2>/dev/null
		cp "$CO_DIR/school/pf/maillog" "$CO_KEEP/school.maillog" 2>/dev/null
		cp "$CO_DIR/isp/pf/maillog" "$CO_KEEP/hosting.maillog" 2>/dev/null
		cp "$CO_DIR/isp/dovecot/dovecot.log" "$CO_KEEP/hosting-dovecot.log" 2>/dev/null
		cp "$CO_DIR/school/dc/dovecot.log" "$CO_KEEP/school-dovecot.log" 2>/dev/null
		cp "$CO_DIR/school/ledger.db" "$CO_DIR/school/collect.db" "$CO_KEEP/" 2>/dev/null
	fi
	rm -rf "$CO_DIR"
	exit "$rc"
}

# co_message FROM TO TAG [KB]: a message with Message-ID <TAG.$$@test>.
co_message() {
	local kb=${4:-2}
	printf 'From: %s\nTo: %s\nSubject: test %s\nDate: %s\nMessage-ID: <%s.%s@test>\n\n' \
		"$1" "$2" "$3" "$(date -R)" "$3" "$$"
	head -c $((kb * 768)) /dev/urandom | base64 -w 76
}

# co_outside_send TAG FROM RCPT...: TAG's message from the outside host to
# the hosting's MX, all recipients in one transaction (To: the first).
co_outside_send() {
	local tag=$1 from=$2 out
	shift 2
	co_message "$from" "$1" "$tag" >"$W_DIR/out-$tag.eml"
	out=$(world_outside_send --from "$from" --to "$(
		IFS=,
		echo "$*"
	)" --data "$W_DIR/out-$tag.eml") || fail "the hosting's MX did not take '$tag': $out"
}

# co_hosting_save BOX ENVELOPE_TO FILE: FILE into the hosting mailbox BOX
# (catchall, sri) the way cPanel's Exim stores it: Return-path, Envelope-to
# (ENVELOPE_TO, e.g. "a@dom, b@dom") and Delivery-date first.
co_hosting_save() {
	{
		printf 'Return-path: <%s>\nEnvelope-to: %s\nDelivery-date: %s\n' \
			"$(sed -n 's/^From: //p' "$3" | head -n 1)" "$2" "$(date -R)"
		cat "$3"
	} | doveadm -c "$W_DIR/isp/dovecot/dovecot.conf" save -u "$1@$W_DOMAIN" -m INBOX ||
		fail "doveadm save into $1 failed"
}

# co_hosting_count BOX: messages in a hosting mailbox.
co_hosting_count() {
	doveadm -c "$W_DIR/isp/dovecot/dovecot.conf" search -u "$1@$W_DOMAIN" mailbox INBOX all | wc -l
}

# co_hosting_wait BOX N: wait (30 s) until the hosting mailbox holds N messages.
co_hosting_wait() {
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(co_hosting_count "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	fail "expected $2 messages in the hosting's $1 box, found $(co_hosting_count "$1"); hosting log: $(tail -n 5 "$W_DIR/isp/pf/maillog")"
}

# co_hosting_headers BOX HEADER: HEADER of every message in the box, one a line.
co_hosting_headers() {
	doveadm -c "$W_DIR/isp/dovecot/dovecot.conf" -f flow fetch -u "$1@$W_DOMAIN" "hdr.$2" mailbox INBOX all |
		sed 's/^hdr\.[^=]*=//'
}

# _co_doveadm ARGS...: doveadm against the school's Dovecot.
_co_doveadm() {
	dovecot_doveadm "$W_DIR/school/dc" "$@"
}

# co_mids USER: the Message-IDs in USER's INBOX at the school, one a line.
co_mids() {
	_co_doveadm -f flow fetch -u "$1" hdr.message-id mailbox INBOX all 2>/dev/null |
		sed 's/^hdr\.message-id=//'
}

# co_has USER TAG: how many copies of TAG's message USER has.
co_has() {
	co_mids "$1" | grep -cF "<$2.$$@test>" || true
}

# co_wait_has USER TAG N [SECS]: wait until USER has N copies of TAG's message.
co_wait_has() {
	local i secs=${4:-60}
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(co_has "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.2
	done
	return 1
}

# co_fetch USER TAG: the whole of TAG's message as USER has it.
co_fetch() {
	_co_doveadm -f pager fetch -u "$1" text mailbox INBOX header Message-ID "<$2.$$@test>" |
		sed '1s/^text:$//;1{/^$/d}' | sed '$s/\f$//'
}

# co_sql SQL: one query on the school's ledger.
co_sql() {
	sqlite3 -cmd '.timeout 10000' -separator ' ' "$W_DIR/school/ledger.db" "$1"
}

# co_sessions: how many sessions the ledger holds.
co_sessions() {
	co_sql 'SELECT count(*) FROM session' 2>/dev/null || echo 0
}

# co_wait_sessions N [SECS]: wait until the ledger holds N sessions.
co_wait_sessions() {
	local n=$1 secs=${2:-240} i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(co_sessions)" -ge "$n" ] && return 0
		kill -0 "$(_w_pid dialctl)" 2>/dev/null || fail "dialctl died"
		sleep 0.2
	done
	return 1
}

# co_figures: the figures lines dialctl logged ("collect complete: ...").
co_figures() {
	grep 'collect complete: ' "$W_DIR/dialctl.out" 2>/dev/null | sed 's/.*collect complete: //'
}

# co_figure LINE KEY: one figure of a figures line (empty if absent).
co_figure() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# co_link_cut: the pppd stand-in plays "the modem hung up".
co_link_cut() {
	kill -USR2 "$(head -n 1 "$W_DIR/school/run/ppp-surel.pid")"
}
