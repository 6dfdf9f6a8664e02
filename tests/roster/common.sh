# Sourced by the surel-roster CLI tests: a scratch roster and small checks.
set -euo pipefail
# The suites read surel-roster's English messages whatever the caller's locale
# (language.sh sets LANG itself).
unset LC_ALL LC_MESSAGES LANGUAGE
export LANG=C.UTF-8
ROSTER_BIN="${SUREL_BIN_DIR:?}/roster/surel-roster"
SAMPLES="${SUREL_SRC_DIR:?}/share"
WORK=$(mktemp -d /tmp/surel-roster-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/surel.ini" <<INI
[school]
domain = smpn1.sch.id
name = SMP Negeri 1 Contoh
[roster]
db = $WORK/roster.db
credentials = $WORK/credentials.db
password_scheme = sha512crypt
INI
roster() { "$ROSTER_BIN" --config "$WORK/surel.ini" "$@"; }

# expect_status N CMD...: run CMD, fail unless it exits N; its output goes to $WORK/out, $WORK/err.
expect_status() {
    local want=$1 got=0
    shift
    "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
    if [[ $got != "$want" ]]; then
        echo "FAIL: '$*' exited $got, expected $want" >&2
        sed 's/^/  stdout: /' "$WORK/out" >&2
        sed 's/^/  stderr: /' "$WORK/err" >&2
        exit 1
    fi
}

# expect_in FILE TEXT: fail unless FILE contains TEXT.
expect_in() {
    if ! grep -qF -- "$2" "$1"; then
        echo "FAIL: expected '$2' in $(basename "$1"):" >&2
        sed 's/^/  /' "$1" >&2
        exit 1
    fi
}

# same_files A B: fail unless two files are identical.
same_files() {
    cmp -s "$1" "$2" || { echo "FAIL: $1 and $2 differ:" >&2; diff "$1" "$2" >&2 || true; exit 1; }
}

ok() { echo "ok - $*"; }
