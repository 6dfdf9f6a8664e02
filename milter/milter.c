/*
 * NAME
 *	milter 3
 * SUMMARY
 *	surel-milter's libmilter callbacks
 * DESCRIPTION
 *	See milter.h.  Per-connection state lives in struct conn, attached
 *	with smfi_setpriv (libmilter runs the callbacks of one connection on
 *	different worker threads, so nothing is thread-local).  The message
 *	part of it is reset at MAIL FROM, end of message and abort.
 *
 *	Stages: MAIL FROM checks the login (active?) and the envelope sender;
 *	RCPT TO checks each recipient (outside mail allowed? daily allowance
 *	of outside recipients, this message's included? a list from outside?)
 *	and refuses only that recipient; the sender headers (From, Sender,
 *	Resent-From, Resent-Sender, each read whole), size and the daily
 *	byte allowance at end of message, where accepted outside mail is
 *	counted.  Every address is judged in the form Postfix delivers to
 *	(address.h).  Mail without a login may not claim a school sender
 *	unless it comes from [policy] trusted_relays ({client_addr}, which
 *	milter_mail_macros must carry).
 *
 *	A refusal is one reply line in the school's language ([school]
 *	language, set in main.c); the log line names the rule and gives the
 *	text in English for the administrator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "address.h"
#include "i18n.h"
#include "log.h"
#include "milter.h"
#include "store.h"
#include "util.h"

/* The headers that name a message's sender, each checked like From. */
static const char *const sender_headers[] = {"From", "Sender", "Resent-From", "Resent-Sender"};
#define NSENDER_HEADERS 4

/* Sender addresses one message may name in From, Sender, Resent-From and
 * Resent-Sender together; more is refused, never passed unchecked. */
#define MAX_SENDERS 1000

static struct policy_rules rules;
static int timing;                      /* log each message's decision time */

/* What one SMTP connection carries, and the message under way. */
struct conn {
    struct policy_sender sender;
    int lookup_failed;                  /* roster unreadable at MAIL */
    int outside;                        /* accepted outside recipients */
    long long size;                     /* header + body bytes (CRLF) */
    struct address_list senders[NSENDER_HEADERS];  /* per sender_headers[] */
    char bad_header[32];                /* a sender header that cannot be read */
    char bad_why[128];
    long long decide_ns;                /* time spent deciding on this message */
    int no_reply_hdr, no_reply_body;    /* negotiated: kept across messages */
};

void milter_setup(const struct policy_rules *pr, int log_timing)
{
    rules = *pr;
    timing = log_timing;
}

/* Nanoseconds on the monotonic clock. */
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Add the time since start to the message's decision time. */
static void charge(SMFICTX *ctx, long long start)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL)
        c->decide_ns += now_ns() - start;
}

