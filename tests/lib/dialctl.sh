# NAME
#	dialctl.sh - dialctl's daemon and the mail around it, for end-to-end tests
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/dialctl.sh"
#
#	dc_postfix_common DIR		a Postfix instance for the 56 kbit/s link
#	dc_peer_set KEY VALUE		change a key of fake-pppd's peer T/peers/isp
#	dc_start / dc_stop		dialctl's daemon in $DC_SNS (log T/dialctl.log;
#					pid DC_PID, exit status DC_RC) / SIGTERM, wait
#	dc_cmd ARGS...			the dialctl client, same config and namespace
#	dc_sql SQL / dc_sessions	one query on T/ledger.db / its session count
#	dc_wait_sessions N [SECS]	wait until the ledger has N sessions
#	dc_wait_sql SQL REGEX [SECS]	wait until SQL's answer matches
#	dc_message FROM TO TAG		a message of about 5 KB (DC_BODY=random: incompressible)
#	dc_send_out N / dc_hold_in N	N of them school -> outside.test (into
#					T/school) / outside -> school.test (T/isp)
#	dc_count DIR / dc_unique DIR	messages / distinct Message-IDs in DIR/mail
#	dc_wait_count DIR N [SECS]	wait until DIR/mail holds N messages
#	dc_wait_held DIR N		wait until N sit deferred by defer_transports
#	dc_wait_queued DIR N TEXT WHAT	wait until N queued messages show TEXT
# DESCRIPTION
#	What the dialctl and ssh-mode suites share: the world around them
#	(T, the school namespace DC_SNS, T/surel.ini, T/peers, T/run) is
#	theirs (tests/dialctl/common.sh, tests/ssh/common.sh).  The caller
#	defines fail and check.  Requires SUREL_BIN_DIR and SUREL_SRC_DIR.

DIALCTL=$SUREL_BIN_DIR/dialctl/dialctl
DC_HOOK=$SUREL_BIN_DIR/dialctl/dialctl-hook
DC_FAKE=$SUREL_SRC_DIR/tests/dialctl/fake-pppd

# dc_postfix_common DIR: what both sides need on a 56 kbit/s link.
dc_postfix_common() {
	pf_conf "$1" "smtp_destination_concurrency_limit=2" "smtp_connect_timeout=10s" \
		"smtp_helo_timeout=30s" "smtp_mail_timeout=30s" "smtp_rcpt_timeout=30s" \
		"smtp_data_init_timeout=30s" "smtp_data_xfer_timeout=30s" "smtp_data_done_timeout=30s" \
		"smtpd_timeout=60s" "queue_run_delay=300s" "minimal_backoff_time=300s" \
		"maximal_backoff_time=600s"
}

# dc_peer_set KEY VALUE: set one line of fake-pppd's peer file.
dc_peer_set() {
	sed -i "/^$1=/d" "$T/peers/isp"
	echo "$1=$2" >>"$T/peers/isp"
}

# dc_start: the daemon inside the school namespace, its log in T/dialctl.log.
dc_start() {
	local i
	FAKE_PPPD_RUN=$T/run FAKE_PPPD_PEERS=$T/peers \
		ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" --verbose daemon \
		>>"$T/dialctl.log" 2>&1 &
	DC_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$T/run/dialctl.sock" ] && return 0
		kill -0 "$DC_PID" 2>/dev/null || fail "dialctl daemon exited at start"
		sleep 0.1
	done
	fail "dialctl's control socket did not appear"
}

# dc_stop: SIGTERM the daemon (it hangs up first) and wait for it; its exit
# status (non-zero also when the sanitizers found a leak) in DC_RC.
dc_stop() {
	local i
	DC_RC=
	[ -n "${DC_PID:-}" ] || return 0
	kill -TERM "$DC_PID" 2>/dev/null || true
	# dialctl gives pppd 20 s to end after its SIGTERM, then kills it.
	for ((i = 0; i < 400; i++)); do
		kill -0 "$DC_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DC_PID" 2>/dev/null || true
	DC_RC=0
	wait "$DC_PID" 2>/dev/null || DC_RC=$?
	DC_PID=
}

