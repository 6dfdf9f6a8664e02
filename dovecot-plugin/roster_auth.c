/*
 * NAME
 *	roster_auth 3
 * SUMMARY
 *	who may log in, and where their mail lives: the roster as an auth source
 * DESCRIPTION
 *	See roster_auth.h.  Everything here is synchronous: Dovecot runs it
 *	in its auth worker processes (authdb_roster.c says why).  The roster
 *	is opened read-only with ROSTER_READONLY; SQLite's WAL mode lets it
 *	read the last committed state while an import writes, so a lookup
 *	only waits (up to [roster] busy_timeout) in the rare moments a
 *	writer holds an exclusive lock, and then fails cleanly.
 * DIAGNOSTICS
 *	See roster_auth.h.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "names.h"
#include "roster_auth.h"
#include "util.h"

struct rauth {
    char domain[256];
    char db[4096];
    char credentials[4096];
    char root[4096];
    int busy_ms;
    int want_credentials;
    uid_t uid;
    gid_t gid;
    long long quota[ROLE_COUNT];
    struct roster *roster;          /* opened at the first lookup */
};

/* Copy a string key of the configuration, failing if it does not fit. */
static int copy_key(const struct surel_config *cfg, const char *section, const char *key,
                    char *out, size_t len, char *err, size_t errlen)
{
    const char *v = surel_config_str(cfg, section, key);
    if (surel_strlcpy(out, v != NULL ? v : "", len) < len)
        return 0;
    snprintf(err, errlen, "%s: [%s] %s is too long", surel_config_path(cfg), section, key);
    return -1;
}

/* Resolve [mail] user to a uid and gid, once, so lookups never call getpwnam. */
static int resolve_mail_user(struct rauth *a, const struct surel_config *cfg,
                             char *err, size_t errlen)
{
    const char *name = surel_config_str(cfg, "mail", "user");
    struct passwd pw, *res = NULL;
    char buf[4096];
    int rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
    if (res == NULL) {
        snprintf(err, errlen, "%s: [mail] user: no system user '%s'%s%s",
                 surel_config_path(cfg), name, rc ? ": " : "", rc ? strerror(rc) : "");
        return -1;
    }
    a->uid = pw.pw_uid;
    a->gid = pw.pw_gid;
    return 0;
}

/* The roster's files, by the rule surel-roster follows too (lib/config.c). */
static int roster_paths(struct rauth *a, const struct surel_config *cfg, char *err, size_t errlen)
{
    if (surel_roster_paths(cfg, NULL, a->db, sizeof(a->db), a->credentials,
                           sizeof(a->credentials)) == 0)
        return 0;
    snprintf(err, errlen, "%s: [roster] db or credentials is too long", surel_config_path(cfg));
    return -1;
}

/* Read everything the lookups need from the loaded configuration. */
static int read_config(struct rauth *a, const struct surel_config *cfg, char *err, size_t errlen)
{
    if (copy_key(cfg, "school", "domain", a->domain, sizeof(a->domain), err, errlen) < 0
        || roster_paths(a, cfg, err, errlen) < 0
        || copy_key(cfg, "mail", "root", a->root, sizeof(a->root), err, errlen) < 0)
        return -1;
    a->busy_ms = (int)surel_config_int(cfg, "roster", "busy_timeout") * 1000;
    for (int role = 0; role < ROLE_COUNT; role++)
        a->quota[role] = surel_config_int(cfg, "quota", roster_role_name((enum roster_role)role));
    return resolve_mail_user(a, cfg, err, errlen);
}

struct rauth *rauth_new(const char *ini, int credentials, char *err, size_t errlen)
{
    struct surel_config *cfg = surel_config_load(ini, 1, err, errlen);
    if (cfg == NULL)
        return NULL;
    struct rauth *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
    } else {
        a->want_credentials = credentials;
        if (read_config(a, cfg, err, errlen) < 0) {
            free(a);
            a = NULL;
        }
    }
    surel_config_free(cfg);
    return a;
}

void rauth_free(struct rauth *a)
{
    if (a == NULL)
        return;
    roster_close(a->roster);
    free(a);
}

/* Open the roster read-only if it is not open yet. */
static int ensure_open(struct rauth *a, char *err, size_t errlen)
{
    if (a->roster != NULL)
        return 0;
    int flags = ROSTER_READONLY | (a->want_credentials ? ROSTER_CREDENTIALS : 0);
    if (roster_open(a->db, a->credentials, flags, &a->roster, err, errlen) < 0)
        return -1;
    roster_set_busy_timeout(a->roster, a->busy_ms);
    return 0;
}