/* This connection's state, created at first use. */
static struct conn *conn_of(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c == NULL) {
        c = calloc(1, sizeof(*c));
        if (c != NULL && smfi_setpriv(ctx, c) != MI_SUCCESS) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

/* Forget the message (keeps nothing from one message to the next). */
static void message_reset(struct conn *c)
{
    int hdr = c->no_reply_hdr, body = c->no_reply_body;
    for (int h = 0; h < NSENDER_HEADERS; h++)
        address_list_free(&c->senders[h]);
    memset(c, 0, sizeof(*c));
    c->no_reply_hdr = hdr;
    c->no_reply_body = body;
}

/* The queue id for the log, or "NOQUEUE" before Postfix has one. */
static const char *qid(SMFICTX *ctx)
{
    const char *i = smfi_getsymval(ctx, "i");
    return i != NULL ? i : "NOQUEUE";
}

/* Send a policy reply to Postfix and return the matching libmilter code. */
static sfsistat answer(SMFICTX *ctx, struct conn *c, const struct policy_reply *r,
                       const char *addr)
{
    char a[POLICY_ADDR_MAX];
    if (r->verdict == POLICY_ACCEPT)
        return SMFIS_CONTINUE;
    surel_strlcpy(a, addr ? addr : "", sizeof(a));
    size_t n = strlen(a);
    if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {    /* log every address as <a@b> */
        memmove(a, a + 1, n - 2);
        a[n - 2] = '\0';
    }
    surel_info("%s: %s: login=%s rule=%s addr=<%s>: %s %s %s", qid(ctx),
               r->verdict == POLICY_REJECT ? "reject" : "tempfail",
               c != NULL && c->sender.authenticated ? c->sender.login : "-",
               r->rule, a, r->code, r->xcode, r->en);
    /* The log says the rule in English; --verbose shows the reply as sent. */
    surel_debug("%s: reply: %s %s %s", qid(ctx), r->code, r->xcode, r->text);
    if (smfi_setmlreply(ctx, r->code, r->xcode, r->text, NULL) != MI_SUCCESS)
        surel_warn("%s: cannot set the reply for rule %s", qid(ctx), r->rule);
    return r->verdict == POLICY_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
}

/* Temp-fail with the standard "roster unreadable" reply. */
static sfsistat tempfail(SMFICTX *ctx, struct conn *c, const char *what, const char *addr)
{
    struct policy_reply r;
    policy_tempfail(&r, what);
    return answer(ctx, c, &r, addr);
}

/* Fill c->sender from {auth_authen} and the roster; -1 if unreadable. */
static int identify(SMFICTX *ctx, struct conn *c)
{
    const char *login = smfi_getsymval(ctx, "{auth_authen}");
    if (login == NULL || *login == '\0') {
        c->sender.trusted_relay = policy_trusted_client(&rules,
                                                        smfi_getsymval(ctx, "{client_addr}"));
        return 0;
    }
    c->sender.authenticated = 1;
    policy_normal_login(&rules, login, c->sender.login, sizeof(c->sender.login));
    int rc = store_person(c->sender.login, &c->sender.person);
    if (rc < 0)
        return -1;
    c->sender.known = rc == 1;
    return 0;
}

/* May the login send as this school address (a group with may_send_as)? */
static int may_send_as(const struct conn *c, const char *addr)
{
    char local[POLICY_ADDR_MAX];
    if (!c->sender.known || !rules.send_as_groups
        || policy_classify(&rules, addr, c->sender.person.username, local, sizeof(local))
           != ADDR_SCHOOL)
        return 0;
    return store_may_send_as(c->sender.person.username, local);
}

/* MAIL FROM: who is sending, and may they use this envelope sender? */
static sfsistat on_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_of(ctx);
    struct policy_reply r;
    const char *from = argv[0] ? argv[0] : "";
    if (c == NULL)
        return tempfail(ctx, NULL, N_("out of memory"), from);
    message_reset(c);
    if (identify(ctx, c) < 0)
        return tempfail(ctx, c, N_("roster unreadable"), from);
    if (policy_login(&rules, &c->sender, &r) != POLICY_ACCEPT)
        return answer(ctx, c, &r, from);
    int ok = c->sender.authenticated ? may_send_as(c, from) : 0;
    if (ok < 0)
        return tempfail(ctx, c, N_("roster unreadable"), from);
    policy_sender_address(&rules, &c->sender, from, ok, NULL, &r);
    return answer(ctx, c, &r, from);
}

/* RCPT TO: one recipient; a refusal affects only this recipient. */
static sfsistat on_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn *c = conn_of(ctx);
    struct policy_reply r;
    struct policy_usage used = {0, 0, 0};
    const char *to = argv[0] ? argv[0] : "";
    if (c == NULL)
        return tempfail(ctx, NULL, N_("out of memory"), to);
    int outside = policy_classify(&rules, to, NULL, NULL, 0) == ADDR_OUTSIDE;
    if (c->sender.authenticated && outside
        && store_usage(c->sender.person.username, surel_now(), &used) < 0)
        return tempfail(ctx, c, N_("usage counters unreadable"), to);
    used.recipients += c->outside;      /* this message's, not yet counted */
    if (policy_recipient(&rules, &c->sender, to, &used, &r) != POLICY_ACCEPT)
        return answer(ctx, c, &r, to);
    c->outside += outside;
    return SMFIS_CONTINUE;
}

