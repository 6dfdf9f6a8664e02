/*
 * NAME
 *	test_roster_auth 1
 * SUMMARY
 *	unit tests of the Dovecot driver's roster logic (dovecot-plugin/roster_auth.c)
 * DESCRIPTION
 *	Each test writes a surel.ini and a real roster (two SQLite files)
 *	into a fresh temporary directory through lib/roster.h, then checks
 *	what the auth driver would answer: canonical logins, unknown users,
 *	status, home, uid/gid of [mail] user, quota by role and override,
 *	hashes only when asked for, iteration, configuration errors, and
 *	that a roster created or changed after the first lookup is seen, and
 *	that a roster locked by a writer fails cleanly after the busy timeout;
 *	and, running the surel-roster binary named by SUREL_ROSTER_BIN, that
 *	with only [roster] db set both find the same credentials file.
 * DIAGNOSTICS
 *	cmocka's report; exit status non-zero if any test failed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "roster.h"
#include "roster_auth.h"

#define DOMAIN "smpn1.sch.id"

struct fixture {
    char dir[256];
    char ini[512];
    char db[512];
    char cred[512];
};

/* Write surel.ini with an optional extra line. */
static void write_ini(struct fixture *f, const char *extra)
{
    FILE *fp = fopen(f->ini, "w");
    assert_non_null(fp);
    fprintf(fp, "[school]\ndomain = %s\n[roster]\ndb = %s\ncredentials = %s\n"
            "busy_timeout = 1s\n[mail]\nroot = /srv/mail\nuser = mail\n"
            "[quota]\nstudent = 200M\nteacher = 1G\n%s", DOMAIN, f->db, f->cred,
            extra ? extra : "");
    fclose(fp);
}

/* Add one person (and a hash unless hash is NULL) through the writer API. */
static void add_person(struct roster *r, const char *user, enum roster_role role,
                       enum roster_status status, long long quota_mb, const char *hash)
{
    struct roster_person p;
    memset(&p, 0, sizeof(p));
    snprintf(p.username, sizeof(p.username), "%s", user);
    snprintf(p.full_name, sizeof(p.full_name), "Person %s", user);
    snprintf(p.mailbox, sizeof(p.mailbox), "%c/%s", user[0], user);
    p.role = role;
    p.status = status;
    p.external_mail = -1;
    p.quota_mb = quota_mb;
    assert_int_equal(roster_insert(r, &p), 0);
    if (hash != NULL)
        assert_int_equal(roster_set_hash(r, user, hash), 0);
}

/* Open the roster for writing, creating it. */
static struct roster *open_writer(struct fixture *f)
{
    struct roster *r;
    char err[512];
    int rc = roster_open(f->db, f->cred, ROSTER_WRITE | ROSTER_CREATE | ROSTER_CREDENTIALS,
                         &r, err, sizeof(err));
    if (rc != 0)
        fail_msg("roster_open: %s", err);
    return r;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_roster_auth.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->ini, sizeof(f->ini), "%s/surel.ini", f->dir);
    snprintf(f->db, sizeof(f->db), "%s/roster.db", f->dir);
    snprintf(f->cred, sizeof(f->cred), "%s/credentials.db", f->dir);
    write_ini(f, NULL);
    struct roster *r = open_writer(f);
    assert_int_equal(roster_begin(r), 0);
    add_person(r, "budi", ROLE_STUDENT, STATUS_ACTIVE, -1, "$6$salt$hashofbudi");
    add_person(r, "siti", ROLE_STUDENT, STATUS_SUSPENDED, -1, "$6$salt$hashofsiti");
    add_person(r, "lulus", ROLE_STUDENT, STATUS_GRADUATED, -1, "$6$salt$hashoflulus");
    add_person(r, "guru.ani", ROLE_TEACHER, STATUS_ACTIVE, 2048, "$6$salt$hashofani");
    add_person(r, "staf.tono", ROLE_STAFF, STATUS_ACTIVE, 0, NULL);
    assert_int_equal(roster_commit(r), 0);
    roster_close(r);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    const char *names[] = {"surel.ini", "roster.db", "roster.db-wal", "roster.db-shm",
                           "credentials.db", "credentials.db-wal", "credentials.db-shm"};
    char path[600];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A new rauth over the fixture, failing the test if it cannot be made. */
