/*
 * NAME
 *	ledger 3
 * SUMMARY
 *	dialctl's ledger store
 * SYNOPSIS
 *	See ledger.h.
 * DESCRIPTION
 *	migrations[i] takes the file from version i to i + 1, as in
 *	roster_db.c.  Every statement is prepared and finalized where it
 *	is used: the ledger sees a few statements per session.
 * DIAGNOSTICS
 *	See ledger.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "util.h"

struct ledger {
    sqlite3 *db;
    int flags;
    char errmsg[512];
};

static const char *const migrations[] = {
    /* 0 -> 1: the first release. */
    "CREATE TABLE session ("
    "  id INTEGER PRIMARY KEY,"
    "  trigger TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  link_up INTEGER,"
    "  link_down INTEGER,"
    "  ended INTEGER NOT NULL,"
    "  dial_seconds INTEGER NOT NULL,"
    "  up_seconds INTEGER NOT NULL,"
    "  billed_seconds INTEGER NOT NULL,"
    "  bytes_sent INTEGER NOT NULL,"
    "  bytes_rcvd INTEGER NOT NULL,"
    "  msgs_out INTEGER,"
    "  msgs_in INTEGER,"
    "  attempts INTEGER NOT NULL,"
    "  cost INTEGER NOT NULL,"
    "  etrn TEXT NOT NULL DEFAULT '',"
    "  errors TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX session_started ON session(started);"
    "CREATE TABLE event ("
    "  id INTEGER PRIMARY KEY,"
    "  time INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  text TEXT NOT NULL);",
    /* 1 -> 2: how the session carried the mail (dialctl [dial] mode), and
       for "ssh" the SMTP bytes its tunnel carried and what they took
       compressed (NULL: not known). */
    "ALTER TABLE session ADD COLUMN mode TEXT NOT NULL DEFAULT 'etrn';"
    "ALTER TABLE session ADD COLUMN payload_bytes INTEGER;"
    "ALTER TABLE session ADD COLUMN wire_bytes INTEGER;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Record an SQLite failure; returns the matching code. */
static int fail(struct ledger *l, int rc, const char *what)
{
    int busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    snprintf(l->errmsg, sizeof(l->errmsg), "ledger: %s: %s", what,
             busy ? "locked by another program; try again" : sqlite3_errmsg(l->db));
    return busy ? LEDGER_EBUSY : LEDGER_EDB;
}

/* Run SQL without results. */
static int exec(struct ledger *l, const char *sql, const char *what)
{
    int rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(l, rc, what);
}

