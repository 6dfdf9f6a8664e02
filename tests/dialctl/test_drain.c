/*
 * NAME
 *	test_drain 1
 * SUMMARY
 *	unit tests: drain decisions and triggers
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "drain.h"
#include "triggers.h"

/* A session 20 s after the link came up, mail exchanged, all quiet (times in ms). */
static struct drain_facts quiet(void)
{
    struct drain_facts f;
    memset(&f, 0, sizeof(f));
    f.now = 1020000, f.up_since = 1000000, f.max_session = 1800000;
    f.exchange_done = 1, f.flushes_left = 3;
    f.quiet_since = 1010000, f.grace = 5000;
    f.last_etrn = 1005000, f.etrn_repeat_after = 31000;
    return f;
}

static void hangs_up_when_nothing_is_left(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);
}

static void never_hangs_up_mid_delivery(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.tcp_sessions = 1;                         /* ISP delivering inbound mail */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f = quiet();
    f.outbound_waiting = 2;                     /* outbound in the active queue */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f = quiet();
    f.exchange_done = 0;
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f = quiet();
    f.quiet_since = 1018000;                       /* bytes crossed 2 s ago */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
}

/* Batch mode: both sides confirmed: hang up at once, not after the grace. */
static void hangs_up_at_once_when_the_mode_finished(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.quiet_since = f.now;                      /* the last bytes just crossed */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f.mode_finished = 1;
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);
    assert_string_equal(why, "the exchange is complete and nothing else crosses the link");
    f.tcp_sessions = 1;                         /* still its own session: not yet */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f.tcp_sessions = 0, f.outbound_waiting = 1; /* a new message on its way to the spool */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f = quiet();
    f.mode_finished = 1, f.exchange_done = 0;   /* never before the exchange started */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
}

static void flushes_again_for_mail_deferred_in_session(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.outbound_retry = 3;
    assert_int_equal(drain_decide(&f, &why), DRAIN_FLUSH);
    f.flushes_left = 0;                         /* bounded: then hang up */
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);
}

static void repeats_etrn_only_in_long_sessions(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.etrn_repeats_left = 1;
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);    /* 15 s: not worth it */
    f.now = 1040000, f.quiet_since = 1030000;
    assert_int_equal(drain_decide(&f, &why), DRAIN_ETRN);      /* 35 s */
    f.tcp_sessions = 2, f.quiet_since = 1040000;                   /* while mail still crosses */
    assert_int_equal(drain_decide(&f, &why), DRAIN_ETRN);
    f.tcp_sessions = 0, f.quiet_since = 1030000;
    f.etrn_repeats_left = 0;
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);
}

static void refreshes_the_route_while_mail_crosses(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.etrn_refresh = 240000;
    f.tcp_sessions = 2, f.quiet_since = f.now = f.last_etrn + 239999;
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);      /* not yet 4 min */
    f.now = f.quiet_since = f.last_etrn + 240000;
    assert_int_equal(drain_decide(&f, &why), DRAIN_ETRN);      /* 4 min, deliveries on */
    assert_non_null(strstr(why, "route"));
    f.tcp_sessions = 0, f.outbound_waiting = 3;
    assert_int_equal(drain_decide(&f, &why), DRAIN_ETRN);      /* outbound still leaving */
    f.outbound_waiting = 0, f.quiet_since = f.now - 10000;
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);    /* idle: no reason to stay */
    f.etrn_refresh = 0, f.tcp_sessions = 2;
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);      /* off */
}

static void gives_up_on_a_stalled_link(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.tcp_sessions = 1, f.stall = 60000;
    f.now = 1069999;                            /* quiet for 59.999 s */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
    f.now = 1070000;                            /* 60 s: stuck, not a delivery */
    assert_int_equal(drain_decide(&f, &why), DRAIN_HANGUP);
    assert_non_null(strstr(why, "stalled"));
    f.stall = 0;                                /* off */
    assert_int_equal(drain_decide(&f, &why), DRAIN_WAIT);
}

static void hard_limits_override_everything(void **state)
{
    (void)state;
    const char *why;
    struct drain_facts f = quiet();
    f.tcp_sessions = 4, f.outbound_waiting = 9;
    f.now = 2800000;
    assert_int_equal(drain_decide(&f, &why), DRAIN_CUT);
    assert_non_null(strstr(why, "maximum"));
    f = quiet();
    f.tcp_sessions = 1, f.budget_cut = 1;
    assert_int_equal(drain_decide(&f, &why), DRAIN_CUT);
    assert_non_null(strstr(why, "budget"));
}

static void triggers_fire_in_order(void **state)
{
    (void)state;
    struct trigger_facts f = {1000, 2000, 0, 1, 3, 400, 10, 3600};
    assert_null(trigger_due(&f));                   /* 3 < 10, 600 s < 3600 s */
    f.outbound = 10;
    assert_string_equal(trigger_due(&f), "queue-size");
    f.outbound = 3, f.now = 4000;
    assert_string_equal(trigger_due(&f), "schedule");
    f.next_schedule = 5000;
    assert_string_equal(trigger_due(&f), "queue-age");
    f.retry_at = 3999;
    assert_string_equal(trigger_due(&f), "retry");
    f.retry_at = 0, f.queue_known = 0;
    assert_null(trigger_due(&f));
    struct trigger_facts off = {1000, -1, 0, 1, 500, 1, 0, 0};
    assert_null(trigger_due(&off));                 /* queue triggers off */
}

static void months_are_local_calendar_months(void **state)
{
    (void)state;
    long long from, to, f2, t2;
    assert_int_equal(month_parse("2026-11", &from, &to), 0);
    assert_int_equal(to - from, 30 * 86400);
    assert_int_equal(from, 1793466000LL);           /* 2026-11-01 00:00 +07 */
    month_bounds(from + 12345, &f2, &t2);
    assert_int_equal(f2, from);
    assert_int_equal(t2, to);
    assert_int_equal(month_parse("2026-12", &f2, &t2), 0);
    assert_int_equal(f2, to);
    assert_int_equal(month_parse("2026-13", &from, &to), -1);
    assert_int_equal(month_parse("26-11", &from, &to), -1);
}

int main(void)
{
    setenv("TZ", "Asia/Jakarta", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hangs_up_when_nothing_is_left),
        cmocka_unit_test(never_hangs_up_mid_delivery),
        cmocka_unit_test(hangs_up_at_once_when_the_mode_finished),
        cmocka_unit_test(flushes_again_for_mail_deferred_in_session),
        cmocka_unit_test(repeats_etrn_only_in_long_sessions),
        cmocka_unit_test(refreshes_the_route_while_mail_crosses),
        cmocka_unit_test(gives_up_on_a_stalled_link),
        cmocka_unit_test(hard_limits_override_everything),
        cmocka_unit_test(triggers_fire_in_order),
        cmocka_unit_test(months_are_local_calendar_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
