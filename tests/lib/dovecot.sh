# NAME
#	dovecot.sh - a private Dovecot with surel's roster auth module, for tests
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/dovecot.sh"
#
#	dovecot_start DIR INI ADDR	write DIR/dovecot.conf, start Dovecot
#	dovecot_stop DIR		stop it (nothing running is fine)
#	dovecot_conf DIR		print the config file's path
#	dovecot_log DIR			print the log file's path
#	dovecot_doveadm DIR ARGS...	doveadm against this instance
#	dovecot_wait_log DIR REGEX [SECS]	poll the log for REGEX (default 20 s)
#	dovecot_lmtp_socket DIR		print the LMTP unix socket's path
#	dovecot_auth_socket DIR		print the SASL auth socket's path (Postfix)
#	dovecot_cert DIR		print the certificate's path (for clients)
#	dovecot_postfix_sockets PFDIR	DOVECOT_EXTRA: SASL and LMTP sockets in
#					Postfix's spool PFDIR/spool/private
# DESCRIPTION
#	Sourceable by any test (bash, set -euo pipefail safe).
#
#	dovecot_start makes DIR (which must be private to the test, and short:
#	unix socket paths below DIR/run must stay under 108 bytes) hold
#	everything: dovecot.conf, the log (DIR/dovecot.log), the base_dir
#	(DIR/run).  The configuration is the shipped snippet
#	etc/dovecot/conf.d/90-surel.conf with its paths pointed into DIR and
#	at INI, plus: listen = ADDR, IMAP on 143, POP3 on 110, LMTP on ADDR:24
#	and on the unix socket DIR/run/dovecot-lmtp (user postfix, mode 0600),
#	the SASL socket DIR/run/auth-postfix (user and group postfix, 0660),
#	TLS as the snippet sets it (ssl = yes, STARTTLS on 143 and 110,
#	disable_plaintext_auth = yes: clients in another namespace log in
#	inside STARTTLS) with a throwaway self-signed pair for mail.surel.test
#	in DIR/tls (tests/lib/tls.sh) instead of the snakeoil pair,
#	first_valid_uid = 1,
#	auth_failure_delay = 0 and no anvil-auth-penalty socket, so that
#	repeated failed logins from one address are not slowed by Dovecot's
#	auth penalty of up to 15 s.
#
#	Dovecot's auth process loads modules only from its compiled-in
#	directory (/usr/lib/dovecot/modules/auth).  So as not to touch that
#	global directory, Dovecot runs in a private mount namespace
#	(unshare -m) where DIR/auth-modules, holding Debian's own modules
#	and the module under test, is bind-mounted over it.
#
#	Environment:
#	DOVECOT_NETNS	run Dovecot inside this network namespace (ADDR must
#			be one of its addresses); default: the current one.
#	DOVECOT_MODULE	the module to load; default
#			$SUREL_BIN_DIR/dovecot-plugin/libauthdb_roster.so.
#	DOVECOT_EXTRA	extra configuration lines, appended last (e.g.
#			"auth_cache_size = 0").
#	DOVECOT_SNIPPET	the snippet to start from; default the shipped one.
#	DOVECOT_TLS_DIR	a directory with cert.pem and key.pem to use (made
#			there if missing); default DIR/tls.
#
#	dovecot_start returns once the master answers and the auth process
#	has loaded the module (a doveadm user lookup of a name no roster
#	holds has come back), or fails with the log's tail.
#	doveadm talks to the unix sockets in DIR/run, so it works from any
#	namespace.  IMAP/POP3 clients must reach ADDR (from inside
#	DOVECOT_NETNS when set).
# DIAGNOSTICS
#	Functions return non-zero and print "dovecot.sh: ..." on stderr.

. "${SUREL_SRC_DIR:?}/tests/lib/tls.sh"

# _dc_die MSG: complain on stderr and return failure.
_dc_die() {
	echo "dovecot.sh: $*" >&2
	return 1
}

dovecot_conf() { echo "$1/dovecot.conf"; }
dovecot_log() { echo "$1/dovecot.log"; }
dovecot_lmtp_socket() { echo "$1/run/dovecot-lmtp"; }
dovecot_auth_socket() { echo "$1/run/auth-postfix"; }
dovecot_cert() { echo "${DOVECOT_TLS_DIR:-$1/tls}/cert.pem"; }

# dovecot_doveadm DIR ARGS...: run doveadm with this instance's config.
dovecot_doveadm() {
	local dir=$1
	shift
	doveadm -c "$dir/dovecot.conf" "$@"
}

# _dc_modules DIR: a module directory with Debian's modules and ours.
_dc_modules() {
	local dir=$1 module=${DOVECOT_MODULE:-${SUREL_BIN_DIR:-}/dovecot-plugin/libauthdb_roster.so}
	[ -f "$module" ] || { _dc_die "no module at '$module' (set SUREL_BIN_DIR)"; return 1; }
	mkdir -p "$dir/auth-modules"
	cp -a /usr/lib/dovecot/modules/auth/. "$dir/auth-modules/"
	cp "$module" "$dir/auth-modules/libauthdb_roster.so"
}

