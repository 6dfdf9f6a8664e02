/*
 * NAME
 *	config_keys_milter 3
 * SUMMARY
 *	the keys of [milter] and [policy] in surel.ini
 * SYNOPSIS
 *	extern const struct surel_cfg_key surel_cfg_milter_keys[];
 * DESCRIPTION
 *	[milter] says how surel-milter runs (socket, user, usage store, log);
 *	[policy] holds the school's mail rules that surel-milter enforces.
 *	Both are listed in surel_cfg_tables (config_keys.c), so a misspelt
 *	key stops every program with the file, line, section and key named.
 *	Per-role keys exist for each role (student, teacher, staff, admin);
 *	a limit of 0 means "no limit".
 * DIAGNOSTICS
 *	None: this is a table.
 */
#include "config.h"

#define ROLE_KEYS(role, ext, msgs, bytes) \
    {"policy", "external_" role, CFG_BOOL, ext, 0, 0, NULL, NULL, \
     "may a " role " send mail outside the school (unless the person's own setting says otherwise)"}, \
    {"policy", "daily_messages_" role, CFG_INT, msgs, 0, 1000000, NULL, NULL, \
     "outside recipients a " role " may write to a day: a message to three outside addresses counts three (0: no limit)"}, \
    {"policy", "daily_bytes_" role, CFG_SIZE, bytes, 0, 1LL << 40, NULL, NULL, \
     "bytes of outside mail a " role " may send a day (0: no limit)"}

const struct surel_cfg_key surel_cfg_milter_keys[] = {
    {"milter", "socket", CFG_STRING, "unix:/var/spool/postfix/surel/milter.sock", 0, 0, NULL,
     NULL, "listening socket in libmilter's notation: unix:/path or inet:PORT@HOST"},
    {"milter", "user", CFG_STRING, "surel-milter", 0, 0, NULL, NULL,
     "the user surel-milter runs as once the socket is open"},
    {"milter", "usage_db", CFG_PATH, "/var/lib/surel/usage.db", 0, 0, NULL, NULL,
     "outside messages and bytes per person per day (written by surel-milter only)"},
    {"milter", "log_file", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "log to this file instead of syslog (--foreground logs to stderr)"},
    {"milter", "timeout", CFG_DURATION, "30s", 1, 3600, NULL, NULL,
     "how long to wait for Postfix on a connection"},
    {"policy", "refuse_inactive", CFG_BOOL, "yes", 0, 0, NULL, NULL,
     "refuse mail from logins that are suspended, graduated or not in the roster"},
    {"policy", "send_as_groups", CFG_BOOL, "yes", 0, 0, NULL, NULL,
     "let a member send as a group the roster allows them to (may_send_as)"},
    {"policy", "school_sender_needs_login", CFG_BOOL, "yes", 0, 0, NULL, NULL,
     "refuse mail that claims a school sender address without logging in"},
    {"policy", "lists_from_outside", CFG_BOOL, "no", 0, 0, NULL, NULL,
     "accept mail from outside to class and role lists (kelas-7a@, guru@)"},
    {"policy", "external_refused_classes", CFG_LIST, "", 0, 0, NULL, NULL,
     "classes whose students may not send outside (e.g. 7A 7B)"},
    {"policy", "external_allowed_classes", CFG_LIST, "", 0, 0, NULL, NULL,
     "classes whose students may send outside even if students may not"},
    {"policy", "external_allowed_domains", CFG_LIST, "", 0, 0, NULL, NULL,
     "outside domains anyone may write to, whatever the rules above say"},
    {"policy", "trusted_relays", CFG_LIST, "", 0, 0, NULL, NULL,
     "addresses (or address/prefix) of the ISP's relays that may bring mail with a school sender without a login, e.g. its mailing list server"},
    {"policy", "external_max_size", CFG_SIZE, "512K", 0, 1LL << 34, NULL, NULL,
     "largest message that may go outside (0: no limit); inside mail is not capped"},
    ROLE_KEYS("student", "yes", "20", "1M"),
    ROLE_KEYS("teacher", "yes", "100", "10M"),
    ROLE_KEYS("staff", "yes", "100", "10M"),
    ROLE_KEYS("admin", "yes", "0", "0"),
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
