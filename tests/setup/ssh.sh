#!/bin/bash
# NAME
#	ssh.sh - surel-setup configures ssh mode from what the ISP's setup printed
# DESCRIPTION
#	The hand-over of dialctl's "ssh" mode between the two setup scripts,
#	against a school server image below a temporary root (see common.sh)
#	and an ISP Postfix configuration directory:
#	  - surel-setup --ssh-key makes the school's key (0600 in a 0700
#	    directory) and prints its public half, the same one every time;
#	  - the ISP's surel-setup-isp ssh-install / ssh-add takes that key
#	    and prints the school's tunnel file (ports, host key);
#	  - surel-setup --mode ssh --tunnel FILE: relayhost through the
#	    forward, the surel-tunnel transport without TLS and with short
#	    timeouts, the tunnel-only smtpd that relays nothing, outside mail
#	    held for that transport, [dial] mode and [ssh] with the ISP's
#	    ports (dialctl accepts them), the ISP's host key in known_hosts;
#	    postfix check passes; a second run (with or without --mode)
#	    changes nothing;
#	  - refusals change nothing: a missing or bad tunnel file, a host key
#	    for another host, a bad mode, another service on the forward's
#	    port, ssh mode without any tunnel file;
#	  - back to etrn mode and to ssh mode again: surel's own values are
#	    switched, ssh mode's services go and come, the key stays.
set -euo pipefail
. "$SUREL_SRC_DIR/tests/setup/common.sh"
su_image
ISP=$T/isp
SETUP_ISP=$SUREL_SRC_DIR/scripts/surel-setup-isp

# setup ARGS...: surel-setup on the image for the school.
setup() {
	"$SETUP" --root "$R" --roster "$ROSTER" --domain "$D" "$@"
}
# isp ARGS...: the ISP's ssh set-up against its own configuration directory.
isp() {
	"$SETUP_ISP" --config-dir "$ISP/etc" "$@" --tunnel-user root --keys "$ISP/authorized_keys" \
		--state "$ISP/gate" --sshd-conf "$ISP/sshd.conf" --ssh-host isp.example.net \
		--ssh-port 2222 --host-key "$ISP/host.pub" --firewall "$ISP/tunnel.nft" --no-firewall-load
}

check "--ssh-key makes the school's key and prints its public half"
"$SETUP" --root "$R" --domain "$D" --ssh-key >"$T/school.pub" 2>"$T/key.err" ||
	fail "--ssh-key failed: $(cat "$T/key.err")"
K=$R/etc/surel/ssh/id_ed25519
[ "$(owner_mode "$K")" = "root:root 600" ] || fail "the private key is $(owner_mode "$K")"
[ "$(owner_mode "$R/etc/surel/ssh")" = "root:root 700" ] || fail "the key's directory is $(owner_mode "$R/etc/surel/ssh")"
grep -q "^ssh-ed25519 [A-Za-z0-9+/]* surel@$D\$" "$T/school.pub" || fail "not a public key on stdout: $(cat "$T/school.pub")"
cmp -s "$T/school.pub" "$K.pub" || fail "the printed key is not $K.pub"
"$SETUP" --root "$R" --domain "$D" --ssh-key >"$T/again.pub" 2>/dev/null
cmp -s "$T/school.pub" "$T/again.pub" || fail "a second --ssh-key printed another key"

check "the ISP adds the school and prints its tunnel file"
mkdir -p "$ISP/etc"
cp /etc/postfix/main.cf /etc/postfix/master.cf "$ISP/etc/"
postconf -c "$ISP/etc" -e "alternate_config_directories="
ssh-keygen -q -t ed25519 -N '' -C isp-host -f "$ISP/host"
isp ssh-install >"$T/isp.out" 2>&1 || fail "ssh-install: $(cat "$T/isp.out")"
isp ssh-add smpn1 "$D" --key "$T/school.pub" >"$T/tunnel" 2>"$T/isp.err" ||
	fail "ssh-add: $(cat "$T/isp.err" "$T/tunnel")"
read -r out in <<<"$(isp ssh-list | awk '$1 == "smpn1" { print $2, $3 }')"
[ -n "$out" ] && [ -n "$in" ] || fail "ssh-list does not show the school: $(isp ssh-list)"
grep -q "^# known_hosts: \[isp.example.net\]:2222 $(cut -d' ' -f1,2 "$ISP/host.pub")\$" "$T/tunnel" ||
	fail "the tunnel file lacks the ISP's host key: $(cat "$T/tunnel")"

