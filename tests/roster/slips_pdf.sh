#!/bin/bash
# surel-roster --slips FILE.pdf: printable slips, eight to an A4 page, read back with poppler
# (pdfinfo, pdftotext, pdftoppm): page count, one slip's text and password, mode 0600,
# hostile names printed literally and inside their own slip.
. "$(dirname "$0")/common.sh"
# The labels are checked in English, then in Indonesian with the fragment's catalogue.
unset LANGUAGE
export LC_ALL=C.UTF-8
for t in pdfinfo pdftotext pdftoppm; do
    command -v $t >/dev/null || { echo "FAIL: no $t (scripts/install-deps installs poppler-utils)"; exit 1; }
done

# pages FILE: the page count pdfinfo reads.
pages() { pdfinfo "$1" | awk '/^Pages:/ { print $2 }'; }
# cell FILE PAGE N: the text of slip N (0-7: two across, four down) of a page, alone.
cell() {
    local w=297 h=210
    pdftotext -f "$2" -l "$2" -x $(( ($3 % 2) * w + 1 )) -y $(( ($3 / 2) * h + 1 )) \
        -W $((w - 2)) -H $((h - 2)) "$1" -
}

expect_status 0 roster init
expect_status 0 roster import --slips "$WORK/slips.pdf" "$SAMPLES/sample-class-list.csv"
expect_in "$WORK/out" "added 30, updated 0, unchanged 0, graduated 0"
[[ $(stat -c %a "$WORK/slips.pdf") == 600 ]] || { echo "FAIL: the PDF slips are not private"; exit 1; }
compgen -G "$WORK/slips.pdf.tmp*" >/dev/null && { echo "FAIL: a temporary file was left"; exit 1; }
[[ $(pages "$WORK/slips.pdf") == 4 ]] || { echo "FAIL: 30 slips on $(pages "$WORK/slips.pdf") pages, not 4"; exit 1; }
ok "30 new accounts: a private PDF of 4 pages (8 slips a page)"

pdftoppm -png -r 50 "$WORK/slips.pdf" "$WORK/page"
for i in 1 2 3 4; do
    [[ -s $WORK/page-$i.png ]] || { echo "FAIL: pdftoppm made no page $i"; exit 1; }
done
file "$WORK/page-1.png" | grep -q "PNG image data" || { echo "FAIL: page 1 is no PNG"; exit 1; }
ok "pdftoppm renders every page"

# The first slip is Budi's: his name, class, username, address, the school, the webmail and a
# password that is the one stored (checked against the hash with libcrypt).
cell "$WORK/slips.pdf" 1 0 > "$WORK/slip0"
for want in "SMP Negeri 1 Contoh" "Budi" "7A" "budi@smpn1.sch.id" "https://mail.smpn1.sch.id/" \
            "Initial password" "Username" "Keep this slip to yourself."; do
    expect_in "$WORK/slip0" "$want"
done
python3 - "$WORK/slip0" "$WORK/credentials.db" <<'PY'
import crypt, re, sqlite3, sys
text = open(sys.argv[1]).read()
assert re.search(r"^budi$", text, re.M), text
words = [w for w in re.findall(r"\b[a-z]{6,}[0-9]{2}\b", text)]
assert len(words) == 1, words
(h,) = sqlite3.connect(sys.argv[2]).execute(
    "SELECT hash FROM credential WHERE username='budi'").fetchone()
assert crypt.crypt(words[0], h) == h, "the slip's password is not budi's"
PY
ok "one slip: school, name, class, username, address, webmail, and the password that logs in"

# The webmail address comes from [school] webmail when it is set; passwd writes PDF slips too.
printf 'webmail = https://sekolah.example/roundcube/\n' > "$WORK/webmail"
sed -i "/^name = /r $WORK/webmail" "$WORK/surel.ini"
expect_status 0 roster passwd --generate --slips "$WORK/one.pdf" badu
[[ $(pages "$WORK/one.pdf") == 1 ]] || { echo "FAIL: one slip on $(pages "$WORK/one.pdf") pages"; exit 1; }
[[ $(stat -c %a "$WORK/one.pdf") == 600 ]] || { echo "FAIL: passwd's PDF is not private"; exit 1; }
cell "$WORK/one.pdf" 1 0 > "$WORK/slip1"
expect_in "$WORK/slip1" "https://sekolah.example/roundcube/"
expect_in "$WORK/slip1" "badu@smpn1.sch.id"
ok "passwd --generate --slips FILE.pdf; [school] webmail is printed"

