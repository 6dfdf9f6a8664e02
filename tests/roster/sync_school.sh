#!/bin/bash
# import --sync-school: a new school year in one command.  Every active student missing
# from a whole-school list is graduated, those of vanished classes included; teachers and
# staff are never touched; --dry-run shows it and changes nothing; a list that would
# graduate more than half of the students is refused unless --force.
. "$(dirname "$0")/common.sh"

expect_status 0 roster init
# Last year: 7A, 8B and 9C, as Dapodik exports it (BOM, ';', CRLF, an address with a line break).
printf '\xef\xbb\xbfNo;Nama;NISN;Rombel;Alamat\r\n' > "$WORK/2025.csv"
i=0
for row in "Budi Santoso;7A" "Siti Aminah;7A" "Agus Salim;7A" "Dewi Lestari;8B" "Joko Widodo;8B" \
           "Rina Wati;8B" "Made Ayu;9C" "Wayan Sudra;9C" "Ketut Arya;9C" "Putri Indah;9C"; do
    i=$((i + 1))
    printf '%d;%s;%010d;%s;"Jl. Mawar %d\r\nRT 0%d"\r\n' "$i" "${row%;*}" "$((81000000 + i))" "${row#*;}" "$i" "$i" >> "$WORK/2025.csv"
done
expect_status 0 roster import "$WORK/2025.csv"
expect_in "$WORK/out" "added 10,"
printf 'Nama,Peran\nDrs. Sutrisno,guru\nBu Ani,guru\nPak Tono,staf\n' > "$WORK/guru.csv"
expect_status 0 roster import "$WORK/guru.csv"

# This year: 7A moved up to 8A, 8B to 9B; 9C is gone (left school); Rina Wati left; one new pupil.
printf '\xef\xbb\xbfNo;Nama;NISN;Rombel;Alamat\r\n' > "$WORK/2026.csv"
printf '1;Budi Santoso;0081000001;8A;"Jl. Mawar 1\r\nRT 01"\r\n' >> "$WORK/2026.csv"
printf '2;Siti Aminah;0081000002;8A;\r\n3;Agus Salim;0081000003;8A;\r\n' >> "$WORK/2026.csv"
printf '4;Dewi Lestari;0081000004;9B;\r\n5;Joko Widodo;0081000005;9B;\r\n' >> "$WORK/2026.csv"
printf '6;Nur Hidayah;0081000099;7A;"Jl. Melati\r\n2"\r\n' >> "$WORK/2026.csv"
roster list --format csv > "$WORK/before"

# --sync only looks at the file's classes: 9C's pupils would stay active forever.
expect_status 0 roster import --dry-run --sync "$WORK/2026.csv"
if grep -q "made.ayu" "$WORK/out"; then echo "FAIL: --sync touched vanished 9C" >&2; exit 1; fi

expect_status 0 roster import --dry-run --sync-school "$WORK/2026.csv"
grep '^graduate ' "$WORK/out" | cut -d' ' -f2 | sort > "$WORK/dry-graduated"
printf '%s\n' ketut.arya made.ayu putri.indah rina.wati wayan.sudra > "$WORK/expected"
same_files "$WORK/expected" "$WORK/dry-graduated"
expect_in "$WORK/out" "added 1, updated 5, unchanged 0, graduated 5 (dry run: nothing changed)"
roster list --format csv > "$WORK/after-dry"
same_files "$WORK/before" "$WORK/after-dry"
ok "--sync-school --dry-run lists exactly the students who left, vanished 9C included, and changes nothing"

expect_status 0 roster import --sync-school "$WORK/2026.csv"
expect_in "$WORK/out" "added 1, updated 5, unchanged 0, graduated 5"
roster list --status graduated --format csv | tail -n +2 | cut -d, -f1 | sort > "$WORK/graduated"
same_files "$WORK/expected" "$WORK/graduated"
roster list --role teacher --format csv | tail -n +2 | cut -d, -f5 | sort -u > "$WORK/teachers"
roster list --role staff --format csv | tail -n +2 | cut -d, -f5 | sort -u >> "$WORK/teachers"
printf 'active\nactive\n' > "$WORK/want-teachers"
same_files "$WORK/want-teachers" "$WORK/teachers"
roster show budi.santoso > "$WORK/budi"
expect_in "$WORK/budi" "8A"
expect_status 0 roster import --sync-school "$WORK/2026.csv"
expect_in "$WORK/out" "added 0, updated 0, unchanged 6, graduated 0"
ok "--sync-school graduates exactly those missing, teachers and staff untouched; again changes nothing"

# A list cut short after two rows would graduate 4 of the 6 active students: refused.
head -n 4 "$WORK/2026.csv" > "$WORK/cut.csv"    # the header, Budi (two lines), Siti
roster list --format csv > "$WORK/before-cut"
expect_status 65 roster import --sync-school "$WORK/cut.csv"
expect_in "$WORK/err" "cut.csv: --sync-school would graduate 4 of the 6 active students (66%), more than half"
expect_status 65 roster import --dry-run --sync-school "$WORK/cut.csv"
expect_in "$WORK/out" "graduated 4 (dry run: nothing changed)"
expect_in "$WORK/err" "would graduate 4 of the 6"
roster list --format csv > "$WORK/after-cut"
same_files "$WORK/before-cut" "$WORK/after-cut"
expect_status 0 roster import --sync-school --force "$WORK/cut.csv"
expect_in "$WORK/out" "graduated 4"
ok "a whole-school list that would graduate more than half is refused (65) unless --force"

expect_status 64 roster import --sync --sync-school "$WORK/2026.csv"
expect_status 64 roster import --sync-school --role teacher "$WORK/guru.csv"
expect_status 64 roster import --force "$WORK/2026.csv"
ok "--sync-school usage errors exit 64"
