/*
 * NAME
 *	deliver 3
 * SUMMARY
 *	what becomes of each collected message (see collect.h)
 * SYNOPSIS
 *	See collect.h.
 * DESCRIPTION
 *	The store is written before the server is told to delete, and each
 *	recipient is recorded as soon as the school's smtpd took the
 *	message for it: whatever point a session is cut at, the next one
 *	neither loses the message nor hands it to anybody twice.
 * DIAGNOSTICS
 *	Every outcome is logged with the mailbox, the UID and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "log.h"
#include "message.h"
#include "submit.h"
#include "util.h"

#define TRACE "X-Surel-Collected"

/* The envelope sender from the hosting's Return-Path; "" when none or odd. */
static void sender_of(const char *msg, size_t len, char *out, size_t outlen)
{
    char v[600];
    *out = '\0';
    if (!message_header(msg, len, "Return-Path", 1, v, sizeof(v)))
        return;
    char *a = strchr(v, '<'), *b = a ? strchr(a, '>') : NULL;
    if (a == NULL || b == NULL)
        return;
    *b = '\0';
    a++;
    for (const char *c = a; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr("<>\"\\,;()", *c) != NULL)
            return;
    if (strlen(a) <= ADDRESS_MAX && (*a == '\0' || strchr(a, '@') != NULL))
        surel_strlcpy(out, a, outlen);
}

/* A refusal that says the recipient does not exist here (5.1.x). */
static int no_such_recipient(const char *why)
{
    const char *q = strchr(why, ' ');
    return q != NULL && strncmp(q + 1, "5.1.", 4) == 0;
}

/* The message with the trace header first (and a note for the postmaster); malloc'd. */
static char *traced(const struct pass *p, const struct box *b, const char *note, const char *msg,
                    size_t len, size_t *outlen)
{
    char head[600];
    int n = snprintf(head, sizeof(head), "%s: %s %s%s%s\n", TRACE, p->domain, b->mc.name,
                     note ? "; " : "", note ? note : "");
    char *out = malloc((size_t)n + len + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, head, (size_t)n);
    memcpy(out + n, msg, len);
    out[(size_t)n + len] = '\0';
    *outlen = (size_t)n + len;
    return out;
}

/* Mark the message deleted on the server (it is in the store already). */
static int remove_it(struct pass *p, const struct box *b, const struct mailbox_item *it)
{
    if (mailbox_remove(&p->m, it) < 0) {
        surel_error("%s: cannot delete %s on the server: %s", b->mc.name, it->uid, p->m.err);
        return -1;
    }
    p->fig.deleted++;
    return 0;
}

/* Remember the message; -1 (the pass ends) if the store cannot. */
static int remember(struct pass *p, const struct box *b, const struct mailbox_item *it,
                    const char *mid, const char *digest, int what)
{
    if (collected_add(p->store, b->mc.name, it->uid, mid, digest, what, p->now) == 0)
        return 0;
    surel_error("%s: %s: the store: %s", b->mc.name, it->uid, collected_errmsg(p->store));
    return -1;
}

/* Hand msg to one recipient unless done before: 1 taken, 0 refused (why), -1 later. */
static int hand(struct pass *p, const struct box *b, const struct mailbox_item *it,
                const char *sender, const char *rcpt, const char *msg, size_t len, char *why,
                size_t wlen)
{
    int done = collected_rcpt_done(p->store, b->mc.name, it->uid, rcpt);
    if (done != 0) {
        if (done < 0)
            surel_error("%s: the store: %s", b->mc.name, collected_errmsg(p->store));
        return done > 0 ? 1 : -1;
    }
    enum inject_result r = inject_send(&p->smtp, sender, rcpt, msg, len);
    surel_strlcpy(why, p->smtp.why, wlen);
    if (r == INJECT_LATER) {
        surel_warn("%s: %s to <%s>: not now: %s", b->mc.name, it->uid, rcpt, why);
        p->fig.later++;
        return -1;
    }
    if (r == INJECT_REFUSED)
        return 0;
    if (collected_rcpt_add(p->store, b->mc.name, it->uid, rcpt, p->now) < 0) {
        surel_error("%s: the store: %s", b->mc.name, collected_errmsg(p->store));
        return -1;
    }
    surel_info("%s: %s from <%s> to <%s>: queued", b->mc.name, it->uid, sender, rcpt);
    return 1;
}

