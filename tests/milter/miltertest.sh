#!/bin/bash
# NAME
#	miltertest.sh - surel-milter's policy, driven by miltertest
# DESCRIPTION
#	Starts the built surel-milter (as nobody) on a real roster and plays
#	messages at it with miltertest (message.lua), as Postfix would: each
#	rule of [policy] refuses what it should at the stage it should, the
#	rest passes; outside mail is counted in the usage store; roster
#	changes hold without a restart; a missing roster temp-fails and
#	recovers without a restart; SIGTERM stops the milter cleanly; the
#	same rules hold on an inet socket.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/milter/common.sh"

ml_setup mt
SOCK=$ML_DIR/milter.sock
LUA=$SUREL_SRC_DIR/tests/milter/message.lua
D=$ML_DOMAIN

# send EXPECT LOGIN FROM RCPTS HFROM [SIZE]: one message; check the result.
send() {
	local expect=$1 login=$2 from=$3 rcpts=$4 hfrom=$5 size=${6:-200} out
	out=$(miltertest -D "sock=$SOCK" -D "login=$login" -D "from=$from" -D "rcpts=$rcpts" \
		-D "hfrom=$hfrom" -D "size=$size" -s "$LUA" 2>&1) ||
		ml_fail "miltertest failed for $login $from -> $rcpts: $out"
	out=$(grep '^result=' <<<"$out" || true)
	[ "$out" = "result=$expect" ] ||
		ml_fail "$login <$from> -> $rcpts ($size bytes): expected result=$expect, got '$out'"
}

# logged RULE ADDR: the milter's log names the rule that refused ADDR.
logged() {
	grep -q "rule=$1 addr=<$2>" "$ML_DIR/milter.log" ||
		ml_fail "the milter log does not name rule=$1 for <$2>"
}

ml_start_milter "$SOCK"

echo "checking: a student's mail to a classmate passes"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<ani@$D>" "Budi <budi@$D>"
[ "$(ml_usage budi)" = "0 0" ] || ml_fail "inside mail was counted as outside: $(ml_usage budi)"
ml_pass "budi -> ani accepted, not counted"

echo "checking: outside mail passes and is counted"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<kakak@example.com>" "Budi <budi@$D>" 1000
read -r msgs bytes <<<"$(ml_usage budi)"
[ "$msgs" = 1 ] && [ "$bytes" -ge 1000 ] ||
	ml_fail "expected 1 outside message of >= 1000 bytes for budi, usage store says '$msgs $bytes'"
ml_pass "budi -> example.com accepted and counted ($msgs message, $bytes bytes)"

echo "checking: a student cannot send as a teacher"
send "refused-at-mail" budi "<sari.wulandari@$D>" "<ani@$D>" "Sari <sari.wulandari@$D>"
logged send-as "sari.wulandari@$D"
send "refused-at-eom" budi "<budi@$D>" "<ani@$D>" "Bu Sari <sari.wulandari@$D>"
logged send-as-header "sari.wulandari@$D"
send "refused-at-mail" budi "<osis@$D>" "<ani@$D>" "OSIS <osis@$D>"
ml_pass "envelope and header From of someone else refused"

echo "checking: a teacher may send as a group that allows it"
send "accepted refused_rcpts=0" sari.wulandari "<osis@$D>" "<ani@$D>" "OSIS <osis@$D>"
send "accepted refused_rcpts=0" sari.wulandari "<sari.wulandari@$D>" "<ani@$D>" \
	"Sari <sari.wulandari@$D>, OSIS <osis@$D>"
ml_pass "sari.wulandari sends as osis"

echo "checking: class 7B may not write outside, but inside is fine"
send "all-rcpts-refused" citra "<citra@$D>" "<x@example.com>" "<citra@$D>"
logged external "x@example.com"
send "accepted refused_rcpts=1" citra "<citra@$D>" "<x@example.com>,<ani@$D>" "<citra@$D>"
ml_pass "citra (7B) refused outside only"

