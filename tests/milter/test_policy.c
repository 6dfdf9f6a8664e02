/*
 * NAME
 *	test_policy - unit tests of surel-milter's decisions (milter/policy.c)
 * DESCRIPTION
 *	Every rule of [policy], called directly with the facts the milter
 *	would gather: who is logged in, what the roster says, the address,
 *	the day's usage.  Each test checks the verdict, the SMTP and
 *	enhanced codes (same class), and that the reply says the rule in
 *	the language chosen, as a valid SMTP reply line: ASCII, no line
 *	breaks, at most 512 octets with its codes.  Run once per language
 *	(SUREL_TEST_LANGUAGE=id|en, SUREL_LOCALEDIR: the build tree's
 *	catalogues); in id every reply must differ from its English text.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "address.h"
#include "i18n.h"
#include "policy.h"
#include "util.h"

static struct policy_rules rules;
static const struct policy_usage none = {0, 0, 0};
static int lang_id;                     /* replies in Indonesian (else English) */

/* In Indonesian the reply says want; in English it is the English text. */
static void assert_says(const struct policy_reply *r, const char *want)
{
    if (lang_id)
        assert_non_null(strstr(r->text, want));
    else
        assert_string_equal(r->text, r->en);
}

/* A valid SMTP reply line: ASCII printable, within RFC 5321's 512 octets. */
static void assert_smtp_line(const struct policy_reply *r)
{
    for (const char *p = r->text; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
    assert_true(strlen(r->code) + 1 + strlen(r->xcode) + 1 + strlen(r->text) + 2 <= 512);
}

/* The shipped defaults, for the school "smpn1.sch.id". */
static int setup(void **state)
{
    (void)state;
    memset(&rules, 0, sizeof(rules));
    surel_strlcpy(rules.domain, "smpn1.sch.id", sizeof(rules.domain));
    rules.refuse_inactive = 1;
    rules.send_as_groups = 1;
    rules.school_sender_needs_login = 1;
    rules.lists_from_outside = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        rules.external[r] = 1;
    rules.daily_recipients[ROLE_STUDENT] = 20;
    rules.daily_bytes[ROLE_STUDENT] = 1024 * 1024;
    rules.daily_recipients[ROLE_TEACHER] = 100;
    rules.daily_bytes[ROLE_TEACHER] = 10 * 1024 * 1024;
    rules.max_size = 512 * 1024;
    return 0;
}

/* A logged-in, known, active person. */
static struct policy_sender person(const char *username, enum roster_role role, const char *cls)
{
    struct policy_sender s;
    memset(&s, 0, sizeof(s));
    s.authenticated = 1;
    s.known = 1;
    surel_strlcpy(s.login, username, sizeof(s.login));
    surel_strlcpy(s.person.username, username, sizeof(s.person.username));
    s.person.role = role;
    surel_strlcpy(s.person.class_name, cls, sizeof(s.person.class_name));
    s.person.status = STATUS_ACTIVE;
    s.person.external_mail = -1;
    return s;
}

/* Assert a refusal with these codes, and a rule name. */
static void assert_refused(int v, const struct policy_reply *r, const char *code,
                           const char *xcode, const char *rule)
{
    assert_int_equal(v, code[0] == '4' ? POLICY_TEMPFAIL : POLICY_REJECT);
    assert_int_equal(r->verdict, v);
    assert_string_equal(r->code, code);
    assert_string_equal(r->xcode, xcode);
    assert_int_equal(r->code[0], r->xcode[0]);
    assert_string_equal(r->rule, rule);
    assert_true(strlen(r->text) > 20);
    assert_true(strlen(r->en) > 20);
    assert_null(strchr(r->en, '\n'));
    assert_smtp_line(r);
    if (lang_id)
        assert_string_not_equal(r->text, r->en);    /* translated */
    else
        assert_string_equal(r->text, r->en);
}

static void test_login_active_accepted(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_int_equal(policy_login(&rules, &s, &r), POLICY_ACCEPT);
}

static void test_login_suspended_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    s.person.status = STATUS_SUSPENDED;
    assert_refused(policy_login(&rules, &s, &r), &r, "550", "5.7.1", "inactive");
    assert_says(&r, "ditangguhkan");
    assert_non_null(strstr(r.en, "suspended"));
}

