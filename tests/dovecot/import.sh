#!/bin/bash
# NAME
#	import.sh - 200 logins while a 1,000-student import runs
# DESCRIPTION
#	Ten students are imported and Dovecot started with the auth cache
#	off, so that every login reads the roster.  Then a class list of
#	1,000 students is imported with surel-roster while IMAP logins (four
#	clients, at least 50 each and on until the import has committed, one
#	in ten with a wrong password) run from another namespace.  Every right password must work and every wrong one be
#	refused: no temporary failure, no crash, never success for a wrong
#	password.  Afterwards students of the new list log in with the
#	passwords from their slips, and doveadm user '*' lists all 1,010.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dovecot/common.sh"

dc_setup import
D=$DC_DIR/dovecot
export DOVECOT_EXTRA="auth_cache_size = 0"

{
	echo "Nama,Kelas,NISN"
	for i in $(seq 1 10); do echo "Awal Siswa $i,9A,00930000$(printf %02d "$i")"; done
} >"$DC_DIR/first.csv"
dc_roster import --role student --slips "$DC_DIR/first-slips.csv" "$DC_DIR/first.csv" >/dev/null
tail -n +2 "$DC_DIR/first-slips.csv" | cut -d, -f1,4 | tr -d '"' >"$DC_DIR/accounts"
[ "$(wc -l <"$DC_DIR/accounts")" -eq 10 ] || dc_fail "expected 10 slips, got $(cat "$DC_DIR/first-slips.csv")"
dc_fix_permissions
dovecot_start "$D" "$DC_INI" "$DC_SERVER"

{
	echo "Nama;Kelas;NISN;JK"
	for i in $(seq 1 1000); do
		echo "Siswa Baru Nomor $i;7$(printf '%s' ABCDEFGHIJ | cut -c$(( (i % 10) + 1 )));0094$(printf %06d "$i");L"
	done
} >"$DC_DIR/big.csv"

# client N: at least 50 logins, and on until the import ends (so that its
# write transaction is covered too); every tenth with a wrong password.
client() {
	local n=$1 i=0 user pass want rc alive
	while [ $i -lt 50 ] || kill -0 "$import_pid" 2>/dev/null; do
		i=$((i + 1))
		IFS=, read -r user pass < <(sed -n "$(( (n * 50 + i) % 10 + 1 ))p" "$DC_DIR/accounts")
		want=ok
		if [ $((i % 10)) -eq 0 ]; then pass="${pass}-wrong"; want=refused; fi
		alive=no
		kill -0 "$import_pid" 2>/dev/null && alive=yes
		rc=0
		dc_imap "$user" "$pass" >/dev/null 2>&1 || rc=$?
		echo "$want $rc $alive $user"
	done >"$DC_DIR/client.$n"
}

echo "== importing 1,000 students while 4 clients log in (at least 200 logins)"
dc_roster import --role student --slips "$DC_DIR/big-slips.csv" "$DC_DIR/big.csv" \
	>"$DC_DIR/import.out" 2>&1 &
import_pid=$!
pids=()
for n in 0 1 2 3; do
	client "$n" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
rc=0
wait "$import_pid" || rc=$?
[ $rc -eq 0 ] || dc_fail "the import failed (exit $rc): $(cat "$DC_DIR/import.out")"
dc_pass "import: $(cat "$DC_DIR/import.out")"

cat "$DC_DIR"/client.* >"$DC_DIR/results"
total=$(wc -l <"$DC_DIR/results")
during=$(awk '$3 == "yes"' "$DC_DIR/results" | wc -l)
bad=$(awk '($1 == "ok" && $2 != 0) || ($1 == "refused" && $2 != 67)' "$DC_DIR/results")
[ "$total" -ge 200 ] || dc_fail "expected at least 200 logins, ran $total"
[ -z "$bad" ] || dc_fail "unexpected login outcomes (want, curl exit, import running, user):
$bad"
[ "$during" -gt 0 ] || dc_fail "no login overlapped the import; the test proved nothing"
dc_pass "$total logins ($during while the import ran): every right password worked, every wrong one was refused"
if grep -E 'Temporary authentication failure|internal failure|Fatal|Panic|signal [0-9]' \
	"$D/dovecot.log"; then
	dc_fail "the log shows a temporary failure or a crash (above)"
fi
dc_pass "no temporary failure or crash in the log"

echo "== students from the new list log in with their slips"
[ "$(tail -n +2 "$DC_DIR/big-slips.csv" | wc -l)" -eq 1000 ] ||
	dc_fail "expected 1,000 slips, got $(tail -n +2 "$DC_DIR/big-slips.csv" | wc -l)"
for line in 2 333 1001; do
	IFS=, read -r user _ _ pass _ < <(sed -n "${line}p" "$DC_DIR/big-slips.csv" | tr -d '"')
	dc_expect_login imap "$user" "$pass"
done
n=$(dovecot_doveadm "$D" user '*' | wc -l)
[ "$n" -eq 1010 ] || dc_fail "doveadm user '*': expected 1010 people, got $n"
dc_pass "doveadm user '*' lists all 1,010"
echo "PASS"
