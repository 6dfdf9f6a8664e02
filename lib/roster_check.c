/*
 * NAME
 *	roster_check 3
 * SUMMARY
 *	the roster's health: integrity of both files, people without a password
 * SYNOPSIS
 *	#include "roster.h"
 *
 *	int	roster_check(struct roster *r, struct roster_health *h);
 * DESCRIPTION
 *	Runs SQLite's quick_check on the roster and the credentials file
 *	(its first complaint in h->main_problem / h->cred_problem, empty
 *	when "ok"), and counts the active and suspended people who have no
 *	password hash (an import cut short between its two files leaves
 *	them so; h->first_without names one).  The roster must be open with
 *	ROSTER_CREDENTIALS.  Reading is all it does; opened for writing, the
 *	open itself has already put back missing persistent -wal/-shm files.
 * DIAGNOSTICS
 *	0, or a negative ROSTER_E* code when the checks could not run.
 */
#include <stdio.h>
#include <string.h>

#include "roster_internal.h"
#include "util.h"

/* quick_check of one schema: its first line into out ("" when "ok"). */
static int quick_check(struct roster *r, const char *schema, char *out, size_t len)
{
    char sql[64];
    sqlite3_stmt *st;
    snprintf(sql, sizeof(sql), "PRAGMA %s.quick_check(1)", schema);
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return roster_fail(r, rc, "roster check");
    rc = sqlite3_step(st);
    const char *line = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    out[0] = '\0';
    if (line != NULL && strcmp(line, "ok") != 0)
        surel_strlcpy(out, line, len);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : roster_fail(r, rc, "roster check");
}

/* People who could log in but have no hash: how many, and the first. */
static int without_hash(struct roster *r, struct roster_health *h)
{
    static const char sql[] =
        "SELECT count(*), min(p.username) FROM person p"
        " WHERE p.status IN ('active', 'suspended')"
        "   AND NOT EXISTS (SELECT 1 FROM cred.credential c WHERE c.username = p.username)";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *first = sqlite3_column_text(st, 1);
        h->without_hash = sqlite3_column_int64(st, 0);
        surel_strlcpy(h->first_without, first ? (const char *)first : "",
                      sizeof(h->first_without));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : roster_fail(r, rc, "roster check");
}

int roster_check(struct roster *r, struct roster_health *h)
{
    memset(h, 0, sizeof(*h));
    int rc = roster_need_credentials(r);
    if (rc == 0)
        rc = quick_check(r, "main", h->main_problem, sizeof(h->main_problem));
    if (rc == 0)
        rc = quick_check(r, "cred", h->cred_problem, sizeof(h->cred_problem));
    if (rc == 0 && h->main_problem[0] == '\0' && h->cred_problem[0] == '\0')
        rc = without_hash(r, h);
    return rc;
}
