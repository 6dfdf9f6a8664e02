#!/bin/bash
# NAME
#	local-user.sh - another local user at the ISP can neither serve nor reach a school's tunnel ports
# DESCRIPTION
#	Real sshd and Postfix at the ISP, set up by surel-setup-isp-ssh (which
#	writes and loads the nftables rules that fence the tunnel ports into
#	the ISP's namespace) with an unprivileged tunnel account, as in
#	production (so sshd's forwards are that account's sockets), and
#	another unprivileged user who acts inside the ISP's namespace; both
#	are throwaway users made for this test and removed at exit.
#	While school1 is offline:
#	- that user may bind school1's IN port (nothing can stop a bind), but
#	  Postfix's delivery to the school never completes a handshake with
#	  it, not even through SYN cookies (its listener has backlog 0): the
#	  mail is deferred and the user's listener accepts nothing;
#	- that user cannot connect to school1's smtpd (its OUT port), which
#	  the tunnel account still reaches.
#	While school1's tunnel is up:
#	- that user cannot connect to the remote forward on the IN port, nor
#	  listen on it, nor connect to the OUT port;
#	- the held mail reaches the school when the ISP flushes, and the
#	  school's mail leaves through its local forward.
#	Without the rules (as at an ISP set up before them) ssh-list warns.
set -euo pipefail

: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
. "$SUREL_SRC_DIR/tests/ssh/common.sh"

INTRUDER=surel-lu$$
ST_TUNNEL_USER=surel-lt$$
TUN_PID=
LIS_PID=

# stop_listener: end the intruder's listener, if one runs.
stop_listener() {
	if [ -n "$LIS_PID" ]; then
		kill -TERM "$LIS_PID" 2>/dev/null || true
		wait "$LIS_PID" 2>/dev/null || true
	fi
	LIS_PID=
}

# stop_tunnel: end a tunnel this script started (by its pid).
stop_tunnel() {
	if [ -n "$TUN_PID" ]; then
		kill -TERM "$TUN_PID" 2>/dev/null || true
		wait "$TUN_PID" 2>/dev/null || true
	fi
	exec 8>&-
	TUN_PID=
	return 0
}

# cleanup_here: what this script started, and the throwaway user.
cleanup_here() {
	stop_listener
	stop_tunnel
	local u i
	for u in "$INTRUDER" "$ST_TUNNEL_USER"; do
		# userdel fails while another test holds the passwd lock: try again.
		for ((i = 0; i < 10; i++)); do
			id -u "$u" >/dev/null 2>&1 || break
			userdel "$u" 2>/dev/null || sleep 1
		done
		id -u "$u" >/dev/null 2>&1 && echo "local-user.sh: could not remove user $u" >&2
	done
	return 0
}
ST_CLEANUP_HOOK=cleanup_here
trap st_cleanup EXIT

useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$INTRUDER" ||
	fail "cannot create the throwaway user $INTRUDER"
# The tunnel account: a shell for the forced command, no password but not
# locked (this sshd runs without PAM, and then refuses locked accounts).
useradd --system --no-create-home --home-dir /nonexistent --shell /bin/sh -p '*' "$ST_TUNNEL_USER" ||
	fail "cannot create the throwaway tunnel account $ST_TUNNEL_USER"

# intruder_listen PORT: the user listens on 127.0.0.1:PORT (backlog 0, to
# be answered with SYN cookies) and speaks just enough SMTP to take mail; T/intruder.out says "listening", then
# "accepted" and every line received.  Returns 1 if the bind failed.
intruder_listen() {
	: >"$T/intruder.out"
	# ip netns exec and setpriv exec perl: LIS_PID is the listener's pid.
	ip netns exec "$ST_INS" setpriv --reuid="$INTRUDER" --regid="$INTRUDER" --clear-groups -- \
		perl -MIO::Socket::INET -e '
		$| = 1;
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
			Listen => 5, ReuseAddr => 1) or do { print "bind failed: $!\n"; exit 2 };
		# Backlog 0 (the listen builtin: IO::Socket would make 0 a 5):
		# the kernel answers the next SYNs with SYN cookies, SYN-ACKs
		# that belong to no socket and so to no user.
		listen($s, 0) or do { print "listen failed: $!\n"; exit 2 };
		print "listening\n";
		while (my $c = $s->accept) {
			print "accepted\n";
			$c->autoflush(1);
			print $c "220 not-the-school ESMTP\r\n";
			my $data = 0;
			while (my $l = <$c>) {
				print $l;
				if ($data) { if ($l =~ /^\.\r?$/) { $data = 0; print $c "250 ok\r\n" } next }
				if ($l =~ /^DATA/i) { $data = 1; print $c "354 go\r\n" }
				elsif ($l =~ /^QUIT/i) { print $c "221 bye\r\n"; last }
				else { print $c "250 ok\r\n" }
			}
			close $c;
		}' "$1" >"$T/intruder.out" 2>&1 &
	LIS_PID=$!
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q '^listening' "$T/intruder.out" && return 0
		grep -q '^bind failed' "$T/intruder.out" && break
		kill -0 "$LIS_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$LIS_PID" 2>/dev/null || true
	LIS_PID=
	return 1
}

# try_connect PORT USER: connect to 127.0.0.1:PORT in the ISP's namespace
# as USER, for at most TRY_SECS (15) seconds; prints why not.
try_connect() {
	timeout "${TRY_SECS:-15}" ip netns exec "$ST_INS" setpriv --reuid="$2" --regid="$2" --clear-groups -- \
		bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' connect "$1" 2>&1
}

