# NAME
#	link.sh - the real link for tests/dialctl's suites: pppd, chat and a
#	modem that answers AT, inside tests/vm/run's VM
# SYNOPSIS
#	SUREL_LINK=ppp SUREL_PPP_IMAGE=DIR . "$SUREL_SRC_DIR/tests/dialctl/common.sh"
#
#	dc_link_setup			after the namespaces: peer, modem, syslog
#	dc_link_cleanup			stop the modem, both pppd and syslog
#	dc_link_cut			the line drops mid-call ("NO CARRIER")
#	dc_link_pidfile			where pppd's "linkname" pid file is
#	dc_peer_set KEY VALUE		dial_delay, fail (as fake-pppd's), pty, auth
#	ppp_plan OUTCOME...		what the modem answers to the next dials
#	ppp_isp_secret PASSWORD		the ISP's own idea of the school's password
# DESCRIPTION
#	tests/dialctl/common.sh sources this instead of using fake-pppd when
#	SUREL_LINK is "ppp" (tests/ppp/in-vm sets it, and boots the VM).
#	The school's side is what a school runs: /usr/sbin/pppd with the
#	peer file /etc/ppp/peers/surel, the chat script and pap-secrets and
#	chap-secrets exactly as surel-setup wrote them (into the image
#	SUREL_PPP_IMAGE, made on the host before the VM booted), and
#	Debian's own /etc/ppp/options.  The peer's device is
#	/dev/ttyMODEM0: a pty whose other side is surel-test-modem, a Hayes
#	modem running in the ISP's namespace.  Once it says CONNECT, the
#	modem starts the ISP's pppd there (notty, 192.0.2.1 for itself and
#	192.0.2.10 for the school, PAP required, or CHAP with "auth chap";
#	its own secrets in /etc/netns/NS/ppp, which "ip netns exec" puts
#	over /etc/ppp for the processes of that namespace)
#	and carries the bytes at most 7,000 a second each way: the line
#	rate of a 56 kbit/s modem, so what is counted is PPP's own framing.
#
#	PPP_PEER (default surel-modem) chooses the image's link: modem or
#	mobile (a 3G/4G stick: APN "internet", ATD*99#).
#
#	Logs: T/syslog (pppd, chat, dialctl-hook), T/modem.log (every
#	command chat sent, every result), T/isp-pppd.log.
#	Requires root inside the VM (SUREL_VM_GUEST=1).

PPP_DEV=/dev/ttyMODEM0
PPP_MODEM=$SUREL_BIN_DIR/tests/ppp/surel-test-modem
PPP_PEER=${PPP_PEER:-surel-modem}
PPP_AUTH=pap
PPP_RATE=${PPP_RATE:-7000}      # the line's bytes a second each way; 0: no limit
PPP_ISP_EXTRA=()                # more options for the ISP's pppd (benchmarks)
: "${SUREL_PPP_IMAGE:?SUREL_PPP_IMAGE: the image surel-setup wrote the peer into}"
[ "${SUREL_VM_GUEST:-}" = 1 ] || { echo "link.sh: real pppd runs only inside tests/vm/run" >&2; exit 2; }

DC_KEEP=${DC_KEEP:-${SUREL_KEEP:-}}

# fail MSG: common.sh's, plus what the modem, chat and both pppd said.
fail() {
	echo "FAIL: $*" >&2
	[ -n "${T:-}" ] || exit 1
	echo "--- last lines of dialctl's log:" >&2
	tail -n 30 "$T/dialctl.log" >&2 2>/dev/null
	echo "--- last lines of the modem's log:" >&2
	tail -n 20 "$T/modem.log" >&2 2>/dev/null
	echo "--- last lines of syslog (pppd, chat, dialctl-hook):" >&2
	tail -n 40 "$T/syslog" >&2 2>/dev/null
	echo "--- last lines of the ISP's pppd:" >&2
	tail -n 20 "$T/isp-pppd.log" >&2 2>/dev/null
	exit 1
}

# dc_link_pidfile: pppd's pid file for "linkname surel".
dc_link_pidfile() {
	echo /run/ppp-surel.pid
}

# surel.ini's link: the real pppd and surel-setup's peer.  The grace is 10 s,
# not the stand-in's 3 s: under emulation the ISP's Postfix takes seconds to
# start its next delivery, and the link looks quiet meanwhile.
DC_PPPD=/usr/sbin/pppd DC_PEER=surel DC_DIAL_TIMEOUT=90s DC_GRACE=10s DC_MAX_SESSION=6m

# dc_write_peer: nothing to write; the peer is surel-setup's (_ppp_install).
dc_write_peer() { :; }

# _ppp_install: the image's peer, chat script and secrets into this VM's /etc.
_ppp_install() {
	local img=$SUREL_PPP_IMAGE/$PPP_PEER f
	[ -f "$img/etc/ppp/peers/surel" ] || fail "no peer file in $img (surel-setup did not write one)"
	cp -p "$img/etc/ppp/peers/surel" /etc/ppp/peers/surel
	for f in "$img"/etc/chatscripts/surel-*; do cp -p "$f" /etc/chatscripts/; done
	# A 3G/4G operator takes anyone: no secrets, the ISP's pppd asks for none.
	if [ -f "$img/etc/ppp/pap-secrets" ]; then
		cp -p "$img/etc/ppp/pap-secrets" "$img/etc/ppp/chap-secrets" /etc/ppp/
	else
		PPP_AUTH=none
		: >/etc/ppp/pap-secrets
	fi
	cp -p /etc/ppp/pap-secrets "$T/pap-secrets.orig"
	# The ISP's own /etc/ppp: "ip netns exec" binds /etc/netns/NS/ppp over it.
	rm -rf "/etc/netns/$DC_INS"
	mkdir -p "/etc/netns/$DC_INS"
	cp -a /etc/ppp "/etc/netns/$DC_INS/ppp"
	ppp_isp_secret ''
}

