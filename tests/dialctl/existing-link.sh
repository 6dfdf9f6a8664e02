#!/bin/bash
# NAME
#	existing-link.sh - a link that is already up is used, not dialled
# DESCRIPTION
#	With [dial] interface naming an interface that is up (here a veth
#	pair the test raises itself, as an administrator's own link would
#	be), "dialctl dial" must not start pppd, must run the session over
#	that interface, and must leave the interface up when the session
#	ends (it is not dialctl's to hang up).  The ISP here runs no mail
#	server: the flush and ETRN fail, which is recorded, and the session
#	still ends promptly.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/dialctl/common.sh"
trap dc_cleanup EXIT

dc_setup_bare existing
ns_link "$DC_SNS" ext0 192.0.2.10/24 "$DC_INS" ext0 192.0.2.1/24
dc_ini_set dial interface ext0
dc_start

check "dialctl dial uses ext0 without starting pppd"
dc_cmd dial >/dev/null || fail "dialctl dial was refused"
dc_wait_sessions 1 60 || fail "no session recorded within 60 s"
[ ! -e "$T/run/calls.log" ] || fail "pppd was started although ext0 is up: $(cat "$T/run/calls.log")"
grep -q 'interface ext0 is already up: using it, not dialling' "$T/dialctl.log" ||
	fail "expected dialctl to say it uses ext0"
grep -q 'link up: ext0 192.0.2.10' "$T/dialctl.log" || fail "expected the session to run on ext0"

check "the session is recorded with the failed ETRN, and ext0 is still up"
row=$(dc_sql 'SELECT attempts, errors FROM session')
echo "ledger: $row"
grep -q 'ETRN school.test: 0 ' <<<"$row" || fail "expected the failed ETRN in the ledger: $row"
[ "$(ip -n "$DC_SNS" -br link show ext0 | awk '{print $2}')" = UP ] ||
	fail "ext0 was taken down; it is not dialctl's link"

dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl daemon exited with status $DC_RC after SIGTERM"
echo "PASS"
