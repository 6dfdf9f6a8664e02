/*
 * NAME
 *	policy 3
 * SUMMARY
 *	the school's mail rules as pure decisions, apart from libmilter
 * DESCRIPTION
 *	See policy.h.  The reply texts live next to the rule they explain.
 *	Each is one English msgid (gettext, po/id.po), formatted twice: in
 *	the school's language for the reply and in English for the log.
 *	Translations must stay plain ASCII and short enough for one SMTP
 *	reply line (po/update --check, tests/milter/test_policy.c).
 *	Codes: 550 5.7.1 for a rule that refuses, 552 5.3.4 for the size
 *	cap, 451 4.3.0 when the roster cannot be read.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "i18n.h"
#include "lookalike.h"
#include "policy.h"
#include "util.h"

/* TRANSLATORS: who a rule is about, in "... for %s" of the allowance texts. */
static const char *const role_names[ROLE_COUNT] = {N_("students"), N_("teachers"), N_("staff"),
                                                   N_("administrators")};

/* A refusal's verdict and codes; its two texts follow with say(). */
static void begin(struct policy_reply *out, enum policy_verdict v, const char *rule,
                  const char *code, const char *xcode)
{
    memset(out, 0, sizeof(*out));
    out->verdict = v;
    out->rule = rule;
    surel_strlcpy(out->code, code, sizeof(out->code));
    surel_strlcpy(out->xcode, xcode, sizeof(out->xcode));
}

/* A message in English (en: for the log) or in the school's language. */
static const char *L(int en, const char *msgid) __attribute__((format_arg(2)));
static const char *L(int en, const char *msgid)
{
    return en ? msgid : _(msgid);
}

/* Format one of the two texts of a reply: the English one or the reply's. */
static void say(struct policy_reply *out, int en, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct policy_reply *out, int en, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (en)
        vsnprintf(out->en, sizeof(out->en), f, ap);
    else
        vsnprintf(out->text, sizeof(out->text), f, ap);
    va_end(ap);
}

/* A refusal with a text that takes no arguments. */
static int reply(struct policy_reply *out, enum policy_verdict v, const char *rule,
                 const char *code, const char *xcode, const char *msgid)
{
    begin(out, v, rule, code, xcode);
    surel_strlcpy(out->text, _(msgid), sizeof(out->text));
    surel_strlcpy(out->en, msgid, sizeof(out->en));
    return v;
}

/* An accepting reply with nothing to say. */
static int ok_reply(struct policy_reply *out)
{
    memset(out, 0, sizeof(*out));
    out->verdict = POLICY_ACCEPT;
    out->rule = "ok";
    return POLICY_ACCEPT;
}

/* A size for people: "512 KB", "10 MB", "1.5 MB". */
static const char *human(long long n, char *buf, size_t len)
{
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
        snprintf(buf, len, "%lld MB", n / (1024 * 1024));
    else if (n >= 1024 * 1024)
        snprintf(buf, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
    else
        snprintf(buf, len, "%lld KB", (n + 1023) / 1024);
    return buf;
}

int policy_word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    const char *p = list;
    if (n == 0)
        return 0;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t w = strcspn(p, " ,\t");
        if (w == n && strncasecmp(p, word, n) == 0)
            return 1;
        p += w;
    }
    return 0;
}

/* The address as Postfix will deliver to it, for texts and decisions;
 * an address that cannot be read is shown as written. */
static int canonical(const char *addr, char *out, size_t len)
{
    if (address_envelope(addr, out, len) == 0)
        return 0;
    surel_strlcpy(out, addr != NULL ? addr : "", len);
    return -1;
}

/* 2: the school's own domain; 1: a subdomain of it; 0: anything else. */
static int school_domain(const struct policy_rules *pr, const char *domain)
{
    size_t n = strlen(domain), d = strlen(pr->domain);
    if (strcmp(domain, pr->domain) == 0)
        return 2;
    return n > d && domain[n - d - 1] == '.' && strcmp(domain + n - d, pr->domain) == 0;
}

