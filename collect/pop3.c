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

/* The UID of message number seq in a UIDL answer, or NULL. */
static const char *uid_of(const char *uidl, long seq, char *out, size_t len)
{
    for (const char *p = uidl; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        long n;
        char uid[80];
        if (sscanf(p, "%ld %79[!-~]", &n, uid) == 2 && n == seq) {
            surel_strlcpy(out, uid, len);
            return out;
        }
    }
    return NULL;
}

static int pop3_list(struct mailbox *m, struct mailbox_list *out)
{
    char url[600], *uidl;
    snprintf(url, sizeof(url), "%s/", m->base);
    if (mailbox_transfer(m, url, "UIDL", 0) < 0)
        return -1;
    if ((uidl = strdup(m->body ? m->body : "")) == NULL)
        return -1;
    int rc = mailbox_transfer(m, url, "LIST", 0);
    for (const char *p = m->body; rc == 0 && p != NULL && *p;) {
        struct mailbox_item it = {0};
        if (sscanf(p, "%ld %lld", &it.seq, &it.size) == 2) {
            if (uid_of(uidl, it.seq, it.uid, sizeof(it.uid)) == NULL) {
                snprintf(m->err, sizeof(m->err), "message %ld has no UIDL", it.seq);
                rc = -1;
            } else if (mailbox_list_add(out, &it) < 0) {
                snprintf(m->err, sizeof(m->err), "out of memory");
                rc = -1;
            }
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    free(uidl);
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
