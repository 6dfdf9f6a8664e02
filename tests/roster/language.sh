#!/bin/bash
# surel-roster speaks the reader's language: errors and --help in Indonesian
# under LANG=id_ID.UTF-8 (the catalogue of the build tree, SUREL_LOCALEDIR),
# in English under LANG=C; what scripts read on standard output stays the same.
. "$(dirname "$0")/common.sh"

# The locale comes from the setup (scripts/install-deps, surel-setup), never skipped.
locale -a | grep -qix 'id_ID.utf-\?8' || {
    echo "FAIL: no id_ID.UTF-8 locale; scripts/install-deps generates it" >&2
    exit 1
}
id() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=id_ID.UTF-8 "$@"; }
en() { env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=C "$@"; }

expect_status 0 roster init
expect_status 64 id "$ROSTER_BIN" --config "$WORK/surel.ini" frob
expect_in "$WORK/err" "surel-roster: frob: perintah tidak dikenal"
expect_in "$WORK/err" "Coba 'surel-roster --help'."
expect_status 64 en "$ROSTER_BIN" --config "$WORK/surel.ini" frob
expect_in "$WORK/err" "surel-roster: frob: unknown command"
ok "usage errors follow LANG"

printf 'Nama,Kelas,NISN\nBaru Satu,9A,\nBaru Dua,9A,123\n' > "$WORK/nisn.csv"
expect_status 65 id "$ROSTER_BIN" --config "$WORK/surel.ini" import "$WORK/nisn.csv"
expect_in "$WORK/err" "nisn.csv:3: NISN \"123\" tidak 10 angka"
printf 'Nama,Kelas\nBaru Satu,9A\n"Baru Dua,9A\n' > "$WORK/quote.csv"
expect_status 65 id "$ROSTER_BIN" --config "$WORK/surel.ini" import "$WORK/quote.csv"
expect_in "$WORK/err" "quote.csv:3: tanda kutip dibuka di sini dan tidak pernah ditutup"
expect_status 67 id "$ROSTER_BIN" --config "$WORK/surel.ini" suspend hantu
expect_in "$WORK/err" "pengguna tidak ada: hantu"
ok "import and command errors in Indonesian, the line still named FILE:LINE"

printf '[school]\ndomain = smpn1.sch.id\nlanguage = jawa\n' > "$WORK/bad.ini"
expect_status 78 id "$ROSTER_BIN" --config "$WORK/bad.ini" paths
expect_in "$WORK/err" "[school] language: 'jawa' bukan salah satu dari id|en"
expect_status 78 en "$ROSTER_BIN" --config "$WORK/bad.ini" paths
expect_in "$WORK/err" "[school] language: 'jawa' is not one of id|en"
ok "a bad [school] language is refused, naming the key, in either language"

expect_status 0 id "$ROSTER_BIN" --help
expect_in "$WORK/out" "pemakaian: surel-roster"
cp "$WORK/out" "$WORK/help.id"
expect_status 0 en "$ROSTER_BIN" --help
expect_in "$WORK/out" "usage: surel-roster"
ok "--help in Indonesian and English"

# Standard output is the scripts' contract: the same bytes whatever LANG says.
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" import --dry-run "$SAMPLES/sample-class-list.csv"
cp "$WORK/out" "$WORK/plan.id"
expect_status 0 en "$ROSTER_BIN" --config "$WORK/surel.ini" import --dry-run "$SAMPLES/sample-class-list.csv"
same_files "$WORK/plan.id" "$WORK/out"
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" paths
cp "$WORK/out" "$WORK/paths.id"
expect_status 0 en "$ROSTER_BIN" --config "$WORK/surel.ini" paths
same_files "$WORK/paths.id" "$WORK/out"
ok "standard output (the import plan, paths) is the same under both"