echo "checking: the size cap applies to outside mail only"
send "refused-at-eom" sari.wulandari "<sari.wulandari@$D>" \
	"<x@example.com>,<ani@$D>" "<sari.wulandari@$D>" 600000
send "accepted refused_rcpts=0" sari.wulandari "<sari.wulandari@$D>" "<ani@$D>" \
	"<sari.wulandari@$D>" 600000
[ "$(ml_usage sari.wulandari)" = "0 0" ] ||
	ml_fail "a refused or inside message was counted: $(ml_usage sari.wulandari)"
grep -q "rule=size addr=<>: 552 5.3.4 This message is 58[0-9] KB; .* at most 512 KB" "$ML_DIR/milter.log" ||
	ml_fail "expected the log to give 552 5.3.4 with the size (~587 KB) and the cap (512 KB) for rule=size"
ml_pass "600 KB to outside refused with 552 5.3.4; to inside accepted"

echo "checking: people not active cannot submit"
send "refused-at-mail" dewi "<dewi@$D>" "<ani@$D>" "<dewi@$D>"
logged inactive "dewi@$D"
send "refused-at-mail" hantu "<hantu@$D>" "<ani@$D>" "<hantu@$D>"
ml_pass "suspended and unknown logins refused"

echo "checking: mail from outside"
send "all-rcpts-refused" "" "<stranger@example.com>" "<kelas-7a@$D>" "<stranger@example.com>"
logged list "kelas-7a@$D"
send "all-rcpts-refused" "" "<stranger@example.com>" "<guru@$D>" "<stranger@example.com>"
send "accepted refused_rcpts=0" "" "<stranger@example.com>" "<budi@$D>" "<stranger@example.com>"
send "refused-at-mail" "" "<sari.wulandari@$D>" "<budi@$D>" "<sari.wulandari@$D>"
logged login-required "sari.wulandari@$D"
ml_pass "lists closed to outside, people open, school senders need a login"

echo "checking: the daily allowance of outside recipients (3 for students)"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<a@example.com>" "<budi@$D>"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<b@example.com>" "<budi@$D>"
send "all-rcpts-refused" budi "<budi@$D>" "<c@example.com>" "<budi@$D>"
logged daily-recipients "c@example.com"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<ani@$D>" "<budi@$D>"
ml_pass "the 4th outside recipient of the day refused, inside mail still flows"

echo "checking: roster changes hold without a restart"
ml_roster suspend ani >/dev/null
send "refused-at-mail" ani "<ani@$D>" "<budi@$D>" "<ani@$D>"
ml_roster activate ani >/dev/null
send "accepted refused_rcpts=0" ani "<ani@$D>" "<budi@$D>" "<ani@$D>"
ml_pass "suspend and activate took effect at once"

echo "checking: SIGTERM stops the milter cleanly"
rc=0
ml_stop_milter || rc=$?
[ "$rc" = 0 ] || ml_fail "surel-milter exited $rc after SIGTERM, expected 0"
ml_pass "clean stop, exit 0"

echo "checking: without a readable roster the milter temp-fails, then recovers"
for f in roster.db roster.db-wal roster.db-shm; do
	[ -e "$ML_DIR/$f" ] && mv "$ML_DIR/$f" "$ML_DIR/away.$f"
done
ml_start_milter "$SOCK"
send "refused-at-mail" budi "<budi@$D>" "<ani@$D>" "<budi@$D>"
grep -q "tempfail: login=budi rule=tempfail" "$ML_DIR/milter.log" ||
	ml_fail "expected a tempfail (451 4.3.0) in the log while the roster is missing"
for f in roster.db roster.db-wal roster.db-shm; do
	[ -e "$ML_DIR/away.$f" ] && mv "$ML_DIR/away.$f" "$ML_DIR/$f"
done
send "accepted refused_rcpts=0" budi "<budi@$D>" "<ani@$D>" "<budi@$D>"
ml_stop_milter
ml_pass "missing roster: 4xx; roster back: accepted, no restart"

