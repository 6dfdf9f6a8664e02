#!/bin/bash
# NAME
#	protocol.sh - surel-batch against a peer that breaks the protocol
# DESCRIPTION
#	"surel-batch exchange" with two messages in its spool talks to
#	hostile-peer instead of ssh.  Each way of misbehaving ends the
#	exchange with exit 75 (the mail waits for the next session) and a
#	message that names what was wrong; nothing is handed to Postfix and
#	the spool keeps both messages: a greeting that is not surel-batch, a
#	message over --max-message (it is skipped and answered "no", but
#	the peer then ends early), an id that is a path, an answer for a
#	message never sent, a frame cut in half, a frame that inflates to
#	256 MB without a line end (refused after its first chunk, not held in
#	memory), the same id twice (each record would cost an answer: a few
#	KB of input could fill the memory), a record that is not a stored
#	message, "done" before the answers, a peer that goes silent (--idle).
#	A frame of 800 KB of messages that arrives in one write and is
#	followed by silence: all 20 are taken (zstd kept what did not fit
#	its output chunk, and a session of real mail stalled on it).  A peer that answers
#	"ok" for one and "later" for the other: the first leaves the spool,
#	the second stays; that exchange ends an older one still running on
#	the same spool (its lock), which stops with 75.  Also: "surel-batch spool" refuses a recipient with
#	a line break (exit 65: Postfix bounces it rather than retrying for
#	days), and "surel-batch serve" runs nothing but the exchange.  A
#	receiver whose Postfix takes 0.3 s a message keeps sending its
#	heartbeats while it hands on a spool of 30 (tests/batch/slow-smtpd).
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
B=$SUREL_BIN_DIR/batch/surel-batch
PEER=$SUREL_SRC_DIR/tests/batch/hostile-peer
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "check: $*"; }

for i in 1 2; do
	printf 'From: budi@school.test\nSubject: %d\n\nhello\n' "$i" |
		"$B" spool --spool "$T/spool" --sender=budi@school.test -- "ali$i@outside.test" 2>/dev/null ||
		fail "surel-batch spool failed"
done
mapfile -t IDS < <(ls "$T/spool/new")
[ "${#IDS[@]}" = 2 ] || fail "expected 2 messages in the spool, got ${#IDS[@]}"

# broken MODE TEXT [IDLE]: the exchange against MODE fails with 75, says TEXT, keeps
# the spool.  IDLE (default 120 s) is short only where silence is the point.
broken() {
	local rc=0
	check "a peer that sends $1: refused ($2)"
	"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 --max-message 1024 --idle "${3:-120}" \
		-- /bin/bash "$PEER" "$1" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 75 ] || fail "$1: expected exit 75, got $rc: $(cat "$T/err")"
	grep -q "$2" "$T/err" || fail "$1: expected '$2' in: $(cat "$T/err")"
	grep -q "queued=0 " "$T/out" || fail "$1: something was handed on: $(cat "$T/out")"
	[ "$(ls "$T/spool/new" | wc -l)" = 2 ] || fail "$1: the spool lost messages: $(ls "$T/spool/new")"
}

broken hello "not surel-batch 1"
broken big "over the batch's size limit (1024 bytes): refused"
broken path "bad record header"
broken notours "protocol error: answer 'ok 1796658136-0123456789abcdef01234567'"
broken truncated "closed the connection before the end"
broken bomb "record header too long"
broken repeat "protocol error: bad record header 'R 1796658136-0123456789abcdef01234567 34'"
broken malformed "is not a stored message"
broken early "protocol error: 0 answers for 2 messages"
broken silent "nothing came from the other side for 2 s" 2

check "a whole frame in one write: every message is taken, none left inside the decompressor"
rc=0
"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 --idle 3 -- /bin/bash "$PEER" dense \
	>"$T/out" 2>"$T/err" || rc=$?
grep -q " received=20 queued=0 duplicates=0 rejected=0 deferred=20 " "$T/out" ||
	fail "not all 20 messages of the frame were taken (exit $rc): $(cat "$T/out")"

check "one exchange per spool: a newer one ends an older one still running"
"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 --idle 60 -- /bin/bash "$PEER" silent \
	>"$T/old.out" 2>"$T/old.err" &
