/*
 * NAME
 *	roster_internal 3h
 * SUMMARY
 *	what the roster_*.c files share, and nobody else sees
 * DESCRIPTION
 *	struct roster holds the SQLite connection (with the credentials
 *	file attached as "cred" when opened with ROSTER_CREDENTIALS) and a
 *	small cache of prepared statements keyed by their SQL text's address.
 *	roster_stmt() returns a reset statement ready for binding;
 *	roster_write() and roster_exists() run the common one-step cases.
 */
#ifndef SUREL_ROSTER_INTERNAL_H
#define SUREL_ROSTER_INTERNAL_H

#include <sqlite3.h>

#include "roster.h"

#define ROSTER_STMT_CACHE 48

struct roster {
    sqlite3 *db;
    int flags;
    int in_tx;
    char errmsg[512];
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[ROSTER_STMT_CACHE];
};

sqlite3_stmt *roster_stmt(struct roster *r, const char *sql);
int roster_fail(struct roster *r, int rc, const char *what);
int roster_exec(struct roster *r, const char *sql);
/* 0, or ROSTER_EINVAL (errmsg set) when the credentials file is not attached. */
int roster_need_credentials(struct roster *r);
int roster_step_done(struct roster *r, sqlite3_stmt *st, const char *what);
void roster_bind_text(sqlite3_stmt *st, int i, const char *s);
/* One-step write with text parameters ?1 and (unless NULL) ?2. */
int roster_write(struct roster *r, const char *sql, const char *what, const char *a,
                 const char *b);
/* 1 if the query with text parameters ?1 and ?2 returns a row, 0 if not. */
int roster_exists(struct roster *r, const char *sql, const char *a, const char *b);

#endif