static void test_login_graduated_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "9A");
    (void)state;
    s.person.status = STATUS_GRADUATED;
    assert_refused(policy_login(&rules, &s, &r), &r, "550", "5.7.1", "inactive");
    assert_non_null(strstr(r.en, "graduated"));
}

static void test_login_unknown_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("hantu", ROLE_STUDENT, "");
    (void)state;
    s.known = 0;
    assert_refused(policy_login(&rules, &s, &r), &r, "550", "5.7.1", "inactive");
    assert_non_null(strstr(r.en, "hantu"));
}

static void test_login_inactive_allowed_when_configured(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    s.person.status = STATUS_SUSPENDED;
    rules.refuse_inactive = 0;
    assert_int_equal(policy_login(&rules, &s, &r), POLICY_ACCEPT);
}

static void test_sender_own_address(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_int_equal(policy_sender_address(&rules, &s, "<budi@smpn1.sch.id>", 0, NULL, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_sender_address(&rules, &s, "Budi@SMPN1.sch.id", 0, "From", &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_sender_address(&rules, &s, "<budi+tugas@smpn1.sch.id>", 0, NULL, &r),
                     POLICY_ACCEPT);
}

static void test_student_as_teacher_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_refused(policy_sender_address(&rules, &s, "<bu.sari@smpn1.sch.id>", 0, NULL, &r), &r,
                   "550", "5.7.1", "send-as");
    assert_non_null(strstr(r.en, "bu.sari@smpn1.sch.id"));
    assert_non_null(strstr(r.en, "budi@smpn1.sch.id"));
    assert_refused(policy_sender_address(&rules, &s, "bu.sari@smpn1.sch.id", 0, "From", &r), &r,
                   "550", "5.7.1", "send-as-header");
    assert_says(&r, "(header From)");
    assert_non_null(strstr(r.en, "(From header)"));
}

static void test_sender_outside_address_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_refused(policy_sender_address(&rules, &s, "<budi@gmail.com>", 0, NULL, &r), &r,
                   "550", "5.7.1", "send-as");
    assert_refused(policy_sender_address(&rules, &s, "<>", 0, NULL, &r), &r,
                   "550", "5.7.1", "send-as");
}

static void test_send_as_group(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("bu.sari", ROLE_TEACHER, "");
    (void)state;
    assert_int_equal(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 1, NULL, &r),
                     POLICY_ACCEPT);
    assert_refused(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 0, NULL, &r), &r,
                   "550", "5.7.1", "send-as");
    rules.send_as_groups = 0;
    assert_refused(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 1, NULL, &r), &r,
                   "550", "5.7.1", "send-as");
}

static void test_anonymous_school_sender(void **state)
{
    struct policy_reply r;
    (void)state;
    struct policy_sender anon, relay;
    memset(&anon, 0, sizeof(anon));
    memset(&relay, 0, sizeof(relay));
    relay.trusted_relay = 1;
    assert_refused(policy_anonymous_sender(&rules, &anon, "<guru@smpn1.sch.id>", NULL, &r), &r,
                   "550", "5.7.1", "login-required");
    assert_refused(policy_anonymous_sender(&rules, &anon, "guru@smpn1.sch.id", "Sender", &r), &r,
                   "550", "5.7.1", "login-required-header");
    /* A subdomain of the school is the school's too. */
    assert_refused(policy_anonymous_sender(&rules, &anon, "<tu@lab.smpn1.sch.id>", NULL, &r), &r,
                   "550", "5.7.1", "login-required");
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "<x@notsmpn1.sch.id>", NULL, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "<someone@gmail.com>", NULL, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "<>", NULL, &r), POLICY_ACCEPT);
    /* The ISP's relay named in trusted_relays may bring a school From. */
    assert_int_equal(policy_anonymous_sender(&rules, &relay, "<guru@smpn1.sch.id>", "From", &r),
                     POLICY_ACCEPT);
    rules.school_sender_needs_login = 0;
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "<guru@smpn1.sch.id>", NULL, &r),
                     POLICY_ACCEPT);
}

