#!/bin/bash
# NAME
#	exchange.sh - behind carrier NAT, mail crosses both ways in ssh mode, not in etrn mode
# DESCRIPTION
#	The school (dialctl with fake-pppd, real Postfix) dials into a carrier
#	NAT that masquerades it towards the ISP (real sshd and Postfix, set up
#	by surel-setup-isp-ssh).  5 messages wait on each side.
#	- While the school is offline the ISP's tunnel transport is refused
#	  and the mail is deferred, never bounced.
#	- [dial] mode = ssh: one dialctl session brings everything both ways
#	  through one compressed SSH connection and hangs up; the tunnel is
#	  closed cleanly (the ISP keeps no session of the school); the ledger
#	  says mode ssh with fewer wire bytes than SMTP bytes, and
#	  "dialctl report" shows what compression saved.
#	- [dial] mode = etrn, same NAT: the school's mail goes out, but the
#	  ISP's connect-back to the address that said ETRN (the NAT's) reaches
#	  nobody: nothing comes in.  The ISP here routes school.test to the
#	  address it saw, as surel-mxd would.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"
trap st_cleanup EXIT
N=5

st_setup_world ex
st_write_ini ssh
dc_send_out "$N"
dc_hold_in "$N"

check "offline: the ISP's delivery to the school is refused and deferred, not bounced"
st_wait_deferred "$T/isp" "$N"
pf_wait_log "$T/isp" "surel-tunnel.*to=<siti@school.test>.*status=deferred.*Connection refused" 10 ||
	fail "expected deferrals with 'Connection refused' at the ISP"
grep -q "status=bounced" "$T/isp/maillog" && fail "the ISP bounced mail while the school was offline"

check "ssh mode: one session carries everything both ways through the NAT"
dc_start
dc_cmd status | grep -q "^mode: ssh (root@$ST_ISP port $ST_SSH_PORT, forwards 127.0.0.1:10025 -> " ||
	fail "dialctl status does not show ssh mode: $(dc_cmd status)"
dc_cmd dial >/dev/null || fail "dialctl dial refused"
dc_wait_sessions 1 180 || fail "the session did not end within 180 s"
dc_wait_count "$T/isp" "$N" 20 || fail "expected $N messages out at the ISP, got $(dc_count "$T/isp")"
dc_wait_count "$T/school" "$N" 20 || fail "expected $N messages in at the school, got $(dc_count "$T/school")"
[ "$(dc_unique "$T/isp")" = "$N" ] && [ "$(dc_unique "$T/school")" = "$N" ] ||
	fail "expected $N distinct messages each way, got $(dc_unique "$T/isp") out, $(dc_unique "$T/school") in"
grep -q "tunnel up" "$T/dialctl.log" || fail "dialctl did not log the tunnel"
grep -q "ETRN school.test through the tunnel: 250" "$T/dialctl.log" ||
	fail "expected ETRN through the tunnel to be accepted"
grep -q "from $ST_NAT port" "$T/sshd.log" || fail "the ISP did not see the NAT's address"
grep -q "postfix/tunnel-school1/smtpd" "$T/isp/maillog" || fail "outbound mail did not use school1's own smtpd"
grep -q "/surel-tunnel/smtp\[.*relay=127.0.0.1\[127.0.0.1\]:10025.*status=sent" "$T/school/maillog" ||
	fail "outbound mail did not leave through the shipped surel-tunnel transport"
grep -q "/surel-tunnel-in/smtpd" "$T/school/maillog" || fail "inbound mail did not arrive at the tunnel-only smtpd"

check "the ledger records mode ssh, compression, and the report shows the saving"
read -r mode payload wire sent rcvd <<<"$(dc_sql 'SELECT mode, payload_bytes, wire_bytes, bytes_sent, bytes_rcvd FROM session')"
[ "$mode" = ssh ] || fail "expected mode ssh in the ledger, got '$mode'"
[ -n "$payload" ] && [ "$payload" -gt "$wire" ] && [ "$wire" -gt 0 ] ||
	fail "expected payload bytes > wire bytes > 0, got '$payload' '$wire'"
