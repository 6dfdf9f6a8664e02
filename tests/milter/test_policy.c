/*
 * NAME
 *	test_policy - unit tests of surel-milter's decisions (milter/policy.c)
 * DESCRIPTION
 *	Every rule of [policy], called directly with the facts the milter
 *	would gather: who is logged in, what the roster says, the address,
 *	the day's usage.  Each test checks the verdict, the SMTP and
 *	enhanced codes (same class), and that the reply says the rule in
 *	both languages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"
#include "util.h"

static struct policy_rules rules;
static const struct policy_usage none = {0, 0};

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
    rules.daily_messages[ROLE_STUDENT] = 20;
    rules.daily_bytes[ROLE_STUDENT] = 1024 * 1024;
    rules.daily_messages[ROLE_TEACHER] = 100;
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
    assert_true(strlen(r->id) > 20);
    assert_true(strlen(r->en) > 20);
    assert_null(strchr(r->id, '\n'));
    assert_null(strchr(r->en, '\n'));
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
    assert_non_null(strstr(r.id, "ditangguhkan"));
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
    assert_int_equal(policy_sender_address(&rules, &s, "<budi@smpn1.sch.id>", 0, 0, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_sender_address(&rules, &s, "Budi@SMPN1.sch.id", 0, 1, &r),
                     POLICY_ACCEPT);
    assert_int_equal(policy_sender_address(&rules, &s, "<budi+tugas@smpn1.sch.id>", 0, 0, &r),
                     POLICY_ACCEPT);
}

static void test_student_as_teacher_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_refused(policy_sender_address(&rules, &s, "<bu.sari@smpn1.sch.id>", 0, 0, &r), &r,
                   "550", "5.7.1", "send-as");
    assert_non_null(strstr(r.en, "bu.sari@smpn1.sch.id"));
    assert_non_null(strstr(r.en, "budi@smpn1.sch.id"));
    assert_refused(policy_sender_address(&rules, &s, "bu.sari@smpn1.sch.id", 0, 1, &r), &r,
                   "550", "5.7.1", "send-as-header");
    assert_non_null(strstr(r.id, "kepala From"));
}

static void test_sender_outside_address_refused(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    (void)state;
    assert_refused(policy_sender_address(&rules, &s, "<budi@gmail.com>", 0, 0, &r), &r,
                   "550", "5.7.1", "send-as");
    assert_refused(policy_sender_address(&rules, &s, "<>", 0, 0, &r), &r,
                   "550", "5.7.1", "send-as");
}

static void test_send_as_group(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("bu.sari", ROLE_TEACHER, "");
    (void)state;
    assert_int_equal(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 1, 0, &r),
                     POLICY_ACCEPT);
    assert_refused(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 0, 0, &r), &r,
                   "550", "5.7.1", "send-as");
    rules.send_as_groups = 0;
    assert_refused(policy_sender_address(&rules, &s, "<osis@smpn1.sch.id>", 1, 0, &r), &r,
                   "550", "5.7.1", "send-as");
}

static void test_anonymous_school_sender(void **state)
{
    struct policy_reply r;
    (void)state;
    assert_refused(policy_anonymous_sender(&rules, "<guru@smpn1.sch.id>", &r), &r,
                   "550", "5.7.1", "login-required");
    assert_int_equal(policy_anonymous_sender(&rules, "<someone@gmail.com>", &r), POLICY_ACCEPT);
    assert_int_equal(policy_anonymous_sender(&rules, "<>", &r), POLICY_ACCEPT);
    rules.school_sender_needs_login = 0;
    assert_int_equal(policy_anonymous_sender(&rules, "<guru@smpn1.sch.id>", &r), POLICY_ACCEPT);
}

static void test_inside_recipient_always_fine(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage spent = {1000, 1LL << 30};
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
    assert_non_null(strstr(r.id, "kelas 7A"));
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
    struct policy_usage u19 = {19, 0}, u20 = {20, 0};
    (void)state;
    assert_int_equal(policy_recipient(&rules, &s, "<x@gmail.com>", &u19, &r), POLICY_ACCEPT);
    assert_refused(policy_recipient(&rules, &s, "<x@gmail.com>", &u20, &r), &r,
                   "550", "5.7.1", "daily-messages");
    assert_non_null(strstr(r.en, "20 messages a day"));
    assert_non_null(strstr(r.id, "besok"));
    /* 0 is no limit (admin by default). */
    struct policy_usage lots = {100000, 0};
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
    assert_non_null(strstr(r.id, "lambat dan mahal"));
    /* Inside mail is not capped. */
    assert_int_equal(policy_message(&rules, &s, 10 * 1024 * 1024, 0, &none, &r), POLICY_ACCEPT);
    rules.max_size = 0;
    assert_int_equal(policy_message(&rules, &s, 9 * 1024 * 1024, 1, &none, &r), POLICY_ACCEPT);
}

static void test_daily_bytes(void **state)
{
    struct policy_reply r;
    struct policy_sender s = person("budi", ROLE_STUDENT, "7A");
    struct policy_usage used = {3, 900 * 1024};
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
    assert_int_equal(policy_classify(&rules, "budi", "budi", local, sizeof(local)),
                     ADDR_OUTSIDE);
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

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
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
        T(test_classify), T(test_normal_login),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
