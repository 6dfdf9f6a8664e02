# NAME
#	common.sh - a school behind carrier NAT, its ISP with sshd and Postfix
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/ssh/common.sh"
#
#	st_setup_world NAME		namespaces, NAT, the ISP (Postfix + sshd,
#					set up by surel-setup-isp-ssh), the school's
#					Postfix, keys; registers school1 (ours)
#	st_add_school LOGIN DOMAIN	one more school at the ISP, with its own key
#	st_port LOGIN in|out		that school's port at the ISP
#	st_link_up [ADDR]		raise the school's 56 kbit/s link by hand
#	st_link_cut			drop it without a clean close
#	st_ssh LOGIN ARGS...		ssh from the school with LOGIN's key
#	st_ssh_cmd LOGIN ARGS...	the same command in the array ST_SSH_CMD
#	st_write_ini MODE		T/surel.ini for dialctl in MODE (ssh|etrn|batch),
#					and fake-pppd's peer (link to the NAT)
#	st_batch_world			school1 in batch mode, both sides
#	st_spooled DIR / st_wait_spooled DIR N	a batch spool's messages
#	st_wait_deferred DIR N		wait until DIR's Postfix defers N messages
#	st_cleanup			stop everything (EXIT trap)
#	fail MSG / check MSG
#	and tests/lib/dialctl.sh's dc_* (daemon, client, ledger, messages),
#	with DC_SNS the school's namespace.
# DESCRIPTION
#	Three namespaces: school ($ST_SNS), carrier NAT ($ST_NNS) and ISP
#	($ST_INS).  The school reaches the NAT over its dial-up link, ppp0
#	(school 192.0.2.10, NAT 192.0.2.1, shaped to 56 kbit/s both ways,
#	default route through it); the NAT reaches the ISP on 198.51.100.0/24
#	(NAT 198.51.100.2, ISP 198.51.100.1) and masquerades everything the
#	school sends (nftables).  The ISP has no route back to the school:
#	like a carrier NAT, nothing can connect in.
#
#	The ISP runs a real sshd (its own config, port 2222, host key in T)
#	and Postfix as the MX of school.test, configured by
#	surel-setup-isp ssh-install / ssh-add with the tunnel account
#	$ST_TUNNEL_USER (default "root": the keys' options, not the account,
#	confine a school; a test may set an unprivileged account of its own)
#	and the gate from the source tree; the script writes the rules that fence
#	the tunnel ports to T/surel-tunnel.nft and loads them into the ISP's
#	namespace (--netns).  Mail for outside.test is delivered at
#	the ISP into T/isp/mail.  The school's Postfix has ssh mode's shipped
#	settings (etc/postfix/*.surel-ssh, as surel-setup --mode ssh applies
#	them): it relays through [127.0.0.1]:10025 (the tunnel's local
#	forward) with the surel-tunnel transport, holds outbound mail until a
#	flush, and takes the ISP's mail on 127.0.0.1:10026 (no relaying
#	there: mynetworks is empty on that port).  Mail for school.test is
#	delivered into T/school/mail.
#	Requires SUREL_BIN_DIR and SUREL_SRC_DIR; uses nft(8) (nftables).

. "$SUREL_SRC_DIR/tests/lib/netns.sh"
. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
. "$SUREL_SRC_DIR/tests/lib/dialctl.sh"

ST_GATE=$SUREL_SRC_DIR/scripts/surel-tunnel-gate
ST_SETUP=$SUREL_SRC_DIR/scripts/surel-setup-isp
ST_ISP=198.51.100.1
ST_NAT=198.51.100.2
ST_SSH_PORT=2222
ST_TUNNEL_USER=${ST_TUNNEL_USER:-root}

# fail MSG: say what was expected and what happened, show the logs, stop.
fail() {
	echo "FAIL: $*" >&2
	if [ -n "${T:-}" ]; then
		local f
		for f in "$T/dialctl.log" "$T/sshd.log"; do
			[ -f "$f" ] && { echo "--- last lines of $f:" >&2; tail -n 25 "$f" >&2; }
		done
	fi
	exit 1
}

# check MSG: announce what is checked next.
check() {
	echo "check: $*"
}