postconf -c "$R/etc/postfix" -e "relayhost=[smtp.other.example]:587" 2>/dev/null
refused "to replace another setup's relayhost" 78 setup --mode ssh --tunnel "$T/tunnel"
postconf -c "$R/etc/postfix" -X relayhost 2>/dev/null

check "surel-setup --mode ssh --tunnel FILE sets the school up for the tunnel"
setup --mode ssh --tunnel "$T/tunnel" >"$T/run1" 2>&1 || fail "surel-setup --mode ssh failed: $(cat "$T/run1")"
[ "$(pc -h relayhost)" = "[127.0.0.1]:10025" ] || fail "relayhost is '$(pc -h relayhost)'"
[ "$(pc -h default_transport)" = surel-tunnel ] || fail "default_transport is '$(pc -h default_transport)'"
[ "$(pc -h defer_transports)" = surel-tunnel ] || fail "outside mail is not held for the tunnel (defer_transports)"
pc -F surel-tunnel/unix/command | grep -Eq '= smtp( |$)' || fail "no surel-tunnel transport: $(pc -M surel-tunnel/unix)"
pparam() { pc -P "$1/$2" | sed 's/.*= //'; }
[ "$(pparam surel-tunnel/unix smtp_tls_security_level)" = none ] || fail "the tunnel transport uses TLS"
[ "$(pparam surel-tunnel/unix smtp_sasl_auth_enable)" = no ] || fail "the tunnel transport uses SASL"
[ "$(pparam surel-tunnel/unix smtp_helo_timeout)" = 60s ] || fail "the tunnel transport waits $(pparam surel-tunnel/unix smtp_helo_timeout) for a greeting"
pc -F 127.0.0.1:10026/inet/command | grep -Eq '= smtpd( |$)' || fail "no tunnel-only smtpd on 127.0.0.1:10026"
pc -P 127.0.0.1:10026/inet/mynetworks | grep -q '= *$' || fail "the tunnel smtpd has mynetworks: $(pc -P 127.0.0.1:10026/inet)"
[ "$(pparam 127.0.0.1:10026/inet smtpd_tls_security_level)" = none ] || fail "the tunnel smtpd offers TLS"
[ "$(ini dial mode)" = ssh ] || fail "[dial] mode is '$(ini dial mode)'"
[ "$(ini ssh host)" = isp.example.net ] && [ "$(ini ssh port)" = 2222 ] && [ "$(ini ssh user)" = root ] ||
	fail "[ssh] host/port/user: $(ini ssh host) $(ini ssh port) $(ini ssh user)"
[ "$(ini ssh isp_port)" = "$out" ] && [ "$(ini ssh remote_port)" = "$in" ] ||
	fail "[ssh] ports $(ini ssh isp_port) $(ini ssh remote_port), the ISP gave $out $in"
[ "$(ini ssh deliver_to)" = 127.0.0.1:10026 ] && [ "$(ini ssh local_port)" = 10025 ] ||
	fail "[ssh] deliver_to '$(ini ssh deliver_to)', local_port '$(ini ssh local_port)'"
[ "$(cat "$R/etc/surel/ssh/known_hosts")" = "[isp.example.net]:2222 $(cut -d' ' -f1,2 "$ISP/host.pub")" ] ||
	fail "known_hosts: $(cat "$R/etc/surel/ssh/known_hosts")"
cmp -s "$T/school.pub" "$K.pub" || fail "the setup replaced the school's key"
grep -q '^surel-setup: .*set up (ssh mode)' "$T/run1" || fail "the setup does not say the mode: $(tail -n 2 "$T/run1")"
sed -E -e "s#^(db|credentials|identity|known_hosts) = /#\1 = $R/#" "$R/etc/surel/surel.ini" >"$T/check.ini"
rc=0
out2=$("$SUREL_BIN_DIR/dialctl/dialctl" --config "$T/check.ini" report 2>&1) || rc=$?
[ "$rc" != 78 ] || fail "dialctl refuses the written surel.ini: $out2"

check "postfix check passes on the result"
postfix -c "$R/etc/postfix" check >"$T/check.out" 2>&1 || fail "postfix check failed: $(cat "$T/check.out")"
if grep -v 'open "sqlite" configuration "/etc/postfix/surel/' "$T/check.out" | grep -qi 'warning\|fatal\|error'; then
	fail "postfix check complains: $(cat "$T/check.out")"
fi

