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

# What scripts read on standard output (the import plan, list, paths, the
# generated passwords) is the same bytes whatever LANG says; the sentences that
# sum up what happened follow LANG, as GNU tools' do.
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" import --dry-run "$SAMPLES/sample-class-list.csv"
cp "$WORK/out" "$WORK/plan.id"
expect_status 0 en "$ROSTER_BIN" --config "$WORK/surel.ini" import --dry-run "$SAMPLES/sample-class-list.csv"
same_files <(sed '$d' "$WORK/plan.id") <(sed '$d' "$WORK/out")
grep -q '^add ' "$WORK/plan.id" || { echo "FAIL: the plan under Indonesian has no 'add' lines" >&2; exit 1; }
expect_in "$WORK/plan.id" "(uji coba: tidak ada yang diubah)"
expect_in "$WORK/out" "(dry run: nothing changed)"
for cmd in "paths" "list --format csv" "list --format json" "list"; do
    # shellcheck disable=SC2086 # the command's words
    expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" $cmd
    sed 1d "$WORK/out" > "$WORK/rec.id"
    # shellcheck disable=SC2086
    expect_status 0 en "$ROSTER_BIN" --config "$WORK/surel.ini" $cmd
    same_files "$WORK/rec.id" <(sed 1d "$WORK/out")
done
ok "the records on standard output (plan, paths, list) are the same under both"

expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" import "$SAMPLES/sample-class-list.csv"
expect_in "$WORK/out" "ditambah "
expect_in "$WORK/out" ", diluluskan 0"
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" list
expect_in "$WORK/out" "NAMA PENGGUNA"
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" check
expect_in "$WORK/out" "berkas wal ada"
expect_in "$WORK/out" "orang aktif atau ditangguhkan belum punya"
user=$(en "$ROSTER_BIN" --config "$WORK/surel.ini" list --format csv | sed -n '2s/,.*//p')
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" passwd --generate --slips "$WORK/s.csv" "$user"
expect_in "$WORK/out" "passwd: 1 kata sandi dipasang"
expect_status 0 id "$ROSTER_BIN" --config "$WORK/surel.ini" suspend "$user"
expect_in "$WORK/out" "suspend: 1 diubah, 0 sudah ditangguhkan"
expect_status 0 en "$ROSTER_BIN" --config "$WORK/surel.ini" suspend "$user"
expect_in "$WORK/out" "suspend: 0 changed, 1 already suspended"
ok "the summaries (import, list's heading, check, passwd, suspend) follow LANG"
