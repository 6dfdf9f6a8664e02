# NAME
#	common.sh - what the dialctl end-to-end tests share
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
#
#	dc_setup NAME			namespaces, ISP and school Postfix, surel.ini
#	dc_setup_bare NAME		namespaces and surel.ini only (no Postfix)
#	dc_ini_set SECTION KEY VALUE	change a key of T/surel.ini before dc_start
#	dc_roster STUDENTS TEACHERS	a roster with that many people
#	dc_cleanup			stop everything, delete namespaces (EXIT trap)
#	dc_link_cut			the link drops mid-session (the modem hung up)
#	dc_link_pidfile			where pppd's pid file for "linkname surel" is
#	fail MSG / check MSG
# DESCRIPTION
#	Two namespaces with no link between them: $DC_SNS (school: the
#	school's Postfix and dialctl) and $DC_INS (ISP: the school's smarthost
#	and its MX, holding school.test until ETRN).  The only link is the one
#	fake-pppd raises when dialctl dials: a 56 kbit/s shaped veth pair,
#	school 192.0.2.10 (ppp0), ISP 192.0.2.1.  Both Postfixes run two
#	deliveries per destination with timeouts sized for the slow link.
#	The daemon, the ledger and the mail: tests/lib/dialctl.sh (dc_start,
#	dc_cmd, dc_send_out, ...).  Requires SUREL_BIN_DIR and SUREL_SRC_DIR.
#
#	With SUREL_LINK=ppp (inside tests/vm/run, see tests/ppp/in-vm) the
#	link is the real one instead: /usr/sbin/pppd with surel-setup's peer
#	file and chat script, and a modem that answers AT
#	(tests/ppp/link.sh redefines the link's functions below).

. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/lib/dialctl.sh"

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

# The link's settings in surel.ini: the stand-in's (tests/ppp/link.sh sets the real one's).
DC_PPPD=$DC_FAKE DC_PEER=isp DC_DIAL_TIMEOUT=20s DC_GRACE=3s DC_MAX_SESSION=4m

# dc_write_ini: surel.ini for dialctl in the school namespace, and the link's peer.
dc_write_ini() {
	mkdir -p "$T/run"
	cat >"$T/surel.ini" <<EOF
[school]
domain = school.test
[roster]
db = $T/roster.db
credentials = $T/credentials.db
[dial]
pppd = $DC_PPPD
peer = $DC_PEER
hook = $DC_HOOK
attempts = 3
dial_timeout = $DC_DIAL_TIMEOUT
redial_delay = 1s
retry_delay = 10m
grace = $DC_GRACE
max_session = $DC_MAX_SESSION
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
	dc_write_peer
}

# dc_write_peer: fake-pppd's peer file.
dc_write_peer() {
	mkdir -p "$T/peers"
	cat >"$T/peers/isp" <<EOF
isp_ns=$DC_INS
ifname=ppp0
local=192.0.2.10
remote=192.0.2.1
rate=56kbit
dial_delay=1
EOF
}

# dc_link_setup / dc_link_cleanup: nothing to start or stop for the stand-in.
dc_link_setup() { :; }
dc_link_cleanup() { :; }

# dc_link_pidfile: the stand-in's pid file for "linkname surel".
dc_link_pidfile() {
	echo "$T/run/ppp-surel.pid"
}

# dc_link_cut: the stand-in plays "the modem hung up" (exit 16).
dc_link_cut() {
	kill -USR2 "$(head -n 1 "$(dc_link_pidfile)")"
}

# dc_ini_set SECTION KEY VALUE: set one key (added to its section if absent),
# quoted as surel-setup's ini_quote does when iniparser would not read it as is.
dc_ini_set() {
	python3 - "$T/surel.ini" "$1" "$2" "$3" <<'PY'
import re, sys
path, sec, key, val = sys.argv[1:]
if re.search(r"[;#\"'\\]|^\s|\s$", val):
    q = "'" if '"' in val else '"'
    assert q not in val, "a value with both kinds of quote cannot be written"
    val = q + val + q
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

# dc_setup_bare NAME: temporary directory, namespaces, surel.ini.
dc_setup_bare() {
	T=$(mktemp -d)
	chmod 0755 "$T"
	DC_SNS=dc-$1-s-$$
	DC_INS=dc-$1-i-$$
	ns_create "$DC_SNS" "$DC_INS"
	dc_write_ini
	dc_link_setup
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

# dc_cleanup: stop everything this test started.
dc_cleanup() {
	local pidf
	dc_stop
	for pidf in "$T"/run/ppp-*.pid; do
		[ -f "$pidf" ] && kill -TERM "$(head -n 1 "$pidf")" 2>/dev/null
	done
	dc_link_cleanup
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

if [ "${SUREL_LINK:-}" = ppp ]; then
	. "$SUREL_SRC_DIR/tests/ppp/link.sh"
fi
