#!/bin/bash
# The files follow privilege: people readable by Postfix's user, hashes not.
. "$(dirname "$0")/common.sh"

chmod 755 "$WORK"
expect_status 0 roster init
expect_status 0 roster import --slips "$WORK/slips.csv" "$SAMPLES/sample-class-list.csv"
id postfix >/dev/null || { echo "FAIL: no postfix user (scripts/check installs postfix)"; exit 1; }

# Postfix's lookup tables read the roster as user postfix, read-only, WAL and all.
out=$(runuser -u postfix -- sqlite3 -readonly "$WORK/roster.db" \
      "SELECT count(*) FROM mail_list_member WHERE list = 'kelas-7a'")
[[ $out == 10 ]] || { echo "FAIL: postfix read '$out' from the roster"; exit 1; }
ok "user postfix reads the roster read-only"

if runuser -u postfix -- sqlite3 -readonly "$WORK/credentials.db" "SELECT count(*) FROM credential" \
        >"$WORK/out" 2>&1; then
    echo "FAIL: user postfix could read the hashes: $(cat "$WORK/out")"; exit 1
fi
for f in "$WORK"/credentials.db*; do
    [[ $(stat -c %a "$f") == 600 ]] || { echo "FAIL: $f is $(stat -c %a "$f")"; exit 1; }
done
ok "password hashes are not readable by postfix"

# The roster tool itself, run as that user, cannot change anything.
if runuser -u postfix -- "$ROSTER_BIN" --config "$WORK/surel.ini" suspend budi >"$WORK/out" 2>&1; then
    echo "FAIL: postfix could suspend budi"; exit 1
fi
roster show budi | grep -q "status:    active"
ok "a reader without write permission changes nothing"