# _dc_write_conf DIR INI ADDR: the shipped snippet, pointed into DIR.
_dc_write_conf() {
	local dir=$1 ini=$2 addr=$3
	local snippet=${DOVECOT_SNIPPET:-${SUREL_SRC_DIR:-}/etc/dovecot/conf.d/90-surel.conf}
	local tls=${DOVECOT_TLS_DIR:-$dir/tls}
	[ -f "$snippet" ] || { _dc_die "no snippet at '$snippet' (set SUREL_SRC_DIR)"; return 1; }
	tls_pair "$tls" mail.surel.test || return 1
	{
		cat <<-EOF
		# written by tests/lib/dovecot.sh
		base_dir = $dir/run
		state_dir = $dir/state
		log_path = $dir/dovecot.log
		instance_name = surel-test-$(basename "$dir")-$$
		listen = $addr
		ssl_cert = <$tls/cert.pem
		ssl_key = <$tls/key.pem
		default_internal_user = dovecot
		default_login_user = dovenull
		auth_failure_delay = 0
		EOF
		sed -e "s|/etc/surel/surel.ini|$ini|g" \
		    -e "s|/var/spool/postfix/private/dovecot-lmtp|dovecot-lmtp|" \
		    -e "s|/var/spool/postfix/private/auth|auth-postfix|" \
		    -e "s|^first_valid_uid = .*|first_valid_uid = 1|" \
		    -e "s|^ssl_cert = <.*|ssl_cert = <$tls/cert.pem|" \
		    -e "s|^ssl_key = <.*|ssl_key = <$tls/key.pem|" "$snippet"
		cat <<-EOF
		service lmtp {
		  inet_listener lmtp {
		    address = $addr
		    port = 24
		  }
		}
		# no auth penalty (up to 15 s) for repeated failures from one address
		service anvil {
		  unix_listener anvil-auth-penalty {
		    mode = 0
		  }
		}
		service imap-login {
		  inet_listener imap {
		    port = 143
		  }
		  inet_listener imaps {
		    port = 0
		  }
		}
		service pop3-login {
		  inet_listener pop3 {
		    port = 110
		  }
		  inet_listener pop3s {
		    port = 0
		  }
		}
		${DOVECOT_EXTRA:-}
		EOF
	} >"$dir/dovecot.conf"
}

# dovecot_postfix_sockets PFDIR: print the service blocks that put Dovecot's
# SASL and LMTP sockets where the shipped snippet puts them, in the spool of
# the Postfix instance PFDIR (for DOVECOT_EXTRA).
dovecot_postfix_sockets() {
	cat <<-EOF
	service auth {
	  unix_listener $1/spool/private/auth {
	    mode = 0660
	    user = postfix
	    group = postfix
	  }
	}
	service lmtp {
	  unix_listener $1/spool/private/dovecot-lmtp {
	    mode = 0600
	    user = postfix
	    group = postfix
	  }
	}
	EOF
}

# dovecot_start DIR INI ADDR: configure and start; wait until auth answers.
dovecot_start() {
	local dir=$1 ini=$2 addr=$3 i
	[ $# -eq 3 ] || { _dc_die "usage: dovecot_start DIR INI ADDR"; return 1; }
	mkdir -p "$dir/run" "$dir/state"
	_dc_modules "$dir" || return 1
	_dc_write_conf "$dir" "$ini" "$addr" || return 1
	local -a pre=()
	[ -n "${DOVECOT_NETNS:-}" ] && pre=(ip netns exec "$DOVECOT_NETNS")
	"${pre[@]}" unshare -m --propagation private -- bash -c \
		'mount --bind "$1" /usr/lib/dovecot/modules/auth && exec dovecot -c "$2"' \
		dovecot-start "$dir/auth-modules" "$dir/dovecot.conf" ||
		{ _dc_die "dovecot did not start; log:"; tail -n 20 "$dir/dovecot.log" >&2; return 1; }
	for i in $(seq 1 100); do
		# exit 67 (user unknown) means the auth process and the module answered.
		if dovecot_doveadm "$dir" user -u surel-dovecot-probe >/dev/null 2>&1; then
			return 0
		elif [ $? -eq 67 ]; then
			return 0
		fi
		sleep 0.1
	done
	_dc_die "the auth process never answered; log:"
	tail -n 20 "$dir/dovecot.log" >&2
	return 1
}

# dovecot_stop DIR: stop the instance and wait for its master to go.
dovecot_stop() {
	local dir=$1 pid i
	[ -f "$dir/run/master.pid" ] || return 0
	pid=$(cat "$dir/run/master.pid" 2>/dev/null || true)
	dovecot_doveadm "$dir" stop >/dev/null 2>&1 || { [ -n "$pid" ] && kill "$pid" 2>/dev/null; } || true
	for i in $(seq 1 100); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	_dc_die "dovecot (pid $pid) did not stop in 10 s; killed"
}

# dovecot_wait_log DIR REGEX [SECS]: poll the log until a line matches.
dovecot_wait_log() {
	local dir=$1 re=$2 secs=${3:-20} i
	for i in $(seq 1 $((secs * 10))); do
		grep -Eq -- "$re" "$dir/dovecot.log" 2>/dev/null && return 0
		sleep 0.1
	done
	_dc_die "no log line matching '$re' within ${secs}s"
}
