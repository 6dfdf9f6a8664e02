# NAME
#	common.sh - what the dialctl end-to-end tests share
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
#
#	dc_setup NAME			namespaces, ISP and school Postfix, surel.ini
#	dc_setup_bare NAME		namespaces and surel.ini only (no Postfix)
#	dc_ini_set SECTION KEY VALUE	change a key of T/surel.ini before dc_start
#	dc_peer_set KEY VALUE		change a key of fake-pppd's peer file
#	dc_start			run dialctl daemon in the school namespace
#	dc_stop				SIGTERM it and wait
#	dc_cmd ARGS...			the dialctl client (same config)
#	dc_wait_sessions N [SECS]	wait until the ledger has N sessions
#	dc_send_out N / dc_hold_in N	queue N messages of 5 KB: school -> outside
#					(held by defer_transports) / outside ->
#					school (held at the ISP until ETRN)
#	dc_count DIR			messages delivered into DIR/mail
#	dc_cleanup			stop everything, delete namespaces (EXIT trap)
#	fail MSG / check MSG
# DESCRIPTION
#	Two namespaces with no link between them: $DC_SNS (school: the
#	school's Postfix and dialctl) and $DC_INS (ISP: the school's smarthost
#	and its MX, holding school.test until ETRN).  The only link is the one
#	fake-pppd raises when dialctl dials: a 56 kbit/s shaped veth pair,
#	school 192.0.2.10 (ppp0), ISP 192.0.2.1.  Both Postfixes run two
#	deliveries per destination with timeouts sized for the slow link.
#	Requires SUREL_BIN_DIR and SUREL_SRC_DIR.

. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"

DIALCTL=$SUREL_BIN_DIR/dialctl/dialctl
DC_HOOK=$SUREL_BIN_DIR/dialctl/dialctl-hook
DC_FAKE=$SUREL_SRC_DIR/tests/dialctl/fake-pppd

