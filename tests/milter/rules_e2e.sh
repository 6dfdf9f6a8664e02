#!/bin/bash
# NAME
#	rules_e2e.sh - the school's rules cannot be walked around, through a real Postfix
# DESCRIPTION
#	The world of postfix_e2e.sh (a private Postfix with the shipped
#	snippets, Dovecot SASL on 587, the roster module, surel-milter), and
#	what a pupil or an outsider would try against it within a week:
#	  - outside mail to a class list written another way: trailing dot,
#	    quoted local part, source route, capitals, comments, +tag, the
#	    percent hack and a bang path;
#	  - port 25 without a login, with a teacher's address (plain, with a
#	    trailing dot, a subdomain) as envelope sender or in From, Sender
#	    or Resent-From;
#	  - a pupil logged in on 587 with the teacher's address as envelope
#	    sender in other spellings, and in From/Sender/Resent-From headers,
#	    behind a display name folded over more than 4 KB, or in a header
#	    that cannot be parsed;
#	  - one message to 500 outside addresses against an allowance of 3.
#	Each variant must be refused with its own 5.x.x reply, the milter's
#	log naming the rule, and must leave nothing in the queue; the plain
#	form is refused the same way.  A teacher's genuine mail with a long
#	folded display name still arrives, and mail from a relay named in
#	[policy] trusted_relays may carry a school From.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/milter/common.sh"

ml_setup rules
# This suite reads the replies in English ([school] language = en);
# postfix_e2e.sh reads them in Indonesian, the default.
sed -i 's|^\[school\]|[school]\nlanguage = en|' "$ML_INI"
# One client may be refused 497 recipients in a row here: Postfix's own
# error limits (20 errors, then disconnect) would end the session first.
ml_world smtpd_hard_error_limit=1000 smtpd_soft_error_limit=1000 smtpd_error_sleep_time=0
TOKEN=r$$-$RANDOM
T=sari.wulandari

# refused WHAT REPLY-REGEX RULE OUTPUT: the reply and the milter's log line.
refused() {
	local what=$1 re=$2 rule=$3 out=$4
	grep -Eq "$re" <<<"$out" || ml_fail "$what: expected a reply matching '$re', swaks said: $out"
	[ -z "$rule" ] || grep -q "rule=$rule " "$ML_DIR/milter.log" ||
		ml_fail "$what: the milter's log does not name rule=$rule"
	ml_pass "$what: $(grep -Eo "$re.{0,60}" <<<"$out" | head -1)"
}

echo "checking: an outsider cannot reach a class list however it is written"
for to in "kelas-7a@$D" "kelas-7a@$D." '"kelas-7a"@'"$D" "@a.example:kelas-7a@$D" \
	"KELAS-7A@${D^^}" "kelas-7a+x@$D" '"kelas\-7a"@'"$D." "@a.example,@b.example:kelas-7a@$D"; do
	rc=0
	out=$(outside --from "stranger@example.com" --to "$to" --header "Subject: list $TOKEN") || rc=$?
	refused "RCPT TO:<$to>" '550[ -]5\.7\.1 The list kelas-7a@' list "$out"
done
# Postfix's own address routing is off (allow_percent_hack, swap_bangpath):
# to Postfix these are no list; refused before the milter is asked.
for to in "kelas-7a%$D@localhost" "$D!kelas-7a@localhost"; do
	rc=0
	out=$(outside --from "stranger@example.com" --to "$to" --header "Subject: list $TOKEN") || rc=$?
	refused "RCPT TO:<$to>" '<\*\* +[45][0-9][0-9] ' "" "$out"
done
sleep 1
n=$(grep -c "list $TOKEN" <(pf_queue_json "$PF") || true)
[ "$n" = 0 ] || ml_fail "list mail from outside was queued: $(pf_queue_json "$PF")"
grep -q "to=<[a-z]*@$D>.*status=sent" "$PF/maillog" && ml_fail "list mail from outside was delivered"

echo "checking: no login, no school sender (envelope)"
for from in "$T@$D" "$T@$D." '"'"$T"'"@'"$D" "@relay.example:$T@$D" "tu@lab.$D" "${T^^}@${D^^}"; do
	rc=0
	out=$(outside --from "$from" --to "budi@$D" --header "Subject: forged $TOKEN") || rc=$?
	refused "MAIL FROM:<$from> without login" '550[ -]5\.7\.1 The address <.*belongs to the school' \
		login-required "$out"
done

echo "checking: no login, no school sender (headers)"
for h in "From: Bu Sari <$T@$D>" "From: Bu Sari <$T@$D.>" "Sender: $T@${D^^}" \
	"Resent-From: \"$T\"@$D" "From: =?UTF-8?Q?Bu_Sari?= <@x.example:$T@$D>" "From: tu@lab.$D"; do
	rc=0
	out=$(outside --from "stranger@example.com" --to "budi@$D" --header "$h" \
		--header "Subject: forged-h $TOKEN") || rc=$?
	refused "'$h' without login" '550[ -]5\.7\.1 The address <.*header\) belongs to the school' \
		login-required-header "$out"
