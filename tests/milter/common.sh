# NAME
#	common.sh - what surel-milter's end-to-end tests share
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/milter/common.sh"
#	ml_setup NAME			temp dir, surel.ini, a roster with people
#	ml_roster ARGS...		surel-roster --config $ML_INI ARGS...
#	ml_start_milter SOCKETPATH	start surel-milter (as nobody) on a unix socket
#	ml_stop_milter			SIGTERM, wait for a clean exit (status 0)
#	ml_kill_milter			SIGKILL (a milter that died)
#	ml_pass MSG / ml_fail MSG	report a check
#	ml_usage USER			"MESSAGES BYTES" of today's outside mail
#	ml_world [KEY=VALUE...]		Postfix + Dovecot + milter in a namespace
#	submit USER SWAKS-ARGS...	swaks to port 587 as USER (after ml_world)
#	outside SWAKS-ARGS...		swaks to port 25 without a login
#	expect_delivered USER SUBJECT N	N copies in USER's INBOX, read over IMAP
# DESCRIPTION
#	ml_setup makes $ML_DIR (mktemp -d, 0755), $ML_INI for the school
#	smpn1.sch.id with the roster, credentials and usage store in
#	$ML_DIR, [milter] user nobody, and these [policy] values beside the
#	defaults: students of class 7B may not write outside, students may
#	send 3 outside messages a day.  The roster holds:
#	  budi, ani		students of 7A (active)
#	  citra			student of 7B
#	  dewi			student of 7A, suspended
#	  sari.wulandari	teacher, may send as the group osis
#	with the passwords in $ML_DIR/pw.USER.  The EXIT trap stops the
#	milter; tests add their own cleanups with ml_on_exit.
#
#	ml_world starts, in namespace $NS_S (server $SERVER, 192.0.2.1), a
#	private Postfix ($PF) with the shipped etc/postfix snippets
#	(submission with Dovecot SASL, the roster's tables, LMTP, the
#	milter; KEY=VALUE are further main.cf settings), a private Dovecot
#	($DC) with the roster module, and the
#	milter; clients run in $NS_C (192.0.2.2).  $D is the school's domain.
# DIAGNOSTICS
#	ml_fail prints "FAIL: ..." with the milter's log tail and exits 1.

. "$SUREL_SRC_DIR/tests/lib/tls.sh"

ML_DOMAIN=smpn1.sch.id
ML_ROSTER_BIN=$SUREL_BIN_DIR/roster/surel-roster
ML_MILTER_BIN=$SUREL_BIN_DIR/milter/surel-milter
ML_MILTER_PID=
ML_EXIT_HOOKS=()

ml_pass() { echo "ok: $*"; }

ml_fail() {
	echo "FAIL: $*" >&2
	if [ -f "${ML_DIR:-/nonexistent}/milter.log" ]; then
		echo "--- milter log (last 15 lines):" >&2
		tail -n 15 "$ML_DIR/milter.log" >&2
	fi
	exit 1
}

# ml_on_exit CMD: run CMD (a string) from the EXIT trap, latest first.
ml_on_exit() {
	ML_EXIT_HOOKS=("$1" "${ML_EXIT_HOOKS[@]}")
}

# _ml_cleanup: run the hooks, stop the milter, remove the directory.
_ml_cleanup() {
	local h
	for h in "${ML_EXIT_HOOKS[@]}"; do
		eval "$h" || true
	done
	if [ -n "$ML_MILTER_PID" ] && kill -0 "$ML_MILTER_PID" 2>/dev/null; then
		kill -KILL "$ML_MILTER_PID" 2>/dev/null || true
		wait "$ML_MILTER_PID" 2>/dev/null || true
	fi
	[ -n "${ML_DIR:-}" ] && rm -rf "$ML_DIR"
}

ml_roster() {
	"$ML_ROSTER_BIN" --config "$ML_INI" "$@"
}