echo "checking: refusals in the school's language ([school] language = id, the default; en)"
: >"$ML_DIR/milter.log"
ML_MILTER_ARGS=--verbose ml_start_milter "$SOCK"
send "refused-at-mail" budi "<sari.wulandari@$D>" "<ani@$D>" "<sari.wulandari@$D>"
send "all-rcpts-refused" citra "<citra@$D>" "<x@example.com>" "<citra@$D>"
ml_stop_milter
grep -q "reply: 550 5.7.1 Anda masuk sebagai budi, jadi hanya boleh mengirim sebagai budi@$D" \
	"$ML_DIR/milter.log" || ml_fail "language id: expected budi's refusal in Indonesian"
grep -q "reply: 550 5.7.1 Surel ke luar sekolah (ke <x@example.com>) tidak diizinkan untuk siswa kelas 7B" \
	"$ML_DIR/milter.log" || ml_fail "language id: expected citra's refusal in Indonesian"
grep -q "rule=send-as addr=<sari.wulandari@$D>: 550 5.7.1 You are logged in as budi" \
	"$ML_DIR/milter.log" || ml_fail "language id: the log line should stay English"
sed -i "s|^\[school\]|[school]\nlanguage = en|" "$ML_INI"
: >"$ML_DIR/milter.log"
ML_MILTER_ARGS=--verbose ml_start_milter "$SOCK"
send "refused-at-mail" budi "<sari.wulandari@$D>" "<ani@$D>" "<sari.wulandari@$D>"
send "all-rcpts-refused" citra "<citra@$D>" "<x@example.com>" "<citra@$D>"
ml_stop_milter
grep -q "reply: 550 5.7.1 You are logged in as budi, so you may send only as budi@$D" \
	"$ML_DIR/milter.log" || ml_fail "language en: expected budi's refusal in English"
grep -q "reply: 550 5.7.1 Mail to outside the school (to <x@example.com>) is not allowed for students of class 7B" \
	"$ML_DIR/milter.log" || ml_fail "language en: expected citra's refusal in English"
sed -i "s|^language = en|language = jawa|" "$ML_INI"
rc=0
out=$("$ML_MILTER_BIN" --config "$ML_INI" --check 2>&1) || rc=$?
[ "$rc" = 78 ] && grep -q "\[school\] language" <<<"$out" ||
	ml_fail "language = jawa: expected exit 78 naming [school] language, got $rc: $out"
sed -i "/^language = jawa/d" "$ML_INI"
ml_pass "replies in Indonesian (default) and English, logs in English, a bad language refused"

echo "checking: an inet socket ([milter] socket = inet:PORT@127.0.0.1)"
PORT=$((20000 + $$ % 20000))
sed -i "s|^socket = .*|socket = inet:$PORT@127.0.0.1|" "$ML_INI"
# This one finds no catalogue (as an uninstalled build would): it must say so at start.
SUREL_LOCALEDIR=$ML_DIR/no-catalogue "$ML_MILTER_BIN" --config "$ML_INI" --foreground >>"$ML_DIR/milter.log" 2>&1 &
ML_MILTER_PID=$!
for ((i = 0; i < 100; i++)); do
	grep -q "listening on inet:$PORT@127.0.0.1" "$ML_DIR/milter.log" && break
	kill -0 "$ML_MILTER_PID" 2>/dev/null || ml_fail "surel-milter exited at start on inet:$PORT"
	sleep 0.1
done
SOCK=inet:$PORT@127.0.0.1
send "refused-at-mail" budi "<sari.wulandari@$D>" "<ani@$D>" "<sari.wulandari@$D>"
send "accepted refused_rcpts=0" budi "<budi@$D>" "<ani@$D>" "<budi@$D>"
ml_stop_milter || ml_fail "surel-milter on inet did not exit cleanly"
grep -q "no catalogue for \[school\] language = id in $ML_DIR/no-catalogue: replies stay in English" \
	"$ML_DIR/milter.log" || ml_fail "a milter without its catalogue did not warn that pupils get English"
ml_pass "the same rules over inet:$PORT@127.0.0.1; a missing catalogue is logged"
echo "all miltertest checks passed"
