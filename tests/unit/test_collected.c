/*
 * test_collected: surel-collect's store on a real SQLite file: what was
 * delivered is known by UID and by Message-ID and digest, per recipient,
 * after a reopen, until its retention ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collected.h"

static char dir[] = "/tmp/test_collected.XXXXXX";
static char path[200];

static struct collected *open_store(void)
{
    struct collected *c;
    char err[300] = "";
    if (collected_open(path, &c, err, sizeof(err)) < 0)
        fail_msg("open: %s", err);
    return c;
}

/* A new store is private (Message-IDs say who wrote to whom). */
static void test_private(void **state)
{
    struct stat st;
    (void)state;
    umask(022);
    collected_close(open_store());
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* Known by UID, by Message-ID and digest, and kept across a reopen. */
static void test_known(void **state)
{
    (void)state;
    struct collected *c = open_store();
    assert_int_equal(collected_by_uid(c, "catchall", "7/1"), 0);
    assert_int_equal(collected_add(c, "catchall", "7/1", "<m1@x>", "d1", COLLECTED_DELIVERED, 1000), 0);
    assert_int_equal(collected_add(c, "catchall", "7/2", "<m2@x>", "", COLLECTED_NOTICED, 1000), 0);
    collected_close(c);
    c = open_store();
    assert_int_equal(collected_by_uid(c, "catchall", "7/1"), COLLECTED_DELIVERED);
    assert_int_equal(collected_by_uid(c, "catchall", "7/2"), COLLECTED_NOTICED);
    assert_int_equal(collected_by_uid(c, "sri", "7/1"), 0);        /* per mailbox */
    assert_int_equal(collected_by_message(c, "catchall", "<m1@x>", "d1"), COLLECTED_DELIVERED);
    assert_int_equal(collected_by_message(c, "catchall", "<m1@x>", "d2"), 0);   /* other content */
    assert_int_equal(collected_by_message(c, "catchall", "", "d1"), 0);        /* no Message-ID */
    collected_close(c);
}

/* Recipients handed over are remembered one by one. */
static void test_rcpt(void **state)
{
    (void)state;
    struct collected *c = open_store();
    assert_int_equal(collected_rcpt_done(c, "catchall", "7/3", "budi@s"), 0);
    assert_int_equal(collected_rcpt_add(c, "catchall", "7/3", "budi@s", 1000), 0);
    assert_int_equal(collected_rcpt_done(c, "catchall", "7/3", "budi@s"), 1);
    assert_int_equal(collected_rcpt_done(c, "catchall", "7/3", "citra@s"), 0);
    collected_close(c);
}

/* Rows older than the retention are forgotten, newer ones kept. */
static void test_expire(void **state)
{
    (void)state;
    struct collected *c = open_store();
    assert_int_equal(collected_add(c, "catchall", "7/9", "<m9@x>", "d9", COLLECTED_DELIVERED, 5000), 0);
    assert_int_equal(collected_expire(c, "catchall", 2000), 0);
    assert_int_equal(collected_by_uid(c, "catchall", "7/1"), 0);
    assert_int_equal(collected_rcpt_done(c, "catchall", "7/3", "budi@s"), 0);
    assert_int_equal(collected_by_uid(c, "catchall", "7/9"), COLLECTED_DELIVERED);
    collected_close(c);
}

/* A store from a newer surel is refused, not rewritten. */
static void test_newer(void **state)
{
    (void)state;
    char err[300] = "";
    struct collected *c;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(collected_open(path, &c, err, sizeof(err)), -1);
    assert_null(c);
    assert_non_null(strstr(err, "newer"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private), cmocka_unit_test(test_known), cmocka_unit_test(test_rcpt),
        cmocka_unit_test(test_expire),  cmocka_unit_test(test_newer),
    };
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/collect.db", dir);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    rmdir(dir);
    return rc;
}
