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
#	Each check says "still open" or "closed"; the script exits 1 while
#	any is open.  Run as root:
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

# queued_to ADDR: is anything in the queue for ADDR?
queued_to() {
	pf_queue_json "$PF" | grep -q "\"address\": \"$1\""
}

# delivered USER SUBJECT: at least one copy in USER's INBOX (polled 10 s).
delivered() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(imap_count "$1" "$2")" -gt 0 ] && return 0
		sleep 0.2
	done
	return 1
}

echo "1. an outsider to kelas-7a@ and siswa@ through Unicode case folding"
for to in $'\u212Aelas-7a'"@$D" $'\u017Fiswa'"@$D"; do
	outside --from "stranger@example.com" --to "$to" --header "Subject: fold $TOKEN" >/dev/null || true
done
if delivered ani "fold $TOKEN" && delivered citra "fold $TOKEN"; then
	open_ "KELVIN SIGN / LONG S local parts reached kelas-7a@ (ani) and siswa@ (citra)"
else
	closed "case-folded list names"
fi

echo "2. a success DSN carries a message outside for a client without a login"
ns_exec "$NS_C" python3 - "$SERVER" "$TOKEN" "$D" <<'PY' >/dev/null
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], 25)
s.ehlo("client.example.com")
s.sendmail("friend-%s@example.org" % sys.argv[2], ["citra@" + sys.argv[3]],
           "Subject: dsn %s\r\nX-Pesan: halo dari citra\r\n\r\nx\r\n" % sys.argv[2],
           mail_options=["RET=HDRS"], rcpt_options=["NOTIFY=SUCCESS"])
s.quit()
PY
sleep 3
if queued_to "friend-$TOKEN@example.org"; then
	open_ "a delivery notice to friend-$TOKEN@example.org is queued for the smarthost"
else
	closed "success DSNs to outside addresses"
fi

echo "3. an outsider's From: the teacher's address with an invisible character"
outside --from "stranger@example.com" --to "budi@$D" \
	--header $'From: Bu Sari <'"$T@$D"$'\u200b>' --header "Subject: zwsp $TOKEN" >/dev/null || true
if delivered budi "zwsp $TOKEN"; then
	open_ "From: Bu Sari <$T@$D + U+200B> delivered to budi"
else
	closed "invisible characters in a school From"
fi

echo "4. a pupil's From with the teacher's name and no address"
submit budi --from "budi@$D" --to "ani@$D" --header 'From: "Bu Sari Wulandari" :;' \
	--header "Reply-To: $T@$D" --header "Subject: noaddr $TOKEN" >/dev/null || true
if delivered ani "noaddr $TOKEN"; then
	open_ "budi's From: \"Bu Sari Wulandari\" :; delivered to ani"
else
	closed "From without an address from a pupil"
fi

echo "5. folded headers under the 512 KB cap for outside mail"
python3 - "$ML_DIR/big.eml" "$D" <<'PY'
import sys
hdr = b"".join(b"X-Pad%d: a" % h + b"\r\n " * 33000 + b"\r\n" for h in range(8))
open(sys.argv[1], "wb").write(b"From: sari.wulandari@" + sys.argv[2].encode() + b"\r\n" + hdr
                              + b"\r\nsmall body\r\n")
PY
submit "$T" --from "$T@$D" --to "big-$TOKEN@example.org" --header "Subject: big $TOKEN" \
	--data "$ML_DIR/big.eml" >/dev/null || true
if queued_to "big-$TOKEN@example.org"; then
	open_ "a $(stat -c %s "$ML_DIR/big.eml")-byte message is queued for outside; the milter counted: $(grep -o 'outside mail: login=sari.wulandari size=[0-9]*' "$ML_DIR/milter.log" | tail -1)"
else
	closed "size cap with folded headers"
fi

echo "6. an unqualified recipient from a pupil who may not write outside"
out=$(submit citra --from "citra@$D" --to "root" --header "Subject: root $TOKEN") || true
sleep 2
if grep -q "to=<root@mail.$D>, orig_to=<root>.*status=sent" "$PF/maillog"; then
	open_ "citra's mail to <root> went to local(8) (root@mail.$D): /etc/aliases and .forward decide where"
else
	closed "unqualified recipients"
fi

[ "$OPEN" = 0 ] || { echo "some bypasses are still open"; exit 1; }
echo "all closed"
