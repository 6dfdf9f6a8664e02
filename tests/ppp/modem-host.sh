#!/bin/bash
# NAME
#	modem-host.sh - surel-test-modem on this machine, dialled by the real
#	chat with the chat scripts surel ships
# DESCRIPTION
#	No kernel PPP here, but ptys and /usr/sbin/chat: chat runs as pppd's
#	connect does (chat -v -f SCRIPT -T ARG, its stdin and stdout the
#	line) with etc/ppp/chatscripts/surel-modem (number 0211234567) and
#	surel-mobile (APN internet), and the emulator's log must show the
#	command lines chat sent.  Then:
#
#	- outcomes from --plan: BUSY, NO CARRIER, NO DIALTONE and ERROR make
#	  chat exit 4 + the index of the ABORT string that matched (chat(8),
#	  counted from the script), SILENT makes it time out (exit 3: a copy
#	  of surel-modem whose 60 s TIMEOUT around ATDT is 3 s), and the
#	  line stays the same pty through all of them;
#	- a wrong number gives NO ANSWER, a wrong APN NO CARRIER;
#	- in data mode the line carries 64 KiB of every byte value both ways
#	  unchanged (COMMAND is cat), and --rate keeps a transfer no faster
#	  than its rate (a loaded machine only makes it slower);
#	- the three hang-ups: COMMAND exits, SIGUSR1 (the line drops), the
#	  caller closes (COMMAND stopped, also one that ignores SIGTERM): the
#	  caller reads NO CARRIER, then EOF or EIO, and LINK points at a new pty;
#	- "+++" (after the guard second) holds the call, ATO resumes it, ATH
#	  ends it;
#	- a megabyte of garbage in command mode does not kill or wedge it;
#	- a bad option exits 64 naming it; SIGTERM mid-call exits 0, stops
#	  COMMAND and removes LINK and the pid file.
#
#	Every wait is for an event, with a generous deadline.
set -euo pipefail
MODEM=$SUREL_BIN_DIR/tests/ppp/surel-test-modem
SCRIPTS=$SUREL_SRC_DIR/etc/ppp/chatscripts
CHAT=/usr/sbin/chat
T=$(mktemp -d "/tmp/surel-modem-host.$$.XXXXXX")
BG=()            # background pids to end on exit

