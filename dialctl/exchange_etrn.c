/*
 * NAME
 *	exchange_etrn 3
 * SUMMARY
 *	the "etrn" mode: postqueue -f, then ETRN for each domain
 * SYNOPSIS
 *	See exchange.h.
 * DESCRIPTION
 *	250-253 from the MX is success; anything else (458, 459, 5xx, no
 *	connection) is logged with the server's words and kept for the
 *	ledger and "dialctl status".
 * DIAGNOSTICS
 *	Each failure is logged as it happens.
 */
#include <stdio.h>
#include <string.h>

#include "etrn.h"
#include "exchange.h"
#include "exchange_batch.h"
#include "exchange_collect.h"
#include "exchange_ssh.h"
#include "log.h"
#include "queue.h"
#include "util.h"

void exchange_note(char *buf, size_t len, const char *text)
{
    size_t n = strlen(buf);
    if (n > 0 && n + 3 < len) {
        memcpy(buf + n, "; ", 3);
        n += 2;
    }
    if (n + 1 < len)
        surel_strlcpy(buf + n, text, len - n);
}

int exchange_etrn_domains(const struct conf *c, const struct etrn_conf *ec, const char *via,
                          struct exchange_result *r)
{
    char line[400], where[300];
    int rc = 0;
    if (via != NULL)
        snprintf(where, sizeof(where), " %s", via);
    else
        where[0] = '\0';
    for (int i = 0; c->domains[i] != NULL; i++) {
        struct etrn_result er;
        if (etrn_send(ec, c->domains[i], &er) == 0) {
            surel_info("ETRN %s%s: %ld %s", c->domains[i], where, er.code, er.text);
        } else {
            if (via != NULL)
                surel_error("ETRN %s %s refused or failed: %ld %s", c->domains[i], via,
                            er.code, er.text);
            else
                surel_error("ETRN %s to %s refused or failed: %ld %s", c->domains[i],
                            ec->host, er.code, er.text);
            snprintf(line, sizeof(line), "ETRN %s: %ld %s", c->domains[i], er.code, er.text);
            exchange_note(r->errors, sizeof(r->errors), line);
            rc = -1;
        }
        snprintf(line, sizeof(line), "%s: %ld %s", c->domains[i], er.code, er.text);
        exchange_note(r->reply, sizeof(r->reply), line);
    }
    return rc;
}

/* postqueue -f: outbound mail goes to the smarthost (or into the tunnel). */
static int flush_queue(const struct conf *c, struct exchange_result *r)
{
    struct queue_cmd q = {c->postqueue, c->postfix_config, 60};
    char why[300];
    if (queue_flush(&q, why, sizeof(why)) == 0)
        return 0;
    surel_error("flushing the outbound queue: %s", why);
    exchange_note(r->errors, sizeof(r->errors), why);
    return -1;
}

int exchange_flush_etrn(const struct conf *c, const struct etrn_conf *ec, const char *via,
                        struct exchange_result *r)
{
    int rc = flush_queue(c, r);
    if (ec == NULL)
        return -1;                      /* nowhere to send ETRN: the caller says why */
    return exchange_etrn_domains(c, ec, via, r) < 0 ? -1 : rc;
}

/* The ISP's MX as [etrn] names it; -1 (noted) if none is configured. */
static int mx_conf(const struct conf *c, struct etrn_conf *ec, struct exchange_result *r)
{
    struct etrn_conf mx = {c->etrn_host, c->etrn_tls, c->etrn_user, c->etrn_pass, c->etrn_timeout};
    if (c->etrn_host == NULL || *c->etrn_host == '\0') {
        exchange_note(r->errors, sizeof(r->errors), "no [etrn] host configured");
        surel_error("no [etrn] host configured: cannot ask the ISP for held mail");
        return -1;
    }
    *ec = mx;
    return 0;
}

/* ETRN for every configured domain (the repeat before hang-up). */
static int etrn_all(const struct conf *c, struct exchange_result *r)
{
    struct etrn_conf ec;
    return mx_conf(c, &ec, r) < 0 ? -1 : exchange_etrn_domains(c, &ec, NULL, r);
}

/* Flush outbound mail, then ETRN (the flush happens even with no MX named). */
static int etrn_start(const struct conf *c, struct exchange_result *r)
{
    struct etrn_conf ec;
    int rc = flush_queue(c, r);
    if (mx_conf(c, &ec, r) < 0)
        return -1;
    return exchange_etrn_domains(c, &ec, NULL, r) < 0 ? -1 : rc;
}

static const struct exchange_ops etrn_ops = {.name = "etrn", .start = etrn_start,
                                             .repeat = etrn_all};

const struct exchange_ops *exchange_find(const char *mode)
{
    if (mode == NULL || strcmp(mode, "etrn") == 0)
        return &etrn_ops;
    if (strcmp(mode, "ssh") == 0)
        return &exchange_ssh_ops;
    if (strcmp(mode, "batch") == 0)
        return &exchange_batch_ops;
    if (strcmp(mode, "collect") == 0)
        return &exchange_collect_ops;
    return NULL;
}