# _ppp_isp_cmd: the ISP's pppd, as the modem starts it on CONNECT.
_ppp_isp_cmd() {
	local auth=(auth require-pap)
	[ "$PPP_AUTH" = chap ] && auth=(auth require-chap)
	[ "$PPP_AUTH" = none ] && auth=(noauth)
	PPP_ISP=(/usr/sbin/pppd notty nodetach "${auth[@]}" name isp linkname isp local
		192.0.2.1:192.0.2.10 noipdefault nodefaultroute lcp-echo-interval 5
		lcp-echo-failure 3 ip-up-script /bin/true ip-down-script /bin/true
		logfile "$T/isp-pppd.log" "${PPP_ISP_EXTRA[@]}")
}

# _ppp_modem_start: surel-test-modem in the ISP's namespace, answering on PPP_DEV.
_ppp_modem_start() {
	local i want=(--number 0211234567)
	[ "$PPP_PEER" = surel-mobile ] && want=(--apn internet)
	_ppp_isp_cmd
	rm -f "$T/modem.pid"
	ip netns exec "$DC_INS" "$PPP_MODEM" --log "$T/modem.log" --plan "$T/modem.plan" \
		--rate "$PPP_RATE" --dial-delay "${PPP_DIAL_DELAY:-1}" "${want[@]}" \
		--pid-file "$T/modem.pid" "$PPP_DEV" -- "${PPP_ISP[@]}" 2>>"$T/modem.err" &
	PPP_MODEM_PID=$!
	for ((i = 0; i < 300; i++)); do
		[ -s "$T/modem.pid" ] && [ -L "$PPP_DEV" ] && return 0
		kill -0 "$PPP_MODEM_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail "the modem emulator did not start: $(cat "$T/modem.err")"
}

# _ppp_modem_stop: end the modem (and with it the ISP's pppd).
_ppp_modem_stop() {
	[ -n "${PPP_MODEM_PID:-}" ] || return 0
	kill -TERM "$PPP_MODEM_PID" 2>/dev/null
	wait "$PPP_MODEM_PID" 2>/dev/null
	PPP_MODEM_PID=
	rm -f "$T/modem.pid"
}

# dc_link_setup: syslog for pppd and the hook, the peer, the modem.
dc_link_setup() {
	busybox syslogd -n -O "$T/syslog" &
	PPP_SYSLOGD=$!
	_ppp_install
	_ppp_modem_start
}

# dc_peer_set KEY VALUE: what fake-pppd's peer keys mean for the real link.
dc_peer_set() {
	case $1 in
	pty) ;;                                # the real pty link is another peer file
	dial_delay) PPP_DIAL_DELAY=$2; _ppp_modem_stop; _ppp_modem_start ;;
	auth) PPP_AUTH=$2; _ppp_modem_stop; _ppp_modem_start ;;
	fail) ppp_plan BUSY BUSY BUSY BUSY BUSY BUSY ;;
	*) fail "dc_peer_set $1: not a key of the real link" ;;
	esac
}

# ppp_plan OUTCOME...: the modem's answers to the next dials, in order.
ppp_plan() {
	printf '%s\n' "$@" >"$T/modem.plan"
}

# ppp_isp_secret PASSWORD: what the ISP's pppd expects from the school (empty:
# the school's own); "*" at the end lets the school have any address (the
# ISP's pppd, with "auth", refuses a peer whose secret allows none).
ppp_isp_secret() {
	local s isp=/etc/netns/$DC_INS/ppp
	for s in pap-secrets chap-secrets; do
		awk -v p="$1" '$1 ~ /^"/ { print $1, "*", (p == "" ? $3 : "\"" p "\""), "*" }' \
			"$T/pap-secrets.orig" >"$isp/$s"
		chmod 0600 "$isp/$s"
	done
}

# dc_link_cut: the line drops mid-call: the modem says NO CARRIER and hangs up.
dc_link_cut() {
	kill -USR1 "$(cat "$T/modem.pid")"
}

# dc_link_cleanup: the school's pppd, the modem, syslog.
dc_link_cleanup() {
	local pid
	[ -f /run/ppp-surel.pid ] && read -r pid </run/ppp-surel.pid && kill -TERM "$pid" 2>/dev/null
	_ppp_modem_stop
	[ -n "${PPP_SYSLOGD:-}" ] && kill "$PPP_SYSLOGD" 2>/dev/null
	if [ -n "${DC_KEEP:-}" ]; then
		mkdir -p "$DC_KEEP"
		cp "$T/syslog" "$T/modem.log" "$T/modem.err" "$T/isp-pppd.log" "$DC_KEEP/" 2>/dev/null || true
	fi
	return 0
}
