#!/bin/bash
# NAME
#	attack_e2e.sh - the bypasses of the second review, through a real Postfix
# DESCRIPTION
#	The world of rules_e2e.sh, and what still walks around the rules:
#	  1. an outsider reaches a class or role list through a local part
#	     that Postfix's Unicode case folding maps onto the list
#	     (U+212A KELVIN SIGN for "k", U+017F LONG S for "s");
#	  2. a client without a login has Postfix send a success DSN with
#	     the message's headers to any outside address (NOTIFY=SUCCESS);
#	  3. an outsider's From with the teacher's address and an invisible
#	     character (U+200B) after the school's domain;
#	  4. a pupil's From that names no address at all, only the
#	     teacher's name (an empty group);
#	  5. folded headers that the size cap counts at about 60%;
#	  6. an unqualified recipient ("root") judged as the school's by the
#	     milter, delivered by local(8) (aliases, .forward) by Postfix.
#	Each check reads the SMTP reply (refused: closed) or, where Postfix
#	accepted, the queue and mailboxes; it says "still open" or "closed",
#	and the script exits 1 while any is open.  Run as root:
#	  SUREL_BIN_DIR=$PWD/build SUREL_SRC_DIR=$PWD bash tests/milter/attack_e2e.sh
set -euo pipefail
. "$SUREL_SRC_DIR/tests/milter/common.sh"

ml_setup attack
ml_world
TOKEN=a$$-$RANDOM
T=sari.wulandari
OPEN=0

open_() { echo "STILL OPEN: $*"; OPEN=1; }
closed() { echo "closed: $*"; }

# refused OUTPUT: did swaks see the last command refused (4xx/5xx)?
refused() {
	grep -Eq '^<(\*\*|~\*) +[45][0-9][0-9]' <<<"$1"
}

echo "1. an outsider to kelas-7a@ and siswa@ through Unicode case folding"
for to in $'\u212Aelas-7a'"@$D" $'\u017Fiswa'"@$D"; do
	out=$(outside --from "stranger@example.com" --to "$to" --header "Subject: fold $TOKEN") || true
	if refused "$out"; then
		closed "RCPT TO:<$to>: $(grep -Eo '^<(\*\*|~\*) +[45][0-9][0-9] .{0,60}' <<<"$out" | head -1)"
	else
		open_ "RCPT TO:<$to> was accepted"
	fi
done

echo "2. a success DSN carries a message outside for a client without a login"
res=$(ns_exec "$NS_C" /usr/bin/python3 - "$SERVER" "$TOKEN" "$D" <<'PY'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25)
s.ehlo("client.example.com")
try:
    s.sendmail("friend-%s@example.org" % sys.argv[2], ["citra@" + sys.argv[3]],
               "Subject: dsn %s\r\nX-Pesan: halo dari citra\r\n\r\nx\r\n" % sys.argv[2],
               mail_options=["RET=HDRS"], rcpt_options=["NOTIFY=SUCCESS"])
    print("accepted", "dsn" if s.has_extn("dsn") else "no-dsn")
except smtplib.SMTPException as e:
    print("refused", e)
s.quit()
PY
)
case $res in
refused*) closed "NOTIFY=SUCCESS without a login: $res" ;;
"accepted no-dsn") closed "accepted, with the DSN request dropped (DSN not offered)" ;;
*) open_ "a DSN request without a login was accepted: $res" ;;
esac

echo "3. an outsider's From: the teacher's address with an invisible character"
out=$(outside --from "stranger@example.com" --to "budi@$D" \
	--header $'From: Bu Sari <'"$T@$D"$'\u200b>' --header "Subject: zwsp $TOKEN") || true
if refused "$out"; then closed "invisible characters in a school From"; else
	open_ "From: Bu Sari <$T@$D + U+200B> accepted"; fi

echo "4. a pupil's From with the teacher's name and no address"
out=$(submit budi --from "budi@$D" --to "ani@$D" --header 'From: "Bu Sari Wulandari" :;' \
	--header "Reply-To: $T@$D" --header "Subject: noaddr $TOKEN") || true
if refused "$out"; then closed "From without an address from a pupil"; else
	open_ "budi's From: \"Bu Sari Wulandari\" :; accepted"; fi

echo "5. folded headers under the 512 KB cap for outside mail"
python3 - "$ML_DIR/big.eml" "$D" <<'PY'
import sys
hdr = b"".join(b"X-Pad%d: a" % h + b"\r\n " * 33000 + b"\r\n" for h in range(8))
open(sys.argv[1], "wb").write(b"From: sari.wulandari@" + sys.argv[2].encode() + b"\r\n" + hdr
                              + b"\r\nsmall body\r\n")
PY
out=$(submit "$T" --from "$T@$D" --to "big-$TOKEN@example.org" --header "Subject: big $TOKEN" \
	--data "$ML_DIR/big.eml") || true
if refused "$out"; then closed "size cap with folded headers: $(grep -Eo '552 5.3.4 Pesan ini [0-9.]+ [KM]B' <<<"$out" | head -1)"; else
	open_ "a $(stat -c %s "$ML_DIR/big.eml")-byte message accepted for outside"; fi

echo "6. an unqualified recipient from a pupil who may not write outside"
out=$(submit citra --from "citra@$D" --to "root" --header "Subject: root $TOKEN") || true
if refused "$out"; then closed "unqualified recipients"; else
	open_ "citra's mail to <root> was accepted (local(8): /etc/aliases decides)"; fi

[ "$OPEN" = 0 ] || { echo "some bypasses are still open"; exit 1; }
echo "all closed"