# st_net: namespaces, the NAT's upstream link, masquerading.
st_net() {
	ns_create "$ST_SNS" "$ST_NNS" "$ST_INS"
	ns_link "$ST_NNS" isp0 "$ST_NAT/24" "$ST_INS" nat0 "$ST_ISP/24"
	ns_exec "$ST_NNS" sysctl -qw net.ipv4.ip_forward=1
	ns_exec "$ST_NNS" nft -f - <<EOF || fail "nft: cannot set up the NAT"
table ip surel_nat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "isp0" masquerade
	}
}
EOF
}

# st_keys: the ISP's host key, known to the school; school1's key.
st_keys() {
	mkdir -p "$T/keys"
	ssh-keygen -q -t ed25519 -N '' -C isp-host -f "$T/keys/host" || fail "ssh-keygen failed"
	ssh-keygen -q -t ed25519 -N '' -C root@school1 -f "$T/keys/school1"
	echo "[$ST_ISP]:$ST_SSH_PORT $(cut -d' ' -f1,2 "$T/keys/host.pub")" >"$T/keys/known_hosts"
}

# st_setup_isp: tunnel set-up by the shipped script, then sshd and Postfix.
st_setup_isp() {
	pf_init "$T/isp" "isp-$ST_NAME-$$" all
	dc_postfix_common "$T/isp"
	mkdir -p "$T/isp/mail" "$T/sshd"
	chown nobody:nogroup "$T/isp/mail"
	pf_conf "$T/isp" "myhostname=isp.test" "virtual_mailbox_domains=outside.test isp.test" \
		"virtual_mailbox_base=$T/isp/mail" "virtual_mailbox_maps=static:inbox/" \
		"virtual_uid_maps=static:$(id -u nobody)" "virtual_gid_maps=static:$(id -g nobody)"
	st_setup install >"$T/setup-install.out" 2>&1 ||
		fail "surel-setup-isp ssh-install failed: $(cat "$T/setup-install.out")"
	cat >"$T/sshd/sshd_config" <<EOF
Port $ST_SSH_PORT
ListenAddress $ST_ISP
HostKey $T/keys/host
PidFile $T/sshd/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
PermitRootLogin prohibit-password
LogLevel VERBOSE
Include $T/sshd/surel-tunnel.conf
EOF
	st_add_school school1 school.test "$T/keys/school1.pub"
	# sshd's privilege separation directory (systemd makes it at boot; left
	# in place: another suite's sshd may be using it).
	mkdir -p /run/sshd
	ns_exec "$ST_INS" /usr/sbin/sshd -f "$T/sshd/sshd_config" -E "$T/sshd.log" ||
		fail "sshd did not start: $(tail -n 5 "$T/sshd.log")"
	pf_start "$T/isp" "$ST_INS" || fail "the ISP's Postfix did not start"
}

# st_setup CMD ARGS...: surel-setup-isp ssh-CMD with this world's paths.
st_setup() {
	local cmd=$1
	shift
	"$ST_SETUP" --config-dir "$T/isp/etc" "ssh-$cmd" --tunnel-user "$ST_TUNNEL_USER" \
		--keys "$T/sshd/authorized_keys" --gate "$ST_GATE" --state "$T/gate" \
		--sshd-conf "$T/sshd/surel-tunnel.conf" --ssh-host "$ST_ISP" --ssh-port "$ST_SSH_PORT" \
		--firewall "$T/surel-tunnel.nft" --netns "$ST_INS" \
		--batch "$SUREL_BIN_DIR/batch/surel-batch" --spool-root "$T/isp-spool" --batch-user nobody "$@"
}

