# NAME
#	ppp.sh - what bench/link's scripts need on the real PPP link
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/dialctl/common.sh"	(SUREL_LINK=ppp: tests/ppp/link.sh)
#	. "$SUREL_SRC_DIR/bench/link/ppp.sh"
#
#	bp_init				after the link's setup: the hook wrapper,
#					the peer's original, the ISP's line record
#	bp_options vj|novj|deflate	both pppds' compression options, modem restarted
#					(at PPP_RATE bytes a second, default 7000; 0: no limit)
#	bp_reset			forget the last run's figures (link.log, record, logs)
#	bp_figures			"S CT PPP_UP PPP_DOWN LINE_UP LINE_DOWN VJ CCP RT_UP RT_DOWN"
#	(BP_SNS, BP_FNS: the school's namespace and the one whose TCP ends
#	the school's connections: the ISP's; TCP retransmissions counted there)
#	bp_naive_wrappers		T/naive-up, T/naive-down for a pppd of our own
# DESCRIPTION
#	The school's pppd is the one a school runs (tests/ppp/link.sh:
#	/usr/sbin/pppd, surel-setup's peer file and chat script, a modem
#	emulator that carries at most 7,000 bytes a second each way).  The
#	benchmark adds three things around it, none of them in the school's
#	path of the bytes:
#
#	- dialctl's hook is wrapped (T/bench-hook): ip-up notes the time
#	  (/proc/uptime), ip-down the time and pppd's own CONNECT_TIME,
#	  BYTES_SENT and BYTES_RCVD, into T/run/link.log in fake-pppd's
#	  format ("up TIME", "down TIME TX RX CT"), so the stand-in's
#	  arithmetic applies unchanged.  pppd's bytes are PPP's after VJ and
#	  CCP, without the async framing (flags, escapes, FCS);
#	- the ISP's pppd gets "record T/line.rec" (it already runs a
#	  character shunt for "notty"; record makes the shunt log every byte
#	  it moves, with its direction) and "debug" (its IPCP/CCP
#	  negotiation in T/isp-pppd.log): the line's own bytes each way, HDLC
#	  framing and escapes included, which is what the 7,000 B/s limit
#	  applies to;
#	- the compression options, on both sides: vj = VJ header compression
#	  as pppd negotiates it, no CCP ("noccp"); novj = neither ("novj
#	  noccp"); deflate = nothing added, which is the peer as shipped:
#	  VJ and whatever CCP both pppds offer (Deflate, checked in the log).

BP_ISP_OPTS=()
BP_PEER=/etc/ppp/peers/surel

# _bp_isp_extra: the ISP's pppd records the line, logs its negotiation, and
# takes the variant's options (link.sh adds PPP_ISP_EXTRA to its command).
_bp_isp_extra() {
	PPP_ISP_EXTRA=(debug record "$T/line.rec" "${BP_ISP_OPTS[@]}")
}

# bp_init: the hook wrapper into the ini, the peer as surel-setup wrote it
# kept, the ISP's secrets usable, the modem restarted with the line record.
bp_init() {
	cp -p "$BP_PEER" "$T/peer.orig"
	_bp_isp_extra
	cat >"$T/bench-hook" <<EOF
#!/bin/sh
# pppd's figures into fake-pppd's link.log format, then the real hook.
read t _ </proc/uptime
if [ -n "\${CONNECT_TIME:-}" ]; then
	echo "down \$t \${BYTES_SENT:-0} \${BYTES_RCVD:-0} \$CONNECT_TIME" >>$T/run/link.log
else
	echo "up \$t" >>$T/run/link.log
fi
exec $DC_HOOK "\$@"
EOF
	chmod 0755 "$T/bench-hook"
	[ -f "$T/surel.ini" ] && dc_ini_set dial hook "$T/bench-hook"
	# The ISP's command now records the line: restart the modem with it.
	_ppp_modem_stop
	_ppp_modem_start
}

# bp_naive_wrappers: the naive dialer's ip-up (time, then bench/link/naive-ip-up) and ip-down.
bp_naive_wrappers() {
	cat >"$T/naive-up" <<EOF
#!/bin/sh
read t _ </proc/uptime
echo "up \$t" >>$T/run/link.log
exec $SUREL_SRC_DIR/bench/link/naive-ip-up "\$@"
EOF
	cat >"$T/naive-down" <<EOF
#!/bin/sh
read t _ </proc/uptime
echo "down \$t \${BYTES_SENT:-0} \${BYTES_RCVD:-0} \${CONNECT_TIME:-0}" >>$T/run/link.log
EOF
	chmod 0755 "$T/naive-up" "$T/naive-down"
}