check "a second run, with or without --mode, changes nothing (a CRLF tunnel file too)"
before=$(snapshot)
sed 's/$/\r/' "$T/tunnel" >"$T/tunnel.crlf"
setup --mode ssh --tunnel "$T/tunnel.crlf" >"$T/run2" 2>&1 || fail "second run failed: $(cat "$T/run2")"
grep -q 'nothing to change' "$T/run2" || fail "second run reported changes: $(cat "$T/run2")"
setup >"$T/run3" 2>&1 || fail "a run without --mode failed: $(cat "$T/run3")"
grep -q 'nothing to change.*(ssh mode)' "$T/run3" || fail "a run without --mode changed something: $(cat "$T/run3")"
[ "$(snapshot)" = "$before" ] || fail "a second run changed files below the root"

sed 's/^isp_port = .*/isp_port = 99999/' "$T/tunnel" >"$T/bad-port"
sed 's/^# known_hosts: \[isp.example.net\]/# known_hosts: [evil.example.net]/' "$T/tunnel" >"$T/bad-host"
refused "a missing tunnel file" 66 setup --mode ssh --tunnel "$T/nowhere"
refused "a tunnel file with a bad port" 65 setup --mode ssh --tunnel "$T/bad-port"
refused "a host key for another host" 65 setup --mode ssh --tunnel "$T/bad-host"
refused "an unknown mode" 65 setup --mode uucp --smarthost mail.isp.example.net
postconf -c "$R/etc/postfix" -M "localhost:10026/inet=localhost:10026 inet n - y - - smtpd" 2>/dev/null
refused "another service on the tunnel smtpd's port 10026" 78 setup --mode ssh --tunnel "$T/tunnel"
postconf -c "$R/etc/postfix" -MX localhost:10026/inet 2>/dev/null
postconf -c "$R/etc/postfix" -M "127.0.0.1:10025/inet=127.0.0.1:10025 inet n - y - - smtpd" 2>/dev/null
refused "another service on the forward's port 10025" 78 setup --mode ssh --tunnel "$T/tunnel"
postconf -c "$R/etc/postfix" -MX 127.0.0.1:10025/inet 2>/dev/null

check "a lost known_hosts and public key come back, and the run says it changed them"
: >"$R/etc/surel/ssh/known_hosts"
rm -f "$K.pub"
setup --tunnel "$T/tunnel" >"$T/run6" 2>&1 || fail "repairing run failed: $(cat "$T/run6")"
! grep -q 'nothing to change' "$T/run6" || fail "the run wrote files but says nothing changed: $(cat "$T/run6")"
grep -q "^\[isp.example.net\]:2222 ssh-ed25519 " "$R/etc/surel/ssh/known_hosts" ||
	fail "known_hosts was not restored"
cmp -s "$T/school.pub" "$K.pub" || fail "the public key was not restored from the private key"

check "back to etrn mode: the smarthost again, ssh mode's services gone"
setup --mode etrn --smarthost mail.isp.example.net >"$T/run4" 2>&1 || fail "switching to etrn failed: $(cat "$T/run4")"
[ "$(pc -h relayhost)" = "[mail.isp.example.net]:587" ] || fail "relayhost is '$(pc -h relayhost)'"
[ "$(pc -h default_transport)" = smtp ] && [ "$(pc -h defer_transports)" = smtp ] ||
	fail "transports: $(pc -h default_transport) / $(pc -h defer_transports)"
! pc -M surel-tunnel/unix | grep -q . && ! pc -M 127.0.0.1:10026/inet | grep -q . ||
	fail "ssh mode's services stayed in master.cf"
[ "$(ini dial mode)" = etrn ] || fail "[dial] mode is '$(ini dial mode)'"
[ "$(ini etrn host)" = mail.isp.example.net ] || fail "[etrn] host is '$(ini etrn host)': no ETRN after the switch"
postfix -c "$R/etc/postfix" check >/dev/null 2>&1 || fail "postfix check fails in etrn mode"

check "and ssh mode again, with the same key"
setup --mode ssh --tunnel "$T/tunnel" >"$T/run5" 2>&1 || fail "switching to ssh failed: $(cat "$T/run5")"
[ "$(pc -h relayhost)" = "[127.0.0.1]:10025" ] && pc -M surel-tunnel/unix | grep -q . ||
	fail "ssh mode not restored: relayhost $(pc -h relayhost)"
cmp -s "$T/school.pub" "$K.pub" || fail "the school's key changed"
! grep -q 'the ISP must add it' "$T/run5" || fail "the setup claims a new key"

check "ssh mode on a fresh server needs the tunnel file"
rm -rf "$R/etc/surel"
refused "ssh mode without a tunnel file" 64 setup --mode ssh
mkdir -p "$R/etc/surel/ssh"
ssh-keygen -q -t ed25519 -N secret -C old -f "$R/etc/surel/ssh/id_ed25519"
refused "a school key that needs a passphrase" 78 "$SETUP" --root "$R" --ssh-key
echo "PASS"
