/*
 * NAME
 *	config_keys_mxd 3
 * SUMMARY
 *	the [mxd] section of surel.ini: the ISP's ETRN policy service
 * DESCRIPTION
 *	Keys read by surel-mxd(8) and, through it, surel-setup-isp(8).
 *	Registered in surel_cfg_tables (config_keys.c).
 */
#include "config.h"

const struct surel_cfg_key surel_cfg_mxd_keys[] = {
    {"mxd", "db", CFG_PATH, "/var/lib/surel/routes.db", 0, 0, NULL, NULL,
     "the route table: schools, their domains, current addresses"},
    {"mxd", "socket", CFG_PATH, "/var/spool/postfix/private/surel-mxd", 0, 0, NULL, NULL,
     "policy socket; must lie inside Postfix's queue directory (smtpd is chrooted)"},
    {"mxd", "socket_group", CFG_STRING, "postfix", 0, 0, NULL, NULL,
     "group that may connect to the socket (smtpd's)"},
    {"mxd", "user", CFG_STRING, "surel-mxd", 0, 0, NULL, NULL,
     "user surel-mxd runs as after creating its socket"},
    {"mxd", "route_ttl", CFG_DURATION, "10m", 60, 86400, NULL, NULL,
     "how long a route stays valid after ETRN; the school repeats ETRN every half of it"},
    {"mxd", "flush_again", CFG_DURATION, "35s", 0, 3600, NULL, NULL,
     "second 'postqueue -s' after an accepted ETRN (>= 31s: qmgr caches a resolution 30s); 0 = off"},
    {"mxd", "flush_user", CFG_STRING, "postfix", 0, 0, NULL, NULL,
     "user the second flush runs postqueue as (postqueue -s reads fast_flush_domains through proxymap)"},
    {"mxd", "postqueue", CFG_PATH, "/usr/sbin/postqueue", 0, 0, NULL, NULL,
     "the postqueue program run for the second flush"},
    {"mxd", "postfix_config_dir", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "Postfix config directory passed as 'postqueue -c' (unset: Postfix's default)"},
    {"mxd", "max_failures", CFG_INT, "5", 1, 10000, NULL, NULL,
     "refused ETRNs from one address or login before it is locked out"},
    {"mxd", "failure_window", CFG_DURATION, "10m", 1, 86400, NULL, NULL,
     "period in which max_failures are counted"},
    {"mxd", "lockout", CFG_DURATION, "15m", 1, 86400, NULL, NULL,
     "how long a locked-out address or login gets 450 for every ETRN"},
    {"mxd", "idle_timeout", CFG_DURATION, "330s", 1, 86400, NULL, NULL,
     "close a policy connection silent this long (smtpd itself closes idle ones after 300s)"},
    {"mxd", "log_file", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "log to this file instead of syslog (unset: syslog; -f: stderr)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
