/*
 * NAME
 *	test_usage - unit tests of the milter's usage store (lib/usage.c)
 *	and of reading [policy]/[milter] from surel.ini (milter/rules.c)
 * DESCRIPTION
 *	Real SQLite files in a temporary directory: counters add up per day
 *	and person, survive reopening, a reader sees a writer's rows, a
 *	read-only open refuses a file without the schema.  A real surel.ini
 *	gives the documented defaults and the per-role and per-class values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"
#include "usage.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test-usage-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/usage.db", dir);
    return 0;
}

/* Remove the files a test made (database, -wal, -shm, ini). */
static int teardown(void **state)
{
    static const char *const tails[] = {"usage.db", "usage.db-wal", "usage.db-shm", "s.ini",
                                        "empty.db"};
    char p[160];
    (void)state;
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, tails[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}

static void test_counts_add_up(void **state)
{
    struct usage *u;
    struct usage_day d;
    char err[256];
    (void)state;
    assert_int_equal(usage_open(path, USAGE_WRITE | USAGE_CREATE, &u, err, sizeof(err)), 0);
    assert_int_equal(usage_get(u, "2026-11-23", "budi", &d), 0);
    assert_int_equal(d.messages, 0);
    assert_int_equal(d.bytes, 0);
    assert_int_equal(usage_add(u, "2026-11-23", "budi", 1, 5000, 1), 0);
    assert_int_equal(usage_add(u, "2026-11-23", "budi", 1, 7000, 1), 0);
    assert_int_equal(usage_add(u, "2026-11-24", "budi", 1, 100, 1), 0);
    assert_int_equal(usage_add(u, "2026-11-23", "ani", 1, 42, 1), 0);
    assert_int_equal(usage_get(u, "2026-11-23", "budi", &d), 0);
    assert_int_equal(d.messages, 2);
    assert_int_equal(d.bytes, 12000);
    usage_close(u);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
}

/* usage_each callback: sum the bytes and count the rows. */
static int sum(const char *day, const char *username, const struct usage_day *d, void *ctx)
{
    long long *acc = ctx;
    (void)day;
    (void)username;
    acc[0]++;
    acc[1] += d->bytes;
    return 0;
}

static void test_reader_sees_writer(void **state)
{
    struct usage *w, *r;
    struct usage_day d;
    long long acc[2] = {0, 0};
    char err[256];
    (void)state;
    assert_int_equal(usage_open(path, USAGE_WRITE | USAGE_CREATE, &w, err, sizeof(err)), 0);
    assert_int_equal(usage_open(path, USAGE_READONLY, &r, err, sizeof(err)), 0);
    assert_int_equal(usage_add(w, "2026-11-23", "budi", 1, 5000, 1), 0);
    assert_int_equal(usage_get(r, "2026-11-23", "budi", &d), 0);
    assert_int_equal(d.messages, 1);
    assert_int_equal(usage_add(w, "2026-11-25", "ani", 1, 10, 1), 0);
    assert_int_equal(usage_each(r, "2026-11-01", "2026-11-24", sum, acc), 0);
    assert_int_equal(acc[0], 1);
    assert_int_equal(acc[1], 5000);
    assert_true(usage_add(r, "2026-11-23", "budi", 1, 1, 1) < 0);
    usage_close(r);
    usage_close(w);
}

static void test_readonly_refuses_missing_schema(void **state)
{
    struct usage *u;
    char err[256], p[160];
    (void)state;
    snprintf(p, sizeof(p), "%s/empty.db", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(usage_open(p, USAGE_READONLY, &u, err, sizeof(err)), USAGE_ESCHEMA);
    assert_null(u);
    assert_non_null(strstr(err, "schema"));
    snprintf(p, sizeof(p), "%s/missing.db", dir);
    assert_int_equal(usage_open(p, USAGE_READONLY, &u, err, sizeof(err)), USAGE_EDB);
}

static void test_day_of(void **state)
{
    char day[16];
    (void)state;
    setenv("TZ", "Asia/Jakarta", 1);
    usage_day_of(1795392000LL, day, sizeof(day));     /* 2026-11-22T17:00:00Z */
    assert_string_equal(day, "2026-11-23");
}

/* Write an ini file into the test directory. */
static const char *ini(const char *text)
{
    static char p[160];
    snprintf(p, sizeof(p), "%s/s.ini", dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return p;
}

static void test_rules_defaults(void **state)
{
    struct policy_rules pr;
    struct milter_settings ms;
    char err[512];
    (void)state;
    struct surel_config *cfg = surel_config_load(ini("[school]\ndomain = smpn1.sch.id\n"), 1,
                                                 err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(rules_load(cfg, &pr, &ms, err, sizeof(err)), 0);
    assert_string_equal(pr.domain, "smpn1.sch.id");
    assert_int_equal(pr.max_size, 512 * 1024);
    assert_true(pr.refuse_inactive);
    assert_false(pr.lists_from_outside);
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_true(pr.external[r]);
    assert_int_equal(pr.daily_recipients[ROLE_STUDENT], 20);
    assert_int_equal(pr.daily_bytes[ROLE_STUDENT], 1024 * 1024);
    assert_int_equal(pr.daily_recipients[ROLE_ADMIN], 0);
    assert_string_equal(ms.socket, "unix:/var/spool/postfix/surel/milter.sock");
    assert_string_equal(ms.usage_db, "/var/lib/surel/usage.db");
    surel_config_free(cfg);
}

static void test_rules_values(void **state)
{
    struct policy_rules pr;
    struct milter_settings ms;
    char err[512];
    (void)state;
    struct surel_config *cfg = surel_config_load(
        ini("[school]\ndomain = smpn1.sch.id\n"
            "[milter]\nsocket = inet:8891@127.0.0.1\nuser = nobody\n"
            "[policy]\nexternal_student = no\nexternal_allowed_classes = 9A 9B\n"
            "external_max_size = 2M\ndaily_messages_teacher = 7\nlists_from_outside = yes\n"),
        1, err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(rules_load(cfg, &pr, &ms, err, sizeof(err)), 0);
    assert_false(pr.external[ROLE_STUDENT]);
    assert_true(pr.external[ROLE_TEACHER]);
    assert_string_equal(pr.allowed_classes, "9A 9B");
    assert_int_equal(pr.max_size, 2 * 1024 * 1024);
    assert_int_equal(pr.daily_recipients[ROLE_TEACHER], 7);
    assert_true(pr.lists_from_outside);
    assert_string_equal(ms.socket, "inet:8891@127.0.0.1");
    assert_string_equal(ms.user, "nobody");
    surel_config_free(cfg);
}

static void test_rules_need_domain(void **state)
{
    struct policy_rules pr;
    struct milter_settings ms;
    char err[512];
    (void)state;
    struct surel_config *cfg = surel_config_load(ini("[policy]\nexternal_student = no\n"), 1,
                                                 err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(rules_load(cfg, &pr, &ms, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "[school] domain"));
    surel_config_free(cfg);
}

static void test_bad_policy_key_named(void **state)
{
    char err[512];
    (void)state;
    assert_null(surel_config_load(ini("[school]\ndomain = smpn1.sch.id\n[policy]\n"
                                      "external_max_size = big\n"), 1, err, sizeof(err)));
    assert_non_null(strstr(err, ":4: [policy] external_max_size"));
    assert_null(surel_config_load(ini("[school]\ndomain = smpn1.sch.id\n[policy]\n"
                                      "daily_mesages_student = 3\n"), 1, err, sizeof(err)));
    assert_non_null(strstr(err, "daily_mesages_student"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_counts_add_up), T(test_reader_sees_writer),
        T(test_readonly_refuses_missing_schema), T(test_day_of), T(test_rules_defaults),
        T(test_rules_values), T(test_rules_need_domain), T(test_bad_policy_key_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
