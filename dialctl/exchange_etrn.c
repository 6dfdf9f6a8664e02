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
#include "exchange_ssh.h"
#include "log.h"
#include "queue.h"
#include "util.h"

/* Append text to a fixed buffer, separated by "; ". */
static void append(char *buf, size_t len, const char *text)
{
    size_t n = strlen(buf);
    if (n > 0 && n + 3 < len) {
        memcpy(buf + n, "; ", 3);
        n += 2;
    }
    if (n + 1 < len)
        surel_strlcpy(buf + n, text, len - n);
}

/* ETRN for every configured domain. */
static int etrn_all(const struct conf *c, struct exchange_result *r)
{
    struct etrn_conf ec = {c->etrn_host, c->etrn_tls, c->etrn_user, c->etrn_pass, c->etrn_timeout};
    int rc = 0;
    char line[400];
    if (c->etrn_host == NULL || *c->etrn_host == '\0') {
        append(r->errors, sizeof(r->errors), "no [etrn] host configured");
        surel_error("no [etrn] host configured: cannot ask the ISP for held mail");
        return -1;
    }
    for (int i = 0; c->domains[i] != NULL; i++) {
        struct etrn_result er;
        if (etrn_send(&ec, c->domains[i], &er) == 0) {
            surel_info("ETRN %s: %ld %s", c->domains[i], er.code, er.text);
        } else {
            surel_error("ETRN %s to %s refused or failed: %ld %s", c->domains[i], c->etrn_host,
                        er.code, er.text);
            snprintf(line, sizeof(line), "ETRN %s: %ld %s", c->domains[i], er.code, er.text);
            append(r->errors, sizeof(r->errors), line);
            rc = -1;
        }
        snprintf(line, sizeof(line), "%s: %ld %s", c->domains[i], er.code, er.text);
        append(r->reply, sizeof(r->reply), line);
    }
    return rc;
}

/* Flush outbound mail, then ETRN. */
static int etrn_start(const struct conf *c, struct exchange_result *r)
{
    struct queue_cmd q = {c->postqueue, c->postfix_config, 60};
    char why[300];
    int rc = 0;
    if (queue_flush(&q, why, sizeof(why)) < 0) {
        surel_error("flushing the outbound queue: %s", why);
        append(r->errors, sizeof(r->errors), why);
        rc = -1;
    }
    return etrn_all(c, r) < 0 ? -1 : rc;
}

static const struct exchange_ops etrn_ops = {"etrn", etrn_start, etrn_all, NULL, NULL, NULL,
                                             NULL};

const struct exchange_ops *exchange_find(const char *mode)
{
    if (mode == NULL || strcmp(mode, "etrn") == 0)
        return &etrn_ops;
    if (strcmp(mode, "ssh") == 0)
        return &exchange_ssh_ops;
    return NULL;
}