enum policy_addr_kind policy_classify(const struct policy_rules *pr, const char *addr,
                                      const char *username, char *local, size_t len)
{
    char a[POLICY_ADDR_MAX];
    if (local != NULL && len > 0)
        local[0] = '\0';
    if (canonical(addr, a, sizeof(a)) < 0)
        return ADDR_INVALID;
    if (a[0] == '\0')
        return ADDR_NULL;
    char *at = strrchr(a, '@');
    if (at == NULL || school_domain(pr, at + 1) != 2)
        return ADDR_OUTSIDE;            /* no domain: this host's own users, not the roster */
    *at = '\0';
    a[strcspn(a, "+")] = '\0';         /* recipient_delimiter */
    surel_lower(a);
    if (local != NULL)
        surel_strlcpy(local, a, len);
    return username != NULL && strcmp(a, username) == 0 ? ADDR_OWN : ADDR_SCHOOL;
}

/* Is this domain the school's, a subdomain, or one written to look like them? */
static int school_like(const struct policy_rules *pr, const char *domain)
{
    return school_domain(pr, domain) > 0 || lookalike_domain(domain, pr->domain);
}

int policy_claims_school(const struct policy_rules *pr, const char *addr)
{
    char a[POLICY_ADDR_MAX];
    if (canonical(addr, a, sizeof(a)) < 0)
        return 1;                       /* unreadable: assume the worst */
    if (a[0] == '\0')
        return 0;
    char *at = strrchr(a, '@');
    if (at == NULL)
        return 1;                       /* Postfix completes it with this host's domain */
    /* "sari@school"@elsewhere shows the school's address too. */
    for (; at != NULL; *at = '\0', at = strrchr(a, '@'))
        if (school_like(pr, at + 1))
            return 1;
    return 0;
}

/* Any byte outside ASCII? */
static int has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* Would a Postfix with the percent hack or bang paths on deliver this to a
 * school address?  surel's Postfix has both off; lists are guarded anyway. */
static int routed_to_school(const struct policy_rules *pr, const char *addr, char *local,
                            size_t len)
{
    char a[POLICY_ADDR_MAX], t[POLICY_ADDR_MAX];
    if (canonical(addr, a, sizeof(a)) < 0)
        return 0;
    for (int hop = 0; hop < 8; hop++) {
        char *at = strrchr(a, '@');
        if (at != NULL)
            *at = '\0';                 /* drop the outer host */
        char *sep = strrchr(a, '@'), *bang = strchr(a, '!');
        if (sep == NULL)
            sep = strrchr(a, '%');
        if (sep != NULL) {
            *sep = '@';                 /* user%domain -> user@domain */
        } else if (bang != NULL) {
            *bang = '\0';               /* host!user -> user@host */
            surel_strlcpy(t, bang + 1, sizeof(t));
            size_t n = strlen(t);
            if (n + 1 + strlen(a) >= sizeof(t))
                return 0;
            t[n] = '@';
            surel_strlcpy(t + n + 1, a, sizeof(t) - n - 1);
            surel_strlcpy(a, t, sizeof(a));
        } else {
            return 0;
        }
        if (policy_classify(pr, a, NULL, local, len) == ADDR_SCHOOL)
            return 1;
    }
    return 0;
}

int policy_is_list(const char *local)
{
    if (strncmp(local, "kelas-", 6) == 0 && local[6] != '\0')
        return 1;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (strcmp(local, roster_role_list((enum roster_role)r)) == 0)
            return 1;
    return 0;
}

void policy_normal_login(const struct policy_rules *pr, const char *login, char *out, size_t len)
{
    surel_strlcpy(out, login ? login : "", len);
    surel_lower(out);
    char *at = strrchr(out, '@');
    if (at != NULL && strcmp(at + 1, pr->domain) == 0)
        *at = '\0';
}

int policy_external_allowed(const struct policy_rules *pr, const struct roster_person *p)
{
    if (p->external_mail >= 0)
        return p->external_mail;
    if (p->role == ROLE_STUDENT && p->class_name[0] != '\0') {
        if (policy_word_in(pr->refused_classes, p->class_name))
            return 0;
        if (policy_word_in(pr->allowed_classes, p->class_name))
            return 1;
    }
    return p->role >= 0 && p->role < ROLE_COUNT ? pr->external[p->role] : 0;
}