echo "  ledger: $payload SMTP bytes carried as $wire; link $sent bytes out, $rcvd in"
# The session's own month, not today's: a month may turn while the test runs.
month=$(dc_sql "SELECT strftime('%Y-%m', started, 'unixepoch', 'localtime') FROM session")
dc_cmd report --month "$month" >"$T/report" || fail "dialctl report --month $month failed"
grep -q "^ssh compression: .* saved" "$T/report" || fail "the report does not show the saving: $(cat "$T/report")"

check "the tunnel was closed cleanly: the ISP keeps no session of the school"
for ((i = 0; i < 50; i++)); do
	[ -f "$T/gate/school1.pid" ] || break
	sleep 0.1
done
[ -f "$T/gate/school1.pid" ] && fail "the gate still records a session of school1 after hang-up"
grep -q "Disconnected from user root $ST_NAT" "$T/sshd.log" || fail "sshd did not see a clean disconnect"
grep -q "status=bounced" "$T/isp/maillog" "$T/school/maillog" && fail "something bounced"
dc_stop
[ "$DC_RC" = 0 ] || fail "dialctl exited with $DC_RC"

check "etrn mode behind the same NAT: out works, nothing comes in"
rm -f "$T/ledger.db"
rm -rf "$T/school/mail" "$T/isp/mail"
mkdir -p "$T/school/mail" "$T/isp/mail"
chown nobody:nogroup "$T/school/mail" "$T/isp/mail"
st_write_ini etrn
pf_conf "$T/school" "relayhost=[$ST_ISP]:25"
postfix -c "$T/school/etc" reload >/dev/null 2>&1
pf_conf "$T/isp" "mynetworks=127.0.0.0/8 $ST_NAT/32" "smtpd_etrn_restrictions=permit_mynetworks,reject" \
	"transport_maps=inline:{school.test=smtp:[$ST_NAT]}"
postfix -c "$T/isp/etc" reload >/dev/null 2>&1
dc_send_out "$N"
dc_hold_in "$N"
st_wait_deferred "$T/school" "$N"
dc_start
dc_cmd dial >/dev/null || fail "dialctl dial refused"
dc_wait_sessions 1 180 || fail "the etrn session did not end within 180 s"
dc_wait_count "$T/isp" "$N" 20 || fail "expected $N messages out in etrn mode, got $(dc_count "$T/isp")"
grep -q "ETRN school.test: 250" "$T/dialctl.log" || fail "expected the ISP to accept ETRN"
pf_wait_log "$T/isp" "to=<siti@school.test>.*relay=none.*status=deferred.*$ST_NAT" 20 ||
	fail "expected the ISP's connect-back to the NAT address to fail"
[ "$(dc_count "$T/school")" = 0 ] || fail "expected nothing in through the NAT, got $(dc_count "$T/school")"
echo "  etrn behind NAT: $(dc_count "$T/isp")/$N out, $(dc_count "$T/school")/$N in"

check "the tunnel-only smtpd takes the school's mail and relays nothing (all comes from 127.0.0.1)"
# rcpt_reply ADDRESS: the school's 127.0.0.1:10026 answer to RCPT TO ADDRESS.
rcpt_reply() {
	timeout 20 ip netns exec "$ST_SNS" bash -c '
		exec 3<>/dev/tcp/127.0.0.1/10026 || exit 1
		say() { printf "%s\r\n" "$1" >&3; }
		read -r l <&3
		say "EHLO isp.test"
		while read -r l <&3; do [[ $l == 250\ * ]] && break; done
		say "MAIL FROM:<ali@outside.test>"
		read -r l <&3
		say "RCPT TO:<$1>"
		read -r l <&3
		echo "${l%$'"'"'\r'"'"'}"
		say QUIT' rcpt "$1"
}
r=$(rcpt_reply siti@school.test)
[[ $r == 250* ]] || fail "the tunnel smtpd refused mail for the school: $r"
r=$(rcpt_reply victim@elsewhere.example)
[[ $r == 454* || $r == 554* ]] || fail "the tunnel smtpd would relay to another domain: $r"
echo "  elsewhere: $r"

echo "PASS: exchange"
