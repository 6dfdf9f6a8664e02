#!/bin/bash
# NAME
#	faults.sh - collect mode: refusals, big messages, loops, a long transfer, a cut link
# DESCRIPTION
#	The world of tests/collect/common.sh with the catch-all read over
#	POP3S (deletions take effect only at QUIT) and Sri's box over IMAPS.
#	One session after another:
#	(b,c) the catch-all holds a message for Budi, one from outside to the
#	  class list kelas-7a@ (surel-milter refuses it: [policy]
#	  lists_from_outside = no) and one for Citra over the box's max_size:
#	  Budi's arrives; the list's stays on the hosting and is reported, no
#	  class member has it; the big one stays on the hosting, was never
#	  downloaded (the hosting's POP3 log), and Citra got one notice that
#	  names it.
#	(e) Budi's delivered copy, which carries surel-collect's trace header
#	  for this school, comes back into the catch-all with its
#	  Message-ID: it goes to the postmaster (Tata), not to Budi again;
#	  a message with a trace header its sender wrote (a wrong tag)
#	  reaches Dewi as usual.
#	  The refused and the big message, still on the hosting, bring no
#	  second notice.
#	(d) a message of 300 KB (about 45 s on the 56 kbit/s link, [dial]
#	  grace 3 s): the session does not hang up before it is collected; it
#	  is handed over and deleted in that one session.
#	(a) a small message for Dewi, then 300 KB for Citra: once Dewi has hers
#	  the modem hangs up (and the hosting drops the POP3 session, which so
#	  never reached QUIT: Dewi's message is still there).  After dialctl's
#	  re-dial (or one more session) Dewi has hers exactly once, Citra has
#	  hers, and the catch-all is empty.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/collect/common.sh"
trap co_cleanup EXIT

CO_CATCHALL_URL=pop3s://192.0.2.1
CO_SRI_URL=imaps://192.0.2.1/INBOX
co_setup "cf$$"
D=$W_DOMAIN
O=ali@$W_OUT_DOMAIN
HDC="doveadm -c $W_DIR/isp/dovecot/dovecot.conf"

# session N: dial and wait until the ledger holds N sessions and the school's
# queue is empty again; FIG is then the last figures line.
session() {
	world_dialctl dial >/dev/null || fail "dialctl dial for session $1 was refused"
	co_wait_sessions "$1" 300 || fail "session $1 was not recorded within 300 s"
	pf_wait_queue_empty "$W_DIR/school/pf" 30 || fail "the school's queue did not empty after session $1"
	FIG=$(co_figures | tail -n 1)
	echo "  session $1: $FIG"
	echo "  ledger: $(co_sql "SELECT 'in', msgs_in, 'attempts', attempts, 'errors', errors FROM session WHERE id = $1")"
}

# others USER TAG: Message-IDs in USER's INBOX other than TAG's.
others() {
	co_mids "$1" | grep -vF "<$2.$$@test>" || true
}

# hosting_mids: the Message-IDs left in the catch-all, sorted, on one line.
hosting_mids() {
	co_hosting_headers catchall Message-ID | grep . | sort | tr '\n' ' '
}

# pop3_retr_bytes: bytes the hosting's POP3 sent with RETR so far (Dovecot's
# logout lines: "retr=N/BYTES").
pop3_retr_bytes() {
	{ grep -o 'retr=[0-9]*/[0-9]*' "$W_DIR/isp/dovecot/dovecot.log" || true; } | awk -F/ '{ s += $2 } END { print s + 0 }'
}

check "(b,c) a refused message and one over max_size stay on the hosting; the rest arrives"
co_ini_set collect.catchall max_size 64K
co_outside_send ok "$O" "budi@$D"
co_outside_send list "$O" "kelas-7a@$D"
co_message "$O" "citra@$D" big 100 >"$W_DIR/big.eml"
out=$(world_outside_send --from "$O" --to "citra@$D" --data "$W_DIR/big.eml") ||
	fail "the hosting's MX did not take the big message: $out"
