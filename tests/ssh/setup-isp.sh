#!/bin/bash
# NAME
#	setup-isp.sh - surel-setup-isp's ssh-* commands beside its route-table set-up
# DESCRIPTION
#	Against a private Postfix configuration directory (not started):
#	install (route table), ssh-install, then install again: the second
#	install neither refuses nor drops the tunnels' table from
#	relay_domains and transport_maps.  ssh-add writes the school's
#	transport, sender/ETRN table, master.cf smtpd with its restrictions
#	and locked-down key line, and keeps its ports when run again;
#	refusals (a domain of another school, a file that is no key) change
#	nothing; ssh-remove takes everything away.  The nftables rules that
#	fence the ports (written, not loaded here) follow add and remove and
#	pass nft -c.  authorized_keys is a regular file of root (0640); a
#	keys directory of the tunnel account (a throwaway user made here, in
#	which it planted links at the old fixed names) is refused and
#	nothing is written through the links.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/mxd/common.sh"

T=$(mktemp -d /tmp/surel-ssh-setup.XXXXXX)
TUN=surel-tk$$
# cleanup: the throwaway tunnel account and the files.
cleanup() {
	local i
	# userdel fails while another test holds the passwd lock: try again.
	for ((i = 0; i < 10; i++)); do
		id -u "$TUN" >/dev/null 2>&1 || break
		userdel "$TUN" 2>/dev/null || sleep 1
	done
	rm -rf "$T"
}
trap cleanup EXIT
pc() { postconf -c "$T/isp/etc" "$@"; }
ssh_setup() {
	local cmd=$1
	shift
	mxd_setup_isp "$T" "$T/isp" "ssh-$cmd" --tunnel-user root --keys "$T/keys" \
		--state "$T/gate" --sshd-conf "$T/sshd.conf" --ssh-host isp.test \
		--firewall "$T/tunnel.nft" --no-firewall-load "$@"
}
snapshot() {
	cat "$T/isp/etc/main.cf" "$T/isp/etc/master.cf" "$T/keys" "$T/isp/etc/surel-tunnels" \
		"$T/isp/etc/surel-tunnel.d/"* 2>/dev/null | sha256sum
}

pf_init "$T/isp" isp.test
mxd_write_ini "$T" "$T/isp"
ssh-keygen -q -t ed25519 -N '' -C a -f "$T/a"
ssh-keygen -q -t ed25519 -N '' -C b -f "$T/b"
tun="texthash:$T/isp/etc/surel-tunnels"

check "install, ssh-install, install again: the tunnels' table stays"
mxd_setup_isp "$T" "$T/isp" install >"$T/out" 2>&1 || fail "install: $(cat "$T/out")"
ssh_setup install >"$T/out" 2>&1 || fail "ssh-install: $(cat "$T/out")"
mxd_setup_isp "$T" "$T/isp" install >"$T/out" 2>&1 || fail "install after ssh-install refused: $(cat "$T/out")"
[ "$(pc -h transport_maps)" = "$tun, proxy:sqlite:$T/isp/etc/surel-routes.cf" ] ||
	fail "transport_maps is '$(pc -h transport_maps)'"
[ "$(pc -h relay_domains)" = "proxy:sqlite:$T/isp/etc/surel-domains.cf, $tun" ] ||
	fail "relay_domains is '$(pc -h relay_domains)'"
pc -M surel-tunnel/unix | grep -q smtp || fail "no surel-tunnel transport in master.cf"
[ "$(pc -P surel-tunnel/unix/smtp_tls_security_level)" = "surel-tunnel/unix/smtp_tls_security_level = none" ] ||
	fail "the tunnel transport must not use TLS"

check "ssh-add gives the school its transport, smtpd, restrictions and locked key"
ssh_setup add sch1 one.test --key "$T/a.pub" >"$T/out" 2>&1 || fail "ssh-add: $(cat "$T/out")"
grep -qx "one.test surel-tunnel:\[127.0.0.1\]:30001" "$T/isp/etc/surel-tunnels" ||
	fail "surel-tunnels: $(cat "$T/isp/etc/surel-tunnels")"
pc -P "127.0.0.1:20001/inet/smtpd_relay_restrictions" | grep -q "check_sender_access,texthash:$T/isp/etc/surel-tunnel.d/sch1,reject" ||
	fail "no sender-bound relay restriction on the school's smtpd"
pc -P "127.0.0.1:20001/inet/smtpd_etrn_restrictions" | grep -q "check_etrn_access" || fail "no ETRN restriction"
pc -P "127.0.0.1:20001/inet/smtpd_sasl_auth_enable" | grep -q "= no" || fail "AUTH offered in the tunnel"
grep -q '^command=".*surel-tunnel-gate --state '"$T"'/gate sch1",restrict,port-forwarding,permitopen="127.0.0.1:20001",permitlisten="127.0.0.1:30001" ssh-ed25519 ' "$T/keys" ||
	fail "key line not locked down: $(cat "$T/keys")"
