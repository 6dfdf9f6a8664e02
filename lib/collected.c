/*
 * NAME
 *	collected 3
 * SUMMARY
 *	the store of what surel-collect delivered (see collected.h)
 * DESCRIPTION
 *	Schema version 1 (PRAGMA user_version): table collected, one row per
 *	(mailbox, uid), indexed by (mailbox, message_id, digest); table
 *	collected_rcpt, one row per (mailbox, uid, recipient) handed over.  The file
 *	is created 0600: Message-IDs say who wrote to whom.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collected.h"

struct collected {
    sqlite3 *db;
    char errmsg[300];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS collected ("
    " mailbox TEXT NOT NULL, uid TEXT NOT NULL, message_id TEXT NOT NULL,"
    " digest TEXT NOT NULL, what INTEGER NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY (mailbox, uid));"
    "CREATE INDEX IF NOT EXISTS collected_message ON collected (mailbox, message_id, digest);"
    "CREATE TABLE IF NOT EXISTS collected_rcpt ("
    " mailbox TEXT NOT NULL, uid TEXT NOT NULL, rcpt TEXT NOT NULL, at INTEGER NOT NULL,"
    " PRIMARY KEY (mailbox, uid, rcpt));"
    "CREATE TABLE IF NOT EXISTS secret (key BLOB NOT NULL);"
    "PRAGMA user_version = 1;";

/* Keep SQLite's words about a failed step; -1. */
static int fail(struct collected *c, const char *what)
{
    snprintf(c->errmsg, sizeof(c->errmsg), "%s: %s", what, sqlite3_errmsg(c->db));
    return -1;
}

/* Create the file 0600 if it is missing (SQLite would follow the umask). */
static int create_private(const char *path, char *err, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Apply the schema when the file is new; refuse one from a newer surel. */
static int migrate(struct collected *c, const char *path, char *err, size_t len)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > 1) {
        snprintf(err, len, "%s: schema version %d is newer than this program's (1)", path, version);
        return -1;
    }
    if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK) {   /* idempotent */
        snprintf(err, len, "%s: %s", path, sqlite3_errmsg(c->db));
        return -1;
    }
    return 0;
}

int collected_open(const char *path, struct collected **cp, char *err, size_t len)
{
    struct collected *c = calloc(1, sizeof(*c));
    *cp = NULL;
    if (c == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    if (access(path, F_OK) != 0 && create_private(path, err, len) < 0) {
        free(c);
        return -1;
    }
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, len, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        collected_close(c);
        return -1;
    }
    sqlite3_busy_timeout(c->db, 5000);
    if (sqlite3_exec(c->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK
        || migrate(c, path, err, len) < 0) {
        if (*err == '\0')
            snprintf(err, len, "%s: %s", path, sqlite3_errmsg(c->db));
        collected_close(c);
        return -1;
    }
    *cp = c;
    return 0;
}

void collected_close(struct collected *c)
{
    if (c == NULL)
        return;
    sqlite3_close(c->db);
    free(c);
}

const char *collected_errmsg(const struct collected *c)
{
    return c->errmsg;
}

/* One "what" from a query with text parameters; 0 when no row. */
static int lookup(struct collected *c, const char *sql, const char *const *args, int n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(c, "lookup");
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int what = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(c, "lookup");
    return what;
}

int collected_by_uid(struct collected *c, const char *mailbox, const char *uid)
{
    const char *args[] = {mailbox, uid};
    return lookup(c, "SELECT what FROM collected WHERE mailbox = ?1 AND uid = ?2", args, 2);
}

int collected_by_message(struct collected *c, const char *mailbox, const char *message_id,
                         const char *digest)
{
    const char *args[] = {mailbox, message_id, digest};
    if (*message_id == '\0')
        return 0;
    return lookup(c,
                  "SELECT what FROM collected WHERE mailbox = ?1 AND message_id = ?2"
                  " AND digest = ?3 ORDER BY what LIMIT 1",
                  args, 3);
}

int collected_add(struct collected *c, const char *mailbox, const char *uid,
                  const char *message_id, const char *digest, int what, long long now)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT OR REPLACE INTO collected (mailbox, uid, message_id, digest,"
                           " what, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(c, "add");
    sqlite3_bind_text(st, 1, mailbox, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, uid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, message_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, digest, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, what);
    sqlite3_bind_int64(st, 6, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(c, "add");
}

/* Run one statement with text parameters and a time last; 0 or -1. */
static int change(struct collected *c, const char *sql, const char *const *args, int n,
                  long long when, const char *what)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(c, what);
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, n + 1, when);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(c, what);
}

int collected_expire(struct collected *c, const char *mailbox, long long before)
{
    const char *args[] = {mailbox};
    if (change(c, "DELETE FROM collected WHERE mailbox = ?1 AND at < ?2", args, 1, before,
               "expire") < 0)
        return -1;
    return change(c, "DELETE FROM collected_rcpt WHERE mailbox = ?1 AND at < ?2", args, 1,
                  before, "expire");
}

int collected_rcpt_done(struct collected *c, const char *mailbox, const char *uid,
                        const char *rcpt)
{
    const char *args[] = {mailbox, uid, rcpt};
    return lookup(c,
                  "SELECT 1 FROM collected_rcpt WHERE mailbox = ?1 AND uid = ?2 AND rcpt = ?3",
                  args, 3);
}

int collected_rcpt_add(struct collected *c, const char *mailbox, const char *uid,
                       const char *rcpt, long long now)
{
    const char *args[] = {mailbox, uid, rcpt};
    return change(c,
                  "INSERT OR REPLACE INTO collected_rcpt (mailbox, uid, rcpt, at)"
                  " VALUES (?1, ?2, ?3, ?4)",
                  args, 3, now, "add a recipient");
}

int collected_secret(struct collected *c, unsigned char key[32])
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT key FROM secret", -1, &st, NULL) != SQLITE_OK)
        return fail(c, "secret");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(key, sqlite3_column_blob(st, 0), 32);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (getrandom(key, 32, 0) != 32) {
        snprintf(c->errmsg, sizeof(c->errmsg), "secret: getrandom: %s", strerror(errno));
        return -1;
    }
    if (sqlite3_prepare_v2(c->db, "INSERT INTO secret (key) VALUES (?1)", -1, &st, NULL)
        != SQLITE_OK)
        return fail(c, "secret");
    sqlite3_bind_blob(st, 1, key, 32, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(c, "secret");
}
