/*
 * NAME
 *	roster_people 3
 * SUMMARY
 *	the roster store: people and their password hashes
 * DESCRIPTION
 *	See roster.h.  Every row is read through row_to_person(), so the
 *	column list below is the one place that knows the person table.
 */
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "names.h"
#include "roster_internal.h"
#include "util.h"

#define PERSON_COLUMNS \
    "id, username, full_name, role, class, status, nisn, gender, mailbox," \
    " external_mail, quota_mb, created, updated"

/* Copy a text column, NULL as "". */
static void column_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    surel_strlcpy(out, t ? (const char *)t : "", len);
}

static void row_to_person(sqlite3_stmt *st, struct roster_person *p)
{
    char word[16];
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(st, 0);
    column_text(st, 1, p->username, sizeof(p->username));
    column_text(st, 2, p->full_name, sizeof(p->full_name));
    column_text(st, 3, word, sizeof(word));
    p->role = (enum roster_role)roster_role_parse(word);
    column_text(st, 4, p->class_name, sizeof(p->class_name));
    column_text(st, 5, word, sizeof(word));
    p->status = (enum roster_status)roster_status_parse(word);
    column_text(st, 6, p->nisn, sizeof(p->nisn));
    column_text(st, 7, p->gender, sizeof(p->gender));
    column_text(st, 8, p->mailbox, sizeof(p->mailbox));
    p->external_mail = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 9);
    p->quota_mb = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 10);
    p->created = sqlite3_column_int64(st, 11);
    p->updated = sqlite3_column_int64(st, 12);
}

/* Step a bound lookup: 1 and p filled if a row, 0 if none, <0 on error. */
static int fetch_one(struct roster *r, sqlite3_stmt *st, struct roster_person *p)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (p != NULL)
            row_to_person(st, p);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "roster lookup");
}

int roster_find_username(struct roster *r, const char *username, struct roster_person *p)
{
    static const char sql[] = "SELECT " PERSON_COLUMNS " FROM person WHERE username = ?1";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    return fetch_one(r, st, p);
}

int roster_find_nisn(struct roster *r, const char *nisn, struct roster_person *p)
{
    static const char sql[] = "SELECT " PERSON_COLUMNS " FROM person WHERE nisn = ?1";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, nisn, -1, SQLITE_TRANSIENT);
    return fetch_one(r, st, p);
}

int roster_find_name_class(struct roster *r, const char *full_name, const char *class_name,
                           int role, long long after_id, struct roster_person *p)
{
    /* An empty class is stored as NULL.  "class IS ?2" and "id > ?4" let SQLite walk the
     * person_name index (name_key, class, rowid) from after_id: no OFFSET to skip over, so
     * the n-th of 4,000 people with one name costs what the first does. */
    static const char sql[] = "SELECT " PERSON_COLUMNS " FROM person"
        " WHERE name_key = ?1 AND class IS ?2 AND role = ?3 AND id > ?4"
        " ORDER BY id LIMIT 1";
    char key[ROSTER_NAME_MAX];
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    surel_name_key(full_name, key, sizeof(key));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    roster_bind_text(st, 2, class_name);
    sqlite3_bind_text(st, 3, roster_role_name((enum roster_role)role), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, after_id);
    return fetch_one(r, st, p);
}

/* Bind the writable fields of p as ?1..?11 in the order of insert/update. */
static void bind_person(sqlite3_stmt *st, const struct roster_person *p)
{
    char key[ROSTER_NAME_MAX];
    surel_name_key(p->full_name, key, sizeof(key));
    sqlite3_bind_text(st, 1, p->username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, p->full_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, roster_role_name(p->role), -1, SQLITE_STATIC);
    roster_bind_text(st, 5, p->class_name);
    sqlite3_bind_text(st, 6, roster_status_name(p->status), -1, SQLITE_STATIC);
    roster_bind_text(st, 7, p->nisn);
    roster_bind_text(st, 8, p->gender);
    sqlite3_bind_text(st, 9, p->mailbox, -1, SQLITE_TRANSIENT);
    if (p->external_mail < 0)
        sqlite3_bind_null(st, 10);
    else
        sqlite3_bind_int(st, 10, p->external_mail);
    if (p->quota_mb < 0)
        sqlite3_bind_null(st, 11);
    else
        sqlite3_bind_int64(st, 11, p->quota_mb);
    sqlite3_bind_int64(st, 12, surel_now());
}

