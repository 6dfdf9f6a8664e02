/*
 * NAME
 *	roster_db 3
 * SUMMARY
 *	the roster store: opening, schema, migrations, transactions
 * DESCRIPTION
 *	See roster.h.  The schema of each file carries its version in
 *	PRAGMA user_version.  migrations[i] takes a roster file from
 *	version i to i + 1; a writable open applies the missing ones in one
 *	transaction, a read-only open refuses a file that is behind (or
 *	ahead, written by a newer surel) with ROSTER_ESCHEMA.
 *
 *	Both files use WAL with persistent -wal and -shm files, so that
 *	readers which may not write the directory (Postfix's lookup tables,
 *	Dovecot's auth as user dovecot) can still open them read-only.
 *	A new credentials file is created mode 0600; the -wal and -shm files
 *	inherit each database file's mode and owner.
 * DIAGNOSTICS
 *	roster_open() fills err and returns a negative ROSTER_E* code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "roster_internal.h"
#include "util.h"

/* Roster file: version i -> i + 1. */
static const char *const roster_migrations[] = {
    /* 0 -> 1: the first release. */
    "CREATE TABLE person ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  full_name TEXT NOT NULL,"
    "  name_key TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('student','teacher','staff','admin')),"
    "  class TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active'"
    "    CHECK (status IN ('active','suspended','graduated')),"
    "  nisn TEXT UNIQUE,"
    "  gender TEXT,"
    "  mailbox TEXT NOT NULL UNIQUE,"
    "  external_mail INTEGER,"
    "  quota_mb INTEGER,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE INDEX person_class ON person(class, role, status);"
    "CREATE INDEX person_name ON person(name_key, class);"
    "CREATE TABLE grp ("
    "  name TEXT PRIMARY KEY,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE grp_member ("
    "  grp TEXT NOT NULL REFERENCES grp(name) ON DELETE CASCADE,"
    "  username TEXT NOT NULL REFERENCES person(username),"
    "  may_send_as INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (grp, username));"
    /* What Postfix's sqlite: tables and the milter read: the interface. */
    "CREATE VIEW mail_mailbox(local, username, mailbox, status) AS"
    "  SELECT username, username, mailbox, status FROM person;"
    "CREATE VIEW mail_list_member(list, username) AS"
    "  SELECT 'kelas-' || lower(class), username FROM person"
    "    WHERE status = 'active' AND role = 'student' AND class IS NOT NULL AND class <> ''"
    "  UNION ALL SELECT CASE role WHEN 'student' THEN 'siswa' WHEN 'teacher' THEN 'guru'"
    "    ELSE 'staf' END, username FROM person"
    "    WHERE status = 'active' AND role IN ('student', 'teacher', 'staff')"
    "  UNION ALL SELECT m.grp, m.username FROM grp_member m JOIN person p"
    "    ON p.username = m.username WHERE p.status = 'active';",
    /* 1 -> 2: what the webmail's address book and identities read (the
     * Roundcube plugin in webmail/): the active people and every list. */
    "CREATE VIEW webmail_contact(local, full_name, kind, class) AS"
    "  SELECT username, full_name, role, class FROM person WHERE status = 'active'"
    "  UNION SELECT DISTINCT list, list, 'list', NULL FROM mail_list_member;",
};

/* Credentials file, attached as "cred": version i -> i + 1. */
static const char *const cred_migrations[] = {
    "CREATE TABLE cred.credential ("
    "  username TEXT PRIMARY KEY,"
    "  hash TEXT NOT NULL,"
    "  updated INTEGER NOT NULL);",
};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

int roster_fail(struct roster *r, int rc, const char *what)
{
    int busy = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", what,
             busy ? "the roster is locked by another program (an import?); try again"
                  : sqlite3_errmsg(r->db));
    return busy ? ROSTER_EBUSY : ROSTER_EDB;
}

