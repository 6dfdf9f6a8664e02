/*
 * NAME
 *	roster_auth 3h
 * SUMMARY
 *	who may log in, and where their mail lives: the roster as an auth source
 * SYNOPSIS
 *	#include "roster_auth.h"
 *
 *	struct rauth *rauth_new(const char *ini, int credentials,
 *				char *err, size_t errlen);
 *	void	rauth_free(struct rauth *a);
 *	int	rauth_lookup(struct rauth *a, const char *login,
 *				struct rauth_user *u, char *err, size_t errlen);
 *	int	rauth_names(struct rauth *a, struct rauth_names *n,
 *				char *err, size_t errlen);
 *	void	rauth_names_free(struct rauth_names *n);
 *	void	rauth_quota_rule(long long bytes, char *out, size_t len);
 * DESCRIPTION
 *	The part of Dovecot's "roster" auth driver that knows nothing of
 *	Dovecot, so that it can be tested on its own.
 *
 *	rauth_new() reads surel.ini (lib/config.h): the school's domain,
 *	the roster files (by surel_roster_paths, the rule surel-roster
 *	follows: credentials.db beside the db unless [roster] credentials
 *	is set) and busy timeout, [mail] root and user (whose uid
 *	and gid are resolved here, once) and the [quota] size of each role.
 *	With credentials non-zero, lookups also read the password hash from
 *	the credentials file.  The roster itself is opened read-only at the
 *	first lookup, and opened again after any error, so a roster created
 *	or restored later is picked up without a restart.
 *
 *	rauth_lookup() turns a login as typed ("Budi", "budi@school.sch.id")
 *	into the person it names and fills u: canonical username, role,
 *	status, home ([mail] root "/" mailbox), uid, gid, quota in bytes
 *	(0 = no limit; the person's quota_mb wins over the role's size) and,
 *	with credentials, the stored crypt(3) hash ("" if none is set).
 *
 *	rauth_names() lists every person's username, for userdb iteration.
 * DIAGNOSTICS
 *	rauth_new() returns NULL with err filled in (bad configuration,
 *	unknown mail user).  rauth_lookup() returns RAUTH_FOUND,
 *	RAUTH_UNKNOWN (no such person, a foreign domain, a malformed login)
 *	or RAUTH_ERROR with err filled in (roster missing or unreadable,
 *	locked longer than the busy timeout, bad mailbox path).  No message
 *	ever holds a password or a hash.
 */
#ifndef SUREL_ROSTER_AUTH_H
#define SUREL_ROSTER_AUTH_H

#include <stddef.h>
#include <sys/types.h>

#include "roster.h"

#define RAUTH_FOUND     1
#define RAUTH_UNKNOWN   0
#define RAUTH_ERROR     (-1)

struct rauth;

/* One person as the auth driver needs them. */
struct rauth_user {
    char username[ROSTER_USERNAME_MAX];
    enum roster_role role;
    enum roster_status status;
    char home[4096];
    uid_t uid;
    gid_t gid;
    long long quota_bytes;          /* 0 = no limit */
    char hash[ROSTER_HASH_MAX];     /* "" if not asked for or not set */
};

/* Every username, for iteration. */
struct rauth_names {
    char **names;
    size_t count;
};

struct rauth *rauth_new(const char *ini, int credentials, char *err, size_t errlen);
void rauth_free(struct rauth *a);
int rauth_lookup(struct rauth *a, const char *login, struct rauth_user *u,
                 char *err, size_t errlen);
int rauth_names(struct rauth *a, struct rauth_names *n, char *err, size_t errlen);
void rauth_names_free(struct rauth_names *n);
void rauth_quota_rule(long long bytes, char *out, size_t len);

#endif
