/*
 * NAME
 *	conf 3h
 * SUMMARY
 *	dialctl's settings, read from surel.ini
 * SYNOPSIS
 *	#include "conf.h"
 *
 *	int	conf_load(const char *path, struct conf *c, char *err, size_t len);
 *	void	conf_free(struct conf *c);
 * DESCRIPTION
 *	conf_load() reads [school], [roster], [dial], [tariff], [budget]
 *	and [etrn] (see dialctl(8)) and parses the schedule.
 *	conf_read_secrets() reads the ETRN credentials file; only the
 *	daemon does, so that the client works for the socket's group.  The surel_config stays open: the string
 *	fields point into it until conf_free().
 * DIAGNOSTICS
 *	-1 with err naming the file and key.
 */
#ifndef DIALCTL_CONF_H
#define DIALCTL_CONF_H

#include <stddef.h>

#include "budget.h"
#include "schedule.h"
#include "tariff.h"

#define CONF_MAX_DOMAINS 16

struct conf {
    struct surel_config *cfg;
    const char *path;
    const char *mode;
    const char *pppd, *peer, *linkname, *hook, *interface;
    int attempts;
    long long dial_timeout, redial_delay, retry_delay, grace, stall, max_session, check_interval;
    long long quiet_bytes;
    int flushes;
    struct schedule schedule;
    long long queue_messages, queue_age;
    const char *postqueue, *postfix_config, *maillog;
    const char *socket, *socket_group, *lock, *ledger;
    const char *roster_db;
    struct tariff tariff;
    struct budget budget;
    long long cut_margin;
    const char *etrn_host;
    const char *domains[CONF_MAX_DOMAINS + 1];  /* NULL-ended */
    char domain_buf[1024];
    int etrn_tls;
    long etrn_timeout;
    long long etrn_refresh;
    const char *etrn_credentials;
    char etrn_user[128], etrn_pass[256];
};

int conf_load(const char *path, struct conf *c, char *err, size_t len);
/* Read the root-only [etrn] credentials file (the daemon only). */
int conf_read_secrets(struct conf *c, char *err, size_t len);
void conf_free(struct conf *c);

#endif
