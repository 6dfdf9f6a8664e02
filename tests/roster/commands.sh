#!/bin/bash
# surel-roster add, show, passwd, suspend/activate/graduate, move, group, list formats.
. "$(dirname "$0")/common.sh"

expect_status 0 roster init
expect_status 0 roster import "$SAMPLES/sample-class-list.csv"
expect_in "$WORK/err" "have no password yet"

expect_status 0 roster add --name "Budi Santoso" --class 9a --nisn 0091234599
[[ $(cat "$WORK/out") == "budi.santoso" ]] || { echo "FAIL: add printed $(cat "$WORK/out")"; exit 1; }
expect_status 0 roster add --name "Budi" --class 9A
[[ $(cat "$WORK/out") == "budi3" ]] || { echo "FAIL: third Budi got $(cat "$WORK/out")"; exit 1; }
expect_status 65 roster add --name "Budi Lagi" --class 9A --nisn 0091234599
expect_in "$WORK/err" "already in the roster"
ok "add gives unique usernames and refuses a known NISN"

expect_status 0 roster show BUDI@smpn1.sch.id
expect_in "$WORK/out" "address:   budi@smpn1.sch.id"
expect_in "$WORK/out" "password:  none"
expect_status 67 roster show budi@other.sch.id
ok "show takes logins as typed"

expect_status 0 bash -c "echo 'rahasia-budi' | '$ROSTER_BIN' --config '$WORK/surel.ini' passwd budi --stdin"
python3 - "$WORK/credentials.db" <<'PY'
import sqlite3, sys, crypt
(h,) = sqlite3.connect(sys.argv[1]).execute("SELECT hash FROM credential WHERE username='budi'").fetchone()
assert crypt.crypt("rahasia-budi", h) == h
PY
expect_status 0 roster passwd --generate --class 7B --slips "$WORK/7b.txt"
expect_in "$WORK/out" "passwd: 10 passwords set"
[[ $(grep -c "Sandi / Password" "$WORK/7b.txt") == 10 ]] || { echo "FAIL: slips"; exit 1; }
expect_status 0 roster passwd --generate agus
[[ $(cat "$WORK/out") =~ ^agus\ [a-z2-9]{10}$ ]] || { echo "FAIL: generate printed $(cat "$WORK/out")"; exit 1; }
ok "passwd sets, generates and writes slips"

expect_status 0 roster suspend budi
expect_in "$WORK/out" "suspend: 1 changed"
expect_status 0 roster graduate --class 8A
expect_in "$WORK/out" "graduate: 10 changed"
roster list --status graduated --format csv > "$WORK/grad"
[[ $(wc -l < "$WORK/grad") == 11 ]] || { echo "FAIL: graduated list"; exit 1; }
expect_status 0 roster activate budi
expect_status 0 roster group list kelas-7a
[[ $(wc -l < "$WORK/out") == 10 ]] || { echo "FAIL: kelas-7a has $(wc -l < "$WORK/out")"; exit 1; }
expect_status 0 roster group list kelas-8a
[[ ! -s "$WORK/out" ]] || { echo "FAIL: graduated people still on kelas-8a"; exit 1; }
ok "suspend, graduate, activate; class lists follow"

expect_status 0 roster move --class 7a --to 8a
expect_in "$WORK/out" "moved 10 people from 7A to 8A"
expect_status 0 roster show budi
expect_in "$WORK/out" "class:     8A"
expect_in "$WORK/out" "mailbox:   /var/mail/surel/budi"
expect_status 65 roster move --class 7A --to 9A
ok "move keeps usernames and mailboxes"

expect_status 0 roster group add kepala-sekolah --description "the principal" --send-as budi
expect_status 0 roster group add osis budi siti
expect_status 65 roster group add budi2
expect_in "$WORK/err" "already a person's username"
expect_status 65 roster group add kelas-9z
expect_status 67 roster group add osis nosuch
expect_status 0 roster group list
expect_in "$WORK/out" "kepala-sekolah"
expect_in "$WORK/out" "osis"
expect_status 0 roster group list kepala-sekolah
expect_in "$WORK/out" "budi (may send as the group)"
expect_status 0 roster group remove osis siti
expect_status 0 roster group remove osis
expect_status 67 roster group remove osis
ok "custom groups and aliases"

expect_status 0 roster list --format json --class 8a --status active
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==10 and d[0]["class"]=="8A"' "$WORK/out"
expect_status 0 roster list --role teacher
[[ $(wc -l < "$WORK/out") == 1 ]] || { echo "FAIL: teachers listed"; exit 1; }
ok "list filters and formats"
