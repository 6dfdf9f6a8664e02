#!/bin/bash
# NAME
#	setup-isp.sh - surel-setup-isp is idempotent and refuses bad input without changing anything
# DESCRIPTION
#	Against a private Postfix configuration directory (not started):
#	install twice (the second run changes no file), then adding and
#	removing schools, pinning a school's TLS certificate (its own
#	transport), then input that must be refused: a domain owned by
#	another school, a malformed domain, a new school without password, a
#	short password, an ISP whose main.cf already relays elsewhere.  After
#	each refusal the configuration, the route table and the password file
#	are exactly as before.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/mxd/common.sh"

T=$(mktemp -d /tmp/surel-mxd-setup.XXXXXX)

# cleanup: remove the test directory (nothing was started).
cleanup() {
	local rc=$?
	pf_stop "$T/isp"
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# snapshot: one checksum over everything the script may change.
snapshot() {
	{
		cat "$T/isp/etc/main.cf" "$T/isp/etc/master.cf" "$T/isp-passwd"
		cat "$T/isp/etc/"surel-*.cf "$T/dovecot/sasl.conf" 2>/dev/null || true
		"$MXD_BIN" -c "$T/surel.ini" list --csv
	} | sha256sum
}

# refused WHAT EXPECTED_STATUS ARGS...: run setup, expect that exit status and no change.
refused() {
	local what=$1 want=$2 before after rc=0
	shift 2
	check "refuses $what and changes nothing"
	before=$(snapshot)
	mxd_setup_isp "$T" "$T/isp" "$@" >"$T/out" 2>&1 </dev/null || rc=$?
	[ "$rc" = "$want" ] || fail "$what: expected exit $want, got $rc: $(cat "$T/out")"
	grep -q "surel-setup-isp: " "$T/out" || fail "$what: no message saying why"
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "$what: something changed although it was refused"
	echo "  said: $(tail -1 "$T/out")"
}

pf_init "$T/isp" isp.test
mxd_write_ini "$T" "$T/isp"

check "install configures Postfix"
mxd_setup_isp "$T" "$T/isp" install >"$T/out1" || fail "install failed: $(cat "$T/out1")"
pc() { postconf -c "$T/isp/etc" "$@"; }
[ "$(pc -h relay_domains)" = "proxy:sqlite:$T/isp/etc/surel-domains.cf" ] || fail "relay_domains is '$(pc -h relay_domains)'"
[ "$(pc -h transport_maps)" = "proxy:sqlite:$T/isp/etc/surel-routes.cf" ] || fail "transport_maps is '$(pc -h transport_maps)'"
[ "$(pc -h fast_flush_domains)" = '$relay_domains' ] || fail "fast_flush_domains is '$(pc -h fast_flush_domains)'"
[ "$(pc -h smtpd_etrn_restrictions)" = "check_policy_service unix:private/surel-mxd, reject" ] ||
	fail "smtpd_etrn_restrictions is '$(pc -h smtpd_etrn_restrictions)'"
[ "$(pc -h maximal_queue_lifetime)" = 14d ] || fail "maximal_queue_lifetime is '$(pc -h maximal_queue_lifetime)'"
pc -M surel/unix | grep -q smtp || fail "no surel transport in master.cf"
pc -M surel-offline/unix | grep -q "exit 75" || fail "no surel-offline transport in master.cf"
[ "$(stat -c %U "$T/routes/routes.db")" = nobody ] || fail "route table not owned by [mxd] user"
postfix -c "$T/isp/etc" check 2>"$T/check" || fail "postfix check complains: $(cat "$T/check")"

check "a second install changes nothing"
before=$(snapshot)
mxd_setup_isp "$T" "$T/isp" install >"$T/out2" || fail "second install failed: $(cat "$T/out2")"
[ "$before" = "$(snapshot)" ] || fail "the second install changed something"
grep -q "wrote" "$T/out2" && fail "the second install rewrote a file: $(cat "$T/out2")"

check "add-school adds the school in one command, with its password"
printf 'pw-school1-secret\n' | mxd_setup_isp "$T" "$T/isp" add-school school1 School.TEST school1.sch.id --password-stdin >/dev/null
grep -q '^school1:{SHA512-CRYPT}\$6\$' "$T/isp-passwd" || fail "no hash for school1 in the password file"
[ "$(postmap -q school.test "sqlite:$T/isp/etc/surel-domains.cf")" = school.test ] || fail "school.test is not a relay domain"
[ "$(postmap -q school1.sch.id "sqlite:$T/isp/etc/surel-routes.cf")" = "surel-offline:" ] ||
	fail "a school that never dialled in should have the route surel-offline:"
printf 'pw-school2-secret\n' >"$T/pw2"
mxd_setup_isp "$T" "$T/isp" add-school school2 other.test --password-file "$T/pw2" >/dev/null
check "adding a school again without a password keeps its password"
h1=$(grep '^school1:' "$T/isp-passwd")
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test >/dev/null
[ "$h1" = "$(grep '^school1:' "$T/isp-passwd")" ] || fail "the password of school1 changed"

check "a TLS pin gives the school its own transport; pinning again changes nothing"
FP=$(printf 'A9:%.0s' $(seq 31))A9
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test --tls-fingerprint "${FP,,}" >/dev/null
pc -M surel-school1/unix | grep -q "smtp_tls_fingerprint_cert_match=$FP" ||
	fail "expected master.cf service surel-school1 pinned to $FP, got '$(pc -M surel-school1/unix)'"
"$MXD_BIN" -c "$T/surel.ini" list --csv | grep -q "^school1,.*,$FP\$" || fail "the route table does not hold the pin"
before=$(snapshot)
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test --tls-fingerprint "$FP" >/dev/null
[ "$before" = "$(snapshot)" ] || fail "pinning the same fingerprint again changed something"
postfix -c "$T/isp/etc" check 2>"$T/check" || fail "postfix check complains: $(cat "$T/check")"
refused "a malformed fingerprint" 65 add-school school1 school.test --tls-fingerprint AB:CD
check "--no-tls-fingerprint removes the school's own transport"
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test --no-tls-fingerprint >/dev/null
[ -z "$(pc -M surel-school1/unix)" ] || fail "surel-school1 is still in master.cf"

refused "a domain owned by another school" 65 add-school school2 school.test new.test
[ -z "$(postmap -q new.test "sqlite:$T/isp/etc/surel-domains.cf" || true)" ] || fail "new.test was added"
refused "a malformed domain" 65 add-school school3 'bad_domain' --password-file "$T/pw2"
refused "a new school without a password" 65 add-school school3 three.test
printf 'short\n' >"$T/pwshort"
refused "a short password" 65 add-school school3 three.test --password-file "$T/pwshort"
refused "an unknown school's removal" 65 remove-school nobody-here
refused "a bad queue lifetime" 65 --queue-lifetime soon install
pc -e "relay_domains=hash:/etc/postfix/other-relays"
refused "to replace another setup's relay_domains" 78 install

check "--force takes the relay over; remove-school removes login and domains"
mxd_setup_isp "$T" "$T/isp" --force install >/dev/null
[ "$(pc -h relay_domains)" = "proxy:sqlite:$T/isp/etc/surel-domains.cf" ] || fail "--force did not set relay_domains"
mxd_setup_isp "$T" "$T/isp" remove-school school2 >/dev/null
grep -q '^school2:' "$T/isp-passwd" && fail "school2 is still in the password file"
[ -z "$(postmap -q other.test "sqlite:$T/isp/etc/surel-domains.cf" || true)" ] || fail "other.test is still relayed"
grep -q '^school1:' "$T/isp-passwd" || fail "school1 lost its password"
pc -e "defer_transports=uucp"
refused "to replace another setup's defer_transports" 78 install
refused "an unknown command" 64 bogus
echo "PASS: setup-isp"
