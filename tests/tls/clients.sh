#!/bin/bash
# NAME
#	clients.sh - real mail programs log in only inside STARTTLS, and it works
# DESCRIPTION
#	The school server of tests/lib/world.sh (Postfix with the shipped
#	etc/postfix snippets and surel-milter, Dovecot with the shipped
#	conf.d snippet and the roster module, one throwaway certificate for
#	mail.DOMAIN), and a student's PC in another namespace running
#	tests/tls/client.py with Debian's /usr/bin/python3 (smtplib, imaplib, poplib):
#	  (a) port 587 offers STARTTLS and no AUTH before it; AUTH sent anyway
#	      and MAIL FROM are refused; after STARTTLS AUTH is offered;
#	      port 25 offers STARTTLS (optional there) with the same certificate;
#	  (b) Budi sends to Badu on 587 (STARTTLS, login), Badu reads it over
#	      IMAP on 143 (STARTTLS) and POP3 on 110 (STLS); every client
#	      checks the certificate is the school's, for mail.DOMAIN;
#	  (c) a plaintext IMAP LOGIN and POP3 USER/PASS from the PC, without
#	      STARTTLS, are refused even with the right password (IMAP
#	      advertises LOGINDISABLED); the same login from the server
#	      itself (the webmail's place) works.
set -euo pipefail
: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/world.sh"
CLIENT=$SUREL_SRC_DIR/tests/tls/client.py

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() { echo "check: $*"; }

W=$(mktemp -d /tmp/surel-tls.XXXXXX)
world_init "$W" "tls$$"
cleanup() {
	local rc=$?
	if ((rc != 0)); then
		echo "--- school mail log (last 20 lines):" >&2
		tail -n 20 "$W/school/pf/maillog" >&2 2>/dev/null || true
		echo "--- school Dovecot log (last 20 lines):" >&2
		tail -n 20 "$W/school/dc/dovecot.log" >&2 2>/dev/null || true
	fi
	world_stop
	rm -rf "$W"
	exit $rc
}
trap cleanup EXIT

world_school_ini
roster() { "$SUREL_BIN_DIR/roster/surel-roster" --config "$W_INI" "$@"; }
roster init >/dev/null
printf 'Nama,Kelas\nBudi,7A\nBadu,7A\n' >"$W/7a.csv"
roster import --slips "$W/slips.csv" "$W/7a.csv" >/dev/null
pw() { awk -F, -v u="$1" '{ gsub(/"/, "") } $1 == u { print $4 }' "$W/slips.csv"; }
pw_budi=$(pw budi) pw_badu=$(pw badu)
[ -n "$pw_budi" ] && [ -n "$pw_badu" ] || fail "no slips for budi and badu: $(cat "$W/slips.csv")"
echo "isp-secret" >"$W/isp.pw"
world_net || fail "could not create the namespaces"
world_school_up "$W/isp.pw" || fail "the school server did not come up"
NAME=mail.$W_DOMAIN
CA=(--ca "$W_TLS_DIR/cert.pem" --name "$NAME")

# pc ARGS...: client.py from the student's PC; output in $T_OUT, status returned.
pc() {
	local rc=0
	T_OUT=$(ns_exec "$W_NS_LAN" /usr/bin/python3 "$CLIENT" "$@" 2>&1) || rc=$?
	return $rc
}
field() { sed -n "s/^$1: //p" <<<"$T_OUT"; }

