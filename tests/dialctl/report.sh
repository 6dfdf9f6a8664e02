#!/bin/bash
# dialctl report on a ledger with a known month (made by ledger_fill, through lib/ledger) and a
# roster of 30 students: Rupiah written "Rp 12.450", the cost per student, and
# "report --chart FILE.svg|png" (gnuplot): produced, not empty, titled; any other name refused.
set -euo pipefail
DIALCTL="${SUREL_BIN_DIR:?}/dialctl/dialctl"
FILL="$SUREL_BIN_DIR/tests/dialctl/dialctl_ledger_fill"
ROSTER="$SUREL_BIN_DIR/roster/surel-roster"
T=$(mktemp -d /tmp/surel-report-test.XXXXXX)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$T"' EXIT
export TZ=UTC LC_ALL=C.UTF-8
unset LANGUAGE              # English first; the Indonesian part below sets it
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }
command -v gnuplot >/dev/null || fail "no gnuplot (scripts/install-deps installs gnuplot-nox)"

cat > "$T/surel.ini" <<INI
[school]
domain = school.test
name = SMP Negeri 1 Contoh
[roster]
db = $T/roster.db
credentials = $T/credentials.db
password_scheme = sha512crypt
[dial]
ledger = $T/ledger.db
[budget]
money = 100000
INI
"$ROSTER" --config "$T/surel.ini" init >/dev/null
"$ROSTER" --config "$T/surel.ini" import "${SUREL_SRC_DIR:?}/share/sample-class-list.csv" >/dev/null 2>&1
# November 2026: Rp 12.450 on the 3rd, Rp 330 on the 4th, two sessions of Rp 500 on the 20th.
"$FILL" "$T/ledger.db" 2026-11 3:12450 4:330 20:500 20:500
dc() { "$DIALCTL" --config "$T/surel.ini" "$@"; }

rep=$(dc report --month 2026-11) || fail "dialctl report --month 2026-11 failed"
echo "$rep"
grep -qx "Link costs for November 2026" <<<"$rep" || fail "no title for November 2026"
grep -Eq "^2026-11-03 +1 +1 +0\.04 +Rp 12\.450\$" <<<"$rep" || fail "the 3rd is not Rp 12.450"
grep -Eq "^2026-11-20 +2 +2 +0\.08 +Rp 1\.000\$" <<<"$rep" || fail "the 20th is not 2 sessions, Rp 1.000"
grep -Eq "^total +4 +4 +0\.15 +Rp 13\.780\$" <<<"$rep" || fail "the total is not Rp 13.780"
# 13,780 / 30 = 459.33: rounded up, as the tariff rounds.
grep -qx "students: 30 active; Rp 460 per student this month" <<<"$rep" || fail "per student"
ok "the report writes Rupiah the Indonesian way (Rp 12.450, Rp 13.780, Rp 460 per student)"

# This month, with the budget: Rp 100.000 a month, what is left written the same way.
rep=$(dc report) || fail "dialctl report failed"
grep -Eq "^budget: Rp 100\.000 a month, Rp [0-9.]+ left\$" <<<"$rep" || fail "budget line: $rep"
ok "the budget line: Rp 100.000 a month"

dc report --month 2026-11 --chart "$T/nov.svg" >"$T/out" || fail "report --chart nov.svg failed"
[[ -s $T/nov.svg ]] || fail "no SVG"
grep -q "<svg" "$T/nov.svg" || fail "nov.svg is not SVG"
grep -q "Link costs for November 2026" "$T/nov.svg" || fail "the SVG lacks its title"
grep -q "Total Rp 13.780; Rp 460 per student (30 active)" "$T/nov.svg" || fail "the SVG lacks the cost per student"
grep -q "budget per day (Rp 100.000 a month)" "$T/nov.svg" || fail "the SVG lacks the budget line"
grep -q ">Rp 5.000<" "$T/nov.svg" || fail "the SVG's axis is not in Rupiah"
grep -qx "Link costs for November 2026" "$T/out" || fail "--chart did not print the report too"
compgen -G "$T/nov.svg.tmp*" >/dev/null && fail "a temporary file was left"
ok "report --chart FILE.svg: title, cost per student, budget line, Rupiah axis"

dc report --chart "$T/month.png" --month 2026-11 >/dev/null || fail "report --chart month.png failed"
file "$T/month.png" | grep -q "PNG image data, 960 x 540" || fail "month.png: $(file "$T/month.png")"
(( $(stat -c %s "$T/month.png") > 10000 )) || fail "month.png is nearly empty"
ok "report --chart FILE.png: a 960x540 PNG"

