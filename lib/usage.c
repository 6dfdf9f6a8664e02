/*
 * NAME
 *	usage 3
 * SUMMARY
 *	the milter's usage counters: outside mail per person per day
 * DESCRIPTION
 *	See usage.h.  migrations[i] takes the file from version i to i + 1.
 *	The file is created mode 0644: the dial controller reads it for its
 *	cost report; only surel-milter writes it.  Writers use synchronous =
 *	NORMAL: a power cut may lose the last few counts, not the file.
 * DIAGNOSTICS
 *	Negative USAGE_E* codes, with usage_errmsg() or err filled in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "usage.h"

struct usage {
    sqlite3 *db;
    int flags;
    sqlite3_stmt *get, *add, *each;
    char errmsg[512];
};

static const char *const migrations[] = {
    /* 0 -> 1: the first release. */
    "CREATE TABLE usage_day ("
    "  day TEXT NOT NULL,"
    "  username TEXT NOT NULL,"
    "  messages INTEGER NOT NULL DEFAULT 0,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (day, username));",
    /* 1 -> 2: the daily allowance counts outside recipients, not messages. */
    "ALTER TABLE usage_day ADD COLUMN recipients INTEGER NOT NULL DEFAULT 0;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Record an SQLite failure; busy and locked are told apart. */
static int fail(struct usage *u, int rc, const char *what)
{
    int busy = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    snprintf(u->errmsg, sizeof(u->errmsg), "%s: %s", what,
             busy ? "the usage store is locked; try again" : sqlite3_errmsg(u->db));
    return busy ? USAGE_EBUSY : USAGE_EDB;
}

