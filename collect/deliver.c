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
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collect.h"
#include "log.h"
#include "message.h"
#include "roster.h"
#include "submit.h"
#include "util.h"

#define TRACE "X-Surel-Collected"
#define SKIPS_MAX 3             /* messages in a row that wait before the pass ends */

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

/* The tag of this school's trace header for a message: HMAC-SHA256 with the
   store's own key over the domain and the Message-ID, 16 hex digits.  Without
   the key nobody outside can write one that counts. */
static void trace_tag(const struct pass *p, const char *mid, char out[17])
{
    if (*mid == '\0') {        /* nothing to bind it to: no tag, never a loop */
        strcpy(out, "-");
        return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    char data[600];
    int dl = snprintf(data, sizeof(data), "%s %s", p->domain, mid);
    if (HMAC(EVP_sha256(), p->key, sizeof(p->key), (const unsigned char *)data,
             (size_t)(dl < (int)sizeof(data) ? dl : (int)sizeof(data) - 1), md, &n) == NULL)
        n = 0;
    for (unsigned i = 0; i < 8 && i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[n >= 8 ? 16 : 0] = '\0';
}

/* A mail loop: one of the message's trace headers is this school's own. */
static int is_loop(const struct pass *p, const char *msg, size_t len, const char *mid)
{
    char v[600], dom[256], box[128], tag[40], want[17];
    trace_tag(p, mid, want);
    for (size_t at = 0; (at = message_header_next(msg, len, at, TRACE, 0, v, sizeof(v))) > 0;)
        if (sscanf(v, "%255s %127s %39[0-9a-f]", dom, box, tag) == 3
            && strcasecmp(dom, p->domain) == 0 && strlen(want) == 16 && strcmp(tag, want) == 0)
            return 1;
    return 0;
}

/* The message with the trace header first (and a note for the postmaster); malloc'd. */
static char *traced(const struct pass *p, const struct box *b, const char *note, const char *msg,
                    size_t len, const char *mid, size_t *outlen)
{
    char head[700], tag[17];
    trace_tag(p, mid, tag);
    int n = snprintf(head, sizeof(head), "%s: %s %s %s%s%s\n", TRACE, p->domain, b->mc.name, tag,
                     note ? " ; " : "", note ? note : "");
    if (n >= (int)sizeof(head))
        n = (int)sizeof(head) - 1, head[n - 1] = '\n';
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
    if (collected_add(p->store, b->key, it->uid, mid, digest, what, p->now) == 0)
        return 0;
    surel_error("%s: %s: the store: %s", b->mc.name, it->uid, collected_errmsg(p->store));
    return -1;
}

/* Hand msg to rcpt unless the store has key for this message (the recipient,
   or "postmaster:WHY" for a postmaster's copy): 1 taken, 0 refused (why),
   -1 later. */
static int hand(struct pass *p, const struct box *b, const struct mailbox_item *it,
                const char *sender, const char *rcpt, const char *key, const char *msg,
                size_t len, char *why, size_t wlen)
{
    int done = collected_rcpt_done(p->store, b->key, it->uid, key);
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
        p->answered_later = p->smtp.last[0] == '4';    /* the smtpd is there: only this one waits */
        return -1;
    }
    if (r == INJECT_REFUSED)
        return 0;
    if (collected_rcpt_add(p->store, b->key, it->uid, key, p->now) < 0) {
        surel_error("%s: the store: %s", b->mc.name, collected_errmsg(p->store));
        return -1;
    }
    surel_info("%s: %s from <%s> to <%s>: queued", b->mc.name, it->uid, sender, rcpt);
    return 1;
}

/* The copy for the postmaster, with why in the trace header (kind names the
   reason for the store): 1, 0 or -1 as hand(). */
static int to_postmaster(struct pass *p, const struct box *b, const struct mailbox_item *it,
                         const char *sender, const char *kind, const char *note,
                         const char *msg, size_t len, const char *mid)
{
    size_t tlen;
    char why[400], key[64], *t = traced(p, b, note, msg, len, mid, &tlen);
    if (t == NULL)
        return -1;
    snprintf(key, sizeof(key), "postmaster:%s", kind);
    int rc = hand(p, b, it, sender, p->postmaster, key, t, tlen, why, sizeof(why));
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
        surel_warn("%s: %d more recipients than %d in %s: the postmaster gets a copy for them",
                   b->mc.name, r->cut, RECIPIENTS_MAX, r->source);
    return r->n;
}

/* Hand the message to each recipient; unknown ones make a postmaster copy.
   1 taken by someone, 0 refused by all (why), -1 later. */
static int hand_all(struct pass *p, const struct box *b, const struct mailbox_item *it,
                    const struct recipients *r, const char *sender, const char *msg, size_t len,
                    const char *mid, char *why, size_t wlen)
{
    char unknown[ADDRESS_MAX + 40] = "";
    size_t tlen;
    int taken = 0;
    char *t = traced(p, b, NULL, msg, len, mid, &tlen);
    if (t == NULL)
        return -1;
    for (int i = 0; i < r->n; i++) {
        int rc = hand(p, b, it, sender, r->addr[i], r->addr[i], t, tlen, why, wlen);
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
        int rc = to_postmaster(p, b, it, sender, "unknown", unknown, msg, len, mid);
        if (rc < 0)
            return -1;
        taken += rc;
    }
    if (r->cut > 0) {           /* never silently: the postmaster serves the rest */
        char note[100];
        snprintf(note, sizeof(note), "%d more recipients in %s than %d were not served", r->cut,
                 r->source, RECIPIENTS_MAX);
        int rc = to_postmaster(p, b, it, sender, "cut", note, msg, len, mid);
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
    if (is_loop(p, msg, len, mid)) {
        surel_warn("%s: %s from <%s> was collected here before (a mail loop): to the postmaster",
                   b->mc.name, it->uid, sender);
        p->fig.loops++;
        rc = to_postmaster(p, b, it, sender, "loop", "a mail loop: collected here before", msg,
                           len, mid);
    } else if (recipients_for(p, b, msg, len, &r) == 0) {
        surel_warn("%s: %s from <%s>: no recipient of %s in its headers: to the postmaster",
                   b->mc.name, it->uid, sender, p->domain);
        rc = to_postmaster(p, b, it, sender, "none", "no recipient found in the headers", msg,
                           len, mid);
    } else {
        rc = hand_all(p, b, it, &r, sender, msg, len, mid, why, sizeof(why));
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

/* Whether addr is a person of the roster who still receives mail (not a list:
   a notice goes in by sendmail, past the milter's rules for lists). */
static int is_person(const struct pass *p, const char *addr)
{
    struct roster_person who;
    char local[ADDRESS_MAX + 1];
    if (p->roster == NULL)
        return 0;
    surel_strlcpy(local, addr, sizeof(local));
    local[strcspn(local, "@+")] = '\0';
    return roster_find_username(p->roster, local, &who) == 1 && who.status != STATUS_GRADUATED;
}

/* Send one notice about it (once: the store keeps key); 0, or -1. */
static int notify(struct pass *p, const struct box *b, const struct mailbox_item *it,
                  const char *rcpt, const char *header, size_t hlen)
{
    char key[ADDRESS_MAX + 8], why[400], *notice;
    size_t nlen;
    snprintf(key, sizeof(key), "notice:%s", rcpt);
    int done = collected_rcpt_done(p->store, b->key, it->uid, key);
    if (done != 0)
        return done > 0 ? 0 : -1;
    if (notice_build(p, b, rcpt, header, hlen, it->size, &notice, &nlen) < 0)
        return -1;
    int rc = submit_report(p->sendmail, p->postfix_config, rcpt, notice, nlen, why, sizeof(why));
    free(notice);
    if (rc < 0) {
        surel_error("%s: the notice about %s to <%s>: %s", b->mc.name, it->uid, rcpt, why);
        return -1;
    }
    if (collected_rcpt_add(p->store, b->key, it->uid, key, p->now) < 0)
        return -1;
    surel_info("%s: %s (%lld bytes) is over max_size: it stays; notice sent to <%s>", b->mc.name,
               it->uid, it->size, rcpt);
    return 0;
}

/* A message over max_size: a notice to each recipient who is a person (for a
   list, or nobody, one to the postmaster), and it stays.  0, 1 skipped, -1. */
static int announce(struct pass *p, struct box *b, const struct mailbox_item *it)
{
    struct recipients r;
    int postmaster = 0;
    if (mailbox_fetch(&p->m, it, 1, 4 << 20) < 0) {
        surel_error("%s: cannot fetch the header of %s: %s", b->mc.name, it->uid, p->m.err);
        return p->m.too_long ? 1 : -1;
    }
    size_t hlen = message_to_lf(p->m.body, p->m.body_len);
    recipients_for(p, b, p->m.body, hlen, &r);
    postmaster = r.cut > 0;     /* those beyond the first hundred: through the postmaster */
    for (int i = 0; i < r.n; i++) {
        if (!is_person(p, r.addr[i])) {
            postmaster = 1;
            continue;
        }
        if (notify(p, b, it, r.addr[i], p->m.body, hlen) < 0)
            return -1;
    }
    if ((postmaster || r.n == 0) && notify(p, b, it, p->postmaster, p->m.body, hlen) < 0)
        return -1;
    p->fig.too_big++;
    return remember(p, b, it, "", "", COLLECTED_NOTICED);
}

int collect_message(struct pass *p, struct box *b, const struct mailbox_item *it)
{
    char mid[256], digest[65];
    int known = collected_by_uid(p->store, b->key, it->uid);
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
        return p->m.too_long ? 1 : -1;
    }
    size_t len = message_to_lf(p->m.body, p->m.body_len);
    message_header(p->m.body, len, "Message-ID", 0, mid, sizeof(mid));
    message_digest(p->m.body, len, digest);
    if (collected_by_message(p->store, b->key, mid, digest) == COLLECTED_DELIVERED) {
        surel_info("%s: %s is %s, delivered before under another UID", b->mc.name, it->uid, mid);
        p->fig.duplicates++;
        if (remember(p, b, it, mid, digest, COLLECTED_DELIVERED) < 0)
            return -1;
        return remove_it(p, b, it);
    }
    p->answered_later = 0;
    int rc = deliver(p, b, it, p->m.body, len, mid, digest);
    return rc < 0 && p->answered_later ? 1 : rc;
}

/* The figures so far, for dialctl (flushed: it may have to end us). */
void print_figures(int boxes, const struct figures *f)
{
    printf("mailboxes=%d listed=%lld delivered=%lld duplicates=%lld postmaster=%lld refused=%lld"
           " later=%lld too_big=%lld loops=%lld deleted=%lld bytes=%lld failed=%lld\n",
           boxes, f->listed, f->delivered, f->duplicates, f->postmaster, f->refused, f->later,
           f->too_big, f->loops, f->deleted, f->bytes, f->failed);
    fflush(stdout);
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
    for (size_t i = 0, skipped = 0; i < l.n && rc == 0; i++) {
        rc = collect_message(p, b, &l.item[i]);
        p->fig.bytes = p->bytes_before + p->m.bytes;
        print_figures(p->boxes, &p->fig);
        skipped = rc > 0 ? skipped + 1 : 0;     /* one message waits, the others go on */
        if (rc > 0 && skipped < SKIPS_MAX)
            rc = 0;
        else if (rc > 0)
            surel_error("%s: %d messages in a row had to wait: the rest waits too", b->mc.name,
                        SKIPS_MAX);
    }
    rc = rc > 0 ? -1 : rc;
    if (mailbox_finish(&p->m) < 0) {
        surel_error("%s: the deletions were not done: %s", b->mc.name, p->m.err);
        rc = -1;
    }
    free(l.item);
    return rc;
}