/* Line feeds in a header value: each goes out as CR LF. */
static long long count_lf(const char *value)
{
    long long n = 0;
    for (const char *p = value; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    return n;
}

/* Which sender header is this (index into sender_headers), or -1? */
static int sender_header(const char *name)
{
    size_t n = strlen(name);
    while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
        n--;                            /* "From :" is still From */
    for (int h = 0; h < NSENDER_HEADERS; h++)
        if (strlen(sender_headers[h]) == n && strncasecmp(name, sender_headers[h], n) == 0)
            return h;
    return -1;
}

/* Addresses collected so far from every sender header. */
static size_t senders_count(const struct conn *c)
{
    size_t n = 0;
    for (int h = 0; h < NSENDER_HEADERS; h++)
        n += c->senders[h].n;
    return n;
}

/* Read a sender header whole; remember the first one that cannot be read. */
static void collect_senders(struct conn *c, int h, const char *value)
{
    char why[128];
    if (c->bad_header[0] != '\0' || senders_count(c) > MAX_SENDERS)
        return;
    if (address_header(value, &c->senders[h], why, sizeof(why)) < 0) {
        surel_strlcpy(c->bad_header, sender_headers[h], sizeof(c->bad_header));
        surel_strlcpy(c->bad_why, why, sizeof(c->bad_why));
    }
}

/* Each header: count its bytes; read the sender headers.  Never refuses
 * (the check waits for end of message), so Postfix need not wait for a
 * reply when it offers SMFIP_NR_HDR. */
static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn *c = conn_of(ctx);
    if (c != NULL) {
        /* Postfix hands folded values over with bare LFs; they leave as CRLF. */
        c->size += (long long)strlen(name) + 2 + (long long)strlen(value) + 2
                   + count_lf(value);
        int h = sender_header(name);
        if (h >= 0)
            collect_senders(c, h, value);
    }
    return c != NULL && c->no_reply_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Every sender header address must be the login's own (or a group's);
 * without a login, none may be the school's.  Checked at end of message
 * rather than end of headers: Postfix answers the client only after the
 * final dot either way, and it saves a round trip. */
static sfsistat check_senders(SMFICTX *ctx, struct conn *c)
{
    struct policy_reply r;
    if (c->bad_header[0] != '\0') {
        policy_bad_header(c->bad_header, c->bad_why, &r);
        return answer(ctx, c, &r, c->bad_header);
    }
    if (senders_count(c) > MAX_SENDERS) {
        policy_too_many_senders(MAX_SENDERS, &r);
        return answer(ctx, c, &r, "");
    }
    if (c->sender.authenticated && c->senders[0].n == 0) {
        policy_no_from(&c->sender, &r);     /* a From naming nobody hides who sent it */
        return answer(ctx, c, &r, "");
    }
    for (int h = 0; h < NSENDER_HEADERS; h++) {
        for (size_t i = 0; i < c->senders[h].n; i++) {
            const char *a = c->senders[h].addr[i];
            int ok = c->sender.authenticated ? may_send_as(c, a) : 0;
            if (ok < 0)
                return tempfail(ctx, c, N_("roster unreadable"), a);
            if (policy_sender_address(&rules, &c->sender, a, ok, sender_headers[h], &r)
                != POLICY_ACCEPT)
                return answer(ctx, c, &r, a);
        }
    }
    return SMFIS_CONTINUE;
}

