#!/bin/bash
# NAME
#	exchange.sh - collect mode: one session relays out and collects in
# DESCRIPTION
#	The world of tests/collect/common.sh: the school's only Internet mail
#	is a hosting account (a catch-all box for the whole domain, Sri's own
#	box, SMTP with a login).  Before the session:
#	- Budi sends to the outside from the LAN PC (submission, login); the
#	  school holds it.
#	- The outside writes through the hosting's MX: to Budi, to Citra, to
#	  Badu with a Bcc to Dewi (one SMTP transaction: the hosting makes two
#	  copies, each with its own X-Original-To), to an address no one has,
#	  and to Sri (her own box).  One message for Budi and Citra is in the
#	  catch-all once, as cPanel's Exim stores it (Envelope-to: both).
#	One "dialctl dial", one session; then:
#	- the outside has Budi's message;
#	- every person's INBOX holds exactly their mail, once: the Bcc to Dewi
#	  only, the unknown address's message only at the postmaster (Tata),
#	  the two-recipient copy at both, Sri's box at Sri;
#	- both hosting boxes are empty;
#	- the ledger has one session, mode collect, msgs_in as surel-collect's
#	  figures count delivered messages, and the link is down.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/collect/common.sh"
trap co_cleanup EXIT

co_setup "cx$$"
D=$W_DOMAIN
O=ali@$W_OUT_DOMAIN

check "offline: Budi's mail to the outside waits at the school"
co_message "budi@$D" "teman@$W_OUT_DOMAIN" out >"$W_DIR/out.eml"
out=$(world_submit budi "$(co_pw budi)" --to "teman@$W_OUT_DOMAIN" --data "$W_DIR/out.eml") ||
	fail "the school's submission did not take Budi's message: $out"
for ((i = 0; i < 150; i++)); do
	[ "$(world_school_held)" = 1 ] && break
	sleep 0.2
done
[ "$(world_school_held)" = 1 ] || fail "expected Budi's message held at the school: $(pf_queue_json "$W_DIR/school/pf")"

check "offline: the outside's mail lands at the hosting, one copy per school recipient"
co_outside_send budi "$O" "budi@$D"
co_outside_send citra "$O" "citra@$D"
co_outside_send bcc "$O" "badu@$D" "dewi@$D"     # To: Badu; Dewi only in the envelope
co_outside_send unknown "$O" "nobody-here@$D"
co_outside_send sri "$O" "sri@$D"
co_message "$O" "budi@$D" cpanel >"$W_DIR/cpanel.eml"
co_hosting_save catchall "budi@$D, citra@$D" "$W_DIR/cpanel.eml"
co_hosting_wait catchall 6
co_hosting_wait sri 1
orig=$(co_hosting_headers catchall X-Original-To | grep . | sort | tr '\n' ' ')
[ "$orig" = "badu@$D budi@$D citra@$D dewi@$D nobody-here@$D " ] ||
	fail "expected one X-Original-To per SMTP recipient at the hosting, got: $orig"
echo "  the catch-all's X-Original-To: $orig(and one message with Envelope-to only)"
held_in=$(($(co_hosting_count catchall) + $(co_hosting_count sri)))
[ "$held_in" = 7 ] || fail "expected 6 messages in the catch-all and 1 in Sri's box, found $held_in in all"

check "one session: dialctl dials, relays, collects and hangs up"
[ "$(co_sessions)" = 0 ] || fail "a session before the dial"
world_dialctl dial >/dev/null || fail "dialctl dial was refused"
co_wait_sessions 1 300 || fail "no session recorded within 300 s"
pf_wait_queue_empty "$W_DIR/school/pf" 30 || fail "the school's queue did not empty after the session"

