/*
 * NAME
 *	config_keys 3
 * SUMMARY
 *	the table of every key surel.ini may hold
 * DESCRIPTION
 *	Each component's keys are listed here, with their form and default,
 *	so that every program rejects an unknown or misspelt key in any
 *	section, not only in its own.  The README's configuration reference
 *	follows this table.  A component with many keys keeps its table in
 *	config_keys_COMPONENT.c and adds it to surel_cfg_tables below.
 */
#include "config.h"

/* [school], [roster], [mail]: what every component relies on. */
static const struct surel_cfg_key base_keys[] = {
    {"school", "domain", CFG_DOMAIN, NULL, 0, 0, NULL, NULL,
     "the school's mail domain, e.g. smpn1.sch.id"},
    {"school", "webmail", CFG_STRING, NULL, 0, 0, NULL, NULL,
     "the webmail's address printed on the PDF slips; default: https://mail.DOMAIN/"},
    {"school", "name", CFG_STRING, "", 0, 0, NULL, NULL,
     "the school's name, for slips and reports"},
    {"school", "language", CFG_ENUM, "id", 0, 0, "id|en", NULL,
     "language of what the daemons say to people, e.g. surel-milter's refusals (id: Indonesian,"
     " en: English); command-line tools follow LANG"},
    {"roster", "db", CFG_PATH, "/var/lib/surel/roster.db", 0, 0, NULL, NULL,
     "people and groups (readable by Postfix and the milter)"},
    {"roster", "credentials", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "password hashes (readable by root and Dovecot's auth only); default: credentials.db"
     " in db's directory"},
    {"roster", "password_scheme", CFG_ENUM, "yescrypt", 0, 0,
     "yescrypt|sha512crypt|bcrypt", NULL, "hash for new passwords"},
    {"roster", "busy_timeout", CFG_DURATION, "5s", 0, 600, NULL, NULL,
     "how long a reader waits for a writer's lock"},
    {"mail", "root", CFG_PATH, "/var/mail/surel", 0, 0, NULL, NULL,
     "directory below which every mailbox lives"},
    {"mail", "user", CFG_STRING, "vmail", 0, 0, NULL, NULL,
     "the system user that owns every mailbox"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};

extern const struct surel_cfg_key surel_cfg_quota_keys[];   /* config_keys_quota.c */
extern const struct surel_cfg_key surel_cfg_mxd_keys[];     /* config_keys_mxd.c */
extern const struct surel_cfg_key surel_cfg_dialctl_keys[]; /* config_keys_dialctl.c */
extern const struct surel_cfg_key surel_cfg_milter_keys[];  /* config_keys_milter.c */
extern const struct surel_cfg_key surel_cfg_ssh_keys[];     /* config_keys_ssh.c */
extern const struct surel_cfg_key surel_cfg_tls_keys[];     /* config_keys_tls.c */
extern const struct surel_cfg_key surel_cfg_batch_keys[];   /* config_keys_batch.c */
extern const struct surel_cfg_key surel_cfg_collect_keys[]; /* config_keys_collect.c */

const struct surel_cfg_key *const surel_cfg_tables[] = {
    base_keys,
    surel_cfg_quota_keys,
    surel_cfg_mxd_keys,
    surel_cfg_dialctl_keys,
    surel_cfg_milter_keys,
    surel_cfg_ssh_keys,
    surel_cfg_tls_keys,
    surel_cfg_batch_keys,
    surel_cfg_collect_keys,
    NULL
};
