#!/bin/bash
# NAME
#	budget.sh - budget spent: no dial; forced dial; pppd that never comes up
# DESCRIPTION
#	With [budget] money = 0 a manual dial is refused, logged in the
#	ledger, and pppd is never started.  "dialctl dial --force" overrides
#	the budget; the stand-in pppd then fails like a modem whose chat
#	script fails (exit 8): the attempts end, the session is recorded as
#	failed with pppd's reason, and the trigger is set to be retried.
#	No Postfix is needed: the link never comes up.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup_bare budget
dc_ini_set budget money 0
dc_ini_set dial attempts 2
dc_peer_set fail 8
dc_start

check "one daemon only: a second one stops at the lock; the socket is root's only"
rc=0
out=$(timeout 10 ip netns exec "$DC_SNS" "$DIALCTL" --config "$T/surel.ini" daemon 2>&1) || rc=$?
[ "$rc" = 75 ] || fail "expected the second daemon to exit 75 (EX_TEMPFAIL), got $rc: $out"
grep -q 'another dialctl daemon is running' <<<"$out" || fail "expected the lock to be named: $out"
[ -S "$T/run/dialctl.sock" ] || fail "the second daemon removed the first one's socket"
mode=$(stat -c %a "$T/run/dialctl.sock")
[ "$mode" = 600 ] || fail "expected the control socket to be mode 600 without [dial] socket_group, got $mode"

check "a manual dial is refused while the budget is spent"
if out=$(dc_cmd dial 2>&1); then
	fail "expected dialctl dial to be refused, it said: $out"
fi
grep -q 'budget' <<<"$out" || fail "expected the refusal to name the budget, got: $out"
[ ! -e "$T/run/calls.log" ] || fail "pppd was started although the budget is spent: $(cat "$T/run/calls.log")"
ev=$(dc_sql "SELECT kind || ': ' || text FROM event")
grep -q '^refused: manual trigger refused: the monthly budget in Rupiah is spent' <<<"$ev" ||
	fail "expected a 'refused' event in the ledger, got: $ev"

check "status shows the budget left (Rp 0)"
st=$(dc_cmd status)
grep -q 'budget left Rp 0' <<<"$st" || fail "expected 'budget left Rp 0' in status, got: $st"

check "dial --force overrides the budget; pppd never comes up; attempts end"
dc_cmd dial --force >/dev/null || fail "dialctl dial --force was refused"
dc_wait_sessions 1 60 || fail "no session recorded after the forced dial"
calls=$(wc -l <"$T/run/calls.log")
[ "$calls" = 2 ] || fail "expected 2 dial attempts ([dial] attempts = 2), pppd ran $calls times"
grep -q 'call isp nodetach linkname surel ipparam /.*/dialctl.sock ip-up-script /.*dialctl-hook ip-down-script /.*dialctl-hook' \
	"$T/run/calls.log" || fail "pppd was not called with pppd's options: $(head -1 "$T/run/calls.log")"
row=$(dc_sql 'SELECT trigger, attempts, up_seconds, cost, errors FROM session')
echo "ledger: $row"
grep -q '^manual 2 0 0 ' <<<"$row" || fail "expected a manual session of 2 attempts, no link time, no cost: $row"
grep -q 'connect script (chat) failed' <<<"$row" || fail "expected pppd's exit reason in the errors: $row"
dc_wait_sql "SELECT kind || ': ' || text FROM event" '^failed: session failed; trigger manual retried at ' ||
	fail "expected a 'failed' event with a retry: $(dc_sql 'SELECT kind, text FROM event')"
st=$(dc_cmd status)
grep -q '^next trigger: .* (retry of manual)' <<<"$st" || fail "expected the retry as next trigger: $st"

check "dialctl log shows the refusal, the session and the retry"
log=$(dc_cmd log)
echo "$log"
[ "$(grep -c 'refused:\|session 1 (manual)\|failed:' <<<"$log")" = 3 ] || fail "dialctl log misses lines"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
