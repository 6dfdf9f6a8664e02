/*
 * NAME
 *	test_ledger_mode 1
 * SUMMARY
 *	unit tests: the ledger's second schema version (mode, bytes the ssh
 *	tunnel carried and what they took) on a real SQLite file
 * DESCRIPTION
 *	A ledger written by the first release (schema 1, made here with its
 *	own CREATE statements) is migrated by a writable open: its sessions
 *	read as mode "etrn" with no byte figures, new ssh sessions keep
 *	theirs, and the month's total adds up only the known ones.
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
    strcpy(dir, "/tmp/test_ledger_mode.XXXXXX");
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

/* The first release's ledger, with one session in it. */
static void make_version_1(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
        "CREATE TABLE session (id INTEGER PRIMARY KEY, trigger TEXT NOT NULL,"
        " started INTEGER NOT NULL, link_up INTEGER, link_down INTEGER, ended INTEGER NOT NULL,"
        " dial_seconds INTEGER NOT NULL, up_seconds INTEGER NOT NULL,"
        " billed_seconds INTEGER NOT NULL, bytes_sent INTEGER NOT NULL,"
        " bytes_rcvd INTEGER NOT NULL, msgs_out INTEGER, msgs_in INTEGER,"
        " attempts INTEGER NOT NULL, cost INTEGER NOT NULL, etrn TEXT NOT NULL DEFAULT '',"
        " errors TEXT NOT NULL DEFAULT '');"
        "CREATE INDEX session_started ON session(started);"
        "CREATE TABLE event (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
        " kind TEXT NOT NULL, text TEXT NOT NULL);"
        "INSERT INTO session (trigger, started, ended, dial_seconds, up_seconds, billed_seconds,"
        " bytes_sent, bytes_rcvd, attempts, cost) VALUES ('schedule', 1000, 1100, 20, 80, 120,"
        " 5000, 7000, 1, 330);"
        "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* The first column of the first row that sql gives. */
static void column(const char *sql, char *out, size_t len)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, len, "%s", t != NULL ? (const char *)t : "NULL");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void an_old_ledger_is_migrated_and_keeps_its_sessions(void **state)
{
    (void)state;
    struct ledger *l;
    char err[256], v[64];
    make_version_1();
    assert_int_equal(ledger_open(path, LEDGER_READONLY, &l, err, sizeof(err)), LEDGER_ESCHEMA);
    assert_int_equal(ledger_open(path, LEDGER_WRITE, &l, err, sizeof(err)), 0);
    ledger_close(l);
    column("PRAGMA user_version", v, sizeof(v));
    assert_string_equal(v, "2");
    column("SELECT mode FROM session WHERE id = 1", v, sizeof(v));
    assert_string_equal(v, "etrn");
    column("SELECT payload_bytes FROM session WHERE id = 1", v, sizeof(v));
    assert_string_equal(v, "NULL");
}

static void ssh_sessions_keep_their_bytes_and_the_total_adds_the_known(void **state)
{
    (void)state;
    struct ledger *l;
    struct ledger_session s;
    struct ledger_sum sum;
    char err[256], v[64];
    make_version_1();
    assert_int_equal(ledger_open(path, LEDGER_WRITE, &l, err, sizeof(err)), 0);
    memset(&s, 0, sizeof(s));
    strcpy(s.trigger, "manual");
    strcpy(s.mode, "ssh");
    s.started = 2000, s.ended = 2050, s.up_seconds = 40, s.attempts = 1;
    s.payload_bytes = 420000, s.wire_bytes = 150000;
    assert_int_equal(ledger_add_session(l, &s), 0);
    s.started = 3000, s.payload_bytes = -1, s.wire_bytes = -1;  /* ssh said nothing */
    assert_int_equal(ledger_add_session(l, &s), 0);
    assert_int_equal(ledger_total(l, 0, 10000, &sum), 0);
    assert_int_equal(sum.sessions, 3);
    assert_int_equal(sum.payload_bytes, 420000);
    assert_int_equal(sum.wire_bytes, 150000);
    assert_int_equal(sum.cost, 330);
    ledger_close(l);
    column("SELECT mode || ' ' || wire_bytes FROM session WHERE started = 2000", v, sizeof(v));
    assert_string_equal(v, "ssh 150000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(an_old_ledger_is_migrated_and_keeps_its_sessions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ssh_sessions_keep_their_bytes_and_the_total_adds_the_known,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