check "(a) 587: STARTTLS offered, AUTH neither offered nor accepted before it"
pc smtp-plain "$W_LAN_SERVER" 587 budi "$pw_budi" || fail "AUTH before STARTTLS was not refused: $T_OUT"
[[ " $(field features) " == *" STARTTLS "* ]] || fail "587 does not offer STARTTLS: $T_OUT"
[[ " $(field features) " != *" AUTH "* ]] || fail "587 offers AUTH before STARTTLS: $T_OUT"
[[ $(field auth) == 5* ]] || fail "AUTH before STARTTLS: expected a 5xx refusal: $T_OUT"
[[ $(field mail) == 530* ]] || fail "MAIL before STARTTLS: expected 530 (TLS required): $T_OUT"
echo "  AUTH: $(field auth); MAIL: $(field mail)"
pc "${CA[@]}" smtp-starttls "$W_LAN_SERVER" 587 || fail "STARTTLS on 587 with the school's certificate failed: $T_OUT"
[[ " $(field after) " == *" AUTH "* ]] || fail "587 offers no AUTH after STARTTLS: $T_OUT"
echo "  after STARTTLS ($(field cipher)): $(field after)"
pc "${CA[@]}" smtp-starttls "$W_LAN_SERVER" 25 || fail "STARTTLS on 25 with the school's certificate failed: $T_OUT"
[[ " $(field before) " != *" AUTH "* ]] || fail "port 25 offers AUTH: $T_OUT"

check "(b) smtplib sends with STARTTLS + login on 587"
subj="PR matematika $$-$RANDOM"
pc "${CA[@]}" send "$W_LAN_SERVER" budi "$pw_budi" "budi@$W_DOMAIN" "badu@$W_DOMAIN" "$subj" ||
	fail "smtplib could not send: $T_OUT"
echo "  $(tr '\n' ' ' <<<"$T_OUT")"

check "(b) imaplib reads it with STARTTLS on 143"
for ((i = 0; i < 150; i++)); do
	pc "${CA[@]}" imap "$W_LAN_SERVER" badu "$pw_badu" "$subj" && break
	[ "$(field login)" = ok ] || fail "imaplib could not log in inside STARTTLS: $T_OUT"
	sleep 0.2
done
[ "$(field found)" = 1 ] || fail "'$subj' did not reach badu's INBOX in 30 s: $T_OUT; queue: $(postqueue -c "$W/school/pf/etc" -j)"
[[ " $(field capability) " == *" STARTTLS "* ]] || fail "IMAP does not offer STARTTLS: $T_OUT"
echo "  $(field tls), found $(field found)"

check "(b) poplib reads it with STLS on 110"
pc "${CA[@]}" pop3 "$W_LAN_SERVER" badu "$pw_badu" "$subj" || fail "poplib did not find the message inside STLS: $T_OUT"
[[ " $(field capability) " == *" STLS "* ]] || fail "POP3 does not offer STLS: $T_OUT"
echo "  $(field tls), found $(field found)"

check "(b) a client that trusts only the school's certificate for another name is turned away"
pc --ca "$W_TLS_DIR/cert.pem" --name mail.other.example imap "$W_LAN_SERVER" badu "$pw_badu" "$subj" &&
	fail "the certificate check proved nothing: a wrong name was accepted: $T_OUT"
[[ $(field error) == *CERTIFICATE_VERIFY_FAILED* ]] || fail "expected a certificate verification error: $T_OUT"

check "(c) plaintext IMAP LOGIN from the PC is refused, even with the right password"
pc imap-plain "$W_LAN_SERVER" badu "$pw_badu" && fail "a plaintext IMAP login from another host worked: $T_OUT"
[[ " $(field capability) " == *" LOGINDISABLED "* ]] || fail "IMAP does not advertise LOGINDISABLED: $T_OUT"
echo "  $(field login)"

check "(c) plaintext POP3 USER/PASS from the PC is refused, even with the right password"
pc pop3-plain "$W_LAN_SERVER" badu "$pw_badu" && fail "a plaintext POP3 login from another host worked: $T_OUT"
echo "  $(field login)"

check "(c) the same plaintext logins from the server itself work (the webmail's place)"
rc=0
out=$(ns_exec "$W_NS_SCH" /usr/bin/python3 "$CLIENT" imap-plain "$W_LAN_SERVER" badu "$pw_badu" 2>&1) || rc=$?
[ $rc = 0 ] || fail "a plaintext IMAP login on the server itself was refused: $out"
rc=0
out=$(ns_exec "$W_NS_SCH" /usr/bin/python3 "$CLIENT" pop3-plain "$W_LAN_SERVER" badu "$pw_badu" 2>&1) || rc=$?
[ $rc = 0 ] || fail "a plaintext POP3 login on the server itself was refused: $out"
echo "PASS"
