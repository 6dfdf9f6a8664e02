#!/bin/bash
# NAME
#	protocol.sh - surel-batch against a peer that breaks the protocol
# DESCRIPTION
#	"surel-batch exchange" with two messages in its spool talks to
#	hostile-peer instead of ssh.  Each way of misbehaving ends the
#	exchange with exit 75 (the mail waits for the next session) and a
#	message that names what was wrong; nothing is handed to Postfix and
#	the spool keeps both messages: a greeting that is not surel-batch, a
#	message over --max-message, an id that is a path, an answer for a
#	message never sent, a frame cut in half, a frame that inflates to
#	256 MB without a line end (refused after its first chunk, not held in
#	memory), a peer that goes silent (--idle).  A peer that answers
#	"ok" for one and "later" for the other: the first leaves the spool,
#	the second stays.  Also: "surel-batch spool" refuses a recipient with
#	a line break (exit 65: Postfix bounces it rather than retrying for
#	days), and "surel-batch serve" runs nothing but the exchange.
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

# broken MODE TEXT: the exchange against MODE fails with 75, says TEXT, keeps the spool.
broken() {
	local rc=0
	check "a peer that sends $1: refused ($2)"
	"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 --max-message 1024 --idle 2 \
		-- /bin/bash "$PEER" "$1" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 75 ] || fail "$1: expected exit 75, got $rc: $(cat "$T/err")"
	grep -q "$2" "$T/err" || fail "$1: expected '$2' in: $(cat "$T/err")"
	grep -q "queued=0 " "$T/out" || fail "$1: something was handed on: $(cat "$T/out")"
	[ "$(ls "$T/spool/new" | wc -l)" = 2 ] || fail "$1: the spool lost messages: $(ls "$T/spool/new")"
}

broken hello "not surel-batch 1"
broken big "over the size limit"
broken path "bad record header"
broken notours "protocol error: answer 'ok 1796658136-0123456789abcdef01234567'"
broken truncated "closed the connection before the end"
broken bomb "record header too long"
broken silent "nothing crossed for 2 s"

check "answers: 'ok' removes our copy, 'later' keeps it"
"$B" exchange --spool "$T/spool" --deliver-to 127.0.0.1:1 -- /bin/bash "$PEER" answers "${IDS[0]}" "${IDS[1]}" \
	>"$T/out" 2>"$T/err" || fail "a well-formed exchange failed: $(cat "$T/err")"
grep -q "^sent=2 delivered=1 refused=0 later=1 " "$T/out" || fail "unexpected figures: $(cat "$T/out")"
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
echo "PASS: protocol"