grep -q "^isp_port = 20001" "$T/out" && grep -q "^remote_port = 30001" "$T/out" ||
	fail "ssh-add did not print the school's [ssh] section: $(cat "$T/out")"
grep -q 'elements = { 20001 }' "$T/tunnel.nft" && grep -q 'elements = { 30001 }' "$T/tunnel.nft" ||
	fail "the school's ports are not fenced: $(cat "$T/tunnel.nft")"
nft -c -f "$T/tunnel.nft" >"$T/nft.out" 2>&1 || fail "nft refuses the rules: $(cat "$T/nft.out")"
ssh_setup add sch2 two.test --key "$T/b.pub" >"$T/out" 2>&1 || fail "ssh-add sch2: $(cat "$T/out")"
ssh_setup add sch1 one.test extra.test --key "$T/a.pub" >"$T/out" 2>&1 || fail "ssh-add again: $(cat "$T/out")"
grep -q "^isp_port = 20001" "$T/out" || fail "sch1 lost its ports when added again"
[ "$(grep -c sch1 "$T/keys")" = 1 ] || fail "sch1 has more than one key line"

check "refusals change nothing"
before=$(snapshot)
rc=0; ssh_setup add sch3 two.test --key "$T/b.pub" >"$T/out" 2>&1 || rc=$?
[ "$rc" = 65 ] && grep -q "belongs to school sch2" "$T/out" || fail "expected 65 for another school's domain, got $rc: $(cat "$T/out")"
rc=0; ssh_setup add sch3 three.test --key "$T/out" >"$T/out2" 2>&1 || rc=$?
[ "$rc" = 65 ] || fail "expected 65 for a file that is no key, got $rc: $(cat "$T/out2")"
[ "$(snapshot)" = "$before" ] || fail "a refused ssh-add changed something"

check "ssh-remove takes a school away"
ssh_setup remove sch2 >"$T/out" 2>&1 || fail "ssh-remove: $(cat "$T/out")"
grep -q two.test "$T/isp/etc/surel-tunnels" && fail "two.test still routed"
grep -q sch2 "$T/keys" && fail "sch2's key still there"
pc -M | grep -q "127.0.0.1:20002" && fail "sch2's smtpd still in master.cf"
grep -q 'elements = { 20001 }' "$T/tunnel.nft" && grep -q 'elements = { 30001 }' "$T/tunnel.nft" ||
	fail "sch2's ports are still fenced (or sch1's are not): $(cat "$T/tunnel.nft")"
[ "$(ssh_setup list | cut -d' ' -f1)" = sch1 ] || fail "list: $(ssh_setup list)"

check "authorized_keys is a new regular file of root, never a link"
[ -f "$T/keys" ] && [ ! -L "$T/keys" ] && [ "$(stat -c '%U %a' "$T/keys")" = "root 640" ] ||
	fail "authorized_keys is $(stat -c '%F %U %a' "$T/keys")"
ls -A "$T" | grep -q '^\.authorized_keys' && fail "a temporary keys file was left: $(ls -A "$T")"

check "a link planted by the tunnel account does not redirect the keys' write"
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$TUN" ||
	fail "cannot create the throwaway user $TUN"
chmod 0711 "$T"
mkdir -p "$T/home/.ssh"
chown -R "$TUN" "$T/home"
chmod 0700 "$T/home/.ssh"
echo "precious" >"$T/victim"
as_tun() { setpriv --reuid="$TUN" --regid="$TUN" --clear-groups -- "$@"; }
as_tun ln -s "$T/victim" "$T/home/.ssh/authorized_keys.tmp" || fail "the tunnel account cannot plant its link"
as_tun ln -s "$T/victim" "$T/home/.ssh/authorized_keys" || fail "the tunnel account cannot plant its link"
rc=0
ssh_setup add sch4 four.test --key "$T/b.pub" --tunnel-user "$TUN" --keys "$T/home/.ssh/authorized_keys" \
	>"$T/out" 2>&1 || rc=$?
[ "$(cat "$T/victim")" = precious ] || fail "ssh-add wrote through the planted link: $(cat "$T/victim")"
[ "$rc" = 78 ] && grep -q "must be in a directory of root" "$T/out" ||
	fail "expected 78 and a refusal of the tunnel account's directory, got $rc: $(cat "$T/out")"
grep -q four.test "$T/isp/etc/surel-tunnels" && fail "a refused ssh-add routed four.test"

echo "PASS: setup-isp"