static struct rauth *new_rauth(struct fixture *f, int credentials)
{
    char err[512];
    struct rauth *a = rauth_new(f->ini, credentials, err, sizeof(err));
    if (a == NULL)
        fail_msg("rauth_new: %s", err);
    return a;
}

/* "Budi", "budi" and "budi@DOMAIN" are one person, with home, uid and quota. */
static void test_login_forms(void **state)
{
    struct rauth *a = new_rauth(*state, 1);
    struct rauth_user u;
    char err[512];
    const char *forms[] = {"budi", "Budi", "BUDI", "budi@" DOMAIN, "Budi@SMPN1.sch.id"};
    struct passwd *pw = getpwnam("mail");
    assert_non_null(pw);
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        assert_int_equal(rauth_lookup(a, forms[i], &u, err, sizeof(err)), RAUTH_FOUND);
        assert_string_equal(u.username, "budi");
        assert_string_equal(u.home, "/srv/mail/b/budi");
        assert_string_equal(u.hash, "$6$salt$hashofbudi");
        assert_int_equal(u.uid, pw->pw_uid);
        assert_int_equal(u.gid, pw->pw_gid);
        assert_int_equal(u.status, STATUS_ACTIVE);
        assert_int_equal(u.quota_bytes, 200LL << 20);
    }
    rauth_free(a);
}

/* Unknown people, foreign domains and malformed logins are unknown, not errors. */
static void test_unknown(void **state)
{
    struct rauth *a = new_rauth(*state, 1);
    struct rauth_user u;
    char err[512];
    const char *logins[] = {"nobody", "budi@other.sch.id", "budi@", "../etc", "", "a b",
                            "budi@" DOMAIN "@" DOMAIN};
    for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++)
        assert_int_equal(rauth_lookup(a, logins[i], &u, err, sizeof(err)), RAUTH_UNKNOWN);
    rauth_free(a);
}

