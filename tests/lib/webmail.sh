# NAME
#	webmail.sh - the school's webmail (Roundcube, nginx, PHP-FPM) in a world
# SYNOPSIS
#	. "$SUREL_SRC_DIR/tests/lib/world.sh"
#	. "$SUREL_SRC_DIR/tests/lib/webmail.sh"
#
#	world_webmail_up		Roundcube at http://$W_LAN_SERVER/mail/
#	world_webmail_url		print the URL a pupil's browser opens
#	world_webmail_host		reach the school from this host: print the
#					URL to open here (scripts/demo --keep)
# DESCRIPTION
#	After world_school_up: Debian's Roundcube with surel's settings and
#	plugin, served by nginx and PHP-FPM in the school's namespace, from
#	the templates surel-setup --webmail installs (etc/webmail), their
#	@NAME@ values filled in the way surel-setup fills them.
#
#	Nothing outside DIR changes: Roundcube runs from a private tree
#	DIR/school/rc made of links to Debian's files (Roundcube finds its
#	plugins, logs and temporary files through the directory of the
#	public_html it is started from), with surel's plugin linked into
#	its plugins; its configuration directory is DIR/school/rcconf,
#	read after Debian's /etc/roundcube.  nginx and PHP-FPM run from
#	DIR/school/web with their own configuration, pid and log files;
#	world_stop stops them.
# DIAGNOSTICS
#	Functions print "world: ..." on stderr and return non-zero.

W_RC_DEBIAN=/var/lib/roundcube

