#!/bin/bash
# surel-roster check: puts back the -wal/-shm files that the sqlite3 shell
# removes (so that Postfix's read-only lookups work again), finds people
# without a password, and says when a file is damaged.
. "$(dirname "$0")/common.sh"

chmod 755 "$WORK"
expect_status 0 roster init
expect_status 0 roster import --slips "$WORK/slips.csv" "$SAMPLES/sample-class-list.csv"
# postfix_reads: what Postfix's user reads from the roster, read-only.
postfix_reads() {
	runuser -u postfix -- sqlite3 -readonly "$WORK/roster.db" "SELECT count(*) FROM mail_mailbox" 2>&1
}

expect_status 0 roster check
grep -q "^roster: $WORK/roster.db: ok; wal files present" "$WORK/out" ||
	{ echo "FAIL: check did not find the roster sound: $(cat "$WORK/out")"; exit 1; }
grep -q "^passwords: every active or suspended person has one" "$WORK/out" ||
	{ echo "FAIL: check counted people without a password: $(cat "$WORK/out")"; exit 1; }
ok "a sound roster is reported sound"

sqlite3 "$WORK/roster.db" "SELECT count(*) FROM person" >/dev/null
[ ! -e "$WORK/roster.db-shm" ] || { echo "FAIL: the sqlite3 shell left -shm (the premise changed)"; exit 1; }
if out=$(postfix_reads); then
	echo "FAIL: postfix read the roster without its -shm file: $out"; exit 1
fi
expect_status 0 roster check
[ -e "$WORK/roster.db-wal" ] && [ -e "$WORK/roster.db-shm" ] ||
	{ echo "FAIL: check did not put back -wal/-shm: $(ls "$WORK")"; exit 1; }
[[ $(stat -c %a "$WORK/roster.db-shm") == 644 ]] || { echo "FAIL: -shm is $(stat -c %a "$WORK/roster.db-shm")"; exit 1; }
out=$(postfix_reads) && [[ $out =~ ^[0-9]+$ ]] ||
	{ echo "FAIL: postfix still cannot read the roster after check: $out"; exit 1; }
ok "after the sqlite3 shell, check puts back -wal/-shm and postfix reads again"

expect_status 0 roster add --name "Rina Wati" --role teacher
expect_status 0 roster check
grep -q "^passwords: 1 active or suspended person has none, so cannot log in (first: rina.wati)" "$WORK/out" ||
	{ echo "FAIL: check did not name rina.wati: $(cat "$WORK/out")"; exit 1; }
ok "people without a password are named, with the command that helps"

# Damage the roster's b-tree pages (after a checkpoint: everything in the main
# file), not its first page: quick_check must see it.
sqlite3 "$WORK/roster.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
printf 'surel-damage%.0s' {1..1000} | dd of="$WORK/roster.db" bs=1 seek=4096 conv=notrunc status=none
expect_status 65 roster check
grep -q "damaged" "$WORK/err" || { echo "FAIL: no 'damaged' in: $(cat "$WORK/err")"; exit 1; }
ok "a damaged roster file is reported (exit 65)"

# One rule for the roster's two files: with only [roster] db set, the credentials
# are credentials.db beside it, for surel-roster as for every reader (lib's rule).
printf '[school]\ndomain = smpn1.sch.id\n[roster]\ndb = %s/only-db/roster.db\n' "$WORK" > "$WORK/only-db.ini"
expect_status 0 "$ROSTER_BIN" --config "$WORK/only-db.ini" paths
expect_in "$WORK/out" "credentials $WORK/only-db/credentials.db"
expect_status 0 "$ROSTER_BIN" --config "$WORK/only-db.ini" init
[ -f "$WORK/only-db/credentials.db" ] || { echo "FAIL: init did not make credentials.db beside the db" >&2; exit 1; }
expect_status 0 "$ROSTER_BIN" --config "$WORK/only-db.ini" check
expect_in "$WORK/out" "credentials: $WORK/only-db/credentials.db: ok"
ok "paths: credentials.db beside [roster] db when [roster] credentials is not set"