check "the outside got Budi's message"
for ((i = 0; i < 150; i++)); do
	grep -lqs "^Message-ID: <out.$$@test>" "$W_DIR"/out/pf/mail/inbox/new/* && break
	sleep 0.2
done
grep -lqs "^Message-ID: <out.$$@test>" "$W_DIR"/out/pf/mail/inbox/new/* ||
	fail "Budi's message did not reach the outside; hosting log: $(grep status= "$W_DIR/isp/pf/maillog" | tail -n 3)"
[ "$(grep -ls "^Message-ID: <out.$$@test>" "$W_DIR"/out/pf/mail/inbox/new/* | wc -l)" = 1 ] ||
	fail "Budi's message reached the outside more than once"
grep -q "postfix/submission/smtpd.*sasl_username=$W_SCHOOL_LOGIN" "$W_DIR/isp/pf/maillog" ||
	fail "the school did not log in at the hosting's submission port"

check "every person has exactly their own mail, once"
# expect USER TAG...: USER's INBOX holds exactly these messages, once each.
expect() {
	local user=$1 want got t
	shift
	want=$(for t in "$@"; do echo "<$t.$$@test>"; done | sort | tr '\n' ' ')
	for ((i = 0; i < 100; i++)); do
		got=$(co_mids "$user" | sort | tr '\n' ' ')
		[ "$got" = "$want" ] && return 0
		sleep 0.2
	done
	fail "expected $user's INBOX to hold exactly '$want', it holds '$got'"
}
expect budi budi cpanel
expect citra citra cpanel
expect badu bcc
expect dewi bcc
expect sri sri
expect tata unknown
# The copies carry the trace of the box they came from.
co_fetch dewi bcc | grep -q "^X-Surel-Collected: $D catchall" ||
	echo "  note: no 'X-Surel-Collected: $D catchall' header in Dewi's copy: $(co_fetch dewi bcc | sed -n '/^$/q;p' | grep -i surel)"

check "the hosting's boxes are empty"
[ "$(co_hosting_count catchall)" = 0 ] || fail "the catch-all still holds $(co_hosting_count catchall) messages"
[ "$(co_hosting_count sri)" = 0 ] || fail "Sri's box still holds $(co_hosting_count sri) messages"

check "the ledger: one session, mode collect, the collected messages counted; the link is down"
[ "$(co_sessions)" = 1 ] || fail "expected 1 session in the ledger, found $(co_sessions)"
read -r mode msgs_in msgs_out <<<"$(co_sql 'SELECT mode, msgs_in, msgs_out FROM session')"
echo "  ledger: mode $mode, $msgs_out out, $msgs_in in; errors: '$(co_sql 'SELECT errors FROM session')'"
[ "$mode" = collect ] || fail "expected mode collect in the ledger, got '$mode'"
ns_exec "$W_NS_SCH" test ! -e /sys/class/net/ppp0 || fail "ppp0 still exists after the session"
fig=$(co_figures)
echo "  surel-collect: $fig"
[ "$(wc -l <<<"$fig")" = 1 ] && [ -n "$fig" ] || fail "expected one figures line ('collect complete: ...') in dialctl's log"
[ "$(co_figure "$fig" mailboxes)" = 2 ] || fail "expected mailboxes=2: $fig"
[ "$(co_figure "$fig" listed)" = "$held_in" ] || fail "expected listed=$held_in: $fig"
[ "$(co_figure "$fig" deleted)" = "$held_in" ] || fail "expected deleted=$held_in: $fig"
[ "$(co_figure "$fig" postmaster)" = 1 ] || fail "expected postmaster=1 (the unknown address): $fig"
for k in duplicates refused later too_big loops failed; do
	[ "$(co_figure "$fig" $k)" = 0 ] || fail "expected $k=0: $fig"
done
# Every message taken from the hosting was handed over (the unknown
# address's to the postmaster): the ledger counts each once.
[ "$(co_figure "$fig" delivered)" = "$held_in" ] || fail "expected delivered=$held_in: $fig"
[ "$msgs_in" = "$held_in" ] || fail "expected the ledger's msgs_in to be the $held_in messages collected, got $msgs_in ($fig)"
[ "$msgs_out" = 1 ] || fail "expected msgs_out 1 (Budi's), got '$msgs_out'"
echo "PASS: collect exchange"