# fail MSG: say what was expected and what happened, show the logs, stop.
fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "$T"/*.log "$T"/*.err "$T"/*.chat; do
		[ -s "$f" ] || continue
		echo "--- last lines of $f:" >&2
		tail -n 20 "$f" | cut -c1-200 >&2
	done
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# cleanup: end every process this test started, remove the files.
cleanup() {
	local p
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

[ -x "$MODEM" ] || fail "$MODEM not built"
[ -x "$CHAT" ] || fail "$CHAT not installed (the ppp package)"

# wait_for SECONDS WHAT CMD...: poll CMD until it succeeds, or fail.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}

# logged NAME LINE: LINE is in NAME's event log.
logged() {
	grep -qxF -- "$2" "$T/$1.log"
}

# seen NAME LINE: how many times LINE is in NAME's event log.
seen() {
	grep -cxF -- "$2" "$T/$1.log" || true
}

# seen_more NAME LINE N: LINE is in NAME's log more than N times.
seen_more() {
	[ "$(seen "$1" "$2")" -gt "$3" ]
}

# gone PID: no such process.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# modem_start NAME [OPTION...]: an emulator with line T/NAME.tty, log
# T/NAME.log, pid T/NAME.pid; its COMMAND is cat, its pid in T/NAME.cmd
# (CMD="..." before the call: another shell command, which must write
# its pid to "$0" and exec cat).
modem_start() {
	local name=$1
	shift
	"$MODEM" --dial-delay 0.2 --log "$T/$name.log" --pid-file "$T/$name.pid" "$@" \
		"$T/$name.tty" -- sh -c "${CMD:-echo \$\$ >\"\$0\"; exec cat}" "$T/$name.cmd" \
		2>>"$T/$name.err" &
	BG+=($!)
	wait_for 30 "the emulator $name writes its pid file" test -s "$T/$name.pid"
}

# modem_stop NAME: SIGTERM; it must exit 0 and remove LINK and its pid file.
modem_stop() {
	local pid rc=0
	pid=$(cat "$T/$1.pid")
	kill "$pid"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "the emulator $1 exited $rc after SIGTERM, expected 0"
	[ ! -e "$T/$1.tty" ] && [ ! -L "$T/$1.tty" ] || fail "LINK $T/$1.tty left behind"
	[ ! -e "$T/$1.pid" ] || fail "pid file $T/$1.pid left behind"
}

# dial NAME SCRIPT ARG: chat on the line as pppd's connect runs it; its status.
dial() {
	local rc=0
	"$CHAT" -s -v -f "$2" -T "$3" <>"$T/$1.tty" >&0 2>>"$T/$1.chat" || rc=$?
	return "$rc"
}

# abort_code SCRIPT STRING: chat's exit status when STRING, an ABORT of
# SCRIPT, matched: 4 for the first ABORT string, 5 for the second...
abort_code() {
	local i=4 s
	while IFS= read -r s; do
		[ "$s" = "$2" ] && { echo "$i"; return 0; }
		i=$((i + 1))
	done < <(awk '$1 == "ABORT" { sub(/^ABORT[ \t]+/, ""); gsub(/"/, ""); print }' "$1")
	fail "no ABORT '$2' in $1"
}

# expect_dial NAME SCRIPT ARG STATUS WHY: chat must exit STATUS.
expect_dial() {
	local rc=0
	dial "$1" "$2" "$3" || rc=$?
	[ "$rc" = "$4" ] || fail "$5: chat exited $rc, expected $4"
}

# target NAME: the pty LINK points at now.
target() {
	readlink "$T/$1.tty"
}

check "a bad option exits 64 and names the option"
rc=0
"$MODEM" --no-such-option "$T/x.tty" -- cat 2>"$T/usage.out" || rc=$?
[ "$rc" = 64 ] || fail "--no-such-option: exit $rc, expected 64"
grep -q -- "--no-such-option" "$T/usage.out" || fail "the message does not name the option: $(cat "$T/usage.out")"
rc=0
"$MODEM" "$T/x.tty" cat 2>"$T/usage.out" || rc=$?
[ "$rc" = 64 ] || fail "no '--' before COMMAND: exit $rc, expected 64"
rc=0
"$MODEM" --rate fast "$T/x.tty" -- cat 2>"$T/usage.out" || rc=$?
[ "$rc" = 64 ] && grep -q -- "--rate" "$T/usage.out" || fail "--rate fast: exit $rc, $(cat "$T/usage.out")"
[ ! -e "$T/x.tty" ] || fail "a usage error left LINK behind"

check "surel-modem dials the configured number and connects; the caller closing hangs up"
modem_start phone --number 021-123-4567 --speed 33600
first=$(target phone)
[ -c "$first" ] || fail "LINK points at $first, not a character device"
expect_dial phone "$SCRIPTS/surel-modem" 0211234567 0 "surel-modem with the right number"
for l in "< ATZ" "< ATE1V1" "< ATDT0211234567" "> CONNECT 33600" connect; do
	logged phone "$l" || fail "the log lacks '$l'"
done
wait_for 30 "hang-up after chat closed the line" logged phone "hangup caller-closed"
wait_for 30 "COMMAND stopped after the caller closed" gone "$(cat "$T/phone.cmd")"
[ "$(target phone)" != "$first" ] || fail "LINK still points at $first after the hang-up"

check "a wrong number gives NO ANSWER: chat aborts"
expect_dial phone "$SCRIPTS/surel-modem" 0219999999 "$(abort_code "$SCRIPTS/surel-modem" "NO ANSWER")" "wrong number"
logged phone "> NO ANSWER" || fail "no NO ANSWER in the log"
modem_stop phone

check "--plan: BUSY, NO CARRIER, NO DIALTONE, ERROR abort chat with the code of their ABORT"
printf 'BUSY\nNO CARRIER\nNO DIALTONE\nERROR\nSILENT\n' >"$T/plan"
modem_start plan --plan "$T/plan"
line=$(target plan)
for o in BUSY "NO CARRIER" "NO DIALTONE" ERROR; do
	expect_dial plan "$SCRIPTS/surel-modem" 0211234567 "$(abort_code "$SCRIPTS/surel-modem" "$o")" "outcome $o"
	logged plan "> $o" || fail "no '> $o' in the log"
	[ "$(target plan)" = "$line" ] || fail "LINK moved to another pty after $o"
done
[ "$(cat "$T/plan")" = SILENT ] || fail "the plan should have one line left: $(cat "$T/plan")"

check "SILENT: chat times out (exit 3); a copy of surel-modem with TIMEOUT 3 instead of 60 around ATDT"
sed 's/^TIMEOUT\([[:space:]]*\)60$/TIMEOUT\13/' "$SCRIPTS/surel-modem" >"$T/surel-modem-short"
! cmp -s "$SCRIPTS/surel-modem" "$T/surel-modem-short" || fail "surel-modem has no 'TIMEOUT 60' line to shorten"
expect_dial plan "$T/surel-modem-short" 0211234567 3 "outcome SILENT"
[ ! -s "$T/plan" ] || fail "the plan should be empty: $(cat "$T/plan")"

check "an empty plan connects, on the same pty as before the failed dials"
[ "$(target plan)" = "$line" ] || fail "LINK moved to another pty"
n=$(seen plan "hangup caller-closed")
expect_dial plan "$SCRIPTS/surel-modem" 0211234567 0 "empty plan"
wait_for 30 "hang-up after chat closed the line" seen_more plan "hangup caller-closed" "$n"
modem_stop plan

check "surel-mobile sets the APN and dials *99#; a wrong APN gives NO CARRIER"
modem_start mobile --apn internet
expect_dial mobile "$SCRIPTS/surel-mobile" internet 0 "surel-mobile with the right APN"
for l in '< AT+CGDCONT=1,"IP","internet","",0,0' '< ATD*99#' "> CONNECT 48000" connect; do
	logged mobile "$l" || fail "the log lacks '$l'"
done
wait_for 30 "hang-up after chat closed the line" logged mobile "hangup caller-closed"
expect_dial mobile "$SCRIPTS/surel-mobile" telkomsel "$(abort_code "$SCRIPTS/surel-mobile" "NO CARRIER")" "wrong APN"
logged mobile '< AT+CGDCONT=1,"IP","telkomsel","",0,0' || fail "the log lacks the wrong APN's CGDCONT"
modem_stop mobile

# call NAME: in a subshell holding fd 3 on the line: raw mode, dial with
# surel-modem, then read the rest of the CONNECT line and COMMAND's (cat's)
# echo of the CR chat sends after CONNECT.  (head -c reads no more than
# it is told; bash's read would, or would change the tty's modes.)
call() {
	stty raw -echo <&3 || return 1
	"$CHAT" -s -v -f "$SCRIPTS/surel-modem" -T 0211234567 <&3 >&3 2>>"$T/$1.chat" || return 1
	timeout 10 head -c 9 <&3 >"$T/$1.rest" || true
	printf ' 48000\r\n\r' | cmp -s - "$T/$1.rest" ||
		{ echo "after CONNECT: $(od -c "$T/$1.rest")" >&2; return 1; }
}

# hangs_up NAME ACTION: during a call run ACTION (a shell command), then
# the caller must read NO CARRIER and then EOF or EIO.
hangs_up() {
	(
		exec 3<>"$T/$1.tty"
		call "$1" || fail "no call"
		eval "$2"
		timeout 20 cat <&3 >"$T/$1.after" 2>/dev/null || true
	)
	grep -q "NO CARRIER" "$T/$1.after" || fail "the caller read no NO CARRIER: $(od -c "$T/$1.after" | head -n 5)"
}

check "data mode: 64 KiB of every byte value through cat and back unchanged"
modem_start data
head -c 65536 /dev/urandom >"$T/bytes"
for ((i = 0; i < 256; i++)); do printf "\\$(printf %o "$i")"; done >>"$T/bytes"
(
	exec 3<>"$T/data.tty"
	call data || fail "no call"
	head -c 65792 <"$T/bytes" >&3 &
	timeout 60 head -c 65792 <&3 >"$T/bytes.back" || true
	wait
)
cmp "$T/bytes" "$T/bytes.back" || fail "the bytes came back changed ($(wc -c <"$T/bytes.back") of 65792)"
wait_for 30 "hang-up after the caller closed" logged data "hangup caller-closed"

check "hang-up when COMMAND exits: NO CARRIER, EOF, a new pty"
before=$(target data)
hangs_up data 'kill "$(cat "$T/data.cmd")"'
wait_for 30 "hangup command-exited in the log" logged data "hangup command-exited"
[ "$(target data)" != "$before" ] || fail "LINK still points at $before"

check "hang-up on SIGUSR1 (the line drops): COMMAND killed, NO CARRIER, EOF, a new pty"
before=$(target data)
hangs_up data 'kill -USR1 "$(cat "$T/data.pid")"'
wait_for 30 "hangup line-dropped in the log" logged data "hangup line-dropped"
gone "$(cat "$T/data.cmd")" || fail "COMMAND still runs after the line dropped"
[ "$(target data)" != "$before" ] || fail "LINK still points at $before"

check "+++ after a second of silence: OK, the call held; ATO back to data, ATH hangs up"
before=$(target data)
(
	exec 3<>"$T/data.tty"
	call data || fail "no call"
	sleep 1.5                           # the guard time before "+++"
	printf '+++' >&3
	timeout 20 head -c 9 <&3 >"$T/data.esc" || true
	printf '+++\r\nOK\r\n' | cmp -s - "$T/data.esc" || fail "after +++: $(od -c "$T/data.esc")"
	printf 'ATO\r' >&3
	timeout 20 head -c 21 <&3 >"$T/data.esc" || true
	printf 'ATO\r\r\nCONNECT 48000\r\n' | cmp -s - "$T/data.esc" || fail "after ATO: $(od -c "$T/data.esc")"
	printf 'back' >&3
	timeout 20 head -c 4 <&3 >"$T/data.esc" || true
	[ "$(cat "$T/data.esc")" = back ] || fail "data after ATO: $(od -c "$T/data.esc")"
	sleep 1.5
	printf '+++' >&3
	timeout 20 head -c 9 <&3 >/dev/null || true
	printf 'ATH\r' >&3
	timeout 20 cat <&3 >"$T/data.esc" 2>/dev/null || true
	printf 'ATH\r\r\nOK\r\n' | cmp -s - "$T/data.esc" || fail "after ATH: $(od -c "$T/data.esc")"
)
wait_for 30 "hangup ath in the log" logged data "hangup ath"
gone "$(cat "$T/data.cmd")" || fail "COMMAND still runs after ATH"
[ "$(target data)" != "$before" ] || fail "LINK still points at $before after ATH"

check "the emulator answers on the new pty after the hang-ups"
n=$(seen data "hangup caller-closed")
expect_dial data "$SCRIPTS/surel-modem" 0211234567 0 "a call after the hang-ups"
wait_for 30 "hang-up after chat closed the line" seen_more data "hangup caller-closed" "$n"

check "a megabyte of garbage in command mode: it still answers AT with OK"
# No A, a, O, o: no AT command hides in it, no OK in its echo.
head -c 1100000 /dev/urandom | tr -d 'AaOo' >"$T/garbage"
timeout 120 cat "$T/garbage" >"$T/data.tty" || fail "writing the garbage did not finish within 120 s"
gone "$(cat "$T/data.pid")" && fail "the emulator died of the garbage"
rc=0
timeout 60 "$CHAT" -s -v -t 20 '' '' '' ATZ OK <>"$T/data.tty" >&0 2>>"$T/data.chat" || rc=$?
[ "$rc" = 0 ] || fail "ATZ after the garbage: chat exited $rc, expected 0 (OK)"
grep -q "^< .*(longer than 256 bytes)" "$T/data.log" || fail "no over-long line in the log"
modem_stop data

check "the caller closes: a COMMAND that ignores SIGTERM is killed (after 5 s)"
CMD='trap "" TERM; echo $$ >"$0"; exec cat' modem_start stubborn
expect_dial stubborn "$SCRIPTS/surel-modem" 0211234567 0 "a call"
wait_for 60 "hangup caller-closed in the log" logged stubborn "hangup caller-closed"
gone "$(cat "$T/stubborn.cmd")" || fail "COMMAND still runs after the hang-up"
modem_stop stubborn

check "--rate: 4000 bytes each way at 2000 bytes/s take at least 1.5 s"
modem_start slow --rate 2000
head -c 4000 /dev/urandom >"$T/slow.bytes"
start=$(date +%s%N)
(
	exec 3<>"$T/slow.tty"
	call slow || fail "no call"
	head -c 4000 <"$T/slow.bytes" >&3 &
	timeout 60 head -c 4000 <&3 >"$T/slow.back" || true
	wait
)
ms=$((($(date +%s%N) - start) / 1000000))
cmp -s "$T/slow.bytes" "$T/slow.back" || fail "the bytes came back changed"
echo "4000 bytes through --rate 2000 and back in $ms ms"
[ "$ms" -ge 1500 ] || fail "faster than the rate: $ms ms"
modem_stop slow

check "SIGTERM mid-call: exit 0, COMMAND stopped, LINK and pid file removed"
modem_start term
(
	exec 3<>"$T/term.tty"
	call term || exit 1
	cat <&3 >/dev/null 2>&1
) &
BG+=($!)
wait_for 30 "the call is up" logged term connect
wait_for 10 "COMMAND's pid file" test -s "$T/term.cmd"
cmd=$(cat "$T/term.cmd")
modem_stop term
wait_for 30 "COMMAND stopped" gone "$cmd"

echo "PASS"
