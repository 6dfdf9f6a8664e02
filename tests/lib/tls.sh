# NAME
#	tls.sh - throwaway certificates for the test servers
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/tls.sh"
#
#	tls_pair DIR CN [SAN...]	make DIR/cert.pem and DIR/key.pem (once)
# DESCRIPTION
#	Sourceable by any test (bash, set -euo pipefail safe).  tls_pair
#	makes a self-signed certificate for CN (e.g. mail.school.test), valid
#	two days, with its unencrypted key (mode 0600, root), so that a test's
#	Postfix and Dovecot offer STARTTLS without depending on the host's
#	snakeoil pair.  An existing pair in DIR is kept.  Clients that verify
#	it take DIR/cert.pem as their only trusted certificate.  Each SAN
#	("IP:192.0.2.1", "DNS:other.name") is added to the certificate's
#	subjectAltName beside DNS:CN, for clients that connect by address.
# DIAGNOSTICS
#	Returns non-zero and prints "tls.sh: ..." with openssl's words on stderr.

# tls_pair DIR CN [SAN...]: a self-signed pair for CN (and each SAN) in DIR.
tls_pair() {
	local dir=$1 cn=$2 out san="subjectAltName=DNS:$2" s
	[ -n "$dir" ] && [ -n "$cn" ] || { echo "tls.sh: usage: tls_pair DIR CN [SAN...]" >&2; return 1; }
	shift 2
	for s in "$@"; do san="$san,$s"; done
	[ -f "$dir/cert.pem" ] && [ -f "$dir/key.pem" ] && return 0
	mkdir -p "$dir"
	out=$(openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$cn" \
		-addext "$san" -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>&1) ||
		{ echo "tls.sh: openssl req failed for $cn: $out" >&2; return 1; }
	chmod 0600 "$dir/key.pem"
	chmod 0644 "$dir/cert.pem"
}
