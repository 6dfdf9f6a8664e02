#!/bin/bash
# surel-roster import: the sample list, re-import, dry run, sync, moves, slips.
. "$(dirname "$0")/common.sh"

expect_status 0 roster init
expect_in "$WORK/out" "schema version 2"

expect_status 0 roster import --dry-run "$SAMPLES/sample-class-list.csv"
expect_in "$WORK/out" "added 30, updated 0, unchanged 0, graduated 0 (dry run: nothing changed)"
expect_in "$WORK/out" "add muhammad2 (Muhammad, 7B)"
roster list --format csv > "$WORK/list0"
[[ $(wc -l < "$WORK/list0") == 1 ]] || { echo "FAIL: dry run wrote people"; exit 1; }
ok "dry run shows 30 additions and adds nobody"

expect_status 0 roster import --slips "$WORK/slips.csv" "$SAMPLES/sample-class-list.csv"
[[ $(cat "$WORK/out") == "added 30, updated 0, unchanged 0, graduated 0" ]] \
    || { echo "FAIL: summary: $(cat "$WORK/out")"; exit 1; }
[[ $(stat -c %a "$WORK/slips.csv") == 600 ]] || { echo "FAIL: slips are not private"; exit 1; }
[[ $(wc -l < "$WORK/slips.csv") == 31 ]] || { echo "FAIL: slips lines"; exit 1; }
expect_in "$WORK/slips.csv" "username,full_name,class,password,address"
expect_in "$WORK/slips.csv" '"siti.nurhaliza","Siti Nurhaliza","7A",'
ok "import adds 30 and writes private slips"

# Every slip's password is the one stored: checked against the hash with libcrypt.
python3 - "$WORK/slips.csv" "$WORK/credentials.db" <<'PY'
import csv, sqlite3, sys, crypt
rows = list(csv.DictReader(open(sys.argv[1])))
db = sqlite3.connect(sys.argv[2])
for r in rows:
    assert len(r["password"]) >= 8, r
    (h,) = db.execute("SELECT hash FROM credential WHERE username=?", (r["username"],)).fetchone()
    assert h.startswith("$6$"), h
    assert crypt.crypt(r["password"], h) == h, r["username"]
    assert r["password"] not in open(sys.argv[2], "rb").read().decode("latin-1")
PY
ok "slip passwords match their hashes; no plaintext in the database"

roster list --format csv > "$WORK/list1"
head -1 "$WORK/list1" | grep -qx 'username,full_name,role,class,status,nisn,mailbox'
[[ $(cut -d, -f7 "$WORK/list1" | sort | uniq -d | wc -l) == 0 ]] || { echo "FAIL: shared mailbox"; exit 1; }
expect_status 0 roster import --slips "$WORK/slips2.csv" "$SAMPLES/sample-class-list.csv"
expect_in "$WORK/out" "added 0, updated 0, unchanged 30, graduated 0"
[[ ! -e "$WORK/slips2.csv" ]] || { echo "FAIL: slips written with no new accounts"; exit 1; }
roster list --format csv > "$WORK/list2"
same_files "$WORK/list1" "$WORK/list2"
ok "re-importing the same list changes nothing"

# New school year: a list with classes moved (by NISN), one student gone, one new.
sed -e 's/;7A;/;8A;/' -e '/Agus/d' "$SAMPLES/sample-class-list.csv" > "$WORK/next-year.csv"
printf 'Nama;Kelas;NISN\r\n' > "$WORK/new7a.csv"
expect_status 0 roster import --dry-run --sync "$WORK/next-year.csv"
expect_in "$WORK/out" "update budi: class 7A -> 8A"
expect_status 0 roster import --sync "$WORK/next-year.csv"
expect_in "$WORK/out" "added 0, updated 9, unchanged 20, graduated 0"
roster show budi > "$WORK/budi"
expect_in "$WORK/budi" "class:     8A (list kelas-8a)"
expect_in "$WORK/budi" "mailbox:   /var/mail/surel/budi"
ok "moving a class keeps usernames and mailboxes"

# Agus was in 7A, which is not in the new file any more: sync leaves him alone...
roster show agus > "$WORK/agus"
expect_in "$WORK/agus" "status:    active"
# ...but a sync of 8A's list without Fajar graduates Fajar, and deletes nobody.
grep -v Fajar "$WORK/next-year.csv" > "$WORK/no-fajar.csv"
expect_status 0 roster import --sync "$WORK/no-fajar.csv"
expect_in "$WORK/out" "graduated 1"
roster show fajar.nugroho > "$WORK/fajar"
expect_in "$WORK/fajar" "status:    graduated"
[[ $(roster list --format csv | wc -l) == 31 ]] || { echo "FAIL: someone was deleted"; exit 1; }
ok "--sync graduates who is missing from an imported class, deletes nobody"

# Teachers from an English file with commas in quoted names.
expect_status 0 roster import --role teacher --slips "$WORK/t.txt" "$SAMPLES/sample-teachers.csv"
expect_in "$WORK/out" "added 5"
expect_in "$WORK/t.txt" "Pengguna / User : sutrisno"
expect_in "$WORK/t.txt" "Alamat / Address: sutrisno@smpn1.sch.id"
roster list --role staff --format csv > "$WORK/staff"
expect_in "$WORK/staff" "bambang.hartono,Bambang Hartono,staff,,active,,bambang.hartono"
ok "teachers and staff import with their roles"