old=$!
for ((i = 0; i < 100; i++)); do
	[ "$(cat "$T/spool/lock" 2>/dev/null)" = "$old" ] && break
	sleep 0.1
done
[ "$(cat "$T/spool/lock" 2>/dev/null)" = "$old" ] || fail "the first exchange did not record itself in the spool's lock"

check "answers: 'ok' removes our copy, 'later' keeps it"
"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 -- /bin/bash "$PEER" answers "${IDS[0]}" "${IDS[1]}" \
	>"$T/out" 2>"$T/err" || fail "a well-formed exchange failed: $(cat "$T/err")"
grep -q "^sent=2 delivered=1 refused=0 later=1 " "$T/out" || fail "unexpected figures: $(cat "$T/out")"
grep -q "an older exchange (pid $old) still holds the spool: ending it" "$T/err" ||
	fail "the second exchange did not end the first: $(cat "$T/err")"
rc=0
wait "$old" || rc=$?
[ "$rc" = 75 ] && grep -q "stopped by a signal" "$T/old.err" ||
	fail "the first exchange did not stop on the second's signal (exit $rc): $(cat "$T/old.err")"
[ "$(ls "$T/spool/new")" = "${IDS[1]}" ] || fail "expected only ${IDS[1]} left, got $(ls "$T/spool/new")"

check "spool: a recipient with a line break is refused for good (65), nothing stored"
rc=0
printf 'x\n' | "$B" spool --spool "$T/spool" --sender=a@b -- $'x@y\nto evil@z' 2>"$T/err" || rc=$?
[ "$rc" = 65 ] || fail "expected exit 65, got $rc: $(cat "$T/err")"
[ "$(ls "$T/spool/new" | wc -l)" = 1 ] || fail "something was stored"

check "serve: the school's request may only be 'batch'"
mkdir -p "$T/root"
for req in "sh -c id" "serve other" "batch; id"; do
	rc=0
	SSH_ORIGINAL_COMMAND=$req "$B" serve --spool-root "$T/root" --deliver-to 127.0.0.1:1 school1 \
		</dev/null >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 64 ] && grep -q "only 'batch' is allowed" "$T/err" ||
		fail "serve ran '$req' (exit $rc): $(cat "$T/err")"
done
rc=0
"$B" serve --spool-root "$T/root" --deliver-to 127.0.0.1:1 ../school2 </dev/null 2>"$T/err" || rc=$?
[ "$rc" = 64 ] || fail "serve took a login that is a path (exit $rc)"
[ ! -e "$T/school2" ] || fail "serve made a spool outside its root"
check "a side whose Postfix is slow keeps its heartbeats while it hands on a whole spool"
# 30 messages reach serve in one frame; its smtpd takes 0.3 s each, 9 s for all,
# and the exchange gives up after 5 s of silence: only heartbeats between the
# messages keep it (a side that handed on all at once was silent for minutes).
mkdir -p "$T/slow"
for i in $(seq 1 30); do
	printf 'From: budi@school.test\nSubject: %d\n\nhello\n' "$i" |
		"$B" spool --spool "$T/slow/out" --sender=budi@school.test -- "ali$i@outside.test" 2>/dev/null ||
		fail "surel-batch spool failed"
done
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 -W ignore "$SUREL_SRC_DIR/tests/batch/slow-smtpd" "$port" 0.3 "$T/slow/count" &
sink=$!
trap 'kill $sink 2>/dev/null; rm -rf "$T"' EXIT
for ((i = 0; i < 100; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
mkdir -p "$T/slow/root"
rc=0
"$B" exchange --spool "$T/slow/out" --deliver-to 127.0.0.1:1 --idle 5 -- \
	/usr/bin/env SSH_ORIGINAL_COMMAND=batch "$B" serve --spool-root "$T/slow/root" \
	--deliver-to "127.0.0.1:$port" school1 >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || fail "the exchange with a slow receiver broke off (exit $rc): $(cat "$T/err")"
grep -q "^sent=30 delivered=30 " "$T/out" || fail "not all 30 delivered: $(cat "$T/out")"
[ "$(cat "$T/slow/count")" = 30 ] || fail "the slow smtpd got $(cat "$T/slow/count") messages"

echo "PASS: protocol"
