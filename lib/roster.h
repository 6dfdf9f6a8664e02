/*
 * NAME
 *	roster 3h
 * SUMMARY
 *	the roster store: people, groups and password hashes in SQLite
 * SYNOPSIS
 *	#include "roster.h"
 *
 *	int	roster_open(const char *db, const char *credentials, int flags,
 *			struct roster **rp, char *err, size_t errlen);
 *	void	roster_close(struct roster *r);
 * DESCRIPTION
 *	The roster is the single source of truth about who is at the
 *	school.  It lives in two SQLite files, because SQLite grants access
 *	per file:
 *
 *	db	people and groups (WAL mode, persistent -wal/-shm files so that
 *		readers that may not write, such as Postfix's lookup tables,
 *		can open it read-only);
 *	credentials
 *		password hashes only, readable by root and Dovecot's auth.
 *
 *	This file and roster_*.c are the only code that knows the schema.
 *	Every statement is prepared; every write runs in a transaction
 *	opened with roster_begin().  A busy database is waited for up to
 *	the busy timeout (roster_set_busy_timeout, default 5 s).
 *
 *	Functions that look one thing up return 1 when found, 0 when not,
 *	and a negative ROSTER_E* code on error; others return 0 or a
 *	negative code.  roster_errmsg() says what went wrong.
 * SEE ALSO
 *	surel-roster(8), the administrator's tool.
 */
#ifndef SUREL_ROSTER_H
#define SUREL_ROSTER_H

#include <stddef.h>

#define ROSTER_SCHEMA_VERSION 2

/* roster_open() flags. */
#define ROSTER_READONLY     0x00    /* open for reading only */
#define ROSTER_WRITE        0x01    /* open for writing */
#define ROSTER_CREATE       0x02    /* create missing files and schema */
#define ROSTER_CREDENTIALS  0x04    /* also open the credentials file */

/* Error codes (negative). */
#define ROSTER_EDB      (-1)    /* SQLite error, see roster_errmsg() */
#define ROSTER_EBUSY    (-2)    /* locked longer than the busy timeout */
#define ROSTER_ESCHEMA  (-3)    /* not a roster, or a newer schema */
#define ROSTER_EEXIST   (-4)    /* name already taken */
#define ROSTER_EINVAL   (-5)    /* bad argument */

enum roster_role { ROLE_STUDENT, ROLE_TEACHER, ROLE_STAFF, ROLE_ADMIN, ROLE_COUNT };
enum roster_status { STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_GRADUATED, STATUS_COUNT };

#define ROSTER_USERNAME_MAX 64
#define ROSTER_NAME_MAX     256
#define ROSTER_CLASS_MAX    32
#define ROSTER_NISN_MAX     24
#define ROSTER_HASH_MAX     256

/* One person, as stored.  Strings are empty ("") where not set. */
struct roster_person {
    long long id;
    char username[ROSTER_USERNAME_MAX];
    char full_name[ROSTER_NAME_MAX];
    enum roster_role role;
    char class_name[ROSTER_CLASS_MAX];     /* students only */
    enum roster_status status;
    char nisn[ROSTER_NISN_MAX];
    char gender[4];                         /* "L", "P" or "" */
    char mailbox[ROSTER_USERNAME_MAX + 8];  /* path below [mail] root */
    int external_mail;                      /* -1 role default, 0 no, 1 yes */
    long long quota_mb;                     /* -1 role default */
    long long created, updated;             /* Unix time */
};

/* Which people roster_each() visits: NULL or -1 means any. */
struct roster_filter {
    const char *class_name;
    int role;
    int status;
};

struct roster;

int roster_open(const char *db, const char *credentials, int flags,
                struct roster **rp, char *err, size_t errlen);
void roster_close(struct roster *r);
const char *roster_errmsg(const struct roster *r);
void roster_set_busy_timeout(struct roster *r, int ms);
int roster_schema_version(struct roster *r);

/* The roster's health (roster_check.c): quick_check of both files, and the
 * active or suspended people without a password hash. */
struct roster_health {
    char main_problem[256];     /* "" when the roster file is sound */
    char cred_problem[256];     /* "" when the credentials file is sound */
    long long without_hash;
    char first_without[ROSTER_USERNAME_MAX];
};
int roster_check(struct roster *r, struct roster_health *h);

int roster_begin(struct roster *r);
int roster_commit(struct roster *r);
void roster_rollback(struct roster *r);

/* People. */
int roster_find_username(struct roster *r, const char *username, struct roster_person *p);
int roster_find_nisn(struct roster *r, const char *nisn, struct roster_person *p);
/* The first person of that name (compared as surel_name_key), class and role whose id is
 * greater than after_id (0: the first of them). */
int roster_find_name_class(struct roster *r, const char *full_name, const char *class_name,
                           int role, long long after_id, struct roster_person *p);
int roster_insert(struct roster *r, struct roster_person *p);
int roster_update(struct roster *r, const struct roster_person *p);
int roster_name_taken(struct roster *r, const char *name);
int roster_max_id(struct roster *r, long long *id);
typedef int roster_person_fn(const struct roster_person *p, void *ctx);
int roster_each(struct roster *r, const struct roster_filter *f, roster_person_fn *fn, void *ctx);
int roster_count(struct roster *r, const struct roster_filter *f, long long *n);

/* Password hashes (needs ROSTER_CREDENTIALS). */
int roster_set_hash(struct roster *r, const char *username, const char *hash);
int roster_get_hash(struct roster *r, const char *username, char *hash, size_t len);

/* Custom groups and aliases. */
int roster_group_create(struct roster *r, const char *name, const char *description);
int roster_group_delete(struct roster *r, const char *name);
int roster_group_exists(struct roster *r, const char *name);
int roster_group_add(struct roster *r, const char *group, const char *username, int may_send_as);
int roster_group_remove(struct roster *r, const char *group, const char *username);
typedef int roster_group_fn(const char *name, const char *description, int automatic,
                            long long members, void *ctx);
int roster_group_each(struct roster *r, roster_group_fn *fn, void *ctx);
typedef int roster_member_fn(const char *username, int may_send_as, void *ctx);
int roster_group_members(struct roster *r, const char *group, roster_member_fn *fn, void *ctx);
/* 1 if username may use the group's address as sender. */
int roster_may_send_as(struct roster *r, const char *username, const char *group);

/* Names and words. */
const char *roster_role_name(enum roster_role role);
const char *roster_status_name(enum roster_status status);
int roster_role_parse(const char *word);        /* -1 if unknown; accepts Indonesian */
int roster_status_parse(const char *word);      /* -1 if unknown */
/* The automatic list of a role ("siswa", "guru", "staf", "admin"). */
const char *roster_role_list(enum roster_role role);
/* The automatic list of a class: "7A" -> "kelas-7a". */
void roster_class_list(const char *class_name, char *out, size_t len);

#endif
