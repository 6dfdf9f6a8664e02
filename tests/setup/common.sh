# NAME
#	common.sh - a Debian school server's configuration below a temporary root
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/setup/common.sh"
#
#	su_image		T, R: the image (Postfix, Dovecot, passwd and
#				group copied from this host, /var/mail 2775
#				root:mail as on Debian; nothing started)
#	pc ARGS / ini SEC KEY	postconf on the image / a key of its surel.ini
#	owner_mode PATH		"user:group mode"
#	snapshot		a hash of every name, mode, owner and content below R
#	refused WHAT RC CMD...	CMD exits RC, says why, changes nothing
#	fail MSG / check MSG
# DESCRIPTION
#	Shared by the surel-setup suites.  Requires SUREL_BIN_DIR and
#	SUREL_SRC_DIR; the EXIT trap removes T.
: "${SUREL_BIN_DIR:?}" "${SUREL_SRC_DIR:?}"
SETUP=$SUREL_SRC_DIR/scripts/surel-setup
ROSTER=$SUREL_BIN_DIR/roster/surel-roster
D=smpn1-contoh.sch.id

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
check() {
	echo "check: $*"
}

# su_image: a Debian school server's configuration below R (in T).
su_image() {
	T=$(mktemp -d /tmp/surel-setup.XXXXXX)
	trap 'rm -rf "$T"' EXIT
	R=$T/root
	mkdir -p "$R/etc/postfix" "$R/lib/systemd/system" "$R/var/log"
	cp /etc/passwd /etc/group /etc/shadow /etc/gshadow "$R/etc/"
	if [ -f /etc/postfix/main.cf ]; then cp /etc/postfix/main.cf "$R/etc/postfix/"; else
		cp /usr/share/postfix/main.cf.debian "$R/etc/postfix/main.cf"; fi
	cp /etc/postfix/master.cf "$R/etc/postfix/"
	postconf -c "$R/etc/postfix" -e "myhostname=mail.$D" "alternate_config_directories=" \
		"mydestination=\$myhostname, localhost"
	cp -a /etc/dovecot "$R/etc/"
	: >"$R/var/log/mail.log"
	# Debian's /var/mail is setgid mail: what is made in it inherits the bit.
	mkdir -p "$R/var/mail"
	chown root:mail "$R/var/mail"
	chmod 2775 "$R/var/mail"
}

pc() { postconf -c "$R/etc/postfix" "$@" 2>/dev/null; }
ini() { awk -v s="[$1]" -v k="$2" '/^\[/ {sec = $0} sec == s && $1 == k {print $3; exit}' "$R/etc/surel/surel.ini"; }
owner_mode() { stat -c '%U:%G %a' "$1"; }
# snapshot: names, modes, owners and contents of everything below R (the
# contents of SQLite's -shm files aside: every reader of a database writes
# there, Postfix's and Dovecot's included).
snapshot() {
	(cd "$R" && find . -printf '%p %m %U %G %l\n' | sort &&
		find . -type f ! -name '*-shm' -print0 | sort -z | xargs -0 sha256sum) | sha256sum
}

# refused WHAT STATUS CMD...: expect that exit status, a message, no change.
refused() {
	local what=$1 want=$2 rc=0 before
	shift 2
	check "refuses $what and changes nothing"
	before=$(snapshot)
	"$@" >"$T/out" 2>&1 </dev/null || rc=$?
	[ "$rc" = "$want" ] || fail "$what: expected exit $want, got $rc: $(cat "$T/out")"
	grep -q '^surel-setup: ' "$T/out" || fail "$what: no message saying why: $(cat "$T/out")"
	[ "$(snapshot)" = "$before" ] || fail "$what: something changed although it was refused"
	echo "  said: $(grep '^surel-setup: ' "$T/out" | tail -n 1)"
}