/* The copy for the postmaster, with why in the trace header: 1, 0 or -1 as hand(). */
static int to_postmaster(struct pass *p, const struct box *b, const struct mailbox_item *it,
                         const char *sender, const char *note, const char *msg, size_t len)
{
    size_t tlen;
    char why[400], *t = traced(p, b, note, msg, len, &tlen);
    if (t == NULL)
        return -1;
    int rc = hand(p, b, it, sender, p->postmaster, t, tlen, why, sizeof(why));
    free(t);
    if (rc == 0)
        surel_error("%s: %s: even the postmaster <%s> is refused: %s", b->mc.name, it->uid,
                    p->postmaster, why);
    p->fig.postmaster += rc > 0;
    return rc;
}

/* Who gets the message: the box's person, the recovered recipients, or nobody (0). */
static int recipients_for(const struct pass *p, const struct box *b, const char *msg,
                          size_t len, struct recipients *r)
{
    struct recover_rule rule = {b->headers, p->domains, *b->own ? b->own : NULL, b->to_cc};
    if (b->kind == BOX_PERSON) {
        *r = b->deliver;
        return r->n;
    }
    recipients_recover(msg, len, &rule, r);
    if (r->cut > 0)
        surel_warn("%s: %d more recipients than %d in %s; the rest are not served", b->mc.name,
                   r->cut, RECIPIENTS_MAX, r->source);
    return r->n;
}

/* Hand the message to each recipient; unknown ones make a postmaster copy.
   1 taken by someone, 0 refused by all (why), -1 later. */
static int hand_all(struct pass *p, const struct box *b, const struct mailbox_item *it,
                    const struct recipients *r, const char *sender, const char *msg, size_t len,
                    char *why, size_t wlen)
{
    char unknown[ADDRESS_MAX + 40] = "";
    size_t tlen;
    int taken = 0;
    char *t = traced(p, b, NULL, msg, len, &tlen);
    if (t == NULL)
        return -1;
    for (int i = 0; i < r->n; i++) {
        int rc = hand(p, b, it, sender, r->addr[i], t, tlen, why, wlen);
        if (rc < 0) {
            free(t);
            return -1;
        }
        if (rc == 0 && no_such_recipient(why) && *unknown == '\0')
            snprintf(unknown, sizeof(unknown), "no such recipient: %s", r->addr[i]);
        else if (rc == 0)
            surel_warn("%s: %s to <%s> refused: %s", b->mc.name, it->uid, r->addr[i], why);
        taken += rc;
    }
    free(t);
    if (*unknown != '\0') {
        int rc = to_postmaster(p, b, it, sender, unknown, msg, len);
        if (rc < 0)
            return -1;
        taken += rc;
    }
    return taken > 0;
}

/* Deliver a fetched message (LF line ends); 0 done (or left, refused), -1 the pass ends. */
static int deliver(struct pass *p, struct box *b, const struct mailbox_item *it,
                   const char *msg, size_t len, const char *mid, const char *digest)
{
    struct recipients r;
    char sender[ADDRESS_MAX + 1], why[400] = "";
    int rc;
    sender_of(msg, len, sender, sizeof(sender));
    if (message_count(msg, len, TRACE, p->domain) > 0) {
        surel_warn("%s: %s from <%s> was collected here before (a mail loop): to the postmaster",
                   b->mc.name, it->uid, sender);
        p->fig.loops++;
        rc = to_postmaster(p, b, it, sender, "a mail loop: collected here before", msg, len);
    } else if (recipients_for(p, b, msg, len, &r) == 0) {
        surel_warn("%s: %s from <%s>: no recipient of %s in its headers: to the postmaster",
                   b->mc.name, it->uid, sender, p->domain);
        rc = to_postmaster(p, b, it, sender, "no recipient found in the headers", msg, len);
    } else {
        rc = hand_all(p, b, it, &r, sender, msg, len, why, sizeof(why));
    }
    if (rc < 0)
        return -1;
    if (rc == 0) {
        surel_error("%s: %s from <%s>: refused by the school's Postfix (%s); it stays on the"
                    " server", b->mc.name, it->uid, sender, why);
        p->fig.refused++;
        return remember(p, b, it, mid, digest, COLLECTED_REFUSED);
    }
    p->fig.delivered++;
    if (remember(p, b, it, mid, digest, COLLECTED_DELIVERED) < 0)
        return -1;
    return remove_it(p, b, it);
}