# fail MSG: say what was expected and what happened, show dialctl's log, stop.
fail() {
	echo "FAIL: $*" >&2
	if [ -n "${T:-}" ] && [ -f "$T/dialctl.log" ]; then
		echo "--- last lines of dialctl's log:" >&2
		tail -n 40 "$T/dialctl.log" >&2
	fi
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# dc_write_ini: surel.ini for dialctl in the school namespace, fake-pppd's peer.
dc_write_ini() {
	mkdir -p "$T/peers" "$T/run"
	cat >"$T/surel.ini" <<EOF
[school]
domain = school.test
[roster]
db = $T/roster.db
credentials = $T/credentials.db
[dial]
pppd = $DC_FAKE
peer = isp
hook = $DC_HOOK
attempts = 3
dial_timeout = 20s
redial_delay = 1s
retry_delay = 10m
grace = 3s
max_session = 4m
postqueue = /usr/sbin/postqueue
postfix_config = $T/school/etc
maillog = $T/school/maillog
socket = $T/run/dialctl.sock
lock = $T/run/dialctl.lock
ledger = $T/ledger.db
[tariff]
per_minute = 165
billing_unit = 60s
per_call = 250
[etrn]
host = 192.0.2.1
domains = school.test
EOF
	cat >"$T/peers/isp" <<EOF
isp_ns=$DC_INS
ifname=ppp0
local=192.0.2.10
remote=192.0.2.1
rate=56kbit
dial_delay=1
EOF
}

# dc_ini_set SECTION KEY VALUE: set one key (added to its section if absent).
dc_ini_set() {
	python3 - "$T/surel.ini" "$1" "$2" "$3" <<'PY'
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

# dc_peer_set KEY VALUE: set one line of fake-pppd's peer file.
dc_peer_set() {
	sed -i "/^$1=/d" "$T/peers/isp"
	echo "$1=$2" >>"$T/peers/isp"
}

# dc_postfix_common DIR: what both sides need on a 56 kbit/s link.
dc_postfix_common() {
	pf_conf "$1" "smtp_destination_concurrency_limit=2" "smtp_connect_timeout=10s" \
		"smtp_helo_timeout=30s" "smtp_mail_timeout=30s" "smtp_rcpt_timeout=30s" \
		"smtp_data_init_timeout=30s" "smtp_data_xfer_timeout=30s" "smtp_data_done_timeout=30s" \
		"smtpd_timeout=60s" "queue_run_delay=300s" "minimal_backoff_time=300s" \
		"maximal_backoff_time=600s"
}

# dc_setup_bare NAME: temporary directory, namespaces, surel.ini.
dc_setup_bare() {
	T=$(mktemp -d)
	chmod 0755 "$T"
	DC_SNS=dc-$1-s-$$
	DC_INS=dc-$1-i-$$
	ns_create "$DC_SNS" "$DC_INS"
	dc_write_ini
}

# dc_setup NAME: dc_setup_bare plus the ISP's and the school's Postfix.
dc_setup() {
	local name=$1
	dc_setup_bare "$name"
	pf_init "$T/isp" "isp-$name-$$" all
	dc_postfix_common "$T/isp"
	mkdir -p "$T/isp/mail"
	chown nobody:nogroup "$T/isp/mail"
	pf_conf "$T/isp" "mynetworks=127.0.0.0/8 192.0.2.0/24" \
		"relay_domains=school.test" "fast_flush_domains=\$relay_domains" \
		"transport_maps=inline:{school.test=smtp:[192.0.2.10]}" \
		"defer_transports=smtp" "smtpd_etrn_restrictions=permit_mynetworks,reject" \
		"virtual_mailbox_domains=outside.test" "virtual_mailbox_base=$T/isp/mail" \
		"virtual_mailbox_maps=static:inbox/" "virtual_uid_maps=static:$(id -u nobody)" \
		"virtual_gid_maps=static:$(id -g nobody)"
	pf_init "$T/school" "school-$name-$$" all
	dc_postfix_common "$T/school"
	mkdir -p "$T/school/mail"
	chown nobody:nogroup "$T/school/mail"
	pf_conf "$T/school" "relayhost=[192.0.2.1]:25" "defer_transports=smtp" \
		"virtual_mailbox_domains=school.test" "virtual_mailbox_base=$T/school/mail" \
		"virtual_mailbox_maps=static:inbox/" "virtual_uid_maps=static:$(id -u nobody)" \
		"virtual_gid_maps=static:$(id -g nobody)"
	pf_start "$T/isp" "$DC_INS" || fail "the ISP's Postfix did not start"
	pf_start "$T/school" "$DC_SNS" || fail "the school's Postfix did not start"
}

# dc_roster STUDENTS TEACHERS: a roster with that many active people.
dc_roster() {
	local roster=$SUREL_BIN_DIR/roster/surel-roster i
	"$roster" --config "$T/surel.ini" init >/dev/null || fail "surel-roster init failed"
	for ((i = 1; i <= $1; i++)); do
		"$roster" --config "$T/surel.ini" add --name "Siswa $i" --role student --class 7A \
			>/dev/null 2>&1 || fail "surel-roster add failed"
	done
	for ((i = 1; i <= $2; i++)); do
		"$roster" --config "$T/surel.ini" add --name "Guru $i" --role teacher >/dev/null 2>&1 ||
			fail "surel-roster add failed"
	done
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
	for ((i = 0; i < 200; i++)); do
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
dc_sql() {
	sqlite3 -separator ' ' "$T/ledger.db" "$1"
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

# dc_message FROM TO TAG: a message of about 5 KB.
dc_message() {
	printf 'From: %s\nTo: %s\nSubject: test %s\nMessage-ID: <%s.%s@test>\n\n' "$1" "$2" "$3" "$3" "$$"
	head -c 4700 /dev/zero | tr '\0' 'x' | fold -w 70
	echo
}

# dc_send_out N: N messages from the school to outside.test.
dc_send_out() {
	local i
	for ((i = 1; i <= $1; i++)); do
		dc_message budi@school.test ali@outside.test "out$i" |
			pf_sendmail "$T/school" -f budi@school.test ali@outside.test
	done
}

# dc_hold_in N: N messages from outside for the school, held at the ISP.
dc_hold_in() {
	local i
	for ((i = 1; i <= $1; i++)); do
		dc_message ali@outside.test siti@school.test "in$i" |
			pf_sendmail "$T/isp" -f ali@outside.test siti@school.test
	done
}

# dc_count DIR: messages delivered into DIR/mail.
dc_count() {
	find "$1/mail" -path '*/new/*' -type f 2>/dev/null | wc -l
}

# dc_unique DIR: distinct Message-IDs delivered into DIR/mail.
dc_unique() {
	find "$1/mail" -path '*/new/*' -type f -exec grep -h -m1 '^Message-ID:' {} + 2>/dev/null |
		sort -u | wc -l
}

# dc_wait_held DIR N: wait until N messages sit deferred by defer_transports.
dc_wait_held() {
	local i n=0
	for ((i = 0; i < 150; i++)); do
		n=$(postqueue -c "$1/etc" -j | grep -c '"deferred transport"' || true)
		[ "$n" -ge "$2" ] && return 0
		sleep 0.2
	done
	fail "expected $2 held messages in $1, found $n"
}

# dc_cleanup: stop everything this test started.
dc_cleanup() {
	local pidf
	dc_stop
	for pidf in "$T"/run/ppp-*.pid; do
		[ -f "$pidf" ] && kill -TERM "$(head -n 1 "$pidf")" 2>/dev/null
	done
	[ -d "$T/school" ] && pf_stop "$T/school"
	[ -d "$T/isp" ] && pf_stop "$T/isp"
	ns_delete "$DC_SNS" "$DC_INS"
	if [ -n "${DC_KEEP:-}" ]; then      # debugging: keep the logs
		mkdir -p "$DC_KEEP"
		cp "$T/dialctl.log" "$DC_KEEP/" 2>/dev/null || true
		cp "$T/school/maillog" "$DC_KEEP/school.maillog" 2>/dev/null || true
		cp "$T/isp/maillog" "$DC_KEEP/isp.maillog" 2>/dev/null || true
	fi
	rm -rf "$T"
}