static void test_inside_recipient_always_fine(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage spent = {1000, 1000, 1LL << 30};
    (void)state;
    rules.external[ROLE_STUDENT] = 0;
    assert_int_equal(policy_recipient(&rules, &s, "<ani@smpn1.sch.id>", &spent, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_recipient(&rules, &s, "<kelas-7a@smpn1.sch.id>", &spent, &r),
                     POLICY_ACCEPT);
}

static void test_external_default_allowed(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_int_equal(policy_recipient(&rules, &s, "<kakak@gmail.com>", &none, &r),
                     POLICY_ACCEPT);
}

static void test_external_refused_per_role(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_sender t = person("bu.sari", ROLE_TEACHER, "");
    (void)state;
    rules.external[ROLE_STUDENT] = 0;
    assert_refused(policy_recipient(&rules, &s, "<kakak@gmail.com>", &none, &r), &r,
                   "550", "5.7.1", "external");
    assert_says(&r, "kelas 7A");
    assert_non_null(strstr(r.en, "kakak@gmail.com"));
    assert_int_equal(policy_recipient(&rules, &t, "<kakak@gmail.com>", &none, &r),
                     POLICY_ACCEPT);
}

static void test_external_per_class(void **state)
{
    struct policy_reply r;
    struct policy_sender s7 = person("budi", ROLE_STUDENT, "7A");
    struct policy_sender s9 = person("citra", ROLE_STUDENT, "9B");
    (void)state;
    surel_strlcpy(rules.refused_classes, "7A, 7B", sizeof(rules.refused_classes));
    assert_refused(policy_recipient(&rules, &s7, "<x@gmail.com>", &none, &r), &r,
                   "550", "5.7.1", "external");
    assert_int_equal(policy_recipient(&rules, &s9, "<x@gmail.com>", &none, &r), POLICY_ACCEPT);
    /* Students refused by role, but class 9B allowed. */
    rules.external[ROLE_STUDENT] = 0;
    rules.refused_classes[0] = '\0';
    surel_strlcpy(rules.allowed_classes, "9b", sizeof(rules.allowed_classes));
    assert_int_equal(policy_recipient(&rules, &s9, "<x@gmail.com>", &none, &r), POLICY_ACCEPT);
    assert_refused(policy_recipient(&rules, &s7, "<x@gmail.com>", &none, &r), &r,
                   "550", "5.7.1", "external");
}

static void test_external_person_override(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_sender t = person("pak.joko", ROLE_TEACHER, "");
    (void)state;
    rules.external[ROLE_STUDENT] = 0;
    s.person.external_mail = 1;
    assert_int_equal(policy_recipient(&rules, &s, "<x@gmail.com>", &none, &r), POLICY_ACCEPT);
    t.person.external_mail = 0;
    assert_refused(policy_recipient(&rules, &t, "<x@gmail.com>", &none, &r), &r,
                   "550", "5.7.1", "external");
}

static void test_external_allowed_domains(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    rules.external[ROLE_STUDENT] = 0;
    surel_strlcpy(rules.allowed_domains, "kemdikbud.go.id belajar.id",
                  sizeof(rules.allowed_domains));
    assert_int_equal(policy_recipient(&rules, &s, "<tugas@belajar.id>", &none, &r),
                     POLICY_ACCEPT);
    assert_refused(policy_recipient(&rules, &s, "<x@gmail.com>", &none, &r), &r,
                   "550", "5.7.1", "external");
}

static void test_daily_messages(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_sender a = person("root.admin", ROLE_ADMIN, "");
    struct policy_usage u19 = {19, 19, 0}, u20 = {5, 20, 0};
    (void)state;
    assert_int_equal(policy_recipient(&rules, &s, "<x@gmail.com>", &u19, &r), POLICY_ACCEPT);
    assert_refused(policy_recipient(&rules, &s, "<x@gmail.com>", &u20, &r), &r,
                   "550", "5.7.1", "daily-recipients");
    assert_non_null(strstr(r.en, "20 outside recipients a day"));
    assert_non_null(strstr(r.en, "0 left"));
    assert_says(&r, "besok");
    /* 0 is no limit (admin by default). */
    struct policy_usage lots = {100000, 100000, 0};
    assert_int_equal(policy_recipient(&rules, &a, "<x@gmail.com>", &lots, &r), POLICY_ACCEPT);
}

static void test_lists_from_outside(void **state)
{
    struct policy_reply r;
    struct policy_sender anon;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    memset(&anon, 0, sizeof(anon));
    assert_refused(policy_recipient(&rules, &anon, "<kelas-7a@smpn1.sch.id>", &none, &r), &r,
                   "550", "5.7.1", "list");
    assert_non_null(strstr(r.en, "kelas-7a@smpn1.sch.id"));
    assert_refused(policy_recipient(&rules, &anon, "<guru@smpn1.sch.id>", &none, &r), &r,
                   "550", "5.7.1", "list");
    assert_int_equal(policy_recipient(&rules, &anon, "<budi@smpn1.sch.id>", &none, &r),
                     POLICY_ACCEPT);
    /* From inside the school, lists are fine. */
    assert_int_equal(policy_recipient(&rules, &s, "<guru@smpn1.sch.id>", &none, &r),
                     POLICY_ACCEPT);
    rules.lists_from_outside = 1;
    assert_int_equal(policy_recipient(&rules, &anon, "<kelas-7a@smpn1.sch.id>", &none, &r),
                     POLICY_ACCEPT);
}

static void test_size_cap_outside_only(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("bu.sari", ROLE_TEACHER, "");
    (void)state;
    assert_int_equal(policy_message(&rules, &s, 512 * 1024, 1, &none, &r), POLICY_ACCEPT);
    assert_refused(policy_message(&rules, &s, 700 * 1024, 1, &none, &r), &r,
                   "552", "5.3.4", "size");
    assert_non_null(strstr(r.en, "700 KB"));
    assert_non_null(strstr(r.en, "512 KB"));
    assert_non_null(strstr(r.en, "slow and costly"));
    assert_says(&r, "lambat dan mahal");
    /* Inside mail is not capped. */
    assert_int_equal(policy_message(&rules, &s, 10 * 1024 * 1024, 0, &none, &r), POLICY_ACCEPT);
    rules.max_size = 0;
    assert_int_equal(policy_message(&rules, &s, 9 * 1024 * 1024, 1, &none, &r), POLICY_ACCEPT);
}

static void test_daily_bytes(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage used = {3, 3, 900 * 1024};
    (void)state;
    assert_int_equal(policy_message(&rules, &s, 100 * 1024, 1, &used, &r), POLICY_ACCEPT);
    assert_refused(policy_message(&rules, &s, 200 * 1024, 1, &used, &r), &r,
                   "550", "5.7.1", "daily-bytes");
    assert_non_null(strstr(r.en, "1 MB a day"));
    assert_non_null(strstr(r.en, "124 KB left"));
}

static void test_anonymous_mail_not_capped(void **state)
{
    struct policy_reply r;
    struct policy_sender anon;
    (void)state;
    memset(&anon, 0, sizeof(anon));
    assert_int_equal(policy_message(&rules, &anon, 50 * 1024 * 1024, 1, &none, &r),
                     POLICY_ACCEPT);
}

static void test_tempfail(void **state)
{
    struct policy_reply r;
    (void)state;
    policy_tempfail(&r, "roster unreadable");
    assert_refused(POLICY_TEMPFAIL, &r, "451", "4.3.0", "tempfail");
    assert_non_null(strstr(r.en, "roster unreadable"));
}

static void test_classify(void **state)
{
    char local[64];
    (void)state;
    assert_int_equal(policy_classify(&rules, "<>", "budi", local, sizeof(local)), ADDR_NULL);
    assert_int_equal(policy_classify(&rules, " <Budi+x@Smpn1.Sch.Id> ", "budi", local,
                                     sizeof(local)), ADDR_OWN);
    assert_string_equal(local, "budi");
    assert_int_equal(policy_classify(&rules, "kelas-7a@smpn1.sch.id", "budi", local,
                                     sizeof(local)), ADDR_SCHOOL);
    assert_string_equal(local, "kelas-7a");
    assert_int_equal(policy_classify(&rules, "budi@smpn1.sch.id.evil.com", "budi", local,
                                     sizeof(local)), ADDR_OUTSIDE);
    /* No domain: Postfix delivers it to this host's own users (aliases), not the roster. */
    assert_int_equal(policy_classify(&rules, "root", "budi", local, sizeof(local)),
                     ADDR_OUTSIDE);
    assert_int_equal(policy_classify(&rules, "<\"a b@c\"", "budi", local, sizeof(local)),
                     ADDR_INVALID);
    assert_true(policy_is_list("kelas-7a"));
    assert_true(policy_is_list("guru"));
    assert_true(policy_is_list("siswa"));
    assert_false(policy_is_list("kelas-"));
    assert_false(policy_is_list("budi"));
}

static void test_normal_login(void **state)
{
    char out[64];
    (void)state;
    policy_normal_login(&rules, "Budi@smpn1.sch.id", out, sizeof(out));
    assert_string_equal(out, "budi");
    policy_normal_login(&rules, "budi@other.id", out, sizeof(out));
    assert_string_equal(out, "budi@other.id");
}

/*
 * The spellings table.  Each address a rule judges can be written many
 * ways that Postfix delivers to the same place; every rule must give each
 * spelling the verdict of the plain form.  A new rule added to checks[]
 * below is tried against every spelling at once.
 */
#define NSPELL 24

/* Every way of writing local@domain in an envelope that Postfix takes as it. */
static int spellings(const char *local, const char *domain, char out[][POLICY_ADDR_MAX])
{
    char up_l[128], up_d[128];
    int n = 0;
    surel_strlcpy(up_l, local, sizeof(up_l));
    surel_strlcpy(up_d, domain, sizeof(up_d));
    for (char *p = up_l; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    for (char *p = up_d; *p; p++)
        *p = (char)toupper((unsigned char)*p);
#define S(...) snprintf(out[n++], POLICY_ADDR_MAX, __VA_ARGS__)
    S("<%s@%s>", local, domain);
    S("%s@%s", local, domain);
    S("<%s@%s.>", local, domain);                       /* trailing dot */
    S("<%s@%s..>", local, up_d);
    S("<%s@%s>", up_l, up_d);                           /* case */
    S("<\"%s\"@%s>", local, domain);                    /* quoted local part */
    S("<\"\\%s\"@%s>", local, domain);                  /* quoted pair inside */
    S("<\\%s@%s>", local, domain);                      /* quoted pair outside */
    S("<@a.example:%s@%s>", local, domain);             /* source route */
    S("<@a.example,@b.example:%s@%s.>", local, domain);
    S("< %s@%s >", local, domain);                      /* blanks */
    S("<%s(komentar)@%s>", local, domain);              /* comments */
    S("<%s@(x)%s(y)>", local, domain);
    S("<%s+tugas@%s>", local, domain);                  /* address extension */
    S("<\"%s+x\"@%s.>", up_l, domain);
#undef S
    return n;
}

/* The verdict and rule one check gives one address. */
struct outcome {
    int verdict;
    const char *rule;
};

typedef struct outcome check_fn(const char *addr);

static struct outcome outcome_of(int v, const struct policy_reply *r)
{
    struct outcome o = {v, r->rule};
    return o;
}

/* An outsider (no login) writes to the address. */
static struct outcome anon_rcpt(const char *addr)
{
    static struct policy_reply r;
    struct policy_sender anon;
    memset(&anon, 0, sizeof(anon));
    return outcome_of(policy_recipient(&rules, &anon, addr, &none, &r), &r);
}

/* An outsider (no login) uses the address as envelope sender. */
static struct outcome anon_from(const char *addr)
{
    static struct policy_reply r;
    struct policy_sender anon;
    memset(&anon, 0, sizeof(anon));
    return outcome_of(policy_sender_address(&rules, &anon, addr, 0, NULL, &r), &r);
}

/* budi (student, 7A, may not write outside here) uses it as envelope sender. */
static struct outcome budi_from(const char *addr)
{
    static struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    return outcome_of(policy_sender_address(&rules, &s, addr, 0, NULL, &r), &r);
}

/* budi writes to the address, his allowance used up. */
static struct outcome budi_rcpt(const char *addr)
{
    static struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage spent = {20, 20, 0};
    return outcome_of(policy_recipient(&rules, &s, addr, &spent, &r), &r);
}

/* budi puts the address in a From header ("Name <addr>"), parsed whole. */
static struct outcome budi_header(const char *addr)
{
    static struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct address_list l = {NULL, 0, 0};
    char value[POLICY_ADDR_MAX + 64], why[128];
    struct outcome o = {POLICY_ACCEPT, "ok"};
    snprintf(value, sizeof(value), "\"Budi, 7A\" %s%s%s", addr[0] == '<' ? "" : "<", addr,
             addr[0] == '<' ? "" : ">");
    if (address_header(value, &l, why, sizeof(why)) < 0) {
        o.verdict = -1;
        o.rule = "unreadable";
    }
    for (size_t i = 0; i < l.n && o.verdict == POLICY_ACCEPT; i++)
        o = outcome_of(policy_sender_address(&rules, &s, l.addr[i], 0, "From", &r), &r);
    address_list_free(&l);
    return o;
}

static void test_every_spelling_same_verdict(void **state)
{
    static check_fn *const checks[] = {anon_rcpt, anon_from, budi_from, budi_rcpt, budi_header};
    static const char *const addrs[][2] = {
        {"kelas-7a", "smpn1.sch.id"}, {"guru", "smpn1.sch.id"}, {"sari.wulandari", "smpn1.sch.id"},
        {"budi", "smpn1.sch.id"}, {"kakak", "gmail.com"}, {"tu", "lab.smpn1.sch.id"},
    };
    char sp[NSPELL][POLICY_ADDR_MAX];
    (void)state;
    rules.external[ROLE_STUDENT] = 0;
    for (size_t c = 0; c < sizeof(checks) / sizeof(checks[0]); c++) {
        for (size_t a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++) {
            int n = spellings(addrs[a][0], addrs[a][1], sp);
            struct outcome plain = checks[c](sp[0]);
            for (int i = 1; i < n; i++) {
                struct outcome o = checks[c](sp[i]);
                if (o.verdict != plain.verdict || strcmp(o.rule, plain.rule) != 0)
                    fail_msg("check %zu: %s gives %d/%s, but %s gives %d/%s", c, sp[i],
                             o.verdict, o.rule, sp[0], plain.verdict, plain.rule);
            }
        }
    }
    /* The plain forms themselves get what the rules say. */
    assert_int_equal(anon_rcpt("<kelas-7a@smpn1.sch.id>").verdict, POLICY_REJECT);
    assert_int_equal(anon_from("<sari.wulandari@smpn1.sch.id>").verdict, POLICY_REJECT);
    assert_int_equal(anon_from("<tu@lab.smpn1.sch.id>").verdict, POLICY_REJECT);
    assert_int_equal(budi_from("<sari.wulandari@smpn1.sch.id>").verdict, POLICY_REJECT);
    assert_int_equal(budi_from("<budi@smpn1.sch.id>").verdict, POLICY_ACCEPT);
    assert_int_equal(budi_rcpt("<kakak@gmail.com>").verdict, POLICY_REJECT);
    assert_int_equal(budi_rcpt("<ani@smpn1.sch.id>").verdict, POLICY_ACCEPT);
    assert_int_equal(budi_header("<sari.wulandari@smpn1.sch.id>").verdict, POLICY_REJECT);
}

/* Postfix has the percent hack and bang paths off; lists are closed to them anyway. */
static void test_routed_list_addresses(void **state)
{
    (void)state;
    assert_string_equal(anon_rcpt("<kelas-7a%smpn1.sch.id@localhost>").rule, "list");
    assert_string_equal(anon_rcpt("<smpn1.sch.id!kelas-7a@localhost>").rule, "list");
    assert_string_equal(anon_rcpt("<\"kelas-7a@smpn1.sch.id\"@localhost>").rule, "list");
    assert_string_equal(anon_rcpt("<kelas-7a>").rule, "list");
    assert_string_equal(anon_rcpt("<budi%smpn1.sch.id@localhost>").rule, "ok");
}

/* Unicode that Postfix folds or a mail program hides cannot stand in for ASCII. */
static void test_unicode_spellings(void **state)
{
    struct policy_reply r;
    struct policy_sender anon, s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    memset(&anon, 0, sizeof(anon));
    /* U+212A KELVIN SIGN and U+017F LONG S fold to k and s in Postfix's lookups. */
    assert_refused(policy_recipient(&rules, &anon, "<\xe2\x84\xaa" "elas-7a@smpn1.sch.id>", &none,
                                    &r), &r, "550", "5.1.3", "address-syntax");
    assert_refused(policy_recipient(&rules, &s, "<\xc5\xbfiswa@smpn1.sch.id>", &none, &r), &r,
                   "550", "5.1.3", "address-syntax");
    /* A zero-width space, a soft hyphen, a Cyrillic s, a fullwidth stop. */
    static const char *const looks[] = {
        "sari@smpn1.sch.id\xe2\x80\x8b", "sari@smpn1.s\xc2\xad" "ch.id",
        "sari@\xd1\x95mpn1.sch.id", "sari@smpn1\xef\xbc\x8esch.id",
        "sari@lab.smpn1.sch.id\xe2\x80\x8d", "\"sari@smpn1.sch.id\"@example.org",
    };
    for (size_t i = 0; i < sizeof(looks) / sizeof(looks[0]); i++)
        if (policy_anonymous_sender(&rules, &anon, looks[i], "From", &r) != POLICY_REJECT)
            fail_msg("%s was not taken for the school's address", looks[i]);
    /* Other Unicode domains are not the school's. */
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "teman@m\xc3\xbcnchen.de", "From",
                                             &r), POLICY_ACCEPT);
    assert_int_equal(policy_anonymous_sender(&rules, &anon, "teman@smpn2.sch.id", "From", &r),
                     POLICY_ACCEPT);
    assert_refused(policy_no_from(&s, &r), &r, "550", "5.7.1", "from-missing");
}