/* PRAGMA user_version, or -1. */
static int version(struct ledger *l)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Bring the schema up to date, or check that it is. */
static int migrate(struct ledger *l, const char *path)
{
    int v = version(l), rc;
    char sql[64];
    if (v < 0)
        return fail(l, sqlite3_errcode(l->db), path);
    if (v > NMIGRATIONS) {
        snprintf(l->errmsg, sizeof(l->errmsg),
                 "%s: ledger schema version %d is newer than this surel knows (%d)", path, v,
                 NMIGRATIONS);
        return LEDGER_ESCHEMA;
    }
    if (v == NMIGRATIONS)
        return 0;
    if (!(l->flags & LEDGER_WRITE) || (v == 0 && !(l->flags & LEDGER_CREATE))) {
        snprintf(l->errmsg, sizeof(l->errmsg), v == 0
                 ? "%s: no ledger yet (dialctl creates it when it first runs)"
                 : "%s: old ledger schema; start dialctl once to upgrade it", path);
        return LEDGER_ESCHEMA;
    }
    rc = exec(l, "BEGIN IMMEDIATE", "migrate");
    for (; rc == 0 && v < NMIGRATIONS; v++) {
        rc = exec(l, migrations[v], "migrate");
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        if (rc == 0)
            rc = exec(l, sql, "migrate");
    }
    if (rc == 0)
        return exec(l, "COMMIT", "migrate");
    sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int ledger_open(const char *path, int flags, struct ledger **lp, char *err, size_t errlen)
{
    struct ledger *l = calloc(1, sizeof(*l));
    int rc, oflags = (flags & LEDGER_WRITE) ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    *lp = NULL;
    if (l == NULL) {
        snprintf(err, errlen, "ledger: out of memory");
        return LEDGER_EDB;
    }
    l->flags = flags;
    if ((flags & LEDGER_CREATE) && (flags & LEDGER_WRITE))
        oflags |= SQLITE_OPEN_CREATE;
    if (!(flags & LEDGER_CREATE) && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(l);
        return LEDGER_EDB;
    }
    rc = sqlite3_open_v2(path, &l->db, oflags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(l->db, 5000);
        rc = (flags & LEDGER_WRITE) ? exec(l, "PRAGMA journal_mode = DELETE", path) : 0;
        if (rc == 0)
            rc = migrate(l, path);
    } else {
        snprintf(l->errmsg, sizeof(l->errmsg), "%s: %s", path,
                 l->db ? sqlite3_errmsg(l->db) : "out of memory");
        rc = LEDGER_EDB;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s", l->errmsg);
        ledger_close(l);
        return rc < 0 ? rc : LEDGER_EDB;
    }
    *lp = l;
    return 0;
}

void ledger_close(struct ledger *l)
{
    if (l == NULL)
        return;
    sqlite3_close(l->db);
    free(l);
}

const char *ledger_errmsg(const struct ledger *l)
{
    return l->errmsg;
}

/* Bind a count that may be unknown (-1 -> NULL). */
static void bind_count(sqlite3_stmt *st, int i, long long v)
{
    if (v < 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

int ledger_add_session(struct ledger *l, struct ledger_session *s)
{
    static const char sql[] =
        "INSERT INTO session (trigger, started, link_up, link_down, ended, dial_seconds,"
        " up_seconds, billed_seconds, bytes_sent, bytes_rcvd, msgs_out, msgs_in, attempts,"
        " cost, etrn, errors, mode, payload_bytes, wire_bytes)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(l, rc, "add session");
    sqlite3_bind_text(st, 1, s->trigger, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, s->started);
    bind_count(st, 3, s->link_up > 0 ? s->link_up : -1);
    bind_count(st, 4, s->link_down > 0 ? s->link_down : -1);
    sqlite3_bind_int64(st, 5, s->ended);
    sqlite3_bind_int64(st, 6, s->dial_seconds);
    sqlite3_bind_int64(st, 7, s->up_seconds);
    sqlite3_bind_int64(st, 8, s->billed_seconds);
    sqlite3_bind_int64(st, 9, s->bytes_sent);
    sqlite3_bind_int64(st, 10, s->bytes_rcvd);
    bind_count(st, 11, s->msgs_out);
    bind_count(st, 12, s->msgs_in);
    sqlite3_bind_int(st, 13, s->attempts);
    sqlite3_bind_int64(st, 14, s->cost);
    sqlite3_bind_text(st, 15, s->etrn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 16, s->errors, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 17, *s->mode ? s->mode : "etrn", -1, SQLITE_TRANSIENT);
    bind_count(st, 18, s->payload_bytes);
    bind_count(st, 19, s->wire_bytes);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(l, rc, "add session");
    s->id = sqlite3_last_insert_rowid(l->db);
    return 0;
}

int ledger_add_event(struct ledger *l, long long when, const char *kind, const char *text)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db, "INSERT INTO event (time, kind, text) VALUES (?,?,?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(l, rc, "add event");
    sqlite3_bind_int64(st, 1, when);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(l, rc, "add event");
}

#define SUM_COLUMNS \
    "count(*), total(up_seconds), total(billed_seconds), total(bytes_sent)," \
    " total(bytes_rcvd), total(coalesce(msgs_out,0)), total(coalesce(msgs_in,0)), total(cost)," \
    " total(payload_bytes), total(wire_bytes)"

/* Read the ten SUM_COLUMNS starting at column first. */
static void read_sum(sqlite3_stmt *st, int first, struct ledger_sum *s)
{
    s->sessions = sqlite3_column_int64(st, first);
    s->up_seconds = (long long)sqlite3_column_double(st, first + 1);
    s->billed_seconds = (long long)sqlite3_column_double(st, first + 2);
    s->bytes_sent = (long long)sqlite3_column_double(st, first + 3);
    s->bytes_rcvd = (long long)sqlite3_column_double(st, first + 4);
    s->msgs_out = (long long)sqlite3_column_double(st, first + 5);
    s->msgs_in = (long long)sqlite3_column_double(st, first + 6);
    s->cost = (long long)sqlite3_column_double(st, first + 7);
    s->payload_bytes = (long long)sqlite3_column_double(st, first + 8);
    s->wire_bytes = (long long)sqlite3_column_double(st, first + 9);
}

int ledger_total(struct ledger *l, long long from, long long to, struct ledger_sum *sum)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db, "SELECT " SUM_COLUMNS
                                " FROM session WHERE started >= ? AND started < ?", -1, &st, NULL);
    memset(sum, 0, sizeof(*sum));
    if (rc != SQLITE_OK)
        return fail(l, rc, "total");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_sum(st, 0, sum);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : fail(l, rc, "total");
}

