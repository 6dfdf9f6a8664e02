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

#define MESSAGES_MAX 200000      /* a mailbox with more is refused, not listed */

struct uidl {
    long seq;
    char uid[MAILBOX_UID_MAX + 1];
};

/* Order of a UIDL table by message number. */
static int by_seq(const void *a, const void *b)
{
    long x = ((const struct uidl *)a)->seq, y = ((const struct uidl *)b)->seq;
    return (x > y) - (x < y);
}

/* The UIDL answer as a table sorted by message number; NULL with m->err. */
static struct uidl *uid_table(struct mailbox *m, const char *uidl, size_t *n)
{
    struct uidl *t = NULL;
    size_t cap = 0;
    *n = 0;
    for (const char *p = uidl; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        long seq;
        int a, b;
        if (sscanf(p, "%ld %n%*[!-~]%n", &seq, &a, &b) != 1 || b <= a)
            continue;
        if (seq < 1 || b - a > MAILBOX_UID_MAX || *n == MESSAGES_MAX) {
            snprintf(m->err, sizeof(m->err), "a UIDL line the server should not send, or more"
                     " than %d messages: %.40s", MESSAGES_MAX, p);
            break;
        }
        if (*n == cap) {
            struct uidl *q = realloc(t, (cap = cap ? cap * 2 : 64) * sizeof(*t));
            if (q == NULL) {
                snprintf(m->err, sizeof(m->err), "out of memory");
                break;
            }
            t = q;
        }
        t[*n].seq = seq;
        memcpy(t[*n].uid, p + a, (size_t)(b - a));
        t[(*n)++].uid[b - a] = '\0';
    }
    if (*m->err) {
        free(t);
        *n = 0;
        return NULL;
    }
    if (*n > 1)
        qsort(t, *n, sizeof(*t), by_seq);
    return t;
}

/* The UID of message seq in the table, or NULL. */
static const char *uid_of(const struct uidl *t, size_t n, long seq)
{
    struct uidl key = {.seq = seq};
    const struct uidl *hit = n ? bsearch(&key, t, n, sizeof(*t), by_seq) : NULL;
    return hit ? hit->uid : NULL;
}

static int pop3_list(struct mailbox *m, struct mailbox_list *out)
{
    char url[600];
    size_t n = 0;
    snprintf(url, sizeof(url), "%s/", m->base);
    if (mailbox_transfer(m, url, "UIDL", 0) < 0)
        return -1;
    *m->err = '\0';
    struct uidl *uids = uid_table(m, m->body ? m->body : "", &n);
    if (*m->err)
        return -1;
    int rc = mailbox_transfer(m, url, "LIST", 0);
    for (const char *p = m->body; rc == 0 && p != NULL && *p;) {
        struct mailbox_item it = {0};
        if (sscanf(p, "%ld %lld", &it.seq, &it.size) == 2) {
            const char *uid = uid_of(uids, n, it.seq);
            if (uid == NULL) {
                snprintf(m->err, sizeof(m->err), "message %ld has no UIDL", it.seq);
                rc = -1;
            } else {
                surel_strlcpy(it.uid, uid, sizeof(it.uid));
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
