/*
 * NAME
 *	imap 3
 * SUMMARY
 *	the IMAP mailbox module (see mailbox.h)
 * DESCRIPTION
 *	A custom command on the folder's URL makes libcurl SELECT the
 *	folder first; the untagged answers come as the transfer's data.
 *	UIDs are "UIDVALIDITY/UID", so a folder rebuilt at the hosting
 *	(a new UIDVALIDITY) names its messages anew; the Message-ID and
 *	digest in the store still recognise what was delivered.
 * DIAGNOSTICS
 *	See mailbox.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"
#include "util.h"

/* The number after word in text ("UIDVALIDITY 42"); -1 if absent. */
static long long number_after(const char *text, const char *word)
{
    const char *p = strstr(text, word);
    long long v;
    if (p == NULL || sscanf(p + strlen(word), " %lld", &v) != 1)
        return -1;
    return v;
}

/* STATUS of the folder: its messages and UIDVALIDITY; -1 on failure. */
static int folder_status(struct mailbox *m, long long *messages, long long *validity)
{
    char url[600], cmd[400];
    snprintf(url, sizeof(url), "%s/", m->base);
    snprintf(cmd, sizeof(cmd), "STATUS \"%s\" (MESSAGES UIDVALIDITY)", m->folder);
    if (mailbox_transfer(m, url, cmd, 0) < 0)
        return -1;
    *messages = number_after(m->body ? m->body : "", "MESSAGES");
    *validity = number_after(m->body ? m->body : "", "UIDVALIDITY");
    if (*messages < 0 || *validity < 0) {
        snprintf(m->err, sizeof(m->err), "the server's STATUS answer has no MESSAGES or UIDVALIDITY");
        return -1;
    }
    return 0;
}

static int imap_list(struct mailbox *m, struct mailbox_list *out)
{
    long long messages, validity;
    if (folder_status(m, &messages, &validity) < 0)
        return -1;
    if (messages == 0)
        return 0;
    if (mailbox_transfer(m, m->folder_url, "FETCH 1:* (UID RFC822.SIZE)", 0) < 0)
        return -1;
    for (const char *p = m->body; p != NULL && *p;) {
        const char *nl = strchr(p, '\n');
        char line[300];
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
        long long uid = number_after(line, "UID"), size = number_after(line, "RFC822.SIZE");
        if (strncmp(line, "* ", 2) == 0 && strstr(line, " FETCH ") != NULL) {
            struct mailbox_item it = {0};
            if (uid <= 0 || size < 0) {
                snprintf(m->err, sizeof(m->err), "a FETCH answer without UID or size");
                return -1;
            }
            snprintf(it.uid, sizeof(it.uid), "%lld/%lld", validity, uid);
            it.seq = (long)uid, it.size = size;
            if (mailbox_list_add(out, &it) < 0) {
                snprintf(m->err, sizeof(m->err), "out of memory");
                return -1;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int imap_fetch(struct mailbox *m, const struct mailbox_item *it, int header_only)
{
    char url[700];
    snprintf(url, sizeof(url), "%s/;UID=%ld%s", m->folder_url, it->seq,
             header_only ? "/;SECTION=HEADER" : "");
    if (mailbox_transfer(m, url, NULL, 0) < 0)
        return -1;
    if (m->body_len == 0) {
        snprintf(m->err, sizeof(m->err), "message UID %ld is gone", it->seq);
        return -1;
    }
    return 0;
}

static int imap_remove(struct mailbox *m, const struct mailbox_item *it)
{
    char cmd[100];
    snprintf(cmd, sizeof(cmd), "UID STORE %ld +FLAGS.SILENT (\\Deleted)", it->seq);
    return mailbox_transfer(m, m->folder_url, cmd, 0);
}

static int imap_finish(struct mailbox *m)
{
    return mailbox_transfer(m, m->folder_url, "EXPUNGE", 0);
}

const struct mailbox_ops mailbox_imap_ops = {
    .scheme = "imap", .list = imap_list, .fetch = imap_fetch, .remove = imap_remove,
    .finish = imap_finish};