int roster_insert(struct roster *r, struct roster_person *p)
{
    static const char sql[] = "INSERT INTO person (username, full_name, name_key, role, class,"
        " status, nisn, gender, mailbox, external_mail, quota_mb, created, updated)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    bind_person(st, p);
    int rc = roster_step_done(r, st, p->username);
    sqlite3_reset(st);
    if (rc == 0) {
        p->id = sqlite3_last_insert_rowid(r->db);
        p->created = p->updated = surel_now();
    }
    return rc;
}

int roster_update(struct roster *r, const struct roster_person *p)
{
    /* username and mailbox never change once given. */
    static const char sql[] = "UPDATE person SET full_name = ?2, name_key = ?3, role = ?4,"
        " class = ?5, status = ?6, nisn = ?7, gender = ?8, external_mail = ?10,"
        " quota_mb = ?11, updated = ?12 WHERE username = ?1 AND mailbox = ?9";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    bind_person(st, p);
    int rc = roster_step_done(r, st, p->username);
    sqlite3_reset(st);
    if (rc == 0 && sqlite3_changes(r->db) != 1) {
        snprintf(r->errmsg, sizeof(r->errmsg), _("%s: no such person"), p->username);
        return ROSTER_EINVAL;
    }
    return rc;
}

int roster_name_taken(struct roster *r, const char *name)
{
    static const char sql[] = "SELECT 1 FROM person WHERE username = ?1 OR mailbox = ?1"
        " UNION ALL SELECT 1 FROM grp WHERE name = ?1";
    return roster_exists(r, sql, name, NULL);
}

int roster_max_id(struct roster *r, long long *id)
{
    static const char sql[] = "SELECT coalesce(max(id), 0) FROM person";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    int rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : roster_fail(r, rc, "roster lookup");
}

/* Bind a filter as ?1 class, ?2 role, ?3 status (NULL = any). */
static void bind_filter(sqlite3_stmt *st, const struct roster_filter *f)
{
    roster_bind_text(st, 1, f && f->class_name ? f->class_name : NULL);
    if (f && f->role >= 0)
        sqlite3_bind_text(st, 2, roster_role_name((enum roster_role)f->role), -1, SQLITE_STATIC);
    if (f && f->status >= 0)
        sqlite3_bind_text(st, 3, roster_status_name((enum roster_status)f->status), -1,
                          SQLITE_STATIC);
}

#define FILTER_WHERE " WHERE (?1 IS NULL OR class = ?1) AND (?2 IS NULL OR role = ?2)" \
                     " AND (?3 IS NULL OR status = ?3)"

int roster_each(struct roster *r, const struct roster_filter *f, roster_person_fn *fn, void *ctx)
{
    static const char sql[] = "SELECT " PERSON_COLUMNS " FROM person" FILTER_WHERE
        " ORDER BY coalesce(class, ''), role, full_name, id";
    struct roster_person p;
    int rc, stop = 0;
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    bind_filter(st, f);
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        row_to_person(st, &p);
        stop = fn(&p, ctx);
    }
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "roster list");
}

int roster_count(struct roster *r, const struct roster_filter *f, long long *n)
{
    static const char sql[] = "SELECT count(*) FROM person" FILTER_WHERE;
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    bind_filter(st, f);
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : roster_fail(r, rc, "roster count");
}

int roster_set_hash(struct roster *r, const char *username, const char *hash)
{
    static const char sql[] = "INSERT INTO cred.credential (username, hash, updated)"
        " VALUES (?1, ?2, ?3) ON CONFLICT (username) DO UPDATE"
        " SET hash = excluded.hash, updated = excluded.updated";
    int rc = roster_need_credentials(r);
    sqlite3_stmt *st = rc == 0 ? roster_stmt(r, sql) : NULL;
    if (st == NULL)
        return rc < 0 ? rc : ROSTER_EDB;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, surel_now());
    rc = roster_step_done(r, st, username);
    sqlite3_reset(st);
    return rc;
}

int roster_get_hash(struct roster *r, const char *username, char *hash, size_t len)
{
    static const char sql[] = "SELECT hash FROM cred.credential WHERE username = ?1";
    int rc = roster_need_credentials(r);
    sqlite3_stmt *st = rc == 0 ? roster_stmt(r, sql) : NULL;
    if (st == NULL)
        return rc < 0 ? rc : ROSTER_EDB;
    sqlite3_bind_text(st, 1, username, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        column_text(st, 0, hash, len);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "credentials lookup");
}
