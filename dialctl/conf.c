/*
 * NAME
 *	conf 3
 * SUMMARY
 *	dialctl's settings, read from surel.ini
 * SYNOPSIS
 *	See conf.h.
 * DESCRIPTION
 *	Values were checked against the key table by surel_config_load();
 *	what is left here are checks across keys (a schedule that parses,
 *	ETRN domains) and the credentials file.
 * DIAGNOSTICS
 *	See conf.h.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "conf.h"
#include "exchange_collect.h"
#include "etrn.h"
#include "tunnel.h"
#include "util.h"

/* Split the ETRN domains (default: the school's domain). */
static int load_domains(struct conf *c, char *err, size_t len)
{
    const char *list = surel_config_str(c->cfg, "etrn", "domains");
    char *save = NULL;
    int n = 0;
    if (list == NULL || *list == '\0')
        list = surel_config_str(c->cfg, "school", "domain");
    if (list == NULL)
        list = "";
    surel_strlcpy(c->domain_buf, list, sizeof(c->domain_buf));
    for (char *w = strtok_r(c->domain_buf, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        surel_lower(w);
        if (n == CONF_MAX_DOMAINS || !surel_domain_valid(w)) {
            snprintf(err, len, "%s: [etrn] domains: '%s' is not a domain name (or too many)",
                     c->path, w);
            return -1;
        }
        c->domains[n++] = w;
    }
    c->domains[n] = NULL;
    return 0;
}

/* The [dial] keys. */
static void load_dial(struct conf *c)
{
    struct surel_config *f = c->cfg;
    c->mode = surel_config_str(f, "dial", "mode");
    c->pppd = surel_config_str(f, "dial", "pppd");
    c->peer = surel_config_str(f, "dial", "peer");
    c->linkname = surel_config_str(f, "dial", "linkname");
    c->hook = surel_config_str(f, "dial", "hook");
    c->interface = surel_config_str(f, "dial", "interface");
    c->attempts = (int)surel_config_int(f, "dial", "attempts");
    c->dial_timeout = surel_config_int(f, "dial", "dial_timeout");
    c->redial_delay = surel_config_int(f, "dial", "redial_delay");
    c->retry_delay = surel_config_int(f, "dial", "retry_delay");
    c->grace = surel_config_int(f, "dial", "grace");
    c->stall = surel_config_int(f, "dial", "stall");
    c->quiet_bytes = surel_config_int(f, "dial", "quiet_bytes");
    c->max_session = surel_config_int(f, "dial", "max_session");
    c->flushes = (int)surel_config_int(f, "dial", "flushes");
    c->queue_messages = surel_config_int(f, "dial", "queue_messages");
    c->queue_age = surel_config_int(f, "dial", "queue_age");
    c->check_interval = surel_config_int(f, "dial", "check_interval");
    c->postqueue = surel_config_str(f, "dial", "postqueue");
    c->postfix_config = surel_config_str(f, "dial", "postfix_config");
    c->maillog = surel_config_str(f, "dial", "maillog");
    c->socket = surel_config_str(f, "dial", "socket");
    c->socket_group = surel_config_str(f, "dial", "socket_group");
    c->lock = surel_config_str(f, "dial", "lock");
    c->ledger = surel_config_str(f, "dial", "ledger");
    c->roster_db = surel_config_str(f, "roster", "db");
}

/* The [tariff], [budget] and [etrn] keys. */
static int load_money_etrn(struct conf *c, char *err, size_t len)
{
    struct surel_config *f = c->cfg;
    const char *tls = surel_config_str(f, "etrn", "tls");
    c->tariff.per_minute = surel_config_int(f, "tariff", "per_minute");
    c->tariff.billing_unit = surel_config_int(f, "tariff", "billing_unit");
    c->tariff.per_mb = surel_config_int(f, "tariff", "per_mb");
    c->tariff.data_unit = surel_config_int(f, "tariff", "data_unit");
    c->tariff.per_call = surel_config_int(f, "tariff", "per_call");
    c->budget.money = surel_config_int(f, "budget", "money");
    c->budget.minutes = surel_config_int(f, "budget", "minutes");
    c->cut_margin = surel_config_int(f, "budget", "cut_margin");
    c->etrn_host = surel_config_str(f, "etrn", "host");
    c->etrn_tls = strcmp(tls, "required") == 0 ? 2 : strcmp(tls, "try") == 0 ? 1 : 0;
    c->etrn_timeout = (long)surel_config_int(f, "etrn", "timeout");
    c->etrn_refresh = surel_config_int(f, "etrn", "refresh");
    c->etrn_credentials = surel_config_str(f, "etrn", "credentials");
    return load_domains(c, err, len);
}

/* In ssh and batch mode the [ssh] keys must be complete: say so at start, not at the first session. */
static int check_ssh(struct conf *c, char *err, size_t len)
{
    struct tunnel_conf tc;
    if (c->mode == NULL || (strcmp(c->mode, "ssh") != 0 && strcmp(c->mode, "batch") != 0))
        return 0;
    return tunnel_conf_load(c->cfg, &tc, err, len);
}

int conf_read_secrets(struct conf *c, char *err, size_t len)
{
    if (c->etrn_credentials == NULL)
        return 0;
    return etrn_read_credentials(c->etrn_credentials, c->etrn_user, sizeof(c->etrn_user),
                                 c->etrn_pass, sizeof(c->etrn_pass), err, len);
}

int conf_load(const char *path, struct conf *c, char *err, size_t len)
{
    char why[256];
    memset(c, 0, sizeof(*c));
    c->cfg = surel_config_load(path, 1, err, len);
    if (c->cfg == NULL)
        return -1;
    c->path = surel_config_path(c->cfg);
    load_dial(c);
    if (schedule_parse(surel_config_str(c->cfg, "dial", "schedule"), &c->schedule, why,
                       sizeof(why)) < 0) {
        snprintf(err, len, "%s:%d: [dial] schedule: %s", c->path,
                 surel_config_line(c->cfg, "dial", "schedule"), why);
        conf_free(c);
        return -1;
    }
    if (load_money_etrn(c, err, len) < 0 || check_ssh(c, err, len) < 0
        || (strcmp(c->mode, "collect") == 0 && exchange_collect_check(c->cfg, err, len) < 0)) {
        conf_free(c);
        return -1;
    }
    return 0;
}

void conf_free(struct conf *c)
{
    surel_config_free(c->cfg);
    memset(c, 0, sizeof(*c));
}
