#!/bin/bash
# surel-roster import of the files schools really have: Dapodik's workbook as downloaded
# (title lines, merged two-row header) written by openpyxl (inline strings), the same
# written the way Excel does (shared strings, dates as serial numbers), as
# Excel's Windows-1252 "CSV" and as its UTF-16 "Unicode Text".  Every pupil comes in with
# NISN and class, nobody from the title lines, and nothing else from the file is kept.
. "$(dirname "$0")/common.sh"

# openpyxl writes the workbook as a spreadsheet program would; Debian's python3 has it.
PY=python3
"$PY" -c 'import openpyxl' 2>/dev/null || PY=/usr/bin/python3
"$PY" -c 'import openpyxl' || { echo "FAIL: python3-openpyxl is missing (scripts/install-deps)"; exit 1; }
"$PY" "$(dirname "$0")/dapodik_samples.py" "$WORK"
unzip_list() { "$PY" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; }
unzip_list "$WORK/shared.xlsx" > "$WORK/parts"
grep -qx 'xl/sharedStrings.xml' "$WORK/parts" \
    || { echo "FAIL: the sample workbook has no shared strings"; exit 1; }

expect_status 0 roster init

expect_status 0 roster import --dry-run "$WORK/dapodik.xlsx"
expect_in "$WORK/out" "added 8, updated 0, unchanged 0, graduated 0 (dry run: nothing changed)"
expect_in "$WORK/out" "add adi.nugroho (Adi Nugroho, 7A)"
ok "a dry run of Dapodik's workbook finds its 8 pupils"

expect_status 0 roster -v import --slips "$WORK/slips.txt" "$WORK/dapodik.xlsx"
expect_in "$WORK/out" "added 8, updated 0, unchanged 0, graduated 0"
expect_in "$WORK/err" "read as xlsx, sheet \"Daftar Peserta Didik\""
roster list --format csv > "$WORK/list1"
cat > "$WORK/want" <<'EOF'
username,full_name,role,class,status,nisn,mailbox
adi.nugroho,Adi Nugroho,student,7A,active,0091234501,adi.nugroho
ahmad.abdullah,Ahmad bin Abdullah,student,7B,active,0091234507,ahmad.abdullah
dewi.anggraeni,Dewi Anggraeni,student,7B,active,0101234505,dewi.anggraeni
jose.horta,José Ramos Horta,student,7B,active,0091234506,jose.horta
m.rizki,M. Rizki,student,7A,active,0091234504,m.rizki
muhammad.fatih,Muhammad Al-Fatih,student,7A,active,0101234502,muhammad.fatih
putri.rahayu,Putri Rahayu,student,7B,active,0101234508,putri.rahayu
siti.nuraini,Siti Nur'aini,student,7A,active,0091234503,siti.nuraini
EOF
{ head -1 "$WORK/list1"; tail -n +2 "$WORK/list1" | sort; } > "$WORK/got"
same_files "$WORK/want" "$WORK/got"
ok "every pupil with NISN (leading zero, also from a number cell) and class; names cased"

# Nothing else from the file is stored or written: search the raw bytes of every file.
printf '%s\n' "Daftar Peserta" "SMP NEGERI" "Pengunduh" "OPERATOR" "Tanggal Unduh" > "$WORK/titles"
ls "$WORK"/roster.db-wal "$WORK"/credentials.db-wal >/dev/null
for f in "$WORK"/roster.db* "$WORK"/credentials.db* "$WORK/slips.txt"; do
    if grep -aoF -f "$WORK/secrets.txt" -f "$WORK/titles" "$f" > "$WORK/found"; then
        echo "FAIL: from the class list, in $(basename "$f"):" >&2
        sort -u "$WORK/found" >&2
        exit 1
    fi
done
[[ $(wc -l < "$WORK/secrets.txt") -ge 40 ]] || { echo "FAIL: too few secrets checked"; exit 1; }
ok "no NIK, parent, address or phone in roster.db, credentials.db, their -wal, the slips"

for f in dapodik.xlsx shared.xlsx excel-1252.csv unicode.txt; do
    expect_status 0 roster -v import --slips "$WORK/slips-$f" "$WORK/$f"
    expect_in "$WORK/out" "added 0, updated 0, unchanged 8, graduated 0"
    [[ ! -e "$WORK/slips-$f" ]] || { echo "FAIL: $f wrote slips"; exit 1; }
    roster list --format csv > "$WORK/list2"
    same_files "$WORK/list1" "$WORK/list2"
done
expect_in "$WORK/err" "read as csv in UTF-16LE"
expect_status 0 roster -v import --dry-run "$WORK/excel-1252.csv"
expect_in "$WORK/err" "read as csv in WINDOWS-1252"
ok "the same list with shared strings, as Windows-1252 CSV and UTF-16 text changes nothing"

# The same list, as the first thing in an empty roster, from each text form alone.
for f in shared.xlsx excel-1252.csv unicode.txt; do
    rm -f "$WORK"/roster.db* "$WORK"/credentials.db*
    expect_status 0 roster init
    expect_status 0 roster import "$WORK/$f"
    expect_in "$WORK/out" "added 8,"
    roster list --format csv > "$WORK/list3"
    same_files "$WORK/list1" "$WORK/list3"
done
ok "each form alone gives the same roster"

# A NISN stored as a number that is too short to be one is refused naming the cell.
"$PY" - "$WORK/dapodik.xlsx" "$WORK/short.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
ws["E9"] = 1234567
wb.save(sys.argv[2])
PY
expect_status 65 roster import "$WORK/short.xlsx"
expect_in "$WORK/err" "short.xlsx: sheet \"Daftar Peserta Didik\" row 9: NISN 1234567 in cell E9 is a number of 7 digits"
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1%0500d' 0 > "$WORK/Daftar PD.xls"
expect_status 65 roster import "$WORK/Daftar PD.xls"
expect_in "$WORK/err" "save it as .xlsx or as CSV"
printf 'PK\003\004 not really a zip' > "$WORK/broken.xlsx"
expect_status 65 roster import "$WORK/broken.xlsx"
expect_in "$WORK/err" "broken.xlsx: not a readable .xlsx workbook"
ok "a short numeric NISN names its cell; .xls and broken workbooks are refused"