/* A message over max_size: a notice to each recipient, and it stays. */
static int announce(struct pass *p, struct box *b, const struct mailbox_item *it)
{
    struct recipients r;
    char why[400], *notice;
    size_t nlen;
    if (mailbox_fetch(&p->m, it, 1, 1 << 20) < 0) {
        surel_error("%s: cannot fetch the header of %s: %s", b->mc.name, it->uid, p->m.err);
        return -1;
    }
    size_t hlen = message_to_lf(p->m.body, p->m.body_len);
    if (recipients_for(p, b, p->m.body, hlen, &r) == 0) {
        r.n = 1;
        surel_strlcpy(r.addr[0], p->postmaster, sizeof(r.addr[0]));
    }
    for (int i = 0; i < r.n; i++) {
        char key[ADDRESS_MAX + 8];
        snprintf(key, sizeof(key), "notice:%s", r.addr[i]);
        int done = collected_rcpt_done(p->store, b->mc.name, it->uid, key);
        if (done > 0)
            continue;
        if (done < 0 || notice_build(p, b, r.addr[i], p->m.body, hlen, it->size, &notice, &nlen) < 0)
            return -1;
        int rc = submit_report(p->sendmail, p->postfix_config, r.addr[i], notice, nlen, why,
                               sizeof(why));
        free(notice);
        if (rc < 0) {
            surel_error("%s: the notice about %s to <%s>: %s", b->mc.name, it->uid, r.addr[i], why);
            return -1;
        }
        if (collected_rcpt_add(p->store, b->mc.name, it->uid, key, p->now) < 0)
            return -1;
        surel_info("%s: %s (%lld bytes) is over max_size: it stays; notice sent to <%s>",
                   b->mc.name, it->uid, it->size, r.addr[i]);
    }
    p->fig.too_big++;
    return remember(p, b, it, "", "", COLLECTED_NOTICED);
}

int collect_message(struct pass *p, struct box *b, const struct mailbox_item *it)
{
    char mid[256], digest[65];
    int known = collected_by_uid(p->store, b->mc.name, it->uid);
    int too_big = b->max_size > 0 && it->size > b->max_size;
    if (known < 0) {
        surel_error("%s: the store: %s", b->mc.name, collected_errmsg(p->store));
        return -1;
    }
    if (known == COLLECTED_DELIVERED) {
        p->fig.duplicates++;
        return remove_it(p, b, it);
    }
    if (known == COLLECTED_REFUSED || (known == COLLECTED_NOTICED && too_big)) {
        p->fig.refused += known == COLLECTED_REFUSED;
        p->fig.too_big += known == COLLECTED_NOTICED;
        return 0;
    }
    if (too_big)
        return announce(p, b, it);
    if (mailbox_fetch(&p->m, it, 0, it->size + it->size / 4 + 65536) < 0) {
        surel_error("%s: cannot fetch %s: %s", b->mc.name, it->uid, p->m.err);
        return -1;
    }
    size_t len = message_to_lf(p->m.body, p->m.body_len);
    message_header(p->m.body, len, "Message-ID", 0, mid, sizeof(mid));
    message_digest(p->m.body, len, digest);
    if (collected_by_message(p->store, b->mc.name, mid, digest) == COLLECTED_DELIVERED) {
        surel_info("%s: %s is %s, delivered before under another UID", b->mc.name, it->uid, mid);
        p->fig.duplicates++;
        if (remember(p, b, it, mid, digest, COLLECTED_DELIVERED) < 0)
            return -1;
        return remove_it(p, b, it);
    }
    return deliver(p, b, it, p->m.body, len, mid, digest);
}

/* qsort orders of a mailbox list. */
static int by_seq(const void *a, const void *b)
{
    const struct mailbox_item *x = a, *y = b;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int by_seq_down(const void *a, const void *b)
{
    return by_seq(b, a);
}

static int by_size(const void *a, const void *b)
{
    const struct mailbox_item *x = a, *y = b;
    return x->size != y->size ? (x->size > y->size) - (x->size < y->size) : by_seq(a, b);
}

int collect_box(struct pass *p, struct box *b)
{
    struct mailbox_list l;
    int rc = 0;
    if (mailbox_list(&p->m, &l) < 0) {
        surel_error("%s: cannot list the messages: %s", b->mc.name, p->m.err);
        free(l.item);
        return -1;
    }
    if (l.n > 1)
        qsort(l.item, l.n, sizeof(*l.item),
              b->order == ORDER_NEWEST ? by_seq_down
              : b->order == ORDER_SMALLEST ? by_size : by_seq);
    p->fig.listed += (long long)l.n;
    surel_info("%s: %zu messages on the server", b->mc.name, l.n);
    for (size_t i = 0; i < l.n && rc == 0; i++)
        rc = collect_message(p, b, &l.item[i]);
    if (mailbox_finish(&p->m) < 0) {
        surel_error("%s: the deletions were not done: %s", b->mc.name, p->m.err);
        rc = -1;
    }
    free(l.item);
    return rc;
}