/* Four outside recipients in one message use four of the allowance. */
static void test_allowance_counts_recipients(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage u = {0, 0, 0};
    (void)state;
    rules.daily_recipients[ROLE_STUDENT] = 3;
    for (int i = 0; i < 3; i++) {
        u.recipients = i;               /* the milter adds the message's own */
        assert_int_equal(policy_recipient(&rules, &s, "<x@gmail.com>", &u, &r), POLICY_ACCEPT);
    }
    u.recipients = 3;
    assert_refused(policy_recipient(&rules, &s, "<y@gmail.com>", &u, &r), &r, "550", "5.7.1",
                   "daily-recipients");
    assert_non_null(strstr(r.en, "3 outside recipients a day for students, 3 used, 0 left"));
    assert_says(&r, "sisa 0");
    /* At end of message: another connection used the allowance meanwhile. */
    u.recipients = 2;
    assert_refused(policy_message(&rules, &s, 1000, 2, &u, &r), &r, "550", "5.7.1",
                   "daily-recipients");
    assert_int_equal(policy_message(&rules, &s, 1000, 1, &u, &r), POLICY_ACCEPT);
}

static void test_trusted_client(void **state)
{
    (void)state;
    surel_strlcpy(rules.trusted_relays, "203.0.113.25, 198.51.100.0/24 2001:db8::/32",
                  sizeof(rules.trusted_relays));
    assert_true(policy_trusted_client(&rules, "203.0.113.25"));
    assert_false(policy_trusted_client(&rules, "203.0.113.26"));
    assert_true(policy_trusted_client(&rules, "198.51.100.200"));
    assert_false(policy_trusted_client(&rules, "198.51.101.1"));
    assert_true(policy_trusted_client(&rules, "IPv6:2001:db8::7"));
    assert_false(policy_trusted_client(&rules, "2001:db9::7"));
    assert_false(policy_trusted_client(&rules, NULL));
    assert_false(policy_trusted_client(&rules, "bukan-alamat"));
    rules.trusted_relays[0] = '\0';
    assert_false(policy_trusted_client(&rules, "203.0.113.25"));
}