/* Report a roster error and drop the connection, so the next lookup reopens it. */
static int roster_error(struct rauth *a, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", roster_errmsg(a->roster));
    roster_close(a->roster);
    a->roster = NULL;
    return RAUTH_ERROR;
}

/* A mailbox path must stay below [mail] root. */
static int mailbox_safe(const char *mailbox)
{
    return mailbox[0] != '\0' && mailbox[0] != '/' && strstr(mailbox, "..") == NULL;
}

/* Fill the derived fields of u from the person p. */
static int fill_user(const struct rauth *a, const struct roster_person *p,
                     struct rauth_user *u, char *err, size_t errlen)
{
    surel_strlcpy(u->username, p->username, sizeof(u->username));
    u->role = p->role;
    u->status = p->status;
    u->uid = a->uid;
    u->gid = a->gid;
    u->quota_bytes = p->quota_mb >= 0 ? p->quota_mb * 1024 * 1024 : a->quota[p->role];
    if (!mailbox_safe(p->mailbox)) {
        snprintf(err, errlen, "%s: mailbox path '%s' is not below [mail] root",
                 p->username, p->mailbox);
        return RAUTH_ERROR;
    }
    if ((size_t)snprintf(u->home, sizeof(u->home), "%s/%s", a->root, p->mailbox)
        >= sizeof(u->home)) {
        snprintf(err, errlen, "%s: mailbox path too long", p->username);
        return RAUTH_ERROR;
    }
    return RAUTH_FOUND;
}

int rauth_lookup(struct rauth *a, const char *login, struct rauth_user *u,
                 char *err, size_t errlen)
{
    char username[ROSTER_USERNAME_MAX];
    struct roster_person p;
    memset(u, 0, sizeof(*u));
    if (surel_login_normalize(login, a->domain, username, sizeof(username)) < 0)
        return RAUTH_UNKNOWN;
    if (ensure_open(a, err, errlen) < 0)
        return RAUTH_ERROR;
    int rc = roster_find_username(a->roster, username, &p);
    if (rc < 0)
        return roster_error(a, err, errlen);
    if (rc == 0)
        return RAUTH_UNKNOWN;
    if (a->want_credentials) {
        rc = roster_get_hash(a->roster, username, u->hash, sizeof(u->hash));
        if (rc < 0)
            return roster_error(a, err, errlen);
    }
    return fill_user(a, &p, u, err, errlen);
}

/* roster_each() callback: append one username; 1 (stop) when out of memory. */
static int add_name(const struct roster_person *p, void *ctx)
{
    struct rauth_names *n = ctx;
    if ((n->count & (n->count - 1)) == 0) {     /* 0, 1, 2, 4, ...: grow */
        char **grown = realloc(n->names, (n->count ? n->count * 2 : 1) * sizeof(*grown));
        if (grown == NULL)
            return 1;
        n->names = grown;
    }
    n->names[n->count] = strdup(p->username);
    if (n->names[n->count] == NULL)
        return 1;
    n->count++;
    return 0;
}

int rauth_names(struct rauth *a, struct rauth_names *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof(*n));
    if (ensure_open(a, err, errlen) < 0)
        return RAUTH_ERROR;
    int rc = roster_each(a->roster, NULL, add_name, n);
    if (rc == 0)
        return RAUTH_FOUND;
    rauth_names_free(n);
    if (rc > 0) {
        snprintf(err, errlen, "out of memory listing the roster");
        return RAUTH_ERROR;
    }
    return roster_error(a, err, errlen);
}

void rauth_names_free(struct rauth_names *n)
{
    for (size_t i = 0; i < n->count; i++)
        free(n->names[i]);
    free(n->names);
    n->names = NULL;
    n->count = 0;
}

void rauth_quota_rule(long long bytes, char *out, size_t len)
{
    static const struct { long long unit; const char *suffix; } units[] = {
        {1LL << 40, "T"}, {1LL << 30, "G"}, {1LL << 20, "M"}, {1LL << 10, "k"}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (bytes > 0 && bytes % units[i].unit == 0) {
            snprintf(out, len, "*:storage=%lld%s", bytes / units[i].unit, units[i].suffix);
            return;
        }
    }
    snprintf(out, len, "*:storage=%lldB", bytes > 0 ? bytes : 0);
}