# dc_cmd ARGS...: the client, in the school namespace like the daemon.
dc_cmd() {
	ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" "$@"
}

# dc_sql SQL: one query on the ledger.
# (It waits up to 10 s for dialctl's write: "database is locked" otherwise, seen
# in the sanitizer build, where dialctl's transactions take longer.)
dc_sql() {
	sqlite3 -cmd '.timeout 10000' -separator ' ' "$T/ledger.db" "$1"
}

# dc_sessions: how many sessions the ledger holds.
dc_sessions() {
	dc_sql 'SELECT count(*) FROM session' 2>/dev/null || echo 0
}

# dc_wait_sessions N [SECS]: wait until the ledger holds N sessions.
dc_wait_sessions() {
	local n=$1 secs=${2:-120} i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(dc_sessions)" -ge "$n" ] && return 0
		kill -0 "$DC_PID" 2>/dev/null || fail "dialctl daemon died"
		sleep 0.2
	done
	return 1
}

# dc_wait_sql SQL REGEX [SECS]: poll the ledger until SQL's answer matches.
dc_wait_sql() {
	local i secs=${3:-10}
	for ((i = 0; i < secs * 5; i++)); do
		dc_sql "$1" 2>/dev/null | grep -Eq -- "$2" && return 0
		sleep 0.2
	done
	return 1
}

# dc_message FROM TO TAG: a message of about 5 KB (DC_BODY=random: incompressible).
dc_message() {
	printf 'From: %s\nTo: %s\nSubject: test %s\nMessage-ID: <%s.%s@test>\n\n' "$1" "$2" "$3" "$3" "$$"
	if [ "${DC_BODY:-}" = random ]; then
		head -c 3500 /dev/urandom | base64 -w 70
	else
		head -c 4700 /dev/zero | tr '\0' 'x' | fold -w 70
	fi
	echo
}

# dc_queue DIR FROM TO TAG N: N messages FROM -> TO into DIR's Postfix (TAG1..TAGN).
dc_queue() {
	local i
	for ((i = 1; i <= $5; i++)); do
		dc_message "$2" "$3" "$4$i" | pf_sendmail "$1" -f "$2" "$3"
	done
}

# dc_send_out N: N messages from the school to outside.test.
dc_send_out() {
	dc_queue "$T/school" budi@school.test ali@outside.test out "$1"
}

# dc_hold_in N: N messages from outside for the school, held at the ISP.
dc_hold_in() {
	dc_queue "$T/isp" ali@outside.test siti@school.test in "$1"
}

# dc_count DIR: messages delivered into DIR/mail.
# (Shell only: in the VM of tests/ppp every program started costs 30-40 times more.)
dc_count() {
	local n=0 f
	for f in "$1"/mail/*/new/*; do
		[ -f "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

# dc_unique DIR: distinct Message-IDs delivered into DIR/mail.
dc_unique() {
	find "$1/mail" -path '*/new/*' -type f -exec grep -h -m1 '^Message-ID:' {} + 2>/dev/null |
		sort -u | wc -l
}

# dc_wait_count DIR N [SECS]: wait until DIR/mail holds N messages.
dc_wait_count() {
	local i secs=${3:-60}
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(dc_count "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# dc_wait_queued DIR N TEXT WHAT: wait (30 s) until N of DIR's queued
# messages have TEXT in their postqueue -j line; else fail naming WHAT.
dc_wait_queued() {
	local i n=0
	for ((i = 0; i < 150; i++)); do
		n=$(postqueue -c "$1/etc" -j | grep -cF -- "$3" || true)
		[ "$n" -ge "$2" ] && return 0
		sleep 0.2
	done
	fail "expected $2 $4 messages in $1, found $n"
}

# dc_wait_held DIR N: wait until N messages sit deferred by defer_transports.
dc_wait_held() {
	dc_wait_queued "$1" "$2" '"deferred transport"' held
}