# ml_setup NAME: directory, configuration and roster for one test.
ml_setup() {
	[ -x "$ML_MILTER_BIN" ] || { echo "no surel-milter at $ML_MILTER_BIN (set SUREL_BIN_DIR)" >&2; exit 1; }
	[ -x "$ML_ROSTER_BIN" ] || { echo "no surel-roster at $ML_ROSTER_BIN" >&2; exit 1; }
	ML_DIR=$(mktemp -d "/tmp/surel-milter-$1.XXXXXX")
	chmod 0755 "$ML_DIR"
	trap _ml_cleanup EXIT
	mkdir -p "$ML_DIR/usage" "$ML_DIR/mail"
	chown mail:mail "$ML_DIR/mail"
	chown nobody "$ML_DIR/usage"
	ML_INI=$ML_DIR/surel.ini
	cat >"$ML_INI" <<-INI
	[school]
	domain = $ML_DOMAIN
	[roster]
	db = $ML_DIR/roster.db
	credentials = $ML_DIR/credentials.db
	[mail]
	root = $ML_DIR/mail
	user = mail
	[milter]
	user = nobody
	usage_db = $ML_DIR/usage/usage.db
	[policy]
	external_refused_classes = 7B
	daily_messages_student = 3
	INI
	ml_roster init >/dev/null
	local who
	who=$(ml_roster add --name "Budi" --role student --class 7A 2>/dev/null)
	[ "$who" = budi ] || ml_fail "expected username budi, got '$who'"
	ml_roster add --name "Ani" --role student --class 7A >/dev/null 2>&1
	ml_roster add --name "Citra" --role student --class 7B >/dev/null 2>&1
	ml_roster add --name "Dewi" --role student --class 7A >/dev/null 2>&1
	ml_roster add --name "Sari Wulandari" --role teacher >/dev/null 2>&1
	ml_roster suspend dewi >/dev/null
	ml_roster group add osis --send-as sari.wulandari >/dev/null
	for who in budi ani citra sari.wulandari; do
		echo "pw-$who-$$" >"$ML_DIR/pw.$who"
		ml_roster passwd "$who" --stdin <"$ML_DIR/pw.$who" >/dev/null 2>&1
	done
}

# ml_start_milter SOCKETPATH: run surel-milter in the foreground (as nobody).
ml_start_milter() {
	local sock=$1 i
	if grep -q '^socket' "$ML_INI"; then
		sed -i "s|^socket = .*|socket = unix:$sock|" "$ML_INI"
	else
		sed -i "s|^\[milter\]|[milter]\nsocket = unix:$sock|" "$ML_INI"
	fi
	"$ML_MILTER_BIN" --config "$ML_INI" --foreground ${ML_MILTER_ARGS:-} >>"$ML_DIR/milter.log" 2>&1 &
	ML_MILTER_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q "listening on unix:$sock" "$ML_DIR/milter.log" 2>/dev/null && [ -S "$sock" ] && return 0
		kill -0 "$ML_MILTER_PID" 2>/dev/null || ml_fail "surel-milter exited at start"
		sleep 0.1
	done
	ml_fail "surel-milter did not open $sock within 10 s"
}

# ml_stop_milter: SIGTERM and a clean exit (libmilter checks every 5 s).
ml_stop_milter() {
	local rc=0
	[ -n "$ML_MILTER_PID" ] || return 0
	kill -TERM "$ML_MILTER_PID"
	wait "$ML_MILTER_PID" || rc=$?
	ML_MILTER_PID=
	return $rc
}

# ml_kill_milter: the milter dies without a chance to clean up.
ml_kill_milter() {
	[ -n "$ML_MILTER_PID" ] || return 0
	kill -KILL "$ML_MILTER_PID"
	wait "$ML_MILTER_PID" 2>/dev/null || true
	ML_MILTER_PID=
}

# ml_usage USER: today's outside "MESSAGES BYTES" for USER (0 0 if none).
ml_usage() {
	local row=
	[ -f "$ML_DIR/usage/usage.db" ] &&
	row=$(sqlite3 -readonly "$ML_DIR/usage/usage.db" \
		"SELECT messages || ' ' || bytes FROM usage_day WHERE username = '$1' AND day = date('now', 'localtime')")
	echo "${row:-0 0}"
}

