#!/bin/bash
# NAME
#	hostile-clients.sh - surel-mxd keeps answering under idle, slow and malformed clients
# DESCRIPTION
#	surel-mxd alone (no Postfix: its policy socket is a unix socket), with
#	a route table holding school1 / school.test, and python3 clients.
#
#	1. Under a soft descriptor limit of 256 (client cap 224), 300 clients
#	   connect and stay silent: the shortage is logged once, surel-mxd
#	   does not spin (utime+stime from /proc/PID/stat grows by less than
#	   one second in 10 s: a spin detector, not a speed test), and a new
#	   ETRN is answered at once, because the connection silent longest is
#	   closed to make room.  When the silent clients leave, the recovery
#	   is logged once.  Then, with 100 clients, the soft limit is lowered
#	   under the running process (prlimit) below the descriptors it holds,
#	   so accept4() fails with EMFILE below the cap: logged once, the cap
#	   follows the limit, no spin, requests answered at once.
#	2. ETRNs from a loopback, unspecified or IPv4-mapped client address are
#	   refused, the log says why, and the route stays as it was.
#	3. A NUL byte in a name or a value, and a request longer than the
#	   buffer, close the connection with a log line; a value longer than
#	   its field is refused as malformed.
#	4. A connection silent for [mxd] idle_timeout is closed.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
MXD_BIN=$SUREL_BIN_DIR/mxd/surel-mxd
CLIENT="python3 $SUREL_SRC_DIR/tests/mxd/policy-client.py"

T=$(mktemp -d "/tmp/surel-mxd-hostile.$$.XXXXXX")
chmod 0755 "$T"
SOCK=$T/mxd.sock
MXD_PID=
HOLD_PID=