# bp_options vj|novj|deflate: both sides' compression options; the modem
# restarts so that the ISP's next pppd has them.
bp_options() {
	local school=()
	case $1 in
	vj) school=(noccp); BP_ISP_OPTS=(noccp) ;;
	novj) school=(novj noccp); BP_ISP_OPTS=(novj noccp) ;;
	deflate) BP_ISP_OPTS=() ;;
	*) fail "bp_options $1: vj, novj or deflate" ;;
	esac
	cp -p "$T/peer.orig" "$BP_PEER"
	[ ${#school[@]} = 0 ] || printf '%s\n' "# bench/link: compression" "${school[@]}" >>"$BP_PEER"
	_bp_isp_extra
	_ppp_modem_stop
	_ppp_modem_start
}

# bp_reset: a fresh link.log and line record; the logs' current ends noted.
bp_reset() {
	rm -f "$T/run/link.log" "$T/line.rec"
	BP_ISP_LOG_AT=$(stat -c %s "$T/isp-pppd.log" 2>/dev/null || echo 0)
	BP_SYSLOG_AT=$(stat -c %s "$T/syslog" 2>/dev/null || echo 0)
	BP_RT_S=$(_bp_retrans "$BP_SNS")
	BP_RT_F=$(_bp_retrans "$BP_FNS")
}

# _bp_retrans NS: TCP segments NS's kernel retransmitted so far (/proc/net/snmp).
_bp_retrans() {
	ip netns exec "$1" awk '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) if ($i == "RetransSegs") c = i; h = 1; next }
		$1 == "Tcp:" { print $c }' /proc/net/snmp
}

# bp_retrans: "UP DOWN": TCP retransmissions by the school (BP_SNS) and by the
# far end's namespace (BP_FNS) since the last bp_reset.
bp_retrans() {
	echo "$(($(_bp_retrans "$BP_SNS") - BP_RT_S)) $(($(_bp_retrans "$BP_FNS") - BP_RT_F))"
}

# _bp_line_bytes: "UP DOWN" from the ISP's record file (pppd's charshunt
# format: 1 = sent LEN DATA, 2 = received LEN DATA, 3/4 = EOF, 5 = 4-byte
# time step, 6 = 1-byte time step, 7 = 4-byte start time).  The ISP
# receives what the school sends: up = received, down = sent.
_bp_line_bytes() {
	python3 - "$T/line.rec" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read() if __import__('os').path.exists(sys.argv[1]) else b''
i, n = 0, {1: 0, 2: 0}
while i < len(d):
    c = d[i]; i += 1
    if c in (1, 2):
        ln = d[i] << 8 | d[i + 1]; i += 2 + ln; n[c] += ln
    elif c in (5, 7):
        i += 4
    elif c == 6:
        i += 1
    elif c in (3, 4):
        pass
    else:
        sys.exit("line.rec: unknown code %d at %d" % (c, i - 1))
print(n[2], n[1])
PY
}

# bp_figures: "S CT PPP_UP PPP_DOWN LINE_UP LINE_DOWN VJ CCP" of the last run:
# link-up seconds (ip-up to ip-down), pppd's CONNECT_TIME, pppd's bytes,
# the line's bytes, what IPCP and CCP settled on (the ISP's debug log).
bp_figures() {
	local s ct tx rx lu ld log vj=off ccp
	read -r s ct tx rx < <(awk '$1 == "up" { up = $2 } $1 == "down" { s += $2 - up; tx += $3; rx += $4; ct += $5 }
		END { printf "%.1f %d %d %d\n", s, ct, tx, rx }' "$T/run/link.log" 2>/dev/null || echo "0 0 0 0")
	read -r lu ld < <(_bp_line_bytes)
	log=$(tail -c +$((BP_ISP_LOG_AT + 1)) "$T/isp-pppd.log" 2>/dev/null || true)
	# VJ each way: the ISP's ConfReq acked = it receives VJ (up); its ConfAck = it sends VJ (down).
	local vup vdown
	vup=$(grep -c 'rcvd \[IPCP ConfAck.*compress VJ' <<<"$log" || true)
	vdown=$(grep -c 'sent \[IPCP ConfAck.*compress VJ' <<<"$log" || true)
	if [ "$vup" -gt 0 ] && [ "$vdown" -gt 0 ]; then vj=both
	elif [ "$vup" -gt 0 ]; then vj=up
	elif [ "$vdown" -gt 0 ]; then vj=down
	fi
	# pppd's notice: "Deflate (15) compression enabled" (or "A / B", "receive", "transmit").
	ccp=$(grep 'compression enabled' <<<"$log" | tail -n 1 | sed 's/.*\] *//; s/ compression enabled//; s/ //g' || true)
	echo "$s $ct $tx $rx $lu $ld $vj ${ccp:-off} $(bp_retrans)"
}
