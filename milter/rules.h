/*
 * NAME
 *	rules 3h
 * SUMMARY
 *	read the policy rules and the milter's settings from surel.ini
 * SYNOPSIS
 *	#include "rules.h"
 *
 *	int	rules_load(const struct surel_config *cfg, struct policy_rules *pr,
 *			struct milter_settings *ms, char *err, size_t errlen);
 * DESCRIPTION
 *	Copies [school] domain, [policy] and [milter] into plain structs, so
 *	that the decisions (policy.c) and the callbacks (milter.c) never
 *	look at the configuration file.  The loader (lib/config.c) has
 *	already checked every value's form.
 * DIAGNOSTICS
 *	-1 with err filled in when [school] domain is missing or a value does
 *	not fit its buffer.
 */
#ifndef SUREL_MILTER_RULES_H
#define SUREL_MILTER_RULES_H

#include <stddef.h>

#include "config.h"
#include "policy.h"

struct milter_settings {
    char socket[1024];
    char user[64];
    char usage_db[1024];
    char roster_db[1024];
    char log_file[1024];        /* "" for syslog */
    long long timeout;
    int busy_timeout_ms;
};

int rules_load(const struct surel_config *cfg, struct policy_rules *pr,
               struct milter_settings *ms, char *err, size_t errlen);

#endif
