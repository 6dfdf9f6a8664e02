# NAME
#	postfix.sh - private Postfix instances for end-to-end tests
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/postfix.sh"
#
#	pf_init DIR NAME [LISTEN]	make an instance in DIR (config DIR/etc)
#	pf_conf DIR KEY=VALUE...	set main.cf parameters (postconf -e)
#	pf_master DIR 'ENTRY'		add or replace a master.cf service entry
#	pf_start DIR [NETNS]		start it, optionally inside a namespace
#	pf_stop DIR			stop it and wait until it is gone
#	pf_wait_log DIR REGEX [SECS]	wait for a line matching REGEX in the log
#	pf_wait_queue_empty DIR [SECS]	wait until the queue holds nothing
#	pf_queue_count DIR		print the number of queued messages
#	pf_queue_json DIR		postqueue -j (one JSON object per message)
#	pf_flush DIR			postqueue -f (deliver deferred mail now)
#	pf_sendmail DIR ARGS...		Postfix's sendmail(1) for this instance
#	pf_log DIR			print the instance's log
# DESCRIPTION
#	Sourceable by any test (bash, set -euo pipefail safe).  Each
#	instance lives entirely below DIR:
#
#	DIR/etc		main.cf and master.cf (copied from /etc/postfix, or
#			from Debian's main.cf.debian when there is none)
#	DIR/spool	queue_directory; chrooted services chroot here, so a
#			milter socket for smtpd goes below DIR/spool too
#	DIR/data	data_directory, owned by postfix
#	DIR/maillog	the log (maillog_file via the postlog service: this
#			machine has no syslog)
#
#	pf_init sets queue/data directories, inet_interfaces=LISTEN
#	(default loopback-only), inet_protocols=ipv4, myhostname=NAME,
#	mydestination empty, mynetworks=127.0.0.0/8,
#	smtp_dns_support_level=disabled, compatibility_level=3.6,
#	multi_instance_enable=yes, syslog_name=postfix-NAME, no alias maps.
#	Change anything else with pf_conf / pf_master before pf_start.
#
#	DIR itself is made mode 0755 and its parent a+x (mktemp -d gives
#	0700) so that unprivileged daemons (postfix, dovecot) can reach
#	files below it.
#
#	pf_start lists DIR/etc in alternate_config_directories of the
#	default /etc/postfix/main.cf, holding
#	flock /run/surel-tests-postfix.lock, so that postqueue -c and
#	sendmail -C accept it; pf_stop removes exactly that entry again
#	under the same lock.  Call pf_stop from your EXIT trap: it is safe
#	to call on an instance that never started or already stopped.
#	With NETNS, master runs inside "ip netns exec NETNS": its 127.0.0.1
#	and ports are then private to the namespace.
#
#	pf_wait_log and pf_wait_queue_empty poll every 0.2 s for at most
#	SECS seconds (default 30) and return 1 on timeout, with a message on
#	stderr; they never sleep longer than needed.
# DIAGNOSTICS
#	Functions return non-zero and print "postfix.sh: ..." on stderr when
#	something fails; postfix check's complaints are shown as they are.

PF_LOCK=${PF_LOCK:-/run/surel-tests-postfix.lock}

# _pf_die MSG: complain on stderr and return failure.
_pf_die() {
	echo "postfix.sh: $*" >&2
	return 1
}

# pf_init DIR NAME [LISTEN]: create a fresh instance below DIR.
pf_init() {
	local dir=$1 name=$2 listen=${3:-loopback-only}
	[ -n "$dir" ] && [ -n "$name" ] || _pf_die "usage: pf_init DIR NAME [LISTEN]" || return 1
	mkdir -p "$dir/etc" "$dir/data" "$dir/spool" || return 1
	chmod 0755 "$dir" "$dir/spool"
	chmod a+x "$(dirname "$dir")"
	chown postfix "$dir/data"
	if [ -f /etc/postfix/main.cf ]; then
		cp /etc/postfix/main.cf "$dir/etc/main.cf"
	else
		cp /usr/share/postfix/main.cf.debian "$dir/etc/main.cf"
	fi
	cp /etc/postfix/master.cf "$dir/etc/master.cf"
	postconf -c "$dir/etc" -e \
		"queue_directory=$dir/spool" \
		"data_directory=$dir/data" \
		"inet_interfaces=$listen" \
		"inet_protocols=ipv4" \
		"myhostname=$name" \
		"mydestination=" \
		"mynetworks=127.0.0.0/8" \
		"smtp_dns_support_level=disabled" \
		"compatibility_level=3.6" \
		"multi_instance_enable=yes" \
		"multi_instance_name=postfix-$name" \
		"syslog_name=postfix-$name" \
		"maillog_file=$dir/maillog" \
		"maillog_file_prefixes=$dir" \
		"alias_maps=" "alias_database=" \
		"relayhost=" "biff=no" || _pf_die "postconf failed in $dir/etc"
	# Debian's master.cf already has postlog; make sure it is there.
	if ! postconf -c "$dir/etc" -M postlog/unix-dgram >/dev/null 2>&1 ||
	   [ -z "$(postconf -c "$dir/etc" -M postlog/unix-dgram)" ]; then
		postconf -c "$dir/etc" -M \
			"postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
	fi
}

