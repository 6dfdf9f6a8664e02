/*
 * NAME
 *	test_ratelimit - unit tests of surel-mxd's lockout after refusals
 * DESCRIPTION
 *	Times are passed in, so the windows are exercised without waiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "ratelimit.h"

static void test_lockout_after_max_failures(void **state)
{
    struct mxd_rate rl;
    (void)state;
    assert_int_equal(mxd_rate_init(&rl, 16, 3, 600, 900), 0);
    assert_int_equal(mxd_rate_fail(&rl, "addr 203.0.113.30", 1000), 0);
    assert_int_equal(mxd_rate_fail(&rl, "addr 203.0.113.30", 1001), 0);
    assert_false(mxd_rate_locked(&rl, "addr 203.0.113.30", 1002));
    assert_int_equal(mxd_rate_fail(&rl, "addr 203.0.113.30", 1002), 1);
    assert_true(mxd_rate_locked(&rl, "addr 203.0.113.30", 1003));
    assert_false(mxd_rate_locked(&rl, "addr 192.0.2.10", 1003));   /* others unaffected */
    assert_true(mxd_rate_locked(&rl, "addr 203.0.113.30", 1002 + 899));
    assert_false(mxd_rate_locked(&rl, "addr 203.0.113.30", 1002 + 900));
    mxd_rate_free(&rl);
}

static void test_window_expires(void **state)
{
    struct mxd_rate rl;
    (void)state;
    assert_int_equal(mxd_rate_init(&rl, 16, 3, 600, 900), 0);
    mxd_rate_fail(&rl, "login school2", 1000);
    mxd_rate_fail(&rl, "login school2", 1100);
    /* the third refusal comes after the window: counting starts again */
    assert_int_equal(mxd_rate_fail(&rl, "login school2", 1600), 0);
    assert_false(mxd_rate_locked(&rl, "login school2", 1601));
    mxd_rate_fail(&rl, "login school2", 1700);
    assert_int_equal(mxd_rate_fail(&rl, "login school2", 1800), 1);
    mxd_rate_free(&rl);
}

static void test_full_table_keeps_lockouts(void **state)
{
    struct mxd_rate rl;
    char key[64];
    (void)state;
    assert_int_equal(mxd_rate_init(&rl, 4, 2, 600, 900), 0);
    mxd_rate_fail(&rl, "addr locked", 999);
    assert_int_equal(mxd_rate_fail(&rl, "addr locked", 1000), 1);
    /* a prober spraying addresses does not push the lockout out of the table */
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof(key), "addr 198.51.100.%d", i);
        mxd_rate_fail(&rl, key, 1001 + i);
        assert_true(rl.n <= 4);
    }
    assert_true(mxd_rate_locked(&rl, "addr locked", 1100));
    mxd_rate_free(&rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockout_after_max_failures),
        cmocka_unit_test(test_window_expires),
        cmocka_unit_test(test_full_table_keeps_lockouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