/* A header that cannot be read is refused, naming the header. */
static void test_bad_header_reply(void **state)
{
    struct policy_reply r;
    (void)state;
    assert_refused(policy_bad_header("From", "a quote opens and is never closed", &r), &r,
                   "550", "5.7.1", "header-syntax");
    assert_non_null(strstr(r.en, "The From header cannot be read (a quote opens"));
    assert_refused(policy_too_many_senders(1000, &r), &r, "550", "5.7.1", "too-many-senders");
}

#define T(f) cmocka_unit_test_setup(f, setup)

/* Every refusal at its longest arguments still fits one reply line whole. */
static void test_replies_fit(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("muhammad.rizky.pratama.putra", ROLE_STUDENT, "7A");
    char addr[512], ld[POLICY_DOMAIN_MAX];
    struct policy_usage u = {1000000, 1000000, 1000000000};
    (void)state;
    /* A long real school domain; addresses are cut at 200 characters in the texts. */
    strcpy(ld, "smp-negeri-1-contoh-kabupaten-panjang.sch.id");
    surel_strlcpy(rules.domain, ld, sizeof(rules.domain));
    memset(addr, 'x', 200);
    strcpy(addr + 200, "@example.com");
    rules.external[ROLE_STUDENT] = 0;
    rules.daily_recipients[ROLE_TEACHER] = 1000000;
    policy_sender_address(&rules, &s, addr, 0, "Resent-Sender", &r);
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
    policy_recipient(&rules, &s, addr, &none, &r);
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
    s.authenticated = 0;
    snprintf(addr, sizeof(addr), "%0200d@%s", 0, ld);
    policy_anonymous_sender(&rules, &s, addr, "Resent-Sender", &r);
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
    s = person("muhammad.rizky.pratama.putra", ROLE_TEACHER, "");
    policy_recipient(&rules, &s, "<x@example.com>", &u, &r);
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
    policy_message(&rules, &s, 999LL * 1024 * 1024 + 1, 1, &none, &r);
    assert_smtp_line(&r);
    policy_bad_header("Resent-Sender", "a group (name:) without its closing semicolon", &r);
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
    policy_tempfail(&r, "usage counters unwritable");
    assert_smtp_line(&r);
    assert_true(strlen(r.text) < POLICY_TEXT_MAX - 1);
}

