#!/bin/bash
# NAME
#	tls-pin.sh - a pinned school's mail never goes to a stranger who took over its old address
# DESCRIPTION
#	A route stays fresh for [mxd] route_ttl after the school hangs up.
#	If its dial-up address meanwhile goes to another host that speaks
#	SMTP, Postfix would deliver the school's mail there
#	(notes/etrn-dynamic-route.md 3.4).  With "surel-setup-isp add-school
#	... --tls-fingerprint" the school gets its own transport that accepts
#	only its certificate.
#
#	1. The school (self-signed certificate) dials in from 192.0.2.10 and
#	   says ETRN: the held message arrives, over verified TLS.
#	2. It hangs up; an impostor that accepts mail for school.test (another
#	   certificate) gets 192.0.2.10.  New mail for the school, sent while
#	   the route is still fresh, is deferred at the ISP, and the impostor
#	   receives nothing.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/mxd/common.sh"

T=$(mktemp -d /tmp/surel-mxd-tls.XXXXXX)
NS_ISP=smxt-isp-$$
NS_SCH=smxt-sch-$$
NS_IMP=smxt-imp-$$
MXD_PID=

# cleanup: stop every server, delete the namespaces and the directory.
cleanup() {
	local rc=$?
	mxd_stop "$T"
	mxd_stop_dovecot "$T"
	pf_stop "$T/isp"
	pf_stop "$T/school"
	pf_stop "$T/imp"
	ns_delete "$NS_ISP" "$NS_SCH" "$NS_IMP"
	if [ $rc -ne 0 ]; then
		echo "--- ISP maillog" >&2; tail -n 30 "$T/isp/maillog" >&2 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# make_cert DIR: a self-signed ECDSA P-256 certificate for DIR's Postfix; prints its SHA-256 fingerprint.
make_cert() {
	local dir=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$(basename "$dir").test" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null ||
		fail "openssl could not make a certificate"
	chmod 0600 "$dir/key.pem"
	pf_conf "$dir" "smtpd_tls_cert_file=$dir/cert.pem" "smtpd_tls_key_file=$dir/key.pem" \
		"smtpd_tls_security_level=may"
	openssl x509 -in "$dir/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2
}

# send_mail SUBJECT [RCPT]: a message for the school, handed to the ISP from its own namespace.
send_mail() {
	ns_exec "$NS_ISP" swaks --server 127.0.0.1 --from sender@outside.test --to "${2:-siswa@school.test}" \
		--header "Subject: $1" --body "mail for the school: $1" >/dev/null ||
		fail "swaks could not hand '$1' to the ISP"
}

ns_create "$NS_ISP" "$NS_SCH" "$NS_IMP"
pf_init "$T/isp" isp.test all
mxd_write_ini "$T" "$T/isp"
mxd_setup_isp "$T" "$T/isp" install >"$T/setup.log" || fail "install failed: $(cat "$T/setup.log")"
pf_init "$T/school" school.test all
mxd_mailbox_init "$T/school"
fp_school=$(make_cert "$T/school")
pf_init "$T/imp" impostor all
mxd_mailbox_init "$T/imp"
fp_imp=$(make_cert "$T/imp")
[ "$fp_school" != "$fp_imp" ] || fail "the two certificates have the same fingerprint"
printf 'pw-school1-secret\n' >"$T/pw1"
mxd_setup_isp "$T" "$T/isp" add-school school1 school.test --password-file "$T/pw1" \
	--tls-fingerprint "$fp_school" >>"$T/setup.log" || fail "add-school failed: $(cat "$T/setup.log")"
mxd_setup_isp "$T" "$T/isp" add-school school2 other.test --password-file "$T/pw1" >>"$T/setup.log"

pf_start "$T/isp" "$NS_ISP"
pf_start "$T/school" "$NS_SCH"
pf_start "$T/imp" "$NS_IMP"
mxd_start_dovecot "$T"
mxd_start "$T"

check "the pinned school receives its held mail over verified TLS"
send_mail m1
send_mail other guru@other.test     # qmgr's one-entry resolve cache now holds another school
pf_wait_log "$T/isp" "to=<siswa@school.test>.*status=deferred" 20 || fail "expected m1 held at the ISP"
ns_link "$NS_ISP" va 192.0.2.1/24 "$NS_SCH" veth0 192.0.2.10/24
ns_exec "$NS_SCH" curl -sS --max-time 20 --url smtp://192.0.2.1 -u school1:pw-school1-secret --sasl-ir \
	-X ETRN --mail-rcpt school.test >/dev/null || fail "the school's ETRN failed"
mxd_wait_mail "$T/school" 1 30 || fail "expected m1 at the school, it has $(mxd_mail_count "$T/school")"
grep -q "surel-school1/smtp.*Verified TLS connection established to 192.0.2.10" "$T/isp/maillog" ||
	fail "expected a verified TLS connection by transport surel-school1 in the ISP log"

check "after hang-up an impostor holds 192.0.2.10: mail for the school is deferred, not given to it"
ip -n "$NS_ISP" link del va
ns_link "$NS_ISP" vi 192.0.2.1/24 "$NS_IMP" veth0 192.0.2.10/24
send_mail m2
pf_wait_log "$T/isp" "to=<siswa@school.test>, relay=192.0.2.10.*status=deferred.*certificate" 30 ||
	fail "expected m2 deferred for the impostor's certificate; log: $(grep 'to=<siswa' "$T/isp/maillog" | tail -2)"
[ "$(mxd_mail_count "$T/imp")" = 0 ] || fail "the impostor received $(mxd_mail_count "$T/imp") message(s)"
grep -q 'status=bounced' "$T/isp/maillog" && fail "a message bounced: $(grep bounced "$T/isp/maillog")"
[ "$(pf_queue_count "$T/isp")" -ge 1 ] || fail "expected m2 still queued at the ISP"
echo "PASS: tls-pin"
