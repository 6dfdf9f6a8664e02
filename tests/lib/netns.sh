# NAME
#	netns.sh - network namespaces joined by veth pairs, for tests
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/netns.sh"
#
#	ns_create NS...				make namespaces, loopback up
#	ns_delete NS...				delete them (missing ones are fine)
#	ns_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B	join two namespaces
#	ns_pair NS_A ADDR_A NS_B ADDR_B		ns_create both + ns_link, veth0
#	ns_shape NS IF [RATE]			tbf shaping, default 56kbit
#	ns_unshape NS IF			remove the shaping
#	ns_if_up NS IF / ns_if_down NS IF	bring one end up or down
#	ns_exec NS CMD [ARGS...]		run a command inside NS
#	ns_if_bytes NS IF			print "TX_BYTES RX_BYTES"
# DESCRIPTION
#	Sourceable by any test (bash, set -euo pipefail safe).
#
#	Addresses are written with their prefix length ("192.0.2.1/24").
#	Use only documentation addresses (192.0.2.0/24, 198.51.100.0/24,
#	203.0.113.0/24) and namespace names unique to your test (e.g.
#	"surel-milter-$$"); interface names are at most 15 characters.
#
#	ns_link creates the veth pair directly inside NS_A, moves the peer
#	into NS_B, so no interface name ever appears in the root
#	namespace, assigns the addresses and brings both ends up.  ns_pair
#	is the common case: both ends named veth0.
#
#	ns_shape puts "tbf rate RATE burst 1600 latency 400ms" on IF inside
#	NS (call it for both ends to shape both directions): 56kbit is
#	7,000 bytes a second, measured here to hold within a few percent.
#	This kernel has tbf and htb but no netem.
#
#	ns_delete removes the namespaces (which removes their veth ends);
#	call it from your EXIT trap after stopping every server that runs
#	inside them.
# DIAGNOSTICS
#	Functions return non-zero and print "netns.sh: ..." on stderr.

# _ns_die MSG: complain on stderr and return failure.
_ns_die() {
	echo "netns.sh: $*" >&2
	return 1
}

# ns_create NS...: create namespaces with their loopback up.
ns_create() {
	local ns
	for ns in "$@"; do
		if ! ip netns list | awk '{print $1}' | grep -qxF -- "$ns"; then
			ip netns add "$ns" || _ns_die "cannot create namespace $ns" || return 1
		fi
		ip -n "$ns" link set lo up || return 1
	done
}

# ns_delete NS...: delete namespaces; missing ones are not an error.
ns_delete() {
	local ns
	for ns in "$@"; do
		ip netns delete "$ns" 2>/dev/null || true
	done
}

# ns_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: veth pair between two namespaces.
ns_link() {
	local nsa=$1 ifa=$2 addra=$3 nsb=$4 ifb=$5 addrb=$6
	ip -n "$nsa" link add "$ifa" type veth peer name "$ifb" netns "$nsb" ||
		_ns_die "cannot create veth $ifa ($nsa) <-> $ifb ($nsb)" || return 1
	ip -n "$nsa" addr add "$addra" dev "$ifa" || return 1
	ip -n "$nsb" addr add "$addrb" dev "$ifb" || return 1
	ip -n "$nsa" link set "$ifa" up || return 1
	ip -n "$nsb" link set "$ifb" up
}

# ns_pair NS_A ADDR_A NS_B ADDR_B: two namespaces joined by veth0 <-> veth0.
ns_pair() {
	ns_create "$1" "$3" || return 1
	ns_link "$1" veth0 "$2" "$3" veth0 "$4"
}

# ns_shape NS IF [RATE]: shape what IF sends to RATE (tc syntax, default 56kbit).
ns_shape() {
	local ns=$1 dev=$2 rate=${3:-56kbit}
	ip netns exec "$ns" tc qdisc replace dev "$dev" root tbf rate "$rate" \
		burst 1600 latency 400ms || _ns_die "cannot shape $dev in $ns"
}

# ns_unshape NS IF: remove the shaping from IF.
ns_unshape() {
	ip netns exec "$1" tc qdisc del dev "$2" root 2>/dev/null || true
}

# ns_if_up NS IF: bring an interface up.
ns_if_up() {
	ip -n "$1" link set "$2" up
}

# ns_if_down NS IF: bring an interface down (the link "hangs up").
ns_if_down() {
	ip -n "$1" link set "$2" down
}

# ns_exec NS CMD [ARGS...]: run a command inside the namespace.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# ns_if_bytes NS IF: print the interface's "TX_BYTES RX_BYTES" counters.
ns_if_bytes() {
	local tx rx
	tx=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_bytes") || return 1
	rx=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_bytes") || return 1
	echo "$tx $rx"
}