co_hosting_wait catchall 3
retr0=$(pop3_retr_bytes)
session 1
co_wait_has budi ok 1 30 || fail "Budi's message did not arrive beside the refused and the big one"
[ "$(co_has budi ok)" = 1 ] || fail "Budi has $(co_has budi ok) copies of his message"
[ "$(hosting_mids)" = "<big.$$@test> <list.$$@test> " ] ||
	fail "expected only the list's and the big message left in the catch-all, found: $(hosting_mids)"
for u in budi badu citra dewi sri tata; do
	[ "$(co_has "$u" list)" = 0 ] || fail "$u got the message to kelas-7a@ that the school refuses"
done
[ "$(co_figure "$FIG" refused)" = 1 ] || fail "expected refused=1: $FIG"
errors=$(co_sql 'SELECT errors FROM session WHERE id = 1')
[ -n "$errors" ] || grep -q "kelas-7a@$D" "$W_DIR/dialctl.out" ||
	fail "the refusal is neither in the ledger's errors nor in dialctl's log"
echo "  reported: ledger errors '$errors'; dialctl: $(grep -m1 "kelas-7a@" "$W_DIR/dialctl.out" || true)"
[ "$(co_figure "$FIG" too_big)" = 1 ] || fail "expected too_big=1: $FIG"
[ "$(co_has citra big)" = 0 ] || fail "Citra got the message over max_size"
retr=$(($(pop3_retr_bytes) - retr0))
[ "$retr" -lt 50000 ] || fail "the hosting's POP3 sent $retr bytes with RETR: the 100 KB message was downloaded"
notice=$(others citra big)
for ((i = 0; i < 100 && $(grep -c . <<<"$notice") < 1; i++)); do
	sleep 0.2
	notice=$(others citra big)
done
[ "$(grep -c . <<<"$notice")" = 1 ] || fail "expected one notice in Citra's INBOX, found: '$notice'"
ntext=$(_co_doveadm -f pager fetch -u citra text mailbox INBOX header Message-ID "$notice")
grep -q "test big" <<<"$ntext" || fail "the notice does not name the message (its subject 'test big'): $ntext"
echo "  the notice: $(grep -m1 '^Subject:' <<<"$ntext")"

check "(e) a message that carries this school's trace header goes to the postmaster only"
# Budi's copy as delivered (with what surel-collect added), back in the
# catch-all with its Message-ID, as a forwarding loop would bring it.  A
# sender's own trace header (a wrong tag) diverts nothing: Dewi gets hers.
co_fetch budi ok | sed -e '/^Delivered-To:/d' >"$W_DIR/loop.eml"
grep -qi '^X-Surel-Collected: '"$D"' catchall [0-9a-f]\{16\}$' "$W_DIR/loop.eml" ||
	fail "Budi's copy has no trace header with a tag: $(sed -n '/^$/q;p' "$W_DIR/loop.eml" | cut -c1-80 | tr '\n' '|')"
co_hosting_save catchall "budi@$D" "$W_DIR/loop.eml"
printf 'From: ali@example.org\nTo: dewi@%s\nSubject: forged trace\nMessage-ID: <forged.%s@test>\nX-Surel-Collected: %s catchall 0123456789abcdef\n\nhi\n' \
	"$D" "$$" "$D" >"$W_DIR/forged.eml"
co_hosting_save catchall "dewi@$D" "$W_DIR/forged.eml"
session 2
co_wait_has tata ok 1 30 || fail "the looped message did not reach the postmaster (Tata)"
[ "$(co_has tata ok)" = 1 ] || fail "the postmaster has $(co_has tata ok) copies of the looped message"
[ "$(co_has budi ok)" = 1 ] || fail "the looped message was delivered to Budi again ($(co_has budi ok) copies)"
[ "$(co_has dewi forged)" = 1 ] || fail "a sender's own trace header diverted Dewi's message"
[ "$(co_has tata forged)" = 0 ] || fail "a sender's own trace header sent Dewi's message to the postmaster"
[ "$(co_figure "$FIG" loops)" = 1 ] || fail "expected loops=1: $FIG"
[ "$(hosting_mids)" = "<big.$$@test> <list.$$@test> " ] ||
	fail "expected the list's and the big message still in the catch-all, found: $(hosting_mids)"