int ledger_days(struct ledger *l, long long from, long long to, ledger_day_fn *fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db,
        "SELECT date(started, 'unixepoch', 'localtime') AS day, " SUM_COLUMNS
        " FROM session WHERE started >= ? AND started < ? GROUP BY day ORDER BY day",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(l, rc, "days");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_sum s;
        read_sum(st, 1, &s);
        if (fn((const char *)sqlite3_column_text(st, 0), &s, ctx) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(l, rc, "days");
}

int ledger_events(struct ledger *l, int limit, ledger_event_fn *fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db,
        "SELECT time, kind, text FROM (SELECT * FROM event ORDER BY id DESC LIMIT ?)"
        " ORDER BY id", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(l, rc, "events");
    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), ctx) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(l, rc, "events");
}

/* Fill s from a row of SELECT * FROM session. */
static void read_session(sqlite3_stmt *st, struct ledger_session *s)
{
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    surel_strlcpy(s->trigger, (const char *)sqlite3_column_text(st, 1), sizeof(s->trigger));
    s->started = sqlite3_column_int64(st, 2);
    s->link_up = sqlite3_column_int64(st, 3);
    s->link_down = sqlite3_column_int64(st, 4);
    s->ended = sqlite3_column_int64(st, 5);
    s->dial_seconds = sqlite3_column_int64(st, 6);
    s->up_seconds = sqlite3_column_int64(st, 7);
    s->billed_seconds = sqlite3_column_int64(st, 8);
    s->bytes_sent = sqlite3_column_int64(st, 9);
    s->bytes_rcvd = sqlite3_column_int64(st, 10);
    s->msgs_out = sqlite3_column_type(st, 11) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 11);
    s->msgs_in = sqlite3_column_type(st, 12) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 12);
    s->attempts = sqlite3_column_int(st, 13);
    s->cost = sqlite3_column_int64(st, 14);
    surel_strlcpy(s->etrn, (const char *)sqlite3_column_text(st, 15), sizeof(s->etrn));
    surel_strlcpy(s->errors, (const char *)sqlite3_column_text(st, 16), sizeof(s->errors));
}

int ledger_sessions(struct ledger *l, int limit, ledger_session_fn *fn, void *ctx)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(l->db,
        "SELECT id, trigger, started, link_up, link_down, ended, dial_seconds, up_seconds,"
        " billed_seconds, bytes_sent, bytes_rcvd, msgs_out, msgs_in, attempts, cost, etrn,"
        " errors FROM (SELECT * FROM session ORDER BY id DESC LIMIT ?) ORDER BY id",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(l, rc, "sessions");
    sqlite3_bind_int(st, 1, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ledger_session s;
        read_session(st, &s);
        if (fn(&s, ctx) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(l, rc, "sessions");
}
