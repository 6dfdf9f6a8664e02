/*
 * NAME
 *	config_keys_quota 3
 * SUMMARY
 *	the [quota] keys of surel.ini: mailbox size per role
 * SYNOPSIS
 *	extern const struct surel_cfg_key surel_cfg_quota_keys[];
 * DESCRIPTION
 *	One size per role.  Dovecot's auth module (dovecot-plugin/) turns
 *	the person's role into a quota rule "*:storage=SIZE"; a person's own
 *	quota_mb in the roster wins over the role's size.  A size of 0 means
 *	no limit.
 * DIAGNOSTICS
 *	The configuration loader rejects a value that is not a size.
 */
#include "config.h"

/* [quota]: mailbox size by role. */
const struct surel_cfg_key surel_cfg_quota_keys[] = {
    {"quota", "student", CFG_SIZE, "200M", 0, 0, NULL, NULL,
     "mailbox size of a student (0 = no limit)"},
    {"quota", "teacher", CFG_SIZE, "1G", 0, 0, NULL, NULL,
     "mailbox size of a teacher (0 = no limit)"},
    {"quota", "staff", CFG_SIZE, "1G", 0, 0, NULL, NULL,
     "mailbox size of a staff member (0 = no limit)"},
    {"quota", "admin", CFG_SIZE, "1G", 0, 0, NULL, NULL,
     "mailbox size of an administrator (0 = no limit)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
