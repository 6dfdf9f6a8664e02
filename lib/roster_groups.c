/*
 * NAME
 *	roster_groups 3
 * SUMMARY
 *	the roster store: custom groups, aliases and automatic lists
 * DESCRIPTION
 *	See roster.h.  Class lists ("kelas-7a") and role lists ("siswa",
 *	"guru", "staf") are not stored: they follow the people table through
 *	the mail_list_member view.  Custom groups are stored; an alias is a
 *	group with one member.  A member may be allowed to send as the group.
 */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "roster_internal.h"
#include "util.h"

int roster_group_create(struct roster *r, const char *name, const char *description)
{
    static const char sql[] = "INSERT INTO grp (name, description, created) VALUES (?1, ?2, ?3)";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, description ? description : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, surel_now());
    int rc = roster_step_done(r, st, name);
    sqlite3_reset(st);
    return rc;
}

int roster_group_delete(struct roster *r, const char *name)
{
    static const char sql[] = "DELETE FROM grp WHERE name = ?1";
    return roster_write(r, sql, name, name, NULL);
}

int roster_group_exists(struct roster *r, const char *name)
{
    static const char sql[] = "SELECT 1 FROM grp WHERE name = ?1";
    return roster_exists(r, sql, name, NULL);
}

int roster_group_add(struct roster *r, const char *group, const char *username, int may_send_as)
{
    static const char sql[] = "INSERT INTO grp_member (grp, username, may_send_as)"
        " VALUES (?1, ?2, ?3) ON CONFLICT (grp, username) DO UPDATE"
        " SET may_send_as = excluded.may_send_as";
    sqlite3_stmt *st = roster_stmt(r, sql);
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, may_send_as ? 1 : 0);
    int rc = roster_step_done(r, st, username);
    sqlite3_reset(st);
    return rc;
}

int roster_group_remove(struct roster *r, const char *group, const char *username)
{
    static const char sql[] = "DELETE FROM grp_member WHERE grp = ?1 AND username = ?2";
    int rc = roster_write(r, sql, username, group, username);
    if (rc == 0 && sqlite3_changes(r->db) == 0) {
        snprintf(r->errmsg, sizeof(r->errmsg), _("%s is not a member of %s"), username, group);
        return ROSTER_EINVAL;
    }
    return rc;
}

int roster_group_each(struct roster *r, roster_group_fn *fn, void *ctx)
{
    /* Automatic lists first (derived from people), then custom groups. */
    static const char sql[] =
        "SELECT l.list, '', 1, count(*) FROM mail_list_member l"
        "  WHERE NOT EXISTS (SELECT 1 FROM grp g WHERE g.name = l.list) GROUP BY l.list"
        " UNION ALL SELECT g.name, g.description, 0,"
        "  (SELECT count(*) FROM grp_member m WHERE m.grp = g.name) FROM grp g"
        " ORDER BY 3 DESC, 1";
    sqlite3_stmt *st = roster_stmt(r, sql);
    int rc, stop = 0;
    if (st == NULL)
        return ROSTER_EDB;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn((const char *)sqlite3_column_text(st, 0),
                  (const char *)sqlite3_column_text(st, 1),
                  sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3), ctx);
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "group list");
}

int roster_group_members(struct roster *r, const char *group, roster_member_fn *fn, void *ctx)
{
    static const char sql[] =
        "SELECT l.username, coalesce(m.may_send_as, 0) FROM mail_list_member l"
        " LEFT JOIN grp_member m ON m.grp = l.list AND m.username = l.username"
        " WHERE l.list = ?1 ORDER BY l.username";
    sqlite3_stmt *st = roster_stmt(r, sql);
    int rc, stop = 0;
    if (st == NULL)
        return ROSTER_EDB;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_TRANSIENT);
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn((const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1), ctx);
    sqlite3_reset(st);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? 0 : roster_fail(r, rc, "group members");
}

int roster_may_send_as(struct roster *r, const char *username, const char *group)
{
    static const char sql[] = "SELECT 1 FROM grp_member m JOIN person p"
        " ON p.username = m.username WHERE m.grp = ?1 AND m.username = ?2"
        " AND m.may_send_as = 1 AND p.status = 'active'";
    return roster_exists(r, sql, group, username);
}

/* Role and status words, in the order of the enums. */
static const char *const role_names[ROLE_COUNT] = {"student", "teacher", "staff", "admin"};
static const char *const role_lists[ROLE_COUNT] = {"siswa", "guru", "staf", "admin"};
static const char *const status_names[STATUS_COUNT] = {"active", "suspended", "graduated"};

/* Indonesian and English words people write in a role column. */
static const struct { const char *word; enum roster_role role; } role_words[] = {
    {"student", ROLE_STUDENT}, {"siswa", ROLE_STUDENT}, {"murid", ROLE_STUDENT},
    {"pelajar", ROLE_STUDENT}, {"peserta didik", ROLE_STUDENT},
    {"teacher", ROLE_TEACHER}, {"guru", ROLE_TEACHER}, {"pengajar", ROLE_TEACHER},
    {"staff", ROLE_STAFF}, {"staf", ROLE_STAFF}, {"karyawan", ROLE_STAFF},
    {"pegawai", ROLE_STAFF}, {"tu", ROLE_STAFF}, {"tata usaha", ROLE_STAFF},
    {"tendik", ROLE_STAFF}, {"admin", ROLE_ADMIN}, {"administrator", ROLE_ADMIN},
};

const char *roster_role_name(enum roster_role role)
{
    return role >= 0 && role < ROLE_COUNT ? role_names[role] : "unknown";
}

const char *roster_role_list(enum roster_role role)
{
    return role >= 0 && role < ROLE_COUNT ? role_lists[role] : "";
}

const char *roster_status_name(enum roster_status status)
{
    return status >= 0 && status < STATUS_COUNT ? status_names[status] : "unknown";
}

int roster_role_parse(const char *word)
{
    char w[32];
    surel_strlcpy(w, word, sizeof(w));
    surel_lower(w);
    char *t = surel_trim(w);
    for (size_t i = 0; i < sizeof(role_words) / sizeof(role_words[0]); i++)
        if (strcmp(t, role_words[i].word) == 0)
            return (int)role_words[i].role;
    return -1;
}

int roster_status_parse(const char *word)
{
    static const struct { const char *word; enum roster_status status; } words[] = {
        {"active", STATUS_ACTIVE}, {"aktif", STATUS_ACTIVE},
        {"suspended", STATUS_SUSPENDED}, {"ditangguhkan", STATUS_SUSPENDED},
        {"graduated", STATUS_GRADUATED}, {"lulus", STATUS_GRADUATED},
    };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(word, words[i].word) == 0)
            return (int)words[i].status;
    return -1;
}

void roster_class_list(const char *class_name, char *out, size_t len)
{
    snprintf(out, len, "kelas-%s", class_name);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}