# _w_render TEMPLATE OUT NAME=VALUE...: the template with each @NAME@ filled.
_w_render() {
	local tpl=$1 out=$2 kv text
	shift 2
	text=$(cat "$tpl") || return 1
	for kv in "$@"; do
		text=${text//@${kv%%=*}@/${kv#*=}}
	done
	printf '%s\n' "$text" >"$out"
}

# _w_rc_tree RC: a Roundcube install tree at RC made of links to Debian's,
# with surel's plugin among the plugins.
_w_rc_tree() {
	local rc=$1 f
	mkdir -p "$rc/public_html/program" "$rc/plugins" "$rc/logs" "$rc/temp"
	for f in index.php program SQL skins; do
		ln -sfn "$(readlink -f "$W_RC_DEBIAN/$f")" "$rc/$f"
	done
	cp "$W_RC_DEBIAN/public_html/index.php" "$rc/public_html/index.php"
	ln -sfn ../plugins "$rc/public_html/plugins"
	ln -sfn ../skins "$rc/public_html/skins"
	ln -sfn ../../program/js "$rc/public_html/program/js"
	ln -sfn ../../program/resources "$rc/public_html/program/resources"
	for f in /usr/share/roundcube/plugins/*; do
		ln -sfn "$f" "$rc/plugins/$(basename "$f")"
	done
	ln -sfn "$SUREL_SRC_DIR/webmail/roundcube/surel" "$rc/plugins/surel"
	chown www-data:www-data "$rc/logs" "$rc/temp"
	chmod 0750 "$rc/logs" "$rc/temp"
}

# _w_max_size: [policy] external_max_size of the school's surel.ini, as
# Roundcube reads a size (surel's default when unset).
_w_max_size() {
	local v
	v=$(sed -n '/^\[policy\]/,/^\[/s/^external_max_size *= *//p' "$W_INI" | tail -n 1)
	echo "${v:-512K}"
}

# _w_webmail_conf: Roundcube's, PHP-FPM's and nginx's configuration.
_w_webmail_conf() {
	local s=$W_DIR/school web=$W_DIR/school/web tpl=$SUREL_SRC_DIR/etc/webmail max
	max=$(_w_max_size)
	mkdir -p "$s/rcconf" "$s/rcstate" "$web/tmp"
	install -o www-data -g www-data -m 0640 /dev/null "$s/rcstate/roundcube.db"
	chown www-data:www-data "$s/rcstate"
	_w_render "$tpl/roundcube.inc.php" "$s/rcconf/config.inc.php" "STATE_DIR=$s/rcstate" \
		"DOMAIN=$W_DOMAIN" "ROSTER_DB=$s/roster.db" "LANGUAGE=id_ID" \
		"SCHOOL_NAME=SMP Negeri 1 Contoh" "MAX_SIZE=$max" || return 1
	_w_render "$tpl/php-fpm-pool.conf" "$web/pool.conf" "FPM_SOCKET=$web/fpm.sock" \
		"CONF_DIR=$s/rcconf" "UPLOAD_MAX=$max" || return 1
	_w_render "$tpl/nginx-locations.conf" "$web/locations.conf" "RC_ROOT=$s/rc" \
		"BODY_MAX=$max" "FPM_SOCKET=$web/fpm.sock" || return 1
	_w_render "$tpl/nginx-http.conf" "$web/site.conf" "LOCATIONS=$web/locations.conf" || return 1
	printf '[global]\npid = %s\nerror_log = %s\ndaemonize = no\ninclude = %s\n' \
		"$web/fpm.pid" "$web/fpm.log" "$web/pool.conf" >"$web/fpm.conf"
	cat >"$web/nginx.conf" <<-EOF
	user www-data;
	worker_processes 1;
	pid $web/nginx.pid;
	error_log $web/nginx-error.log info;
	events { worker_connections 64; }
	http {
	    include /etc/nginx/mime.types;
	    default_type application/octet-stream;
	    access_log $web/access.log;
	    client_body_temp_path $web/tmp/body;
	    fastcgi_temp_path $web/tmp/fastcgi;
	    proxy_temp_path $web/tmp/proxy;
	    uwsgi_temp_path $web/tmp/uwsgi;
	    scgi_temp_path $web/tmp/scgi;
	    include $tpl/nginx-conf.d.conf;
	    include $web/site.conf;
	}
	EOF
}

# _w_wait_http URL: wait (60 s) until the school answers URL with 200.
_w_wait_http() {
	local i code
	for ((i = 0; i < 120; i++)); do
		code=$(ns_exec "$W_NS_LAN" curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true)
		[ "$code" = 200 ] && return 0
		sleep 0.5
	done
	_w_die "the webmail did not answer $1 with 200 within 60 s (last: $code):" \
		"$(tail -n 5 "$W_DIR/school/web/nginx-error.log" "$W_DIR/school/web/fpm.log" 2>/dev/null)"
}

# world_webmail_up: Roundcube for the school's pupils, on the LAN.
world_webmail_up() {
	_w_rc_tree "$W_DIR/school/rc" || return 1
	_w_webmail_conf || return 1
	local fpm
	fpm=$(ls /usr/sbin/php-fpm* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$fpm" ] || _w_die "no PHP-FPM (/usr/sbin/php-fpm*): scripts/install-deps installs php-fpm" || return 1
	_w_spawn php-fpm "$W_NS_SCH" "$fpm" --nodaemonize --fpm-config "$W_DIR/school/web/fpm.conf"
	_w_wait_socket "$W_DIR/school/web/fpm.sock" php-fpm || return 1
	_w_spawn nginx "$W_NS_SCH" nginx -p "$W_DIR/school/web" -c "$W_DIR/school/web/nginx.conf" -g 'daemon off;'
	_w_wait_http "$(world_webmail_url)"
}

# world_webmail_url: where a pupil's browser opens the webmail.
world_webmail_url() {
	echo "http://$W_LAN_SERVER/mail/"
}

# world_webmail_host: a link from this host's namespace to the school's
# (10.231.0.1 here, 10.231.0.2 there; gone with the school's namespace), so
# that a browser on this host opens the webmail; prints its URL.
world_webmail_host() {
	local hif=sw-h-$W_ID
	ip link add "$hif" type veth peer name vhost netns "$W_NS_SCH" || return 1
	ip addr add 10.231.0.1/30 dev "$hif" && ip link set "$hif" up &&
		ip -n "$W_NS_SCH" addr add 10.231.0.2/30 dev vhost && ip -n "$W_NS_SCH" link set vhost up ||
		return 1
	echo "http://10.231.0.2/mail/"
}