[ "$(others citra big | grep -c .)" = 1 ] || fail "Citra got another notice for the same big message: $(others citra big)"
$HDC expunge -u "catchall@$D" mailbox INBOX all || fail "could not empty the catch-all"

check "(d) a 300 KB message is collected whole before the session hangs up (grace 3 s)"
co_ini_set collect.catchall max_size 5M
co_message "$O" "badu@$D" long 400 >"$W_DIR/long.eml"
[ "$(stat -c %s "$W_DIR/long.eml")" -gt 300000 ] || fail "the long message is too short"
out=$(world_outside_send --from "$O" --to "badu@$D" --data "$W_DIR/long.eml") ||
	fail "the hosting's MX did not take the long message: $out"
co_hosting_wait catchall 1
session 3
[ "$(co_hosting_count catchall)" = 0 ] || fail "the long message is still at the hosting after its session"
[ "$(co_figure "$FIG" delivered)" = 1 ] && [ "$(co_figure "$FIG" deleted)" = 1 ] ||
	fail "expected the long message delivered and deleted in session 3: $FIG"
co_wait_has badu long 1 30 || fail "Badu did not get the long message"
[ "$(co_sessions)" = 3 ] || fail "expected 3 sessions, found $(co_sessions)"

check "(a) the link is cut after a delivery, before the delete: nothing twice, nothing lost"
co_outside_send first "$O" "dewi@$D"
co_hosting_wait catchall 1
co_message "$O" "citra@$D" second 400 >"$W_DIR/second.eml"
out=$(world_outside_send --from "$O" --to "citra@$D" --data "$W_DIR/second.eml") ||
	fail "the hosting's MX did not take the second message: $out"
co_hosting_wait catchall 2
figs_before=$(co_figures | wc -l)
world_dialctl dial >/dev/null || fail "dialctl dial for session 4 was refused"
co_wait_has dewi first 1 120 || fail "Dewi's message was not delivered within 120 s of the dial"
[ "$(co_hosting_count catchall)" = 2 ] || fail "expected both messages still at the hosting (POP3 deletes at QUIT)"
co_link_cut
$HDC kick "catchall@$D" >/dev/null 2>&1 || true   # the hosting drops the dead session too
echo "  cut the link after Dewi's message"
co_wait_sessions 4 300 || fail "session 4 was not recorded within 300 s"
grep -q 'link lost mid-session; re-dialling' "$W_DIR/dialctl.out" || echo "  note: dialctl did not re-dial within session 4"
n=4
if [ "$(co_hosting_count catchall)" != 0 ]; then
	n=5
	echo "  the catch-all still holds $(co_hosting_count catchall) after session 4: one more session"
	session 5
fi
pf_wait_queue_empty "$W_DIR/school/pf" 30 || fail "the school's queue did not empty"
co_wait_has citra second 1 30 || fail "Citra's long message did not arrive after the cut"
[ "$(co_has dewi first)" = 1 ] || fail "Dewi has $(co_has dewi first) copies of her message"
[ "$(co_has citra second)" = 1 ] || fail "Citra has $(co_has citra second) copies of her message"
[ "$(co_hosting_count catchall)" = 0 ] || fail "the catch-all still holds $(co_hosting_count catchall) after session $n"
dups=0
while read -r f; do
	dups=$((dups + $(co_figure "$f" duplicates)))
done < <(co_figures | tail -n +$((figs_before + 1)))
echo "  after the cut: $(co_figures | tail -n +$((figs_before + 1)) | tr '\n' ';')"
[ "$dups" -ge 1 ] || fail "Dewi's message was on the hosting again after the cut, but no collection counted it as a duplicate"
echo "PASS: collect faults"
