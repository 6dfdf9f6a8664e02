/*
 * NAME
 *	test_rupiah 1
 * SUMMARY
 *	unit tests: Rupiah written the Indonesian way, whatever the locale
 */
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "rupiah.h"

/* Format amount into a buffer and compare. */
static void expect(long long amount, const char *want)
{
    char buf[RUPIAH_LEN];
    assert_string_equal(rupiah_format(amount, buf, sizeof(buf)), want);
}

static void groups_thousands_with_dots(void **state)
{
    (void)state;
    expect(0, "Rp 0");
    expect(7, "Rp 7");
    expect(999, "Rp 999");
    expect(1000, "Rp 1.000");
    expect(12450, "Rp 12.450");
    expect(100000, "Rp 100.000");
    expect(1234567, "Rp 1.234.567");
    expect(1000000000, "Rp 1.000.000.000");
}

static void negative_amounts_put_the_minus_first(void **state)
{
    (void)state;
    expect(-1, "-Rp 1");
    expect(-2500, "-Rp 2.500");
    expect(-999999, "-Rp 999.999");
    expect(LLONG_MAX, "Rp 9.223.372.036.854.775.807");
    expect(LLONG_MIN, "-Rp 9.223.372.036.854.775.808");
}

static void the_locale_changes_nothing(void **state)
{
    (void)state;
    static const char *const locales[] = {"C", "C.UTF-8", "en_US.UTF-8", "id_ID.UTF-8",
                                          "de_DE.UTF-8"};
    for (size_t i = 0; i < sizeof(locales) / sizeof(*locales); i++) {
        if (setlocale(LC_ALL, locales[i]) == NULL)
            continue;           /* not installed here */
        expect(1234567, "Rp 1.234.567");
        expect(-1000, "-Rp 1.000");
    }
    setlocale(LC_ALL, "C");
}

static void a_short_buffer_is_cut_not_overrun(void **state)
{
    (void)state;
    char buf[6];
    memset(buf, 'x', sizeof(buf));
    assert_string_equal(rupiah_format(1234567, buf, sizeof(buf)), "Rp 1.");
}

static void shares_round_up(void **state)
{
    (void)state;
    assert_int_equal(rupiah_share(0, 30), 0);
    assert_int_equal(rupiah_share(330, 30), 11);
    assert_int_equal(rupiah_share(331, 30), 12);    /* a partial Rupiah counts whole */
    assert_int_equal(rupiah_share(29, 30), 1);
    assert_int_equal(rupiah_share(-60, 30), -2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups_thousands_with_dots),
        cmocka_unit_test(negative_amounts_put_the_minus_first),
        cmocka_unit_test(the_locale_changes_nothing),
        cmocka_unit_test(a_short_buffer_is_cut_not_overrun),
        cmocka_unit_test(shares_round_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
