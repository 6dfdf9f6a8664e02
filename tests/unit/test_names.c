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

/* Names are cut, if ever, between characters, and the full length is returned. */
static void test_name_normalize_boundary(void **state)
{
    char out[8], big[400], in[400];
    (void)state;
    assert_int_equal(surel_name_normalize("  Siti \t Nur\r\n", big, sizeof(big)), 8);
    assert_string_equal(big, "Siti Nur");
    /* "ééé é": 3 two-byte letters fit in 7 bytes, the 4th would be cut in half */
    assert_int_equal(surel_name_normalize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof(out)), 8);
    assert_string_equal(out, "\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_int_equal(surel_name_normalize("ab \xe2\x82\xac", out, 5), 6);
    assert_string_equal(out, "ab");                 /* no half euro sign, no trailing blank */
    /* 300 bytes of three-byte characters into a 256-byte buffer: valid UTF-8, 255 at most */
    in[0] = '\0';
    for (int i = 0; i < 100; i++)
        strcat(in, "\xe4\xb8\xad");
    assert_int_equal(surel_name_normalize(in, big, 256), 300);
    assert_true(surel_utf8_valid(big));
    assert_int_equal(strlen(big), 255);
}

/* Control characters and text-direction controls are refused, with the code point. */
static void test_name_check(void **state)
{
    char why[200];
    (void)state;
    assert_int_equal(surel_name_check("Ni Made Ay\xc3\xba W\xc3\xa9" "dari", why, sizeof(why)), 0);
    assert_int_equal(surel_name_check("Budi\tSantoso\r\n", why, sizeof(why)), 0);
    const char *bad[] = {"Budi\x1b[31m", "Bu\x07" "di", "Budi\x7f", "Bu\xc2\x85" "di",
                         "Bu\xc2\x9b" "di", "\xe2\x80\xae" "idub", "Budi\xe2\x81\xa6",
                         "Budi\xe2\x80\x8f", "Sit\xed", NULL};
    const char *code[] = {"U+001B", "U+0007", "U+007F", "U+0085", "U+009B", "U+202E", "U+2066",
                          "U+200F", "not UTF-8"};
    for (int i = 0; bad[i] != NULL; i++) {
        assert_int_equal(surel_name_check(bad[i], why, sizeof(why)), -1);
        if (strstr(why, code[i]) == NULL)
            fail_msg("name %d: \"%s\" lacks %s", i, why, code[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_username_base), cmocka_unit_test(test_translit),
        cmocka_unit_test(test_username_length), cmocka_unit_test(test_reserved),
        cmocka_unit_test(test_login_normalize), cmocka_unit_test(test_class_normalize),
        cmocka_unit_test(test_utf8), cmocka_unit_test(test_name_normalize_boundary),
        cmocka_unit_test(test_name_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