done
rc=0
out=$(outside --from "stranger@example.com" --to "budi@$D" --header "From: \"Bu Sari <$T@$D>" \
	--header "Subject: forged-h $TOKEN") || rc=$?
refused "an unreadable From without login" '550[ -]5\.7\.1 The From header cannot be read' \
	header-syntax "$out"

echo "checking: a pupil cannot send as the teacher, however written (envelope)"
for from in "$T@$D." '"'"$T"'"@'"$D" "@a.example:$T@$D" "${T^^}@$D" "$T+x@$D"; do
	rc=0
	out=$(submit budi --from "$from" --to "ani@$D" --header "Subject: fake $TOKEN") || rc=$?
	refused "budi: MAIL FROM:<$from>" '550[ -]5\.7\.1 You are logged in as budi' send-as "$out"
done

echo "checking: a pupil cannot send as the teacher, however written (headers)"
long=$(for ((i = 0; i < 1000; i++)); do printf 'Guru '; ((i % 10 == 9)) && printf '\r\n\t'; done)
[ "${#long}" -gt 4096 ] || ml_fail "the folded display name is only ${#long} bytes"
for h in "From: Bu Sari <$T@$D.>" "From: \"Budi, 7A\" <budi@$D>, $T@$D" "Sender: $T@$D" \
	"Resent-From: <@a.example:$T@$D>" "From: ${long}<$T@${D^^}>" "FROM : $T@$D"; do
	rc=0
	out=$(submit budi --from "budi@$D" --to "ani@$D" --header "$h" \
		--header "Subject: fake-h $TOKEN") || rc=$?
	refused "budi: '${h:0:50}...'" '550[ -]5\.7\.1 You are logged in as budi.*header\)' \
		send-as-header "$out"
done
rc=0
out=$(submit budi --from "budi@$D" --to "ani@$D" --header "From: budi@$D <$T@$D>" \
	--header "Subject: fake-h $TOKEN") || rc=$?
refused "budi: an unreadable From" '550[ -]5\.7\.1 The From header cannot be read' \
	header-syntax "$out"
grep -q "fake-h $TOKEN\|fake $TOKEN" <(pf_queue_json "$PF") && ml_fail "forged mail queued"

echo "checking: the teacher's own mail with a long folded display name arrives"
out=$(submit "$T" --from "$T@$D" --to "ani@$D" --header "From: ${long}<$T@$D>" \
	--header "Subject: long $TOKEN") || ml_fail "the teacher's genuine mail was refused: $out"
expect_delivered ani "long $TOKEN" 1
ml_pass "a ${#long}-byte folded display name before the teacher's own address passes"

echo "checking: the daily allowance counts recipients (3 a day; one message to 500)"
to=$(seq -f 'x%g@example.org' 1 500 | paste -sd,)
rc=0
out=$(submit budi --from "budi@$D" --to "$to" --header "Subject: many $TOKEN") || rc=$?
# Inside STARTTLS swaks marks replies "<~ " and refusals "<~* ".
acc=$(grep -Ec '^ *<[-~] *250 2.1.5' <<<"$out" || true)
ref=$(grep -Ec '^ *<(~\*|\*\*) *550 5.7.1 The daily allowance.*3 outside recipients a day for students, 3 used, 0 left' <<<"$out" || true)
[ "$acc" = 3 ] && [ "$ref" = 497 ] ||
	ml_fail "expected 3 recipients accepted and 497 refused, got $acc and $ref: $(tail -20 <<<"$out")"
grep -q "rule=daily-recipients " "$ML_DIR/milter.log" || ml_fail "the log does not name daily-recipients"
used=$(sqlite3 -readonly "$ML_DIR/usage/usage.db" \
	"SELECT recipients FROM usage_day WHERE username = 'budi' AND day = date('now', 'localtime')")
[ "$used" = 3 ] || ml_fail "expected 3 outside recipients counted for budi, found '$used'"
q=$(pf_queue_json "$PF")
n=$(grep -o '"address": *"x[0-9]*@example.org"' <<<"$q" | wc -l || true)
[ "$n" = 3 ] || ml_fail "expected the message queued for 3 outside recipients, found $n: $q"
rc=0
out=$(submit budi --from "budi@$D" --to "late@example.org" --header "Subject: late $TOKEN") || rc=$?
refused "budi's fourth outside recipient of the day" \
	'550[ -]5\.7\.1 The daily allowance.*3 used, 0 left' daily-recipients "$out"

echo "checking: a relay named in [policy] trusted_relays may bring a school From"
ml_stop_milter || ml_fail "surel-milter did not exit cleanly"
sed -i 's/^\[policy\]/[policy]\ntrusted_relays = 192.0.2.2\/32/' "$ML_INI"
ml_start_milter "$PF/spool/surel/milter.sock"
out=$(outside --from "list@example.org" --to "budi@$D" --header "From: Bu Sari <$T@$D>" \
	--header "Subject: relayed $TOKEN") || ml_fail "mail from the trusted relay was refused: $out"
expect_delivered budi "relayed $TOKEN" 1
ml_pass "the trusted relay's mail with the teacher's From arrived"
ml_stop_milter || ml_fail "surel-milter did not exit cleanly on SIGTERM"
echo "all rule checks passed"