int roster_need_credentials(struct roster *r)
{
    if (r->flags & ROSTER_CREDENTIALS)
        return 0;
    snprintf(r->errmsg, sizeof(r->errmsg), "roster: credentials file not open");
    return ROSTER_EINVAL;
}

int roster_exec(struct roster *r, const char *sql)
{
    int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : roster_fail(r, rc, "roster");
}

sqlite3_stmt *roster_stmt(struct roster *r, const char *sql)
{
    int i;
    for (i = 0; i < ROSTER_STMT_CACHE && r->cache[i].sql != NULL; i++) {
        if (r->cache[i].sql == sql) {
            sqlite3_reset(r->cache[i].stmt);
            sqlite3_clear_bindings(r->cache[i].stmt);
            return r->cache[i].stmt;
        }
    }
    if (i == ROSTER_STMT_CACHE) {
        snprintf(r->errmsg, sizeof(r->errmsg), "roster: statement cache full");
        return NULL;
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        roster_fail(r, rc, "roster");
        return NULL;
    }
    r->cache[i].sql = sql;
    r->cache[i].stmt = st;
    return st;
}

int roster_step_done(struct roster *r, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_CONSTRAINT) {
        snprintf(r->errmsg, sizeof(r->errmsg), "%s: %s", what, sqlite3_errmsg(r->db));
        return ROSTER_EEXIST;
    }
    return roster_fail(r, rc, what);
}

int roster_write(struct roster *r, const char *sql, const char *what, const char *a,
                 const char *b)
{
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b != NULL)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    int rc = roster_step_done(r, st, what);
    sqlite3_reset(st);
    return rc;
}

int roster_exists(struct roster *r, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
    if (b != NULL)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "roster lookup");
}