int main(void)
{
    const char *lang = getenv("SUREL_TEST_LANGUAGE");
    lang_id = lang == NULL || strcmp(lang, "en") != 0;
    surel_i18n_init();
    if (surel_i18n_language(lang_id ? "id" : "en") < 0) {
        fprintf(stderr, "test_policy: no locale in which gettext follows LANGUAGE\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        T(test_login_active_accepted), T(test_login_suspended_refused),
        T(test_login_graduated_refused), T(test_login_unknown_refused),
        T(test_login_inactive_allowed_when_configured), T(test_sender_own_address),
        T(test_student_as_teacher_refused), T(test_sender_outside_address_refused),
        T(test_send_as_group), T(test_anonymous_school_sender),
        T(test_inside_recipient_always_fine), T(test_external_default_allowed),
        T(test_external_refused_per_role), T(test_external_per_class),
        T(test_external_person_override), T(test_external_allowed_domains),
        T(test_daily_messages), T(test_lists_from_outside), T(test_size_cap_outside_only),
        T(test_daily_bytes), T(test_anonymous_mail_not_capped), T(test_tempfail),
        T(test_classify), T(test_normal_login), T(test_every_spelling_same_verdict),
        T(test_routed_list_addresses), T(test_allowance_counts_recipients),
        T(test_trusted_client), T(test_bad_header_reply), T(test_unicode_spellings),
        T(test_replies_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