# fail MSG: say what was expected and what happened, and stop.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# stop_pid PID: end a process this test started, and reap it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# cleanup: stop what runs, show the log on failure, remove the directory.
cleanup() {
	local rc=$?
	stop_pid "$HOLD_PID"
	stop_pid "$MXD_PID"
	if [ $rc -ne 0 ]; then
		echo "--- surel-mxd log" >&2
		tail -n 40 "$T/mxd.log" "$T/mxd.stderr" >&2 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# start_mxd IDLE_TIMEOUT [NOFILE]: surel-mxd in the background, optionally
# under a lower soft descriptor limit; waits for its socket.
start_mxd() {
	local i
	cat >"$T/surel.ini" <<INI
[mxd]
db = $T/routes/routes.db
socket = $SOCK
user = nobody
socket_group = $(id -gn)
route_ttl = 6h
flush_again = 0
idle_timeout = $1
log_file = $T/mxd.log
INI
	(
		[ -z "${2:-}" ] || ulimit -Sn "$2"
		exec "$MXD_BIN" -c "$T/surel.ini" serve 2>>"$T/mxd.stderr"
	) &
	MXD_PID=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$MXD_PID" 2>/dev/null || fail "surel-mxd exited: $(cat "$T/mxd.stderr" "$T/mxd.log" 2>/dev/null)"
		sleep 0.1
	done
	fail "surel-mxd socket $SOCK did not appear"
}

# stop_mxd: SIGTERM, then surel-mxd must exit 0 with nothing on stderr
# (a sanitizer build reports leaks and errors there).
stop_mxd() {
	local rc=0
	kill -TERM "$MXD_PID"
	wait "$MXD_PID" || rc=$?
	MXD_PID=
	[ "$rc" = 0 ] || fail "surel-mxd exited with $rc: $(tail -20 "$T/mxd.stderr")"
	[ ! -s "$T/mxd.stderr" ] || fail "surel-mxd wrote to stderr: $(head -40 "$T/mxd.stderr")"
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# route: the transport Postfix would use for school.test now.
route() {
	"$MXD_BIN" -c "$T/surel.ini" route school.test
}

# log_count RE: lines of the surel-mxd log matching RE.
log_count() {
	grep -Ec -- "$1" "$T/mxd.log" || true
}

mkdir -p "$T/routes"
chmod 0755 "$T/routes"
"$MXD_BIN" --db "$T/routes/routes.db" init --owner nobody >/dev/null
"$MXD_BIN" --db "$T/routes/routes.db" add-school school1 school.test >/dev/null

# --- 1. descriptor exhaustion
start_mxd 300s 256
check "under a soft limit of 256 descriptors the client cap is 224"
grep -q "up to 224 policy connections" "$T/mxd.log" ||
	fail "expected 'up to 224 policy connections' in the start-up line: $(head -3 "$T/mxd.log")"
check "300 silent clients: the shortage is logged once"
$CLIENT hold "$SOCK" 300 "$T/held" &
HOLD_PID=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$T/held" ] && break
	sleep 0.1
done
[ "$(cat "$T/held" 2>/dev/null)" = 300 ] || fail "expected 300 clients connected, got '$(cat "$T/held" 2>/dev/null)'"
sleep 1
[ "$(log_count 'policy connection cap reached|out of file descriptors')" = 1 ] ||
	fail "expected the shortage logged once, got: $(grep -E 'cap reached|descriptors' "$T/mxd.log")"
check "no spin: surel-mxd uses less than one second of CPU in 10 s"
before=$(cpu_ticks "$MXD_PID")
sleep 10
used=$(($(cpu_ticks "$MXD_PID") - before))
[ "$used" -lt "$(getconf CLK_TCK)" ] || fail "surel-mxd used $used ticks (of $(getconf CLK_TCK)/s) in 10 s: it spins"
check "a new ETRN is answered at once"
res=$($CLIENT ask "$SOCK" 192.0.2.10 school1 school.test)
[ "$res" = "action=OK" ] || fail "expected action=OK, got '$res'"
[ "$(route)" = "school.test surel:[192.0.2.10]" ] || fail "expected route surel:[192.0.2.10], got '$(route)'"
[ "$(log_count 'policy connection cap reached|out of file descriptors')" = 1 ] ||
	fail "expected the shortage still logged once, got: $(grep -E 'cap reached|descriptors' "$T/mxd.log")"
check "when the silent clients leave, the recovery is logged once"
stop_pid "$HOLD_PID"
HOLD_PID=
sleep 1
res=$($CLIENT ask "$SOCK" 192.0.2.10 school1 school.test)
[ "$res" = "action=OK" ] || fail "expected action=OK after the clients left, got '$res'"
[ "$(log_count 'accepted again without closing others')" = 1 ] ||
	fail "expected the recovery logged once: $(tail -5 "$T/mxd.log")"

check "descriptors run out below the cap (soft limit lowered under 100 clients): logged once, no spin, answered"
rm -f "$T/held"
$CLIENT hold "$SOCK" 100 "$T/held" &
HOLD_PID=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$T/held" ] && break
	sleep 0.1
done
[ "$(cat "$T/held" 2>/dev/null)" = 100 ] || fail "expected 100 clients connected, got '$(cat "$T/held" 2>/dev/null)'"
sleep 0.5
# Two descriptors fewer than it holds, yet more than the 101 it polls (poll(2)
# refuses more than the limit).  surel-mxd runs as nobody: prlimit(2) lets the
# same user lower it without CAP_SYS_RESOURCE.
limit=$(($(ls "/proc/$MXD_PID/fd" | wc -l) - 2))
[ "$limit" -gt 101 ] || fail "expected surel-mxd to hold more than 103 descriptors, it holds $((limit + 2))"
setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups prlimit --pid "$MXD_PID" --nofile="$limit": || fail "prlimit could not lower surel-mxd's descriptor limit"
res=$($CLIENT ask "$SOCK" 192.0.2.11 school1 school.test)
[ "$res" = "action=OK" ] || fail "expected action=OK when out of descriptors, got '$res'"
res=$($CLIENT ask "$SOCK" 192.0.2.10 school1 school.test)
[ "$res" = "action=OK" ] || fail "expected action=OK for a second request, got '$res'"
[ "$(log_count 'out of file descriptors')" = 1 ] ||
	fail "expected 'out of file descriptors' logged once, got: $(grep -E 'descriptors' "$T/mxd.log")"
grep -q "descriptor limit lowered to $limit while running: at most $((limit - 32)) policy connections now" "$T/mxd.log" ||
	fail "expected the lowered limit and the new cap logged: $(grep -E 'descriptor' "$T/mxd.log")"
before=$(cpu_ticks "$MXD_PID")
sleep 5
used=$(($(cpu_ticks "$MXD_PID") - before))
[ "$used" -lt "$(getconf CLK_TCK)" ] || fail "surel-mxd used $used ticks in 5 s out of descriptors: it spins"
stop_pid "$HOLD_PID"
HOLD_PID=
sleep 1
$CLIENT ask "$SOCK" 192.0.2.10 school1 school.test >/dev/null
[ "$(log_count 'accepted again without closing others')" = 2 ] ||
	fail "expected the second recovery logged: $(tail -5 "$T/mxd.log")"

# --- 2. addresses that cannot be a route
check "ETRNs from loopback, unspecified and IPv4-mapped addresses are refused and change no route"
for addr in 127.0.0.1 127.1.2.3 ::1 0.0.0.0 :: ::ffff:198.51.100.7 169.254.1.1 224.0.0.1 255.255.255.255 fe80::1; do
	res=$($CLIENT ask "$SOCK" "$addr" school1 school.test)
	[[ $res == "action=REJECT "* ]] || fail "expected REJECT for client address $addr, got '$res'"
	grep -q "from $addr login school1: refused: client address cannot be a route (" "$T/mxd.log" ||
		fail "expected a log line saying why $addr was refused: $(tail -2 "$T/mxd.log")"
done
grep -q "from 127.1.2.3 login school1: refused: .*(loopback" "$T/mxd.log" || fail "expected 'loopback' as the reason for 127.1.2.3"
grep -q "from ::ffff:198.51.100.7 login school1: refused: .*(IPv4-mapped" "$T/mxd.log" ||
	fail "expected 'IPv4-mapped' as the reason for ::ffff:198.51.100.7"
[ "$(route)" = "school.test surel:[192.0.2.10]" ] || fail "a refused address changed the route: '$(route)'"
res=$($CLIENT ask "$SOCK" 2001:db8::10 school1 school.test)
[ "$res" = "action=OK" ] || fail "expected action=OK from 2001:db8::10, got '$res'"

# --- 3. NUL bytes and oversized requests
check "a NUL byte in a value closes the connection with a log line"
res=$(printf 'request=smtpd_access_policy\nprotocol_state=ETRN\nclient_address=192.0.2.99\nsasl_username=school1\netrn_domain=school.test\0.evil\n\n' |
	$CLIENT raw "$SOCK")
[ "$res" = closed ] || fail "expected the connection closed, got '$res'"
grep -q "NUL byte in the value of 'etrn_domain'" "$T/mxd.log" || fail "expected a log line naming the NUL in etrn_domain: $(tail -2 "$T/mxd.log")"
check "a NUL byte in a name closes the connection with a log line"
res=$(printf 'request=smtpd_access_policy\nprotocol_state=ETRN\nclient_address=192.0.2.99\nsasl_username=school1\netrn_domain\0x=school.test\n\n' |
	$CLIENT raw "$SOCK")
[ "$res" = closed ] || fail "expected the connection closed, got '$res'"
grep -q "NUL byte in an attribute name" "$T/mxd.log" || fail "expected a log line about the NUL in a name: $(tail -2 "$T/mxd.log")"
[ "$(route)" = "school.test surel:[2001:db8::10]" ] || fail "a request with NUL changed the route: '$(route)'"
check "a request of 9000 bytes without its empty line closes the connection with a log line"
res=$( { printf 'request=smtpd_access_policy\nclient_name='; head -c 9000 /dev/zero | tr '\0' a; } | $CLIENT raw "$SOCK")
[ "$res" = closed ] || fail "expected the connection closed, got '$res'"
grep -q "policy request longer than 8192 bytes" "$T/mxd.log" || fail "expected a log line about the long request"
check "a value longer than its field is refused as malformed"
res=$($CLIENT ask "$SOCK" 192.0.2.10 school1 "$(head -c 300 /dev/zero | tr '\0' a).test")
[ "$res" = "action=REJECT malformed ETRN request" ] || fail "expected REJECT malformed, got '$res'"
stop_mxd

# --- 4. idle timeout
start_mxd 2s
check "a connection silent for idle_timeout (2s) is closed"
res=$($CLIENT idle "$SOCK" 2)
[ "$res" = closed ] || fail "expected the silent connection closed, got '$res'"
grep -q "closed 1 policy connection silent for 2s" "$T/mxd.log" || fail "expected the idle close logged: $(tail -3 "$T/mxd.log")"
stop_mxd
echo "PASS: hostile-clients"