# st_add_school LOGIN DOMAIN [PUBKEY]: register a school (a new key unless given).
st_add_school() {
	local login=$1 domain=$2 pub=${3:-}
	if [ -z "$pub" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "root@$login" -f "$T/keys/$login"
		pub=$T/keys/$login.pub
	fi
	st_setup add "$login" "$domain" --key "$pub" >"$T/setup-$login.out" 2>&1 ||
		fail "surel-setup-isp ssh-add $login failed: $(cat "$T/setup-$login.out")"
}

# st_port LOGIN in|out: the school's port at the ISP, from the setup's output.
st_port() {
	local key=remote_port
	[ "$2" = out ] && key=isp_port
	sed -n "s/^$key = //p" "$T/setup-$1.out"
}

# st_setup_school: the school's Postfix with ssh mode's shipped settings
# (etc/postfix/main.cf.surel-ssh, master.cf.surel-ssh: relay through the
# tunnel's forward, outbound held for the surel-tunnel transport until a
# flush, the tunnel-only smtpd on 127.0.0.1:10026).
st_setup_school() {
	local line
	pf_init "$T/school" "school-$ST_NAME-$$" all
	dc_postfix_common "$T/school"
	mkdir -p "$T/school/mail"
	chown nobody:nogroup "$T/school/mail"
	pf_conf "$T/school" "myhostname=mail.school.test" \
		"virtual_mailbox_domains=school.test" "virtual_mailbox_base=$T/school/mail" \
		"virtual_mailbox_maps=static:inbox/" "virtual_uid_maps=static:$(id -u nobody)" \
		"virtual_gid_maps=static:$(id -g nobody)"
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		pf_conf "$T/school" "${line%% = *}=${line#* = }"
	done <"$SUREL_SRC_DIR/etc/postfix/main.cf.surel-ssh"
	grep -v '^#' "$SUREL_SRC_DIR/etc/postfix/master.cf.surel-ssh" >>"$T/school/etc/master.cf"
	pf_start "$T/school" "$ST_SNS" || fail "the school's Postfix did not start"
}

# st_setup NAME: the whole world, link down.
st_setup_world() {
	ST_NAME=$1
	T=$(mktemp -d)
	chmod 0755 "$T"
	ST_SNS=ssh-$1-s-$$
	DC_SNS=$ST_SNS
	ST_NNS=ssh-$1-n-$$
	ST_INS=ssh-$1-i-$$
	st_net
	st_keys
	st_setup_isp
	st_setup_school
}

# st_link_up [ADDR]: the dial-up link by hand (school ADDR, default 192.0.2.10).
st_link_up() {
	local addr=${1:-192.0.2.10}
	ns_link "$ST_SNS" ppp0 "$addr/24" "$ST_NNS" ppp0-isp 192.0.2.1/24
	ns_shape "$ST_SNS" ppp0
	ns_shape "$ST_NNS" ppp0-isp
	ip -n "$ST_SNS" route add default via 192.0.2.1
}

# st_link_cut: the modem drops: the link vanishes, nothing is closed cleanly.
st_link_cut() {
	ip -n "$ST_SNS" link del ppp0 2>/dev/null || true
}

# st_ssh_cmd LOGIN ARGS...: set ST_SSH_CMD to ssh from the school as LOGIN
# (key, strict host key, -F none), e.g. to start it in the background.
st_ssh_cmd() {
	local login=$1
	shift
	ST_SSH_CMD=(ip netns exec "$ST_SNS" ssh -F none -T -o BatchMode=yes -o IdentitiesOnly=yes
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/keys/known_hosts"
		-o GlobalKnownHostsFile=/dev/null -o ControlMaster=no -o ControlPath=none
		-o ConnectTimeout=10 -i "$T/keys/$login" -p "$ST_SSH_PORT" -l "$ST_TUNNEL_USER" "$@")
}

# st_ssh LOGIN ARGS...: run that ssh.
st_ssh() {
	st_ssh_cmd "$@"
	"${ST_SSH_CMD[@]}"
}


# st_write_ini MODE: surel.ini for dialctl in the school (ssh or etrn), and
# fake-pppd's peer: the dial-up link to the NAT, default route through it.
st_write_ini() {
	mkdir -p "$T/peers" "$T/run"
	cat >"$T/surel.ini" <<EOF
[school]
domain = school.test
[roster]
db = $T/roster.db
credentials = $T/credentials.db
[dial]
mode = $1
pppd = $DC_FAKE
peer = isp
hook = $DC_HOOK
attempts = 3
dial_timeout = 20s
redial_delay = 1s
retry_delay = 10m
grace = 3s
max_session = 4m
postqueue = /usr/sbin/postqueue
postfix_config = $T/school/etc
maillog = $T/school/maillog
socket = $T/run/dialctl.sock
lock = $T/run/dialctl.lock
ledger = $T/ledger.db
[tariff]
per_mb = 5000
data_unit = 1K
[etrn]
host = $ST_ISP
domains = school.test
[ssh]
host = $ST_ISP
port = $ST_SSH_PORT
user = $ST_TUNNEL_USER
identity = $T/keys/school1
known_hosts = $T/keys/known_hosts
isp_port = $(st_port school1 out)
remote_port = $(st_port school1 in)
deliver_to = 127.0.0.1:10026
alive_interval = 2s
alive_count = 3
backoff = 1s
[batch]
program = $SUREL_BIN_DIR/batch/surel-batch
spool = $T/school-spool
idle = 30s
EOF
	cat >"$T/peers/isp" <<EOF
isp_ns=$ST_NNS
ifname=ppp0
local=192.0.2.10
remote=192.0.2.1
rate=56kbit
dial_delay=1
defaultroute=1
EOF
}

# st_batch_world: school1 in batch mode: at the ISP its domain goes to
# the surel-batch pipe into its spool (surel-setup-isp ssh-add --mode
# batch, same key and ports); the school's Postfix gets batch mode's
# shipped settings (etc/postfix/main.cf.surel-batch, and the surel-batch
# entry of master.cf.surel-batch with this tree's program, the test's
# spool and nobody as its user; the tunnel-only smtpd is there already).
st_batch_world() {
	local line
	st_setup add school1 school.test --key "$T/keys/school1.pub" --mode batch \
		>"$T/setup-school1.out" 2>&1 ||
		fail "surel-setup-isp ssh-add --mode batch failed: $(cat "$T/setup-school1.out")"
	install -d -o nobody -m 0700 "$T/school-spool"
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		pf_conf "$T/school" "${line%% = *}=${line#* = }"
	done <"$SUREL_SRC_DIR/etc/postfix/main.cf.surel-batch"
	awk '/^surel-batch[ \t]/ { on = 1; print; next } on && /^[ \t]/ { print; next } { on = 0 }' \
		"$SUREL_SRC_DIR/etc/postfix/master.cf.surel-batch" |
		sed -e "s|user=surel-batch|user=nobody|" \
			-e "s|/usr/libexec/surel/surel-batch|$SUREL_BIN_DIR/batch/surel-batch|" \
			-e "s|/var/spool/surel-batch/out|$T/school-spool|" >>"$T/school/etc/master.cf"
	postfix -c "$T/school/etc" reload >/dev/null 2>&1
	postfix -c "$T/isp/etc" reload >/dev/null 2>&1
}

# st_spooled DIR: the messages waiting in a batch spool.
st_spooled() {
	find "$1/new" -type f 2>/dev/null | wc -l
}

# st_wait_spooled DIR N: wait (60 s at most) until DIR's spool holds N messages.
st_wait_spooled() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(st_spooled "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# st_wait_deferred DIR N: wait until N messages sit in DIR's deferred queue.
st_wait_deferred() {
	dc_wait_queued "$1" "$2" '"queue_name": "deferred"' deferred
}

# st_cleanup: stop everything this test started; keeps going past errors
# and exits with the test's status.
st_cleanup() {
	local rc=$? pidf ns
	set +e
	[ -n "${T:-}" ] || exit "$rc"
	[ -n "${ST_CLEANUP_HOOK:-}" ] && "$ST_CLEANUP_HOOK"
	dc_stop
	if [ -f "$T/sshd/sshd.pid" ]; then
		kill -TERM "$(cat "$T/sshd/sshd.pid")" 2>/dev/null || true
	fi
	for pidf in "$T"/run/ppp-*.pid; do
		[ -f "$pidf" ] && kill -TERM "$(head -n 1 "$pidf")" 2>/dev/null
	done
	# ssh clients and sshd sessions of this test (their pids, by namespace).
	for ns in "$ST_SNS" "$ST_INS"; do
		ip netns pids "$ns" 2>/dev/null | while read -r pid; do
			case $(cat "/proc/$pid/comm" 2>/dev/null) in
			ssh | sshd) kill -TERM "$pid" 2>/dev/null || true ;;
			esac
		done
	done
	[ -d "$T/school" ] && pf_stop "$T/school"
	[ -d "$T/isp" ] && pf_stop "$T/isp"
	ns_delete "$ST_SNS" "$ST_NNS" "$ST_INS"
	if [ -n "${ST_KEEP:-}" ]; then      # debugging: keep the logs
		mkdir -p "$ST_KEEP"
		cp "$T"/*.log "$T"/*.out "$ST_KEEP/" 2>/dev/null || true
		cp "$T/school/maillog" "$ST_KEEP/school.maillog" 2>/dev/null || true
		cp "$T/isp/maillog" "$ST_KEEP/isp.maillog" 2>/dev/null || true
	fi
	rm -rf "$T"
	exit "$rc"
}
