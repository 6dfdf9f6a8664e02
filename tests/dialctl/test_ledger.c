/*
 * NAME
 *	test_ledger 1
 * SUMMARY
 *	unit tests: the ledger store on a real SQLite file
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "ledger.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_ledger.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/ledger.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

/* A session of 'secs' link-up seconds costing 'cost', started at 'when'. */
static struct ledger_session session(long long when, long long secs, long long cost)
{
    struct ledger_session s;
    memset(&s, 0, sizeof(s));
    strcpy(s.trigger, "schedule");
    s.started = when, s.link_up = when + 20, s.link_down = when + 20 + secs;
    s.ended = s.link_down + 1, s.dial_seconds = 20, s.up_seconds = secs;
    s.billed_seconds = (secs + 59) / 60 * 60;
    s.bytes_sent = 1000, s.bytes_rcvd = 3000, s.msgs_out = 2, s.msgs_in = -1;
    s.attempts = 1, s.cost = cost;
    strcpy(s.etrn, "school.test: 250 Queuing started");
    return s;
}

static int count_day(const char *day, const struct ledger_sum *s, void *ctx)
{
    (void)day;
    (*(long long *)ctx) += s->sessions * 1000 + s->cost;
    return 0;
}

static int count_event(long long when, const char *kind, const char *text, void *ctx)
{
    (void)when;
    (void)text;
    assert_string_equal(kind, "refused");
    (*(int *)ctx)++;
    return 0;
}

static void stores_sums_and_reads_back(void **state)
{
    (void)state;
    struct ledger *l;
    char err[256];
    struct ledger_sum sum;
    assert_int_equal(ledger_open(path, LEDGER_READONLY, &l, err, sizeof(err)), LEDGER_EDB);
    assert_int_equal(ledger_open(path, LEDGER_WRITE | LEDGER_CREATE, &l, err, sizeof(err)), 0);
    struct ledger_session a = session(1793466000LL + 3600, 95, 580);
    struct ledger_session b = session(1793466000LL + 7200, 30, 415);
    struct ledger_session c = session(1793466000LL + 90000, 61, 580);
    assert_int_equal(ledger_add_session(l, &a), 0);
    assert_int_equal(ledger_add_session(l, &b), 0);
    assert_int_equal(ledger_add_session(l, &c), 0);
    assert_true(c.id > a.id);
    assert_int_equal(ledger_add_event(l, 1793466000LL, "refused", "budget spent"), 0);
    ledger_close(l);

    assert_int_equal(ledger_open(path, LEDGER_READONLY, &l, err, sizeof(err)), 0);
    assert_int_equal(ledger_total(l, 1793466000LL, 1793466000LL + 86400, &sum), 0);
    assert_int_equal(sum.sessions, 2);
    assert_int_equal(sum.cost, 995);
    assert_int_equal(sum.billed_seconds, 180);
    assert_int_equal(sum.bytes_rcvd, 6000);
    assert_int_equal(sum.msgs_out, 4);
    long long days = 0;
    assert_int_equal(ledger_days(l, 0, 1LL << 40, count_day, &days), 0);
    assert_int_equal(days, 2 * 1000 + 995 + 1 * 1000 + 580);
    int events = 0;
    assert_int_equal(ledger_events(l, 10, count_event, &events), 0);
    assert_int_equal(events, 1);
    ledger_close(l);
}

static void refuses_a_newer_schema(void **state)
{
    (void)state;
    struct ledger *l;
    char err[256];
    assert_int_equal(ledger_open(path, LEDGER_WRITE | LEDGER_CREATE, &l, err, sizeof(err)), 0);
    ledger_close(l);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ledger_open(path, LEDGER_WRITE, &l, err, sizeof(err)), LEDGER_ESCHEMA);
    assert_non_null(strstr(err, "newer"));
}

int main(void)
{
    setenv("TZ", "Asia/Jakarta", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stores_sums_and_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_a_newer_schema, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