/* Status comes back as stored; people without a hash have an empty one. */
static void test_status_and_hash(void **state)
{
    struct rauth *a = new_rauth(*state, 1);
    struct rauth_user u;
    char err[512];
    assert_int_equal(rauth_lookup(a, "siti", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(u.status, STATUS_SUSPENDED);
    assert_int_equal(rauth_lookup(a, "lulus", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(u.status, STATUS_GRADUATED);
    assert_int_equal(rauth_lookup(a, "staf.tono", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_string_equal(u.hash, "");
    rauth_free(a);
}

/* The userdb instance never reads the credentials file. */
static void test_userdb_without_credentials(void **state)
{
    struct fixture *f = *state;
    struct rauth *a = new_rauth(f, 0);
    struct rauth_user u;
    char err[512];
    unlink(f->cred);    /* gone: the userdb must not need it */
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_string_equal(u.hash, "");
    assert_string_equal(u.home, "/srv/mail/b/budi");
    rauth_free(a);
}

/* Quota: the role's size, the person's override, 0 = no limit, and the rule text. */
static void test_quota(void **state)
{
    struct rauth *a = new_rauth(*state, 0);
    struct rauth_user u;
    char err[512], rule[64];
    assert_int_equal(rauth_lookup(a, "guru.ani", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(u.quota_bytes, 2048LL << 20);
    rauth_quota_rule(u.quota_bytes, rule, sizeof(rule));
    assert_string_equal(rule, "*:storage=2G");
    assert_int_equal(rauth_lookup(a, "staf.tono", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(u.quota_bytes, 0);
    rauth_quota_rule(u.quota_bytes, rule, sizeof(rule));
    assert_string_equal(rule, "*:storage=0B");
    rauth_quota_rule(200LL << 20, rule, sizeof(rule));
    assert_string_equal(rule, "*:storage=200M");
    rauth_quota_rule(1500, rule, sizeof(rule));
    assert_string_equal(rule, "*:storage=1500B");
    rauth_free(a);
}

/* Iteration lists every person, whatever their status. */
static void test_names(void **state)
{
    struct rauth *a = new_rauth(*state, 0);
    struct rauth_names n;
    char err[512];
    int seen = 0;
    assert_int_equal(rauth_names(a, &n, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(n.count, 5);
    for (size_t i = 0; i < n.count; i++)
        seen += strcmp(n.names[i], "budi") == 0 || strcmp(n.names[i], "lulus") == 0;
    assert_int_equal(seen, 2);
    rauth_names_free(&n);
    assert_int_equal(n.count, 0);
    rauth_free(a);
}

/* A person added and a status changed after the first lookup are seen at once. */
static void test_sees_later_changes(void **state)
{
    struct fixture *f = *state;
    struct rauth *a = new_rauth(f, 1);
    struct rauth_user u;
    char err[512];
    assert_int_equal(rauth_lookup(a, "baru", &u, err, sizeof(err)), RAUTH_UNKNOWN);
    struct roster *w = open_writer(f);
    add_person(w, "baru", ROLE_STUDENT, STATUS_ACTIVE, -1, "$6$salt$new");
    struct roster_person p;
    assert_int_equal(roster_find_username(w, "budi", &p), 1);
    p.status = STATUS_SUSPENDED;
    assert_int_equal(roster_update(w, &p), 0);
    assert_int_equal(roster_set_hash(w, "guru.ani", "$6$salt$changed"), 0);
    roster_close(w);
    assert_int_equal(rauth_lookup(a, "baru", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_int_equal(u.status, STATUS_SUSPENDED);
    assert_int_equal(rauth_lookup(a, "guru.ani", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_string_equal(u.hash, "$6$salt$changed");
    rauth_free(a);
}

/* A missing roster is an error naming the file; once created it is opened. */
static void test_missing_roster_then_created(void **state)
{
    struct fixture *f = *state;
    char moved[600], err[512];
    struct rauth_user u;
    snprintf(moved, sizeof(moved), "%s.away", f->db);
    assert_int_equal(rename(f->db, moved), 0);
    struct rauth *a = new_rauth(f, 0);
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_ERROR);
    assert_non_null(strstr(err, "roster.db"));
    assert_int_equal(rename(moved, f->db), 0);
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_FOUND);
    rauth_free(a);
}

/*
 * A writer holding the roster exclusively: the lookup waits out the busy
 * timeout (1 s here), then fails with a message naming the lock, never a
 * crash and never a stale "found"; once the lock is gone it works again.
 * (WAL lets ordinary imports run beside readers; only a writer in
 * exclusive locking mode, taken before any reader opened the file, blocks.)
 */
static void test_locked_roster(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db;
    char err[512];
    struct rauth_user u;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;",
                                  NULL, NULL, NULL), SQLITE_OK);
    struct rauth *a = new_rauth(f, 1);
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_ERROR);
    assert_non_null(strstr(err, "locked"));
    assert_string_equal(u.hash, "");
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(rauth_lookup(a, "budi", &u, err, sizeof(err)), RAUTH_FOUND);
    assert_string_equal(u.hash, "$6$salt$hashofbudi");
    rauth_free(a);
}

/* Bad configuration stops the driver with the key named. */
static void test_bad_config(void **state)
{
    struct fixture *f = *state;
    char err[512];
    write_ini(f, "teacherz = 1G\n");
    assert_null(rauth_new(f->ini, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "teacherz"));
    write_ini(f, "admin = lots\n");
    assert_null(rauth_new(f->ini, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "admin"));
    FILE *fp = fopen(f->ini, "w");
    assert_non_null(fp);
    fprintf(fp, "[school]\ndomain = %s\n[mail]\nuser = no-such-user-surel\n", DOMAIN);
    fclose(fp);
    assert_null(rauth_new(f->ini, 1, err, sizeof(err)));
    assert_non_null(strstr(err, "no-such-user-surel"));
}

/* A mailbox path that would leave [mail] root is refused. */
static void test_unsafe_mailbox(void **state)
{
    struct fixture *f = *state;
    struct roster *w = open_writer(f);
    struct roster_person p;
    memset(&p, 0, sizeof(p));
    snprintf(p.username, sizeof(p.username), "evil");
    snprintf(p.full_name, sizeof(p.full_name), "Evil");
    snprintf(p.mailbox, sizeof(p.mailbox), "../../etc");
    p.external_mail = -1;
    p.quota_mb = -1;
    assert_int_equal(roster_insert(w, &p), 0);
    roster_close(w);
    struct rauth *a = new_rauth(f, 0);
    struct rauth_user u;
    char err[512];
    assert_int_equal(rauth_lookup(a, "evil", &u, err, sizeof(err)), RAUTH_ERROR);
    assert_non_null(strstr(err, "not below"));
    rauth_free(a);
}

/* Run a program with stdin from in_path (or /dev/null) and stdout to /dev/null; its exit status. */
static int run_prog(const char *in_path, char *const argv[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(in_path ? in_path : "/dev/null", O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Remove a directory and the plain files in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* With only [roster] db set, surel-roster writes the hashes where the driver reads them. */
static void test_one_rule_for_paths(void **state)
{
    struct fixture *f = *state;
    const char *bin = getenv("SUREL_ROSTER_BIN");
    char dir[600], ini[700], csv[700], slips[700], cred[700];
    struct rauth_user u;
    char err[512];
    if (bin == NULL)
        fail_msg("SUREL_ROSTER_BIN is not set: run this test through ctest");
    snprintf(dir, sizeof(dir), "%s/school", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(ini, sizeof(ini), "%s/surel.ini", dir);
    snprintf(csv, sizeof(csv), "%s/kelas.csv", dir);
    snprintf(slips, sizeof(slips), "%s/slips.txt", dir);
    snprintf(cred, sizeof(cred), "%s/credentials.db", dir);
    FILE *fp = fopen(ini, "w");
    assert_non_null(fp);
    fprintf(fp, "[school]\ndomain = %s\n[roster]\ndb = %s/roster.db\n"
            "password_scheme = sha512crypt\n[mail]\nroot = /srv/mail\nuser = mail\n", DOMAIN, dir);
    fclose(fp);
    fp = fopen(csv, "w");
    assert_non_null(fp);
    fputs("\xEF\xBB\xBFNama;Kelas\r\nBudi Santoso;7A\r\n", fp);
    fclose(fp);
    char *init[] = {(char *)bin, "--config", ini, "init", NULL};
    char *import[] = {(char *)bin, "--config", ini, "import", "--slips", slips, csv, NULL};
    char *check[] = {(char *)bin, "--config", ini, "check", NULL};
    assert_int_equal(run_prog(NULL, init), 0);
    assert_int_equal(run_prog(NULL, import), 0);
    assert_int_equal(run_prog(NULL, check), 0);
    assert_int_equal(access(cred, R_OK), 0);          /* beside the db, as the rule says */
    struct rauth *a = rauth_new(ini, 1, err, sizeof(err));
    if (a == NULL)
        fail_msg("rauth_new: %s", err);
    if (rauth_lookup(a, "budi.santoso", &u, err, sizeof(err)) != RAUTH_FOUND)
        fail_msg("the driver does not find what surel-roster wrote: %s", err);
    assert_int_equal(strncmp(u.hash, "$6$", 3), 0);
    rauth_free(a);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_login_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_and_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_userdb_without_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sees_later_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_roster_then_created, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locked_roster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_mailbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_rule_for_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