# ml_postfix_apply PFDIR: the shipped etc/postfix snippets, pointed at this
# test's roster and domain, applied to a private instance (tests/lib/postfix.sh),
# with a throwaway certificate pair in $ML_DIR/tls (tests/lib/tls.sh; give
# Dovecot the same one: DOVECOT_TLS_DIR).
ml_postfix_apply() {
	local pf=$1 src=$SUREL_SRC_DIR/etc/postfix f line
	mkdir -p "$pf/etc/surel"
	tls_pair "$ML_DIR/tls" "mail.$ML_DOMAIN" || return 1
	for f in mailboxes lists; do
		sed -e "s|@DOMAIN@|$ML_DOMAIN|g" -e "s|^dbpath = .*|dbpath = $ML_DIR/roster.db|" \
			"$src/surel/$f.cf" >"$pf/etc/surel/$f.cf"
	done
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		line=${line//@DOMAIN@/$ML_DOMAIN}
		line=${line//@TLS_CERT@/$ML_DIR/tls/cert.pem}
		line=${line//@TLS_KEY@/$ML_DIR/tls/key.pem}
		line=${line//\/etc\/postfix\/surel\//$pf/etc/surel/}
		postconf -c "$pf/etc" -e "${line%% = *}=${line#* = }"
	done <"$src/main.cf.surel"
	grep -v '^#' "$src/master.cf.surel" >>"$pf/etc/master.cf"
	# The milter's socket directory below the chroot: setgid postfix.
	install -d -o nobody -g postfix -m 2750 "$pf/spool/surel"
}

# ml_world [KEY=VALUE...]: a school's Postfix, Dovecot and milter in a
# namespace; the client namespace beside it.  Stopped by the EXIT trap.
ml_world() {
	. "$SUREL_SRC_DIR/tests/lib/netns.sh"
	. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
	. "$SUREL_SRC_DIR/tests/lib/dovecot.sh"
	D=$ML_DOMAIN
	SERVER=192.0.2.1
	NS_S=sml-s-$$
	NS_C=sml-c-$$
	PF=$ML_DIR/postfix
	DC=$ML_DIR/dovecot
	ml_on_exit "ns_delete $NS_S $NS_C"
	ns_pair "$NS_S" "$SERVER/24" "$NS_C" 192.0.2.2/24

	echo "setup: private Postfix with the shipped snippets"
	ml_on_exit "pf_stop $PF"
	pf_init "$PF" "mail.$D" all
	ml_postfix_apply "$PF"
	# No ISP here: the smarthost is a documentation address, never reached.
	pf_conf "$PF" "relayhost=[203.0.113.25]:587" "smtp_sasl_password_maps=" "$@"
	pf_start "$PF" "$NS_S"

	echo "setup: private Dovecot (roster auth, LMTP and SASL in Postfix's spool)"
	ml_on_exit "dovecot_stop $DC"
	export DOVECOT_NETNS=$NS_S DOVECOT_TLS_DIR=$ML_DIR/tls
	DOVECOT_EXTRA=$(dovecot_postfix_sockets "$PF")
	export DOVECOT_EXTRA
	dovecot_start "$DC" "$ML_INI" "$SERVER"
	ml_start_milter "$PF/spool/surel/milter.sock"
}

# submit USER ARGS...: swaks from the client namespace to port 587 as USER
# (STARTTLS first: submission takes no login before it; inside TLS swaks
# shows replies as "<~ " and refusals as "<~* ", not "<- " and "<** ").
submit() {
	local user=$1
	shift
	ns_exec "$NS_C" swaks --server "$SERVER:587" -tls --auth PLAIN --auth-user "$user" \
		--auth-password "$(cat "$ML_DIR/pw.$user")" --timeout 30 "$@" 2>&1
}

# outside ARGS...: swaks from the client namespace to port 25, no login.
outside() {
	ns_exec "$NS_C" swaks --server "$SERVER:25" --timeout 30 "$@" 2>&1
}

# imap_count USER SUBJECT: how many messages in USER's INBOX have SUBJECT.
imap_count() {
	local out
	out=$(ns_exec "$NS_C" curl -sS --max-time 20 --ssl-reqd -k "imap://$SERVER:143/INBOX" \
		-u "$1:$(cat "$ML_DIR/pw.$1")" -X "SEARCH SUBJECT \"$2\"") ||
		ml_fail "IMAP search as $1 failed: $out"
	out=$(tr -d '\r' <<<"$out" | sed -n 's/^\* SEARCH *//p')
	wc -w <<<"$out"
}

# expect_delivered USER SUBJECT N: N copies in USER's mailbox (IMAP), once
# nothing for USER is left in the queue (polled, at most 30 s).
expect_delivered() {
	local i n=0
	for ((i = 0; i < 150; i++)); do
		if ! pf_queue_json "$PF" | grep -q "\"address\": \"$1@$D\""; then
			n=$(imap_count "$1" "$2")
			[ "$n" -ge "$3" ] && break
		fi
		sleep 0.2
	done
	[ "$n" = "$3" ] || ml_fail "expected $3 message(s) '$2' in $1's INBOX over IMAP, found $n;
queue: $(pf_queue_json "$PF"); log: $(grep "$1@$D" "$PF/maillog" | tail -3)"
}