# Hostile names: quotes, troff and pango markup, backslashes, a 247-byte name, Arabic,
# Chinese.  Each must come back from the PDF as written, in a slip that is still whole.
long="Ni Kadek Ayu Wulandari Putri Maharani"
long="$long $long $long $long $long $long"
long=${long:0:247}
python3 - "$WORK/hostile.csv" "$long" <<'PY'
import sys
names = ['Budi "Bud" O\'Neil', ".sy reboot", "\\fB Back\\slash \\\\ Dewi", sys.argv[2],
         "محمد عبد الله", "王小明", "<b>Tag</b> & Amp", ".TH x\\n", "Agus"]
with open(sys.argv[1], "w") as f:
    f.write("Nama;Kelas\n")
    for n in names:
        f.write('"%s";7B\n' % n.replace('"', '""'))
PY
rm -f "$WORK"/roster.db* "$WORK"/credentials.db*
expect_status 0 roster init
expect_status 0 roster import --slips "$WORK/hostile.pdf" "$WORK/hostile.csv"
expect_in "$WORK/out" "added 9,"
[[ $(pages "$WORK/hostile.pdf") == 2 ]] || { echo "FAIL: 9 slips on $(pages "$WORK/hostile.pdf") pages"; exit 1; }
pdftoppm -png -r 50 "$WORK/hostile.pdf" "$WORK/hostile" || { echo "FAIL: pdftoppm"; exit 1; }
for n in 0 1 2 3 4 5 6 7; do
    cell "$WORK/hostile.pdf" 1 $n > "$WORK/cell$n"
done
cell "$WORK/hostile.pdf" 2 0 > "$WORK/cell8"
python3 - "$WORK" "$long" <<'PY'
import re, sys
work, long = sys.argv[1], sys.argv[2]
names = ['Budi "Bud" O\'Neil', ".sy reboot", "\\fB Back\\slash \\\\ Dewi", long,
         "محمد عبد الله", "王小明", "<b>Tag</b> & Amp", ".TH x\\n", "Agus"]
# pdftotext breaks a wrapped name into lines and marks right-to-left runs: compare the text
# without white space and direction marks.
flat = lambda s: re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", s)
for i, name in enumerate(names):
    text = open("%s/cell%d" % (work, i)).read()
    assert flat(name) in flat(text), "slip %d lacks %r:\n%s" % (i, name, text)
    for part in ("SMP Negeri 1 Contoh", "Initial password", "Keep this slip to yourself."):
        assert part in text, "slip %d (%r) lost %r:\n%s" % (i, name, part, text)
    assert len(re.findall(r"\b[a-z]{6,}[0-9]{2}\b", text)) == 1, "slip %d: %s" % (i, text)
    # An ellipsis still yields the whole text (cairo maps the glyph to what it stands for),
    # but on one line far longer than a slip is wide: every line must fit.
    width = max(len(line) for line in text.splitlines())
    assert width <= 80, "slip %d (%r) was cut: a line of %d characters" % (i, name, width)
PY
ok "hostile names (quotes, markup, backslashes, .sy, 247 bytes, Arabic, Chinese) print as written, each slip whole"

# In Indonesian: the build tree's catalogue (po/id.po), and an
# administrator whose language is Indonesian.
: "${SUREL_LOCALEDIR:?set SUREL_LOCALEDIR to the catalogues of the build tree}"
LANGUAGE=id expect_status 0 roster passwd --generate --slips "$WORK/id.pdf" agus
pdfinfo "$WORK/id.pdf" | grep -q "^Title: *Slip akun$" || { echo "FAIL: the PDF's title is not Indonesian"; exit 1; }
cell "$WORK/id.pdf" 1 0 | tr '\n' ' ' > "$WORK/slip-id"    # the instruction wraps: one line
for want in "Nama" "Kelas" "Nama pengguna" "Alamat surel" "Kata sandi awal" "agus@smpn1.sch.id" \
            "Masuk di alamat webmail dengan nama pengguna dan kata sandi ini." \
            "Jangan tunjukkan slip ini kepada siapa pun."; do
    expect_in "$WORK/slip-id" "$want"
done
ok "in Indonesian: Nama pengguna, Kata sandi awal, and the instruction"
