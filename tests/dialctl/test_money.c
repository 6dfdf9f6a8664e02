/*
 * NAME
 *	test_money 1
 * SUMMARY
 *	unit tests: tariff rounding and the monthly budget
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "budget.h"
#include "tariff.h"

/* A phone line: Rp 165 a minute, billed per started minute, Rp 250 a call. */
static const struct tariff phone = {165, 60, 0, 1, 250};
/* Mobile data: Rp 10,000 per MB, billed per started KB. */
static const struct tariff mobile = {0, 1, 10000, 1024, 0};

static void phone_rounds_up_to_billing_units(void **state)
{
    (void)state;
    assert_int_equal(tariff_billed_seconds(&phone, 0), 0);
    assert_int_equal(tariff_billed_seconds(&phone, 1), 60);
    assert_int_equal(tariff_billed_seconds(&phone, 60), 60);
    assert_int_equal(tariff_billed_seconds(&phone, 61), 120);
    assert_int_equal(tariff_cost(&phone, 0, 0), 0);          /* never connected */
    assert_int_equal(tariff_cost(&phone, 1, 5000), 250 + 165);
    assert_int_equal(tariff_cost(&phone, 61, 0), 250 + 330);
    struct tariff halfmin = {165, 30, 0, 1, 0};               /* Rp 82.5 per 30 s */
    assert_int_equal(tariff_cost(&halfmin, 31, 0), 165);
    assert_int_equal(tariff_cost(&halfmin, 29, 0), 83);      /* partial Rupiah rounds up */
}

static void mobile_bills_started_data_units(void **state)
{
    (void)state;
    assert_int_equal(tariff_billed_bytes(&mobile, 1), 1024);
    assert_int_equal(tariff_billed_bytes(&mobile, 1025), 2048);
    assert_int_equal(tariff_cost(&mobile, 100, TARIFF_MB), 10000);
    /* 1 KB at Rp 10,000/MB is Rp 9.77: Rp 10. */
    assert_int_equal(tariff_cost(&mobile, 100, 1), 10);
    assert_int_equal(tariff_cost(&mobile, 100, 0), 0);
}

static void start_refused_when_smallest_session_breaks_cap(void **state)
{
    (void)state;
    const char *why;
    struct budget money = {10000, -1}, minutes = {-1, 30}, none = {-1, -1};
    struct budget_used u = {9585, 0};
    assert_true(budget_may_start(&money, &phone, &u, &why));   /* 9585 + 415 = 10000 */
    u.money = 9586;
    assert_false(budget_may_start(&money, &phone, &u, &why));
    assert_non_null(strstr(why, "Rupiah"));
    struct budget_used m = {0, 29 * 60};
    assert_true(budget_may_start(&minutes, &phone, &m, &why));
    m.seconds = 30 * 60;
    assert_false(budget_may_start(&minutes, &phone, &m, &why));
    assert_non_null(strstr(why, "minutes"));
    struct budget_used huge = {1000000000, 1000000};
    assert_true(budget_may_start(&none, &phone, &huge, &why));
}

static void session_cut_before_the_cap_is_crossed(void **state)
{
    (void)state;
    const char *why;
    struct budget money = {1000, -1};
    struct budget_used u = {0, 0};
    /* Rp 1000 buys the call (250) and 4 minutes (660): a fifth would cost 1075. */
    assert_false(budget_must_cut(&money, &phone, &u, 200, 0, 10, &why));
    assert_false(budget_must_cut(&money, &phone, &u, 230, 0, 10, &why));
    assert_true(budget_must_cut(&money, &phone, &u, 231, 0, 10, &why));
    struct budget data = {10000, -1};
    assert_false(budget_must_cut(&data, &mobile, &u, 5, TARIFF_MB - 1024, 0, &why));
    assert_true(budget_must_cut(&data, &mobile, &u, 5, TARIFF_MB + 1, 0, &why));
    assert_int_equal(budget_money_left(&money, &(struct budget_used){400, 0}), 600);
    assert_int_equal(budget_money_left(&money, &(struct budget_used){1400, 0}), 0);
    assert_int_equal(budget_seconds_left(&money, &u), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phone_rounds_up_to_billing_units),
        cmocka_unit_test(mobile_bills_started_data_units),
        cmocka_unit_test(start_refused_when_smallest_session_breaks_cap),
        cmocka_unit_test(session_cut_before_the_cap_is_crossed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