int policy_login(const struct policy_rules *pr, const struct policy_sender *s,
                 struct policy_reply *out)
{
    if (!s->authenticated || !pr->refuse_inactive)
        return ok_reply(out);
    begin(out, POLICY_REJECT, "inactive", "550", "5.7.1");
    if (!s->known) {
        for (int en = 0; en < 2; en++)
            say(out, en, L(en, N_("Account %s is not in the school's roster, so it may not"
                                  " send mail. Ask the school's administrator.")), s->login);
        return out->verdict;
    }
    if (s->person.status == STATUS_ACTIVE)
        return ok_reply(out);
    for (int en = 0; en < 2; en++)
        if (s->person.status == STATUS_GRADUATED)
            say(out, en, L(en, N_("Account %s has graduated, so it may not send mail."
                                  " Ask the school's administrator if this is wrong.")), s->login);
        else
            say(out, en, L(en, N_("Account %s is suspended, so it may not send mail."
                                  " Ask the school's administrator if this is wrong.")), s->login);
    return out->verdict;
}

/* Where a sender address stood: "From header" or the envelope sender. */
static const char *where(int en, const char *header, char *buf, size_t len)
{
    if (header == NULL)
        return L(en, N_("envelope sender"));
    /* TRANSLATORS: %s is a header name: From, Sender, Resent-From, Resent-Sender. */
    snprintf(buf, len, L(en, N_("%s header")), header);
    return buf;
}

int policy_sender_address(const struct policy_rules *pr, const struct policy_sender *s,
                          const char *addr, int may_send_as, const char *header,
                          struct policy_reply *out)
{
    char local[POLICY_ADDR_MAX], a[POLICY_ADDR_MAX], w[64];
    if (!s->authenticated)
        return policy_anonymous_sender(pr, s, addr, header, out);
    enum policy_addr_kind k = policy_classify(pr, addr, s->person.username, local, sizeof(local));
    if (k == ADDR_OWN || (k == ADDR_SCHOOL && pr->send_as_groups && may_send_as))
        return ok_reply(out);
    canonical(addr, a, sizeof(a));
    begin(out, POLICY_REJECT, header ? "send-as-header" : "send-as", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("You are logged in as %s, so you may send only as %s@%s, not as"
                              " <%.200s> (%s). Fix the sender address in your mail program.")),
            s->person.username, s->person.username, pr->domain, a,
            where(en, header, w, sizeof(w)));
    return out->verdict;
}

int policy_anonymous_sender(const struct policy_rules *pr, const struct policy_sender *s,
                            const char *addr, const char *header, struct policy_reply *out)
{
    char a[POLICY_ADDR_MAX], w[64];
    if (!pr->school_sender_needs_login || s->trusted_relay || !policy_claims_school(pr, addr))
        return ok_reply(out);
    canonical(addr, a, sizeof(a));
    begin(out, POLICY_REJECT, header ? "login-required-header" : "login-required", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("The address <%.200s> (%s) belongs to the school: log in"
                              " (port 587) to send as it.")), a, where(en, header, w, sizeof(w)));
    return out->verdict;
}

int policy_bad_header(const char *name, const char *why, struct policy_reply *out)
{
    begin(out, POLICY_REJECT, "header-syntax", "550", "5.7.1");
    /* why is one of address.c's N_() texts. */
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("The %.40s header cannot be read (%.100s), so its sender cannot"
                              " be checked. Fix the address in your mail program.")),
            name, L(en, why));
    return out->verdict;
}

int policy_no_from(const struct policy_sender *s, struct policy_reply *out)
{
    begin(out, POLICY_REJECT, "from-missing", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("This message names no sender address in its From header. Send"
                              " it with your own address (%s) as the sender.")),
            s->person.username);
    return out->verdict;
}

int policy_too_many_senders(size_t limit, struct policy_reply *out)
{
    begin(out, POLICY_REJECT, "too-many-senders", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("This message names more than %zu sender addresses (From, Sender,"
                              " Resent-From). Send with your own address only.")), limit);
    return out->verdict;
}

