#!/bin/bash
# surel-roster refuses bad input with the line named and changes nothing.
. "$(dirname "$0")/common.sh"

expect_status 0 roster init
expect_status 0 roster import "$SAMPLES/sample-class-list.csv"
roster list --format csv > "$WORK/before"
cp "$WORK/roster.db" "$WORK/roster.copy"

# A good file with a broken row at line 5 imports nothing.
printf 'Nama,Kelas,NISN\nBaru Satu,9A,\nBaru Dua,9A,\nBaru Tiga,9A,\n"Rusak,9A,\nBaru Lima,9A,\n' > "$WORK/broken.csv"
expect_status 65 roster import "$WORK/broken.csv"
expect_in "$WORK/err" "broken.csv:5:"
# Excel's ';' and CRLF: a quote opened on line 3 and never closed, tripped over on line 5.
printf '\xef\xbb\xbfNama;Kelas\r\nBaru Satu;9A\r\n"Baru Dua;9A\r\nBaru Tiga;9A\r\n"Baru ""Empat""";9A\r\n' > "$WORK/quote.csv"
expect_status 65 roster import "$WORK/quote.csv"
expect_in "$WORK/err" "quote.csv:3: a quote opens here and is never closed"
printf 'Nama,Kelas,NISN\nBaru Satu,9A,\nBaru Dua,9A,123\n' > "$WORK/nisn.csv"
expect_status 65 roster import "$WORK/nisn.csv"
expect_in "$WORK/err" "nisn.csv:3: NISN \"123\" is not 10 digits"
printf 'Nama,Kelas\nBaru Satu,9A\nSiswa Tanpa Kelas,\n' > "$WORK/noclass.csv"
expect_status 65 roster import "$WORK/noclass.csv"
expect_in "$WORK/err" "noclass.csv:3: no class for student \"Siswa Tanpa Kelas\""
# Neither UTF-8 nor Windows-1252 (0x81 is undefined there), nor UTF-16: refused at the line.
printf 'Nama,Kelas\nBaru Satu,9A\nSit\x81,9A\n' > "$WORK/latin1.csv"
expect_status 65 roster import "$WORK/latin1.csv"
expect_in "$WORK/err" "latin1.csv:3: not UTF-8"
# UTF-8 with one stray byte is damaged UTF-8, never read as Windows-1252.
printf 'Nama,Kelas\nJos\xc3\xa9,9A\nSit\xed,9A\n' > "$WORK/mixed.csv"
expect_status 65 roster import "$WORK/mixed.csv"
expect_in "$WORK/err" "mixed.csv:3: not UTF-8"
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1%0500d' 0 > "$WORK/kelas.xls"
expect_status 65 roster import "$WORK/kelas.xls"
expect_in "$WORK/err" "kelas.xls: an old Excel .xls workbook; open it in Excel or LibreOffice and save it as .xlsx or as CSV"
printf 'Nomor,Kelas\n1,9A\n' > "$WORK/noname.csv"
expect_status 65 roster import "$WORK/noname.csv"
expect_in "$WORK/err" "no name column"
printf 'Nama,Kelas,NISN\nA,9A,0091234501\nB,9A,0091234501\n' > "$WORK/dup.csv"
expect_status 65 roster import "$WORK/dup.csv"
expect_in "$WORK/err" "dup.csv:3: NISN 0091234501 is also on line 2"
expect_status 66 roster import "$WORK/missing.csv"
roster list --format csv > "$WORK/after"
same_files "$WORK/before" "$WORK/after"
ok "bad class lists name the line (65) and import nothing"

expect_status 64 roster import
expect_status 64 roster import --role principal "$SAMPLES/sample-class-list.csv"
expect_status 64 roster frobnicate
expect_status 64 roster list --format xml
expect_status 64 roster move --class 7A
ok "usage errors exit 64"

expect_status 67 roster suspend budi nosuch.person
expect_in "$WORK/err" "no such user: nosuch.person"
roster show budi > "$WORK/budi"
expect_in "$WORK/budi" "status:    active"
ok "a command naming one unknown user changes nobody (67)"

printf '[school]\ndomain = smpn1.sch.id\n[mail]\nrooot = /x\n' > "$WORK/bad.ini"
expect_status 78 "$ROSTER_BIN" --config "$WORK/bad.ini" list
expect_in "$WORK/err" "bad.ini:4: [mail] rooot: unknown key"
expect_status 78 "$ROSTER_BIN" --config "$WORK/nonexistent.ini" list
ok "a bad configuration names file, line, section and key (78)"

expect_status 65 bash -c "echo short | '$ROSTER_BIN' --config '$WORK/surel.ini' passwd budi --stdin"
expect_in "$WORK/err" "at least 8 characters"
ok "short passwords are refused"

# A writer holding the lock: the import waits, then gives up cleanly with 75.
sed -i 's/^password_scheme.*/&\nbusy_timeout = 1s/' "$WORK/surel.ini"
python3 - "$WORK/roster.db" "$WORK/locked" <<'PY' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(4)
db.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 50); do [[ -e "$WORK/locked" ]] && break; sleep 0.1; done
expect_status 75 roster import "$SAMPLES/sample-teachers.csv" --role teacher
expect_in "$WORK/err" "locked"
wait $locker
roster list --format csv > "$WORK/after"
same_files "$WORK/before" "$WORK/after"
ok "a locked roster gives 75 and changes nothing"