# A name that is neither .svg nor .png is refused before anything is read or made.
rc=0
dc report --month 2026-11 --chart "$T/month.pdf" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 64 ]] || fail "--chart month.pdf exited $rc, not 64"
grep -qF -- "--chart $T/month.pdf: the chart is FILE.svg or FILE.png" "$T/err" || fail "error: $(cat "$T/err")"
[[ ! -e $T/month.pdf && ! -s $T/out ]] || fail "something was written for month.pdf"
rc=0
dc report --chart >/dev/null 2>&1 || rc=$?
[[ $rc == 64 ]] || fail "--chart without a file exited $rc, not 64"
ok "--chart FILE.pdf and a --chart without a file are refused (64), naming the file"

# A directory that cannot hold the chart: 73, nothing left behind.
rc=0
dc report --month 2026-11 --chart "$T/no/such/dir/c.svg" >/dev/null 2>"$T/err" || rc=$?
[[ $rc == 73 ]] || fail "--chart into a missing directory exited $rc, not 73"
grep -qF "$T/no/such/dir/c.svg" "$T/err" || fail "error does not name the file: $(cat "$T/err")"
ok "a chart that cannot be made: 73, naming the file"

# In Indonesian: the build tree's catalogue (po/id.po), and a reader whose language is
# Indonesian.
: "${SUREL_LOCALEDIR:?set SUREL_LOCALEDIR to the catalogues of the build tree}"
rep=$(LANGUAGE=id dc report --month 2026-11 --chart "$T/id.svg") ||
    fail "the report in Indonesian failed"
echo "$rep"
grep -qx "Biaya sambungan November 2026" <<<"$rep" || fail "no Indonesian title"
grep -Eq "^tanggal +sesi +menit +MB +Rupiah\$" <<<"$rep" || fail "no Indonesian header"
grep -Eq "^jumlah +4 +4 +0\.15 +Rp 13\.780\$" <<<"$rep" || fail "no Indonesian total"
grep -qx "siswa: 30 aktif; Rp 460 per siswa bulan ini" <<<"$rep" || fail "no Indonesian cost per student"
grep -q "Biaya sambungan November 2026" "$T/id.svg" || fail "the chart's title is not Indonesian"
grep -q "Jumlah Rp 13.780; Rp 460 per siswa (30 aktif)" "$T/id.svg" || fail "the chart's subtitle"
grep -q "anggaran per hari (Rp 100.000 sebulan)" "$T/id.svg" || fail "the chart's budget line"
LANGUAGE=id dc report --month 2026-02 >"$T/feb" || fail "February"
grep -qx "Biaya sambungan Februari 2026" "$T/feb" || fail "the month's name is not Indonesian"
ok "in Indonesian: Biaya sambungan Februari 2026, jumlah Rp 13.780, Rp 460 per siswa; the chart too"

# What a translator writes reaches gnuplot quoted and without enhanced-text markup: quotes,
# backslashes, ^ _ @ & { } and a "set output" come out in the SVG as written.
cat > "$T/xx.po" <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "cost per day"
msgstr "day's cost \\n ^{x}_y @z & ' \" \\ \n set output '/tmp/owned'"

msgid "Link costs for %s"
msgstr "L'coût {%s}"
PO
mkdir -p "$T/locale/xx/LC_MESSAGES"
msgfmt -o "$T/locale/xx/LC_MESSAGES/surel.mo" "$T/xx.po"
SUREL_LOCALEDIR="$T/locale" LANGUAGE=xx dc report --month 2026-11 --chart "$T/xx.svg" >/dev/null ||
    fail "the chart with a hostile translation failed"
[[ ! -e /tmp/owned ]] || fail "a translation made gnuplot write /tmp/owned"
grep -qF "L&apos;coût {November 2026}" "$T/xx.svg" || grep -qF "L'coût {November 2026}" "$T/xx.svg" ||
    fail "the title did not come out as written: $(grep -o 'coût[^<]*' "$T/xx.svg")"
grep -qF "^{x}_y @z &amp;" "$T/xx.svg" || fail "the key did not come out as written: $(grep -o "day[^<]*" "$T/xx.svg")"
ok "a translation with quotes, markup and newlines is drawn as written and runs nothing"
