/*
 * test_names: usernames, transliteration, logins and class names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "names.h"

static void expect_base(const char *name, const char *want)
{
    char out[64];
    surel_username_base(name, out, sizeof(out));
    if (strcmp(out, want) != 0)
        fail_msg("username of \"%s\": got \"%s\", want \"%s\"", name, out, want);
}

/* Single words stay whole; longer names become first.last. */
static void test_username_base(void **state)
{
    (void)state;
    expect_base("Budi", "budi");
    expect_base("  Siti   Nurhaliza ", "siti.nurhaliza");
    expect_base("Muhammad Rizky Pratama", "muhammad.pratama");
    expect_base("Anak-Agung", "anak.agung");
    expect_base("Ma'ruf Amin", "maruf.amin");
    expect_base("Drs. Sutrisno, M.Pd.", "sutrisno");
    expect_base("Sri Wahyuni, S.Pd.", "sri.wahyuni");
    expect_base("Hj. Aminah", "aminah");
    expect_base("Dr", "dr");
    expect_base("東京", "user");
    expect_base("", "user");
}

/* Accents are dropped, not the letters that carry them. */
static void test_translit(void **state)
{
    char out[64];
    (void)state;
    surel_translit("Élodie Müller-Straße", out, sizeof(out));
    assert_string_equal(out, "elodie muller strasse");
    surel_translit("Łukasz Ærø", out, sizeof(out));
    assert_string_equal(out, "lukasz aero");
    surel_translit("Nur\xc2\xa0" "Aini", out, sizeof(out));  /* no-break space separates */
    assert_string_equal(out, "nur aini");
}

/* Long names are cut to the limit, keeping both parts. */
static void test_username_length(void **state)
{
    char out[64];
    (void)state;
    surel_username_base("Bartholomeuskristoforus Wicaksonoadiningrat", out, sizeof(out));
    assert_true(strlen(out) <= SUREL_USERNAME_BASE_MAX);
    assert_non_null(strchr(out, '.'));
    assert_true(surel_username_valid(out));
}

static void test_reserved(void **state)
{
    (void)state;
    assert_true(surel_username_reserved("postmaster"));
    assert_true(surel_username_reserved("mailer-daemon"));
    assert_true(surel_username_reserved("guru"));
    assert_true(surel_username_reserved("kelas-7a"));
    assert_true(surel_username_reserved("admin"));
    assert_false(surel_username_reserved("budi"));
}

/* "Budi", "budi" and "budi@domain" are one login; other domains are not. */
static void test_login_normalize(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(surel_login_normalize("Budi", "smpn1.sch.id", out, sizeof(out)), 0);
    assert_string_equal(out, "budi");
    assert_int_equal(surel_login_normalize("BUDI@SMPN1.sch.id", "smpn1.sch.id", out, sizeof(out)), 0);
    assert_string_equal(out, "budi");
    assert_int_equal(surel_login_normalize("budi@other.sch.id", "smpn1.sch.id", out, sizeof(out)), -1);
    assert_int_equal(surel_login_normalize("bu di", "smpn1.sch.id", out, sizeof(out)), -1);
    assert_int_equal(surel_login_normalize("../etc", "smpn1.sch.id", out, sizeof(out)), -1);
}

static void test_class_normalize(void **state)
{
    char out[32];
    (void)state;
    assert_int_equal(surel_class_normalize("7a", out, sizeof(out)), 0);
    assert_string_equal(out, "7A");
    assert_int_equal(surel_class_normalize(" xii  ipa 1 ", out, sizeof(out)), 0);
    assert_string_equal(out, "XII-IPA-1");
    assert_int_equal(surel_class_normalize("7A;drop", out, sizeof(out)), -1);
    assert_int_equal(surel_class_normalize("", out, sizeof(out)), -1);
    assert_int_equal(surel_class_normalize("ABCDEFGHIJKLMNOPQ", out, sizeof(out)), -1);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(surel_utf8_valid("Sití"));
    assert_false(surel_utf8_valid("Sit\xed"));          /* Latin-1, not UTF-8 */
    assert_false(surel_utf8_valid("\xc0\xaf"));         /* overlong */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username_base), cmocka_unit_test(test_translit),
        cmocka_unit_test(test_username_length), cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_login_normalize), cmocka_unit_test(test_class_normalize),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
