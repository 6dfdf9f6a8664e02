#!/bin/bash
# Names are clean text: control and text-direction characters are refused with the line
# named, a name too long for the roster is refused (never cut inside a character), and
# 4,000 pupils of one name get 4,000 distinct, stable usernames.
. "$(dirname "$0")/common.sh"

expect_status 0 roster init
expect_status 0 roster import "$SAMPLES/sample-class-list.csv"
roster list --format csv > "$WORK/before"

# As Excel writes it: BOM, ';', CRLF; the bad name is on line 3 or 4.
bad_list() { printf '\xef\xbb\xbfNama;Kelas\r\nBudi Baru;9A\r\n%s;9A\r\nSiti Baru;9A\r\n' "$1" > "$WORK/$2"; }
bad_list $'Budi\e[2J Palsu' esc.csv
bad_list $'Budi\aBel' bel.csv
bad_list $'Budi\x7fDel' del.csv
bad_list $'Budi \xc2\x9b31m' c1.csv
bad_list $'\xe2\x80\xaeiduB' rlo.csv
bad_list $'Budi \xe2\x81\xa6Sant\xe2\x81\xa9oso' lri.csv
for f in esc bel del c1; do
    expect_status 65 roster import "$WORK/$f.csv"
    expect_in "$WORK/err" "$f.csv:3: the name holds an invisible control character"
done
for f in rlo lri; do
    expect_status 65 roster import "$WORK/$f.csv"
    expect_in "$WORK/err" "$f.csv:3: the name holds a text-direction control"
done
expect_status 65 roster add --name $'Budi\e]0;x\a'
expect_in "$WORK/err" "control character"
ok "control and text-direction characters in a name are refused with the line named"

# 300 bytes of three-byte characters (100 x U+4E2D) and of two-byte ones: refused, named.
long3=$(printf '\xe4\xb8\xad%.0s' {1..100})
long2="Budi $(printf '\xc3\xa9%.0s' {1..150})"
printf 'Nama;Kelas\r\nBudi Baru;9A\r\n"%s";9A\r\n' "$long3" > "$WORK/long3.csv"
printf 'Nama;Kelas\r\n"%s";9A\r\nBudi Baru;9A\r\n' "$long2" > "$WORK/long2.csv"
expect_status 65 roster import "$WORK/long3.csv"
expect_in "$WORK/err" "long3.csv:3: the name"
expect_in "$WORK/err" "is too long (300 bytes of UTF-8; at most 255)"
expect_status 65 roster import "$WORK/long2.csv"
expect_in "$WORK/err" "long2.csv:2: the name"
python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' < "$WORK/err" ||
    { echo "FAIL: the message cut a character in half" >&2; exit 1; }
roster list --format csv > "$WORK/after"
same_files "$WORK/before" "$WORK/after"
# 85 x U+4E2D is 255 bytes: it fits, and the roster holds it whole.
fits=$(printf '\xe4\xb8\xad%.0s' {1..85})
printf 'Nama;Kelas\r\n%s;9A\r\n' "$fits" > "$WORK/fits.csv"
expect_status 0 roster import "$WORK/fits.csv"
python3 - "$WORK/roster.db" "$fits" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.text_factory = bytes
names = [r[0] for r in db.execute("SELECT full_name FROM person")]
for n in names:
    n.decode("utf-8")                       # raises on a cut character
assert sys.argv[2].encode() in names, "the 255-byte name is not stored whole"
PY
ok "a name longer than 255 bytes is refused naming the line; nothing is cut mid-character"

# 4,000 pupils of one name, in two classes, as a spreadsheet writes them.
python3 - "$WORK/same.csv" <<'PY'
import sys
with open(sys.argv[1], "w", newline="") as f:
    f.write("\ufeffNo;Nama;Kelas\r\n")
    for i in range(4000):
        f.write("%d;Budi Santoso;%s\r\n" % (i + 1, "7A" if i % 2 else "7B"))
PY
start=$(date +%s.%N)
expect_status 0 roster import "$WORK/same.csv"
end=$(date +%s.%N)
echo "# 4,000 pupils named Budi Santoso imported in $(python3 -c "print('%.2f' % ($end - $start))") s (not asserted)"
expect_in "$WORK/out" "added 4000, updated 0, unchanged 0, graduated 0"
roster list --format csv | grep ',Budi Santoso,' | cut -d, -f1 | sort > "$WORK/users"
[ "$(wc -l < "$WORK/users")" = 4000 ] && [ "$(sort -u "$WORK/users" | wc -l)" = 4000 ] ||
    { echo "FAIL: expected 4,000 distinct usernames" >&2; exit 1; }
for u in budi.santoso budi.santoso2 budi.santoso4000; do
    grep -qx "$u" "$WORK/users" || { echo "FAIL: no $u" >&2; exit 1; }
done
roster list --format csv > "$WORK/list1"
expect_status 0 roster import "$WORK/same.csv"
expect_in "$WORK/out" "added 0, updated 0, unchanged 4000, graduated 0"
roster list --format csv > "$WORK/list2"
same_files "$WORK/list1" "$WORK/list2"
# Deterministic: a fresh roster given the same file hands out the same usernames in the same rows.
sed "s#$WORK/roster.db#$WORK/fresh.db#; s#$WORK/credentials.db#$WORK/fresh-cred.db#" "$WORK/surel.ini" > "$WORK/fresh.ini"
"$ROSTER_BIN" --config "$WORK/fresh.ini" init > /dev/null
"$ROSTER_BIN" --config "$WORK/fresh.ini" import "$WORK/same.csv" > /dev/null 2>&1
"$ROSTER_BIN" --config "$WORK/fresh.ini" list --format csv > "$WORK/fresh-list"
grep ',Budi Santoso,' "$WORK/list1" > "$WORK/a"
grep ',Budi Santoso,' "$WORK/fresh-list" > "$WORK/b"
same_files "$WORK/a" "$WORK/b"
ok "4,000 pupils of one name: 4,000 distinct usernames, the same again, re-import changes nothing"
