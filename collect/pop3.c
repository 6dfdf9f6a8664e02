/*
 * NAME
 *	pop3 3
 * SUMMARY
 *	the POP3 mailbox module (see mailbox.h)
 * DESCRIPTION
 *	libcurl sends a custom command as it is and reads a multi-line
 *	answer unless told there is no body (DELE).  RETR and TOP answers
 *	come without the dot-stuffing and the final dot.
 * DIAGNOSTICS
 *	See mailbox.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"
#include "util.h"

/* The UIDL answer as a table by message number (1..n; unnamed ones ""). */
static char (*uid_table(struct mailbox *m, const char *uidl, long *n))[MAILBOX_UID_MAX + 1]
{
    char(*t)[MAILBOX_UID_MAX + 1] = NULL;
    long cap = 0;
    *n = 0;
    for (const char *p = uidl; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        long seq;
        int a, b;
        if (sscanf(p, "%ld %n%*[!-~]%n", &seq, &a, &b) != 1 || b <= a)
            continue;
        if (seq < 1 || seq > 10000000 || b - a > MAILBOX_UID_MAX) {
            snprintf(m->err, sizeof(m->err), "a UIDL line the server should not send: %.40s", p);
            free(t);
            *n = 0;
            return NULL;
        }
        if (seq > cap) {
            long c = seq * 2;
            char(*q)[MAILBOX_UID_MAX + 1] = realloc(t, (size_t)c * sizeof(*t));
            if (q == NULL) {
                free(t);
                return NULL;
            }
            memset(q + cap, 0, (size_t)(c - cap) * sizeof(*t));
            t = q, cap = c;
        }
        memcpy(t[seq - 1], p + a, (size_t)(b - a));
        t[seq - 1][b - a] = '\0';
        if (seq > *n)
            *n = seq;
    }
    return t;
}

static int pop3_list(struct mailbox *m, struct mailbox_list *out)
{
    char url[600];
    long n = 0;
    snprintf(url, sizeof(url), "%s/", m->base);
    if (mailbox_transfer(m, url, "UIDL", 0) < 0)
        return -1;
    *m->err = '\0';
    char(*uids)[MAILBOX_UID_MAX + 1] = uid_table(m, m->body ? m->body : "", &n);
    if (uids == NULL && *m->err)
        return -1;
    int rc = mailbox_transfer(m, url, "LIST", 0);
    for (const char *p = m->body; rc == 0 && p != NULL && *p;) {
        struct mailbox_item it = {0};
        if (sscanf(p, "%ld %lld", &it.seq, &it.size) == 2) {
            if (it.seq < 1 || it.seq > n || uids[it.seq - 1][0] == '\0') {
                snprintf(m->err, sizeof(m->err), "message %ld has no UIDL", it.seq);
                rc = -1;
            } else {
                memcpy(it.uid, uids[it.seq - 1], sizeof(it.uid));
                if (mailbox_list_add(out, &it) < 0) {
                    snprintf(m->err, sizeof(m->err), "out of memory");
                    rc = -1;
                }
            }
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    free(uids);
    return rc;
}

static int pop3_fetch(struct mailbox *m, const struct mailbox_item *it, int header_only)
{
    char url[600], cmd[64];
    if (header_only) {
        snprintf(url, sizeof(url), "%s/", m->base);
        snprintf(cmd, sizeof(cmd), "TOP %ld 0", it->seq);
        return mailbox_transfer(m, url, cmd, 0);
    }
    snprintf(url, sizeof(url), "%s/%ld", m->base, it->seq);
    return mailbox_transfer(m, url, NULL, 0);
}

static int pop3_remove(struct mailbox *m, const struct mailbox_item *it)
{
    char url[600], cmd[64];
    snprintf(url, sizeof(url), "%s/", m->base);
    snprintf(cmd, sizeof(cmd), "DELE %ld", it->seq);
    return mailbox_transfer(m, url, cmd, 1);
}

/* The deletions happen at QUIT, when mailbox_close() ends the connection. */
static int pop3_finish(struct mailbox *m)
{
    (void)m;
    return 0;
}

const struct mailbox_ops mailbox_pop3_ops = {
    .scheme = "pop3", .list = pop3_list, .fetch = pop3_fetch, .remove = pop3_remove,
    .finish = pop3_finish};
