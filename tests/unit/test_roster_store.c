/*
 * test_roster_store: the SQLite roster on real files.
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

#include "roster.h"

struct files {
    char dir[64], db[96], cred[96];
};

static int setup(void **state)
{
    struct files *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/surel-test-roster-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/roster.db", f->dir);
    snprintf(f->cred, sizeof(f->cred), "%s/credentials.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct files *f = *state;
    static const char *const names[] = {"roster.db", "roster.db-wal", "roster.db-shm",
        "credentials.db", "credentials.db-wal", "credentials.db-shm", NULL};
    char p[160];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct roster *open_rw(struct files *f)
{
    struct roster *r;
    char err[256];
    int rc = roster_open(f->db, f->cred, ROSTER_WRITE | ROSTER_CREATE | ROSTER_CREDENTIALS, &r,
                         err, sizeof(err));
    if (rc != 0)
        fail_msg("open: %s", err);
    return r;
}

static void add_person(struct roster *r, const char *user, const char *cls, enum roster_role role)
{
    struct roster_person p = {.role = role, .status = STATUS_ACTIVE, .external_mail = -1,
                              .quota_mb = -1};
    strcpy(p.username, user);
    strcpy(p.mailbox, user);
    strcpy(p.full_name, user);
    strcpy(p.class_name, cls);
    assert_int_equal(roster_insert(r, &p), 0);
}

/* A reader refuses a file that is not a roster yet, and names the cure. */
static void test_readonly_needs_init(void **state)
{
    struct files *f = *state;
    struct roster *r;
    char err[256];
    FILE *fp = fopen(f->db, "w");
    fclose(fp);
    assert_int_equal(roster_open(f->db, f->cred, ROSTER_READONLY, &r, err, sizeof(err)),
                     ROSTER_ESCHEMA);
    assert_non_null(strstr(err, "surel-roster init"));
    assert_int_equal(roster_open("/nonexistent/r.db", f->cred, ROSTER_READONLY, &r, err,
                                 sizeof(err)), ROSTER_EDB);
}

/* A new roster has the current schema; credentials are private. */
static void test_create_schema(void **state)
{
    struct files *f = *state;
    struct stat st;
    struct roster *r = open_rw(f);
    assert_int_equal(roster_schema_version(r), ROSTER_SCHEMA_VERSION);
    roster_close(r);
    assert_int_equal(stat(f->cred, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    assert_int_equal(stat(f->db, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* -wal and -shm stay, so read-only readers can open the file */
    char wal[128];
    snprintf(wal, sizeof(wal), "%s-shm", f->db);
    assert_int_equal(access(wal, F_OK), 0);
}

/* A file written by a newer surel is refused, not damaged. */
static void test_newer_schema_refused(void **state)
{
    struct files *f = *state;
    struct roster *r = open_rw(f);
    char err[256];
    roster_close(r);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(roster_open(f->db, f->cred, ROSTER_WRITE, &r, err, sizeof(err)),
                     ROSTER_ESCHEMA);
    assert_non_null(strstr(err, "newer"));
}

/* Usernames are unique; the mailbox and username never change on update. */
static void test_people(void **state)
{
    struct files *f = *state;
    struct roster *r = open_rw(f);
    struct roster_person p;
    add_person(r, "budi", "7A", ROLE_STUDENT);
    struct roster_person dup = {.role = ROLE_STUDENT};
    strcpy(dup.username, "budi");
    strcpy(dup.mailbox, "budi2");
    strcpy(dup.full_name, "Budi");
    assert_int_equal(roster_insert(r, &dup), ROSTER_EEXIST);
    assert_int_equal(roster_find_username(r, "budi", &p), 1);
    strcpy(p.class_name, "8A");
    assert_int_equal(roster_update(r, &p), 0);
    strcpy(p.mailbox, "elsewhere");
    assert_int_equal(roster_update(r, &p), ROSTER_EINVAL);
    assert_int_equal(roster_find_username(r, "budi", &p), 1);
    assert_string_equal(p.class_name, "8A");
    assert_string_equal(p.mailbox, "budi");
    assert_int_equal(roster_find_username(r, "nobody", &p), 0);
    assert_int_equal(roster_name_taken(r, "budi"), 1);
    roster_close(r);
}

static int count_member(const char *username, int may_send_as, void *ctx)
{
    (void)username;
    (void)may_send_as;
    (*(int *)ctx)++;
    return 0;
}

/* Class and role lists follow the people; suspended people drop out. */
static void test_lists(void **state)
{
    struct files *f = *state;
    struct roster *r = open_rw(f);
    struct roster_person p;
    int n = 0;
    add_person(r, "budi", "7A", ROLE_STUDENT);
    add_person(r, "siti", "7A", ROLE_STUDENT);
    add_person(r, "ani", "7B", ROLE_STUDENT);
    add_person(r, "pak.guru", "", ROLE_TEACHER);
    assert_int_equal(roster_group_members(r, "kelas-7a", count_member, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(roster_group_members(r, "guru", count_member, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(roster_find_username(r, "siti", &p), 1);
    p.status = STATUS_SUSPENDED;
    assert_int_equal(roster_update(r, &p), 0);
    n = 0;
    assert_int_equal(roster_group_members(r, "kelas-7a", count_member, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(roster_group_create(r, "osis", "student council"), 0);
    assert_int_equal(roster_group_add(r, "osis", "budi", 1), 0);
    assert_int_equal(roster_group_add(r, "osis", "ani", 0), 0);
    assert_int_equal(roster_may_send_as(r, "budi", "osis"), 1);
    assert_int_equal(roster_may_send_as(r, "ani", "osis"), 0);
    assert_int_equal(roster_name_taken(r, "osis"), 1);
    assert_int_equal(roster_group_delete(r, "osis"), 0);
    assert_int_equal(roster_group_exists(r, "osis"), 0);
    roster_close(r);
}

/* Hashes live in the credentials file only. */
static void test_hashes_apart(void **state)
{
    struct files *f = *state;
    struct roster *r = open_rw(f);
    char hash[64], err[256];
    add_person(r, "budi", "7A", ROLE_STUDENT);
    assert_int_equal(roster_set_hash(r, "budi", "$y$j9T$salt$hash"), 0);
    assert_int_equal(roster_get_hash(r, "budi", hash, sizeof(hash)), 1);
    assert_string_equal(hash, "$y$j9T$salt$hash");
    roster_close(r);
    assert_int_equal(roster_open(f->db, f->cred, ROSTER_READONLY, &r, err, sizeof(err)), 0);
    assert_int_equal(roster_get_hash(r, "budi", hash, sizeof(hash)), ROSTER_EINVAL);
    roster_close(r);
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_prepare_v2(db, "SELECT * FROM credential", -1, &st, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

/* A writer's lock makes another writer wait, then fail as busy. */
static void test_busy(void **state)
{
    struct files *f = *state;
    struct roster *a = open_rw(f), *b = open_rw(f);
    roster_set_busy_timeout(b, 50);
    assert_int_equal(roster_begin(a), 0);
    assert_int_equal(roster_begin(b), ROSTER_EBUSY);
    assert_non_null(strstr(roster_errmsg(b), "locked"));
    roster_rollback(a);
    assert_int_equal(roster_begin(b), 0);
    roster_rollback(b);
    roster_close(a);
    roster_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_readonly_needs_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashes_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