# tunnel: school1's own tunnel in the background; waits for ready.
tunnel() {
	mkfifo "$T/tin.$$" 2>/dev/null || true
	: >"$T/tunnel.out"
	: >"$T/tunnel.err"
	st_ssh_cmd school1 -o ExitOnForwardFailure=yes -L "127.0.0.1:10025:127.0.0.1:$OUT1" \
		-R "127.0.0.1:$IN1:127.0.0.1:10026" "$ST_ISP" tunnel
	"${ST_SSH_CMD[@]}" <"$T/tin.$$" >"$T/tunnel.out" 2>"$T/tunnel.err" &
	TUN_PID=$!
	exec 8>"$T/tin.$$"
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q '^surel-tunnel ready school1' "$T/tunnel.out" && return 0
		kill -0 "$TUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	stop_tunnel
	return 1
}

st_setup_world lu
OUT1=$(st_port school1 out) IN1=$(st_port school1 in)
[ -n "$OUT1" ] && [ -n "$IN1" ] || fail "ports not assigned: '$OUT1' '$IN1'"
ip netns exec "$ST_INS" nft list table inet surel_tunnel >"$T/nft.out" 2>&1 ||
	fail "the tunnel ports' rules are not loaded at the ISP: $(cat "$T/nft.out")"
st_setup list >"$T/list.out" 2>&1 || fail "ssh-list failed: $(cat "$T/list.out")"
grep -q "not fenced" "$T/list.out" && fail "ssh-list says the loaded rules are missing: $(cat "$T/list.out")"

check "offline: another user may bind school1's IN port, but Postfix hands it nothing"
intruder_listen "$IN1" || fail "expected the user to be able to bind 127.0.0.1:$IN1, got: $(cat "$T/intruder.out")"
dc_hold_in 2
pf_wait_log "$T/isp" "surel-tunnel.*to=<siti@school.test>.*status=(deferred|sent)" 60 ||
	fail "the ISP did not try to deliver school1's mail"
grep -q '^accepted' "$T/intruder.out" &&
	fail "the other user's listener on $IN1 was handed school1's mail: $(grep -E '^(MAIL|RCPT)' "$T/intruder.out")"
grep -Eq "surel-tunnel.*to=<siti@school.test>.*status=sent" "$T/isp/maillog" &&
	fail "the ISP delivered school1's mail to another user's listener"
st_wait_deferred "$T/isp" 2
grep -q "status=bounced" "$T/isp/maillog" && fail "the ISP bounced mail while the school was offline"
# Postfix's own user connects again and again: once the first handshake
# lingers in the listener's queue, the kernel answers with SYN cookies.
pfuser=$(postconf -c "$T/isp/etc" -h mail_owner)
for i in 1 2 3; do
	out=$(TRY_SECS=4 try_connect "$IN1" "$pfuser") &&
		fail "Postfix's user $pfuser reached the other user's listener on $IN1 (attempt $i)"
done
grep -q '^accepted' "$T/intruder.out" &&
	fail "the other user's listener on $IN1 accepted a connection of Postfix's user"
stop_listener

check "offline: another user cannot reach school1's smtpd on its OUT port; the tunnel account can"
out=$(try_connect "$OUT1" "$INTRUDER") && fail "the other user connected to 127.0.0.1:$OUT1"
grep -q "Connection refused" <<<"$out" || fail "expected 'Connection refused' on $OUT1, got: $out"
out=$(try_connect "$OUT1" "$ST_TUNNEL_USER") ||
	fail "the tunnel account $ST_TUNNEL_USER cannot reach 127.0.0.1:$OUT1: $out"

check "online: another user can neither connect to nor listen on school1's ports"
st_link_up
tunnel || fail "expected 'surel-tunnel ready school1', got: $(cat "$T/tunnel.out" "$T/tunnel.err")"
grep -q "Accepted publickey for $ST_TUNNEL_USER " "$T/sshd.log" ||
	fail "the tunnel did not log in as the unprivileged account $ST_TUNNEL_USER"
out=$(try_connect "$IN1" "$INTRUDER") && fail "the other user reached the school through 127.0.0.1:$IN1"
grep -q "Connection refused" <<<"$out" || fail "expected 'Connection refused' on $IN1, got: $out"
intruder_listen "$IN1" && fail "the other user could listen on 127.0.0.1:$IN1 beside the tunnel"
out=$(try_connect "$OUT1" "$INTRUDER") && fail "the other user connected to 127.0.0.1:$OUT1 while online"
grep -q "Connection refused" <<<"$out" || fail "expected 'Connection refused' on $OUT1, got: $out"

check "mail still flows both ways through the tunnel"
pf_flush "$T/isp"
dc_wait_count "$T/school" 2 60 || fail "expected 2 messages in at the school, got $(dc_count "$T/school")"
out=$(ns_exec "$ST_SNS" swaks --server 127.0.0.1 --port 10025 --helo school.test --timeout 20 \
	--from budi@school.test --to ali@outside.test 2>&1) ||
	fail "expected 250 through school1's local forward, got: $out"
dc_wait_count "$T/isp" 1 30 || fail "the school's message did not arrive at the ISP"
grep -q '^accepted' "$T/intruder.out" && fail "the other user's listener got a connection"
stop_tunnel

check "without the rules (an ISP set up before them), ssh-list says so"
ip netns exec "$ST_INS" nft delete table inet surel_tunnel
st_setup list >"$T/list.out" 2>&1 || fail "ssh-list failed: $(cat "$T/list.out")"
grep -q "warning: the tunnel ports are not fenced" "$T/list.out" ||
	fail "expected ssh-list to warn about the missing rules, got: $(cat "$T/list.out")"

echo "PASS: local-user"
