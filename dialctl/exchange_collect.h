/*
 * NAME
 *	exchange_collect 3h
 * SUMMARY
 *	the "collect" mode: relay out through the hosting, collect in from its mailboxes
 * SYNOPSIS
 *	#include "exchange_collect.h"
 *
 *	extern const struct exchange_ops exchange_collect_ops;
 *	int	exchange_collect_check(const struct surel_config *cfg, char *err,
 *				size_t len);
 * DESCRIPTION
 *	See exchange_collect.c.  exchange_collect_check() is what dialctl
 *	checks at start in this mode: [collect] postmaster is set and at
 *	least one [collect.NAME] names its url, user and password_file
 *	(surel-collect checks the rest when it runs).
 */
#ifndef DIALCTL_EXCHANGE_COLLECT_H
#define DIALCTL_EXCHANGE_COLLECT_H

#include <stddef.h>

#include "exchange.h"

struct surel_config;

extern const struct exchange_ops exchange_collect_ops;
int exchange_collect_check(const struct surel_config *cfg, char *err, size_t len);

#endif