/* An address without a domain: its local part in lower case, or 0. */
static int unqualified_local(const char *addr, char *local, size_t len)
{
    if (canonical(addr, local, len) < 0 || local[0] == '\0' || strchr(local, '@') != NULL)
        return 0;
    local[strcspn(local, "+")] = '\0';
    surel_lower(local);
    return 1;
}

/* Mail from outside (no login) to a class or role list, however written. */
static int outside_to_list(const struct policy_rules *pr, const char *addr,
                           struct policy_reply *out)
{
    char local[POLICY_ADDR_MAX];
    enum policy_addr_kind k = policy_classify(pr, addr, NULL, local, sizeof(local));
    if (pr->lists_from_outside)
        return ok_reply(out);
    if (!(k == ADDR_SCHOOL && policy_is_list(local))
        && !(unqualified_local(addr, local, sizeof(local)) && policy_is_list(local))
        && !(routed_to_school(pr, addr, local, sizeof(local)) && policy_is_list(local)))
        return ok_reply(out);
    begin(out, POLICY_REJECT, "list", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("The list %s@%s takes mail only from inside the school. Write to"
                              " a teacher's or staff member's own address.")), local, pr->domain);
    return out->verdict;
}

/* Who the sender is, for texts: "students of class 7A" or the role's name. */
static void describe(const struct roster_person *p, int en, char *buf, size_t len)
{
    int r = p->role >= 0 && p->role < ROLE_COUNT ? p->role : ROLE_STUDENT;
    if (p->role == ROLE_STUDENT && p->class_name[0] != '\0')
        snprintf(buf, len, L(en, N_("students of class %s")), p->class_name);
    else
        snprintf(buf, len, "%s", L(en, role_names[r]));
}

/* The daily allowance of outside recipients is used up. */
static int allowance_used(const struct policy_rules *pr, int role, long long used,
                          struct policy_reply *out)
{
    long long lim = pr->daily_recipients[role];
    begin(out, POLICY_REJECT, "daily-recipients", "550", "5.7.1");
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("The daily allowance of mail to outside the school is used up:"
                              " %lld outside recipients a day for %s, %lld used, %lld left."
                              " Try again tomorrow.")),
            lim, L(en, role_names[role]), used, used < lim ? lim - used : 0);
    return out->verdict;
}

int policy_recipient(const struct policy_rules *pr, const struct policy_sender *s,
                     const char *addr, const struct policy_usage *used,
                     struct policy_reply *out)
{
    char a[POLICY_ADDR_MAX], who[96];
    char local[POLICY_ADDR_MAX];
    enum policy_addr_kind k = policy_classify(pr, addr, NULL, local, sizeof(local));
    if (k == ADDR_INVALID)
        return reply(out, POLICY_REJECT, "address-syntax", "550", "5.1.3",
                     N_("This recipient address cannot be read."));
    /* Roster addresses are ASCII; Unicode case folding (K, long s) must not
     * turn another spelling into a list. */
    if (k == ADDR_SCHOOL && has_8bit(local))
        return reply(out, POLICY_REJECT, "address-syntax", "550", "5.1.3",
                     N_("Addresses at this school use plain letters and digits (ASCII) only."));
    if (!s->authenticated)
        return outside_to_list(pr, addr, out);
    if (k != ADDR_OUTSIDE)
        return ok_reply(out);
    const struct roster_person *p = &s->person;
    int role = p->role >= 0 && p->role < ROLE_COUNT ? p->role : ROLE_STUDENT;
    canonical(addr, a, sizeof(a));
    const char *dom = strrchr(a, '@');
    int dom_ok = dom != NULL && policy_word_in(pr->allowed_domains, dom + 1);
    if (!dom_ok && !policy_external_allowed(pr, p)) {
        begin(out, POLICY_REJECT, "external", "550", "5.7.1");
        for (int en = 0; en < 2; en++) {
            describe(p, en, who, sizeof(who));
            say(out, en, L(en, N_("Mail to outside the school (to <%.200s>) is not allowed for"
                                  " %s. Write to a school address, or ask the school's"
                                  " administrator.")), a, who);
        }
        return out->verdict;
    }
    long long lim = pr->daily_recipients[role];
    if (lim > 0 && used->recipients >= lim)
        return allowance_used(pr, role, used->recipients, out);
    return ok_reply(out);
}