/* Body chunks: only their size matters (Postfix sends CRLF lines). */
static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    struct conn *c = conn_of(ctx);
    (void)chunk;
    if (c != NULL)
        c->size += (long long)len;
    return c != NULL && c->no_reply_body ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Ask Postfix for only what the rules need: no CONNECT, HELO, DATA, end of
 * headers or unknown commands, and no reply to wait for after each header and body
 * chunk (fewer round trips per message).  No message-changing actions. */
static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3, unsigned long *pf0,
                             unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
    unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA
                         | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NR_BODY;
    struct conn *c = conn_of(ctx);
    (void)f0;
    (void)f2;
    (void)f3;
    *pf0 = 0;
    *pf1 = f1 & want;
    *pf2 = 0;
    *pf3 = 0;
    if (c == NULL)
        return SMFIS_REJECT;            /* Postfix then applies milter_default_action */
    c->no_reply_hdr = (f1 & SMFIP_NR_HDR) != 0;
    c->no_reply_body = (f1 & SMFIP_NR_BODY) != 0;
    return SMFIS_CONTINUE;
}

/* End of message: size cap and daily bytes for outside mail, then count it. */
static sfsistat on_eom(SMFICTX *ctx)
{
    struct conn *c = conn_of(ctx);
    struct policy_reply r;
    struct policy_usage used = {0, 0, 0};
    if (c == NULL)
        return tempfail(ctx, NULL, N_("out of memory"), "");
    c->size += 2;                       /* the blank line after the headers */
    sfsistat rc = check_senders(ctx, c);
    long long now = surel_now();
    if (rc == SMFIS_CONTINUE && c->sender.authenticated && c->outside > 0) {
        if (store_usage(c->sender.person.username, now, &used) < 0)
            rc = tempfail(ctx, c, N_("usage counters unreadable"), "");
        else if (policy_message(&rules, &c->sender, c->size, c->outside, &used, &r)
                 != POLICY_ACCEPT)
            rc = answer(ctx, c, &r, "");
        else if (store_count(c->sender.person.username, now, c->size, c->outside) < 0)
            rc = tempfail(ctx, c, N_("usage counters unwritable"), "");
        else
            surel_info("%s: outside mail: login=%s size=%lld recipients=%d", qid(ctx),
                       c->sender.login, c->size, c->outside);
    }
    return rc;
}

/* Timed wrappers: what libmilter calls.  The decision time of a message
 * is the sum over MAIL, RCPT and end of message. */
static sfsistat timed_envfrom(SMFICTX *ctx, char **argv)
{
    long long t = now_ns();
    sfsistat rc = on_envfrom(ctx, argv);
    charge(ctx, t);
    return rc;
}

static sfsistat timed_envrcpt(SMFICTX *ctx, char **argv)
{
    long long t = now_ns();
    sfsistat rc = on_envrcpt(ctx, argv);
    charge(ctx, t);
    return rc;
}

/* End of message, then log the decision time (verbose) and forget it. */
static sfsistat timed_eom(SMFICTX *ctx)
{
    long long t = now_ns();
    sfsistat rc = on_eom(ctx);
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL) {
        c->decide_ns += now_ns() - t;
        if (timing)
            surel_debug("%s: decision_us=%.1f", qid(ctx), (double)c->decide_ns / 1000.0);
        message_reset(c);
    }
    return rc;
}

/* The message was given up: forget it. */
static sfsistat on_abort(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL)
        message_reset(c);
    return SMFIS_CONTINUE;
}

/* The connection ends: free its state. */
static sfsistat on_close(SMFICTX *ctx)
{
    struct conn *c = smfi_getpriv(ctx);
    if (c != NULL)
        message_reset(c);
    free(c);
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "surel-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = 0,
    .xxfi_envfrom = timed_envfrom,
    .xxfi_envrcpt = timed_envrcpt,
    .xxfi_header = on_header,
    .xxfi_body = on_body,
    .xxfi_eom = timed_eom,
    .xxfi_abort = on_abort,
    .xxfi_close = on_close,
    .xxfi_negotiate = on_negotiate,
};