# pf_conf DIR KEY=VALUE...: set main.cf parameters of the instance.
pf_conf() {
	local dir=$1
	shift
	postconf -c "$dir/etc" -e "$@" || _pf_die "postconf -e $* failed"
}

# pf_master DIR 'NAME TYPE PRIV UNPRIV CHROOT WAKE MAX CMD [ARGS]': set a
# master.cf entry (replaces one with the same name and type).
pf_master() {
	local dir=$1 entry=$2
	local -a f
	read -r -a f <<<"$entry"
	postconf -c "$dir/etc" -M "${f[0]}/${f[1]}=$entry" ||
		_pf_die "postconf -M '$entry' failed"
}

# _pf_alt DIR add|remove: edit alternate_config_directories under the lock.
_pf_alt() {
	local etc=$1/etc op=$2
	(
		flock 9
		[ -f /etc/postfix/main.cf ] ||
			cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
		local cur new="" d
		cur=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null || true)
		for d in ${cur//,/ }; do
			[ "$d" = "$etc" ] || new="${new:+$new }$d"
		done
		[ "$op" = add ] && new="${new:+$new }$etc"
		if [ "$new" != "$cur" ]; then
			if [ -n "$new" ]; then
				postconf -c /etc/postfix -e "alternate_config_directories=$new"
			else
				postconf -c /etc/postfix -X alternate_config_directories
			fi
		fi
	) 9>"$PF_LOCK"
}

# pf_start DIR [NETNS]: check and start the instance.
pf_start() {
	local dir=$1 ns=${2:-}
	local -a in_ns=()
	[ -n "$ns" ] && in_ns=(ip netns exec "$ns")
	_pf_alt "$dir" add || _pf_die "cannot register $dir/etc" || return 1
	postfix -c "$dir/etc" check >>"$dir/check.log" 2>&1 || true
	if ! "${in_ns[@]}" postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1; then
		cat "$dir/start.log" >&2
		[ -f "$dir/maillog" ] && tail -n 20 "$dir/maillog" >&2
		_pf_die "postfix -c $dir/etc start failed"
		return 1
	fi
}

# _pf_master_pid DIR: print master's pid if it is running.
_pf_master_pid() {
	local pidf=$1/spool/pid/master.pid pid
	[ -f "$pidf" ] || return 1
	pid=$(tr -d ' \n' <"$pidf")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# pf_stop DIR: stop the instance (if running) and unregister DIR/etc.
pf_stop() {
	local dir=$1 pid i
	if pid=$(_pf_master_pid "$dir"); then
		postfix -c "$dir/etc" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "postfix.sh: master $pid of $dir did not stop; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	[ -d "$dir/etc" ] && _pf_alt "$dir" remove
	return 0
}

# pf_wait_log DIR REGEX [SECS]: wait until the log has a line matching REGEX.
pf_wait_log() {
	local dir=$1 re=$2 secs=${3:-30} i
	for ((i = 0; i < secs * 5; i++)); do
		grep -Eq -- "$re" "$dir/maillog" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "postfix.sh: no log line matching '$re' in $dir/maillog after ${secs}s" >&2
	return 1
}

# pf_queue_json DIR: one JSON object per queued message.
pf_queue_json() {
	postqueue -c "$1/etc" -j
}

# pf_queue_count DIR: print how many messages are queued.
pf_queue_count() {
	local out
	out=$(postqueue -c "$1/etc" -j) || return 1
	if [ -z "$out" ]; then echo 0; else printf '%s\n' "$out" | wc -l; fi
}

# pf_wait_queue_empty DIR [SECS]: wait until no message is queued.
pf_wait_queue_empty() {
	local dir=$1 secs=${2:-30} i n
	for ((i = 0; i < secs * 5; i++)); do
		n=$(pf_queue_count "$dir") && [ "$n" = 0 ] && return 0
		sleep 0.2
	done
	echo "postfix.sh: queue of $dir still holds ${n:-?} message(s) after ${secs}s" >&2
	return 1
}

# pf_flush DIR: ask the instance to deliver deferred mail now.
pf_flush() {
	postqueue -c "$1/etc" -f
}

# pf_sendmail DIR ARGS...: submit a message (on stdin) to this instance.
pf_sendmail() {
	local dir=$1
	shift
	sendmail -C "$dir/etc" "$@"
}

# pf_log DIR: print the instance's log (for failure messages).
pf_log() {
	cat "$1/maillog" 2>/dev/null || true
}