/* Run one SQL script without results. */
static int exec(struct usage *u, const char *sql)
{
    int rc = sqlite3_exec(u->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(u, rc, "usage");
}

/* The file's user_version, or -1. */
static int version(struct usage *u)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(u->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Bring the schema up to date (writers) or check it is (readers). */
static int migrate(struct usage *u, const char *path)
{
    int v = version(u), rc;
    char sql[64];
    if (v < 0)
        return fail(u, sqlite3_errcode(u->db), path);
    if (v > NMIGRATIONS || (v < NMIGRATIONS && !(u->flags & USAGE_WRITE))) {
        snprintf(u->errmsg, sizeof(u->errmsg), v > NMIGRATIONS
                 ? "%s: schema version %d is newer than this surel knows"
                 : "%s: schema version %d is old or missing; surel-milter upgrades it", path, v);
        return USAGE_ESCHEMA;
    }
    if (v == NMIGRATIONS)
        return 0;
    rc = exec(u, "BEGIN IMMEDIATE");
    for (; rc == 0 && v < NMIGRATIONS; v++) {
        rc = exec(u, migrations[v]);
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        if (rc == 0)
            rc = exec(u, sql);
    }
    if (rc == 0)
        return exec(u, "COMMIT");
    sqlite3_exec(u->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Open the SQLite file itself; the file is made 0644 when created. */
static int open_db(struct usage *u, const char *path, char *err, size_t errlen)
{
    int write = u->flags & USAGE_WRITE;
    if (write && (u->flags & USAGE_CREATE) && access(path, F_OK) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0 && fchmod(fd, 0644) < 0) {     /* whatever the umask: readers need it */
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return USAGE_EDB;
        }
        close(fd);
    }
    if (access(path, write ? R_OK | W_OK : R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return USAGE_EDB;
    }
    int rc = sqlite3_open_v2(path, &u->db, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, u->db ? sqlite3_errmsg(u->db) : "out of memory");
        return USAGE_EDB;
    }
    sqlite3_busy_timeout(u->db, 5000);
    return 0;
}

/* WAL with persistent -wal/-shm files (writers only).  synchronous =
 * NORMAL: no fsync per counted message (WAL stays consistent; a power cut
 * may forget the last few counts, never corrupt the file). */
static int setup_wal(struct usage *u)
{
    int one = 1;
    if (!(u->flags & USAGE_WRITE))
        return 0;
    if (exec(u, "PRAGMA journal_mode = WAL") < 0 || exec(u, "PRAGMA synchronous = NORMAL") < 0)
        return USAGE_EDB;
    sqlite3_file_control(u->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
    return 0;
}

/* Prepare the statements every handle uses. */
static int prepare(struct usage *u)
{
    static const char get[] = "SELECT messages, bytes, recipients FROM usage_day"
        " WHERE day = ?1 AND username = ?2";
    static const char add[] = "INSERT INTO usage_day (day, username, messages, bytes,"
        " recipients) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (day, username) DO UPDATE"
        " SET messages = messages + excluded.messages, bytes = bytes + excluded.bytes,"
        " recipients = recipients + excluded.recipients";
    static const char each[] = "SELECT day, username, messages, bytes, recipients FROM usage_day"
        " WHERE day BETWEEN ?1 AND ?2 ORDER BY day, username";
    int rc = sqlite3_prepare_v2(u->db, get, -1, &u->get, NULL);
    if (rc == SQLITE_OK && (u->flags & USAGE_WRITE))
        rc = sqlite3_prepare_v2(u->db, add, -1, &u->add, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(u->db, each, -1, &u->each, NULL);
    return rc == SQLITE_OK ? 0 : fail(u, rc, "usage");
}

int usage_open(const char *path, int flags, struct usage **up, char *err, size_t errlen)
{
    struct usage *u = calloc(1, sizeof(*u));
    int rc;
    *up = NULL;
    if (u == NULL) {
        snprintf(err, errlen, "out of memory");
        return USAGE_EDB;
    }
    u->flags = flags;
    rc = open_db(u, path, err, errlen);
    if (rc == 0)
        rc = setup_wal(u);
    if (rc == 0)
        rc = migrate(u, path);
    if (rc == 0)
        rc = prepare(u);
    if (rc < 0) {
        if (u->errmsg[0] != '\0')
            snprintf(err, errlen, "%s", u->errmsg);
        usage_close(u);
        return rc;
    }
    *up = u;
    return 0;
}

void usage_close(struct usage *u)
{
    if (u == NULL)
        return;
    sqlite3_finalize(u->get);
    sqlite3_finalize(u->add);
    sqlite3_finalize(u->each);
    sqlite3_close(u->db);
    free(u);
}

const char *usage_errmsg(const struct usage *u)
{
    return u->errmsg;
}

int usage_get(struct usage *u, const char *day, const char *username, struct usage_day *d)
{
    sqlite3_reset(u->get);
    sqlite3_bind_text(u->get, 1, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u->get, 2, username, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(u->get);
    d->messages = d->bytes = d->recipients = 0;
    if (rc == SQLITE_ROW) {
        d->messages = sqlite3_column_int64(u->get, 0);
        d->bytes = sqlite3_column_int64(u->get, 1);
        d->recipients = sqlite3_column_int64(u->get, 2);
    }
    sqlite3_reset(u->get);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(u, rc, "usage lookup");
}

int usage_add(struct usage *u, const char *day, const char *username,
              long long messages, long long bytes, long long recipients)
{
    if (u->add == NULL) {
        snprintf(u->errmsg, sizeof(u->errmsg), "usage: opened read-only");
        return USAGE_EDB;
    }
    sqlite3_reset(u->add);
    sqlite3_bind_text(u->add, 1, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u->add, 2, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(u->add, 3, messages);
    sqlite3_bind_int64(u->add, 4, bytes);
    sqlite3_bind_int64(u->add, 5, recipients);
    int rc = sqlite3_step(u->add);
    sqlite3_reset(u->add);
    return rc == SQLITE_DONE ? 0 : fail(u, rc, "usage update");
}

int usage_each(struct usage *u, const char *from, const char *to, usage_fn *fn, void *ctx)
{
    struct usage_day d;
    int rc, stop = 0;
    sqlite3_reset(u->each);
    sqlite3_bind_text(u->each, 1, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(u->each, 2, to, -1, SQLITE_TRANSIENT);
    while (!stop && (rc = sqlite3_step(u->each)) == SQLITE_ROW) {
        d.messages = sqlite3_column_int64(u->each, 2);
        d.bytes = sqlite3_column_int64(u->each, 3);
        d.recipients = sqlite3_column_int64(u->each, 4);
        stop = fn((const char *)sqlite3_column_text(u->each, 0),
                  (const char *)sqlite3_column_text(u->each, 1), &d, ctx);
    }
    sqlite3_reset(u->each);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : fail(u, rc, "usage list");
}

void usage_day_of(long long when, char *day, size_t len)
{
    time_t t = (time_t)when;
    struct tm tm;
    if (localtime_r(&t, &tm) == NULL || strftime(day, len, "%Y-%m-%d", &tm) == 0)
        snprintf(day, len, "1970-01-01");
}