void roster_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL || *s == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* The user_version of schema "main" or "cred". */
static int schema_version(struct roster *r, const char *schema)
{
    char sql[64];
    sqlite3_stmt *st;
    int v = -1;
    snprintf(sql, sizeof(sql), "PRAGMA %s.user_version", schema);
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int roster_schema_version(struct roster *r)
{
    return schema_version(r, "main");
}

/* Bring one schema up to date, or check that it is, for a reader. */
static int migrate(struct roster *r, const char *schema, const char *file,
                   const char *const *steps, int nsteps)
{
    int v = schema_version(r, schema);
    if (v < 0)
        return roster_fail(r, sqlite3_errcode(r->db), file);
    if (v > nsteps) {
        snprintf(r->errmsg, sizeof(r->errmsg),
                 "%s: schema version %d is newer than this surel knows (%d)", file, v, nsteps);
        return ROSTER_ESCHEMA;
    }
    if (v == nsteps)
        return 0;
    if (!(r->flags & ROSTER_WRITE) || (v == 0 && !(r->flags & ROSTER_CREATE))) {
        snprintf(r->errmsg, sizeof(r->errmsg), v == 0
                 ? "%s: not a roster yet; run 'surel-roster init'"
                 : "%s: old schema; run 'surel-roster init' to upgrade it", file);
        return ROSTER_ESCHEMA;
    }
    char sql[96];
    int rc = roster_exec(r, "BEGIN IMMEDIATE");
    for (; rc == 0 && v < nsteps; v++) {
        rc = roster_exec(r, steps[v]);
        snprintf(sql, sizeof(sql), "PRAGMA %s.user_version = %d", schema, v + 1);
        if (rc == 0)
            rc = roster_exec(r, sql);
    }
    if (rc == 0)
        rc = roster_exec(r, "COMMIT");
    else
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Make sure a file exists with the given mode before SQLite creates it. */
static int precreate(const char *path, mode_t mode, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Open one file as schema "main" or attach it as "cred". */
static int open_file(struct roster *r, const char *path, const char *schema,
                     char *err, size_t errlen)
{
    char uri[4200];
    int rc, write = r->flags & ROSTER_WRITE;
    if (write && (r->flags & ROSTER_CREATE) && access(path, F_OK) != 0
        && precreate(path, strcmp(schema, "main") == 0 ? 0644 : 0600, err, errlen) < 0)
        return ROSTER_EDB;
    if (!write && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ROSTER_EDB;
    }
    if (strcmp(schema, "main") == 0) {
        /* URI filenames, per connection, so that ATTACH below can say mode=ro. */
        rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_URI
                             | (write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY), NULL);
    } else {
        sqlite3_stmt *st;
        snprintf(uri, sizeof(uri), "ATTACH ?1 AS cred");
        rc = sqlite3_prepare_v2(r->db, uri, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            char name[4200];
            snprintf(name, sizeof(name), "file:%s?mode=%s", path, write ? "rw" : "ro");
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(r->db);
            sqlite3_finalize(st);
        }
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, r->db ? sqlite3_errmsg(r->db) : "out of memory");
        return ROSTER_EDB;
    }
    return 0;
}

/* WAL with persistent -wal/-shm files, so that read-only readers work. */
static int setup_wal(struct roster *r, const char *schema)
{
    char sql[64];
    int one = 1;
    snprintf(sql, sizeof(sql), "PRAGMA %s.journal_mode = WAL", schema);
    if (roster_exec(r, sql) < 0)
        return ROSTER_EDB;
    sqlite3_file_control(r->db, schema, SQLITE_FCNTL_PERSIST_WAL, &one);
    return 0;
}

int roster_open(const char *db, const char *credentials, int flags,
                struct roster **rp, char *err, size_t errlen)
{
    struct roster *r = calloc(1, sizeof(*r));
    int rc;
    *rp = NULL;
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return ROSTER_EDB;
    }
    r->flags = flags;
    rc = open_file(r, db, "main", err, errlen);
    if (rc == 0) {
        sqlite3_extended_result_codes(r->db, 0);
        sqlite3_busy_timeout(r->db, 5000);
        rc = roster_exec(r, "PRAGMA foreign_keys = ON");
        if (rc == 0 && (flags & ROSTER_CREDENTIALS))
            rc = open_file(r, credentials, "cred", err, errlen);
        if (rc == 0 && (flags & ROSTER_WRITE)) {
            rc = setup_wal(r, "main");
            if (rc == 0 && (flags & ROSTER_CREDENTIALS))
                rc = setup_wal(r, "cred");
        }
        if (rc == ROSTER_EDB && r->errmsg[0] != '\0')
            snprintf(err, errlen, "%s", r->errmsg);
    }
    if (rc == 0)
        rc = migrate(r, "main", db, roster_migrations, NELEM(roster_migrations));
    if (rc == 0 && (flags & ROSTER_CREDENTIALS))
        rc = migrate(r, "cred", credentials, cred_migrations, NELEM(cred_migrations));
    if (rc < 0) {
        if (r->errmsg[0] != '\0')
            snprintf(err, errlen, "%s", r->errmsg);
        roster_close(r);
        return rc;
    }
    *rp = r;
    return 0;
}

void roster_close(struct roster *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < ROSTER_STMT_CACHE && r->cache[i].sql != NULL; i++)
        sqlite3_finalize(r->cache[i].stmt);
    if (r->in_tx)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(r->db);
    free(r);
}

const char *roster_errmsg(const struct roster *r)
{
    return r->errmsg;
}

void roster_set_busy_timeout(struct roster *r, int ms)
{
    sqlite3_busy_timeout(r->db, ms);
}

int roster_begin(struct roster *r)
{
    int rc = roster_exec(r, "BEGIN IMMEDIATE");
    if (rc == 0)
        r->in_tx = 1;
    return rc;
}

int roster_commit(struct roster *r)
{
    int rc = roster_exec(r, "COMMIT");
    if (rc == 0)
        r->in_tx = 0;
    return rc;
}

void roster_rollback(struct roster *r)
{
    if (r->in_tx)
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    r->in_tx = 0;
}