int policy_message(const struct policy_rules *pr, const struct policy_sender *s,
                   long long size, int outside, const struct policy_usage *used,
                   struct policy_reply *out)
{
    char sz[32], cap[32], left[32];
    if (!s->authenticated || outside <= 0)
        return ok_reply(out);
    int role = s->person.role >= 0 && s->person.role < ROLE_COUNT ? s->person.role : ROLE_STUDENT;
    long long lim = pr->daily_bytes[role], rlim = pr->daily_recipients[role];
    human(size, sz, sizeof(sz));
    human(pr->max_size, cap, sizeof(cap));
    human(lim > used->bytes ? lim - used->bytes : 0, left, sizeof(left));
    if (pr->max_size > 0 && size > pr->max_size) {
        begin(out, POLICY_REJECT, "size", "552", "5.3.4");
        for (int en = 0; en < 2; en++)
            say(out, en, L(en, N_("This message is %s; mail to outside the school may be at most"
                                  " %s, because the school's Internet link is slow and costly."
                                  " Shrink the attachment or send a link instead.")), sz, cap);
        return out->verdict;
    }
    /* Another message may have used the allowance since RCPT TO. */
    if (rlim > 0 && used->recipients + outside > rlim)
        return allowance_used(pr, role, used->recipients, out);
    if (lim > 0 && used->bytes + size > lim) {
        human(lim, cap, sizeof(cap));
        begin(out, POLICY_REJECT, "daily-bytes", "550", "5.7.1");
        for (int en = 0; en < 2; en++)
            say(out, en, L(en, N_("The daily allowance of mail to outside the school (%s a day"
                                  " for %s) is not enough: %s left, this message is %s. Try"
                                  " again tomorrow.")), cap, L(en, role_names[role]), left, sz);
        return out->verdict;
    }
    return ok_reply(out);
}

void policy_tempfail(struct policy_reply *out, const char *what)
{
    begin(out, POLICY_TEMPFAIL, "tempfail", "451", "4.3.0");
    /* what is one of milter.c's N_() texts ("roster unreadable", ...). */
    for (int en = 0; en < 2; en++)
        say(out, en, L(en, N_("The school's mail rules cannot be checked right now (%s). Nothing"
                              " is lost: try sending again shortly.")), L(en, what));
}

/* Does the address (raw bytes, family af) lie in "net/prefix" or equal "net"? */
static int in_net(int af, const unsigned char *ip, const char *spec)
{
    char net[64];
    unsigned char want[16];
    const char *slash = strchr(spec, '/');
    size_t n = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
    int bits = af == AF_INET ? 32 : 128;
    if (n >= sizeof(net))
        return 0;
    memcpy(net, spec, n);
    net[n] = '\0';
    if (inet_pton(af, net, want) != 1)
        return 0;
    if (slash != NULL) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end != '\0' || b < 0 || b > bits)
            return 0;
        bits = (int)b;
    }
    for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((ip[i / 8] & mask) != (want[i / 8] & mask))
            return 0;
    }
    return 1;
}

int policy_trusted_client(const struct policy_rules *pr, const char *client_addr)
{
    unsigned char ip[16];
    char word[64];
    int af = AF_INET;
    const char *c = client_addr;
    if (c == NULL || *c == '\0')
        return 0;
    if (strncasecmp(c, "IPv6:", 5) == 0)
        c += 5;
    if (inet_pton(AF_INET, c, ip) != 1) {
        af = AF_INET6;
        if (inet_pton(AF_INET6, c, ip) != 1)
            return 0;
    }
    for (const char *p = pr->trusted_relays; *p != '\0';) {
        p += strspn(p, " ,\t");
        size_t w = strcspn(p, " ,\t");
        if (w > 0 && w < sizeof(word)) {
            memcpy(word, p, w);
            word[w] = '\0';
            if (in_net(af, ip, word))
                return 1;
        }
        p += w;
    }
    return 0;
}
