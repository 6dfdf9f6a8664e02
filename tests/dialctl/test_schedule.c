/*
 * NAME
 *	test_schedule 1
 * SUMMARY
 *	unit tests: schedule parsing and the next time it fires
 * DESCRIPTION
 *	Runs in TZ=Asia/Jakarta (UTC+7, no daylight saving), the time
 *	zone of the schools this is for, so that local times are checked
 *	against known Unix times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "schedule.h"

/* Unix time of a local (UTC+7) date and time. */
static long long at(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_isdst = -1;
    return (long long)mktime(&tm);
}

static void parses_days_and_times(void **state)
{
    (void)state;
    struct schedule s;
    char why[200];
    assert_int_equal(schedule_parse("Mon-Sat 08:00 13:00; Sun 10:00", &s, why, sizeof(why)), 0);
    assert_int_equal(s.n[0], 1);               /* Sunday */
    assert_int_equal(s.minute[0][0], 600);
    for (int d = 1; d <= 6; d++) {
        assert_int_equal(s.n[d], 2);
        assert_int_equal(s.minute[d][0], 480);
        assert_int_equal(s.minute[d][1], 780);
    }
}

static void indonesian_names_lists_and_wrap(void **state)
{
    (void)state;
    struct schedule s;
    char why[200];
    assert_int_equal(schedule_parse("Sen,Rab,Jum 07:30", &s, why, sizeof(why)), 0);
    assert_int_equal(s.n[1] + s.n[3] + s.n[5], 3);
    assert_int_equal(s.n[2] + s.n[4] + s.n[6] + s.n[0], 0);
    assert_int_equal(schedule_parse("Sat-Mon 12:00", &s, why, sizeof(why)), 0);
    assert_int_equal(s.n[6] + s.n[0] + s.n[1], 3);
    assert_int_equal(s.n[2], 0);
    assert_int_equal(schedule_parse("daily 13:00,08:00 08:00", &s, why, sizeof(why)), 0);
    assert_int_equal(s.n[4], 2);               /* sorted, duplicate dropped */
    assert_int_equal(s.minute[4][0], 480);
}

static void rejects_bad_input_naming_it(void **state)
{
    (void)state;
    struct schedule s;
    char why[200];
    assert_int_equal(schedule_parse("Mon-Sat 25:00", &s, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "25:00"));
    assert_int_equal(schedule_parse("Funday 08:00", &s, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "Funday"));
    assert_int_equal(schedule_parse("08:00 Mon", &s, why, sizeof(why)), -1);
    assert_int_equal(schedule_parse("Mon", &s, why, sizeof(why)), -1);
    assert_true(schedule_empty(&s));
}

static void next_firing_walks_the_week(void **state)
{
    (void)state;
    struct schedule s;
    char why[200];
    assert_int_equal(schedule_parse("Mon-Sat 08:00 13:00", &s, why, sizeof(why)), 0);
    /* 2026-11-23 is a Monday. */
    assert_int_equal(schedule_next(&s, at(2026, 11, 23, 7, 0)), at(2026, 11, 23, 8, 0));
    assert_int_equal(schedule_next(&s, at(2026, 11, 23, 8, 0)), at(2026, 11, 23, 13, 0));
    assert_int_equal(schedule_next(&s, at(2026, 11, 23, 12, 59)), at(2026, 11, 23, 13, 0));
    assert_int_equal(schedule_next(&s, at(2026, 11, 23, 14, 0)), at(2026, 11, 24, 8, 0));
    /* Saturday afternoon: nothing on Sunday, next is Monday 08:00. */
    assert_int_equal(schedule_next(&s, at(2026, 11, 28, 13, 30)), at(2026, 11, 30, 8, 0));
    /* Across a month and a year end. */
    assert_int_equal(schedule_next(&s, at(2026, 12, 31, 20, 0)), at(2027, 1, 1, 8, 0));
    assert_int_equal(schedule_parse("", &s, why, sizeof(why)), 0);
    assert_int_equal(schedule_next(&s, at(2026, 11, 23, 7, 0)), -1);
}

int main(void)
{
    setenv("TZ", "Asia/Jakarta", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_days_and_times),
        cmocka_unit_test(indonesian_names_lists_and_wrap),
        cmocka_unit_test(rejects_bad_input_naming_it),
        cmocka_unit_test(next_firing_walks_the_week),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
