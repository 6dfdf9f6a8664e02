#!/bin/bash
# NAME
#	postfix_e2e.sh - surel-milter inside a real Postfix, with a real Dovecot
# DESCRIPTION
#	A private Postfix (tests/lib/postfix.sh) configured with the shipped
#	etc/postfix snippets (submission with Dovecot SASL, the roster's
#	mailboxes and lists through sqlite: tables, LMTP to Dovecot,
#	defer_transports for outside mail, smtpd_milters with
#	milter_default_action = tempfail), a private Dovecot with the roster
#	auth module (tests/lib/dovecot.sh) and surel-milter, all in a network
#	namespace; the mail client (swaks, curl; inside STARTTLS, with a
#	throwaway certificate) sits in a second one.
#	Checks what people would notice:
#	  - a student's mail to a classmate arrives (read back over IMAP);
#	  - mail to outside waits in the queue (deferred transport);
#	  - a student sending as a teacher is refused, in the school's language
#	    (Indonesian: [school] language is not set, so id);
#	  - an oversized outside message is refused with the size and limit;
#	  - a class list delivers to every active member of the class;
#	  - with the milter killed, clients get 4xx; once it is back the
#	    same mail goes through and arrives exactly once.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/milter/common.sh"

ml_setup pf
ml_world
TOKEN=t$$-$RANDOM

echo "checking: a student's mail to a classmate arrives (IMAP)"
out=$(submit budi --from "budi@$D" --to "ani@$D" --header "Subject: classmate $TOKEN" \
	--body "Halo Ani") || ml_fail "budi -> ani: expected 250, swaks said: $out"
expect_delivered ani "classmate $TOKEN" 1
ml_pass "budi -> ani delivered, read back over IMAP"

echo "checking: mail to outside waits in the queue"
out=$(submit budi --from "budi@$D" --to "kakak@example.com" \
	--header "Subject: outside $TOKEN") || ml_fail "budi -> example.com: expected 250: $out"
for ((i = 0; i < 50; i++)); do
	q=$(pf_queue_json "$PF")
	grep -q '"kakak@example.com".*deferred transport' <<<"$q" && break
	sleep 0.2
done
grep -q '"kakak@example.com".*deferred transport' <<<"$q" ||
	ml_fail "expected kakak@example.com held with 'deferred transport', queue: $q"
ml_pass "outside mail held: $(grep -o '"delay_reason": *"[^"]*"' <<<"$q" | head -1)"

echo "checking: a student sending as a teacher is refused"
rc=0
out=$(submit budi --from "sari.wulandari@$D" --to "ani@$D" --header "Subject: fake $TOKEN") || rc=$?
grep -q '550 5.7.1 Anda masuk sebagai budi' <<<"$out" ||
	ml_fail "expected 550 5.7.1 in Indonesian ([school] language = id), swaks (exit $rc) said: $out"
rc=0
out=$(submit budi --from "budi@$D" --to "ani@$D" --header "Subject: fake2 $TOKEN" \
	--header "From: Bu Sari <sari.wulandari@$D>") || rc=$?
grep -q '550 5.7.1 Anda masuk sebagai budi.*header From' <<<"$out" ||
	ml_fail "expected the From header refused with 550 5.7.1, swaks (exit $rc) said: $out"
ml_pass "envelope and From header as the teacher refused, in the school's language"

echo "checking: an oversized outside message is refused"
head -c 450000 /dev/urandom | base64 >"$ML_DIR/big.txt"
rc=0
out=$(submit sari.wulandari --from "sari.wulandari@$D" --to "x@example.com" \
	--header "Subject: big $TOKEN" --attach "@$ML_DIR/big.txt") || rc=$?
grep -q '552 5.3.4 Pesan ini .* paling besar 512 KB, karena' <<<"$out" ||
	ml_fail "expected 552 5.3.4 with the size and the 512 KB limit, swaks (exit $rc) said: $out"
ml_pass "$(grep -o '552 5.3.4 Pesan ini [0-9.]* [KM]B' <<<"$out")"

echo "checking: a class list delivers to every member"
out=$(submit sari.wulandari --from "sari.wulandari@$D" --to "kelas-7a@$D" \
	--header "Subject: list $TOKEN") || ml_fail "sari -> kelas-7a: expected 250: $out"
expect_delivered budi "list $TOKEN" 1
expect_delivered ani "list $TOKEN" 1
grep -q "to=<dewi@$D>" "$PF/maillog" && ml_fail "the suspended dewi got list mail"
rc=0
out=$(outside --from "stranger@example.com" --to "kelas-7a@$D" --header "Subject: spam $TOKEN") || rc=$?
grep -q '550 5.7.1 Milis kelas-7a@' <<<"$out" ||
	ml_fail "expected the list refused to outside senders with 550 5.7.1: $out"
ml_pass "kelas-7a reached budi and ani (not the suspended dewi); closed to outside"

echo "checking: with the milter killed, clients get 4xx and nothing is lost"
ml_kill_milter
rc=0
out=$(submit budi --from "budi@$D" --to "ani@$D" --header "Subject: down $TOKEN") || rc=$?
grep -Eq '^<~?\*\* +4[0-9][0-9]' <<<"$out" ||
	ml_fail "milter down: expected a 4xx reply on submission, swaks (exit $rc) said: $out"
rc=0
out2=$(outside --from "stranger@example.com" --to "budi@$D" --header "Subject: down-in $TOKEN") || rc=$?
grep -Eq '^<~?\*\* +4[0-9][0-9]' <<<"$out2" ||
	ml_fail "milter down: expected 4xx on port 25, swaks (exit $rc) said: $out2"
echo "  submission said: $(grep -E '^<~?\*\* +4' <<<"$out" | head -1)"
echo "  port 25 said:    $(grep -E '^<~?\*\* +4' <<<"$out2" | head -1)"
ml_start_milter "$PF/spool/surel/milter.sock"
out=$(submit budi --from "budi@$D" --to "ani@$D" --header "Subject: down $TOKEN") ||
	ml_fail "milter back: expected 250 on retry: $out"
out=$(outside --from "stranger@example.com" --to "budi@$D" --header "Subject: down-in $TOKEN") ||
	ml_fail "milter back: expected 250 on port 25: $out"
expect_delivered ani "down $TOKEN" 1
expect_delivered budi "down-in $TOKEN" 1
ml_pass "4xx while down; the retried mail arrived exactly once"
ml_stop_milter || ml_fail "surel-milter did not exit cleanly on SIGTERM"
echo "all Postfix end-to-end checks passed"
