/*
 * NAME
 *	routes 3h
 * SUMMARY
 *	the ISP's route table: schools, their domains, current addresses
 * SYNOPSIS
 *	#include "routes.h"
 *
 *	int	routes_open(const char *path, int flags, struct routes **rp,
 *			char *err, size_t errlen);
 *	void	routes_close(struct routes *rt);
 *	int	routes_school_add(struct routes *rt, const char *login,
 *			const char *const *domains, int ndomains, long long now);
 *	int	routes_school_remove(struct routes *rt, const char *login);
 *	int	routes_owner(struct routes *rt, const char *domain,
 *			char *login, size_t len);
 *	int	routes_set_route(struct routes *rt, const char *login,
 *			const char *address, long long now, long long ttl);
 *	int	routes_transport(struct routes *rt, const char *domain,
 *			char *out, size_t len);
 *	int	routes_each(struct routes *rt, routes_school_fn *fn, void *ctx);
 * DESCRIPTION
 *	The route table of an ISP's MX, in one SQLite file (default
 *	/var/lib/surel/routes.db).  A school is known by its SASL login; it
 *	owns one or more mail domains; its current route is the address it
 *	last said ETRN from, valid until an expiry time.
 *
 *	Postfix reads the table through two views, the only interface its
 *	sqlite: (or, copied to PostgreSQL, pgsql:) maps may use:
 *
 *	postfix_relay_domain(domain)
 *		every school domain: relay_domains;
 *	postfix_transport(domain, transport)
 *		"surel:[ADDRESS]" while the school's route is fresh
 *		("surel-LOGIN:[ADDRESS]" for a school with a pinned TLS
 *		certificate: its own transport checks the fingerprint),
 *		"surel-offline:" otherwise: transport_maps.  Freshness is
 *		judged by SQLite's clock at lookup time.
 *
 *	This file is the only code that knows the schema.  PRAGMA
 *	user_version carries its version; a writable open applies missing
 *	migrations, a read-only open refuses a file that is behind or ahead.
 *	The file uses WAL with persistent -wal and -shm files, so that
 *	Postfix's proxymap (user postfix) reads it while surel-mxd writes,
 *	without ever waiting for a lock.  Every write is one small
 *	transaction, committed when the function returns, unless the caller
 *	grouped several with routes_begin()/routes_commit().
 *
 *	Functions that look one thing up return 1 when found, 0 when not,
 *	and a negative ROUTES_E* code on error; others return 0 or a
 *	negative code.  routes_errmsg() says what went wrong.
 * DIAGNOSTICS
 *	ROUTES_EEXIST: a domain already belongs to another school.
 *	ROUTES_ENOENT: no such school.  ROUTES_EINVAL: a malformed login,
 *	domain or address, or an address that cannot be a route
 *	(routes_set_route() refuses what routes_address_refusal() names).
 *	ROUTES_EBUSY: locked longer than the busy timeout (default 2 s).
 */
#ifndef SUREL_ROUTES_H
#define SUREL_ROUTES_H

#include <stddef.h>

#define ROUTES_SCHEMA_VERSION 2

/* routes_open() flags. */
#define ROUTES_READONLY 0x00
#define ROUTES_WRITE    0x01
#define ROUTES_CREATE   0x02

/* Error codes (negative). */
#define ROUTES_EDB      (-1)
#define ROUTES_EBUSY    (-2)
#define ROUTES_ESCHEMA  (-3)
#define ROUTES_EEXIST   (-4)
#define ROUTES_EINVAL   (-5)
#define ROUTES_ENOENT   (-6)

#define ROUTES_LOGIN_MAX    64
#define ROUTES_ADDRESS_MAX  64      /* INET6_ADDRSTRLEN is 46 */
#define ROUTES_DOMAIN_MAX   254

/* One school as stored; address is "" when it never dialled in. */
struct routes_school {
    char login[ROUTES_LOGIN_MAX];
    char address[ROUTES_ADDRESS_MAX];
    long long updated, expires, created;
    const char *domains;    /* comma-separated, sorted; valid during the callback */
    char fingerprint[100];  /* pinned SHA-256 certificate fingerprint, or "" */
};

struct routes;

int routes_open(const char *path, int flags, struct routes **rp, char *err, size_t errlen);
void routes_close(struct routes *rt);
const char *routes_errmsg(const struct routes *rt);
void routes_set_busy_timeout(struct routes *rt, int ms);
int routes_schema_version(struct routes *rt);

/* 1 if login is a valid school login: [a-z0-9][a-z0-9._-]*, at most 63. */
int routes_login_valid(const char *login);
/* 1 if address is an IPv4 or IPv6 address in text form. */
int routes_address_valid(const char *address);
/* NULL if address can be a school's route, else why not, e.g. "loopback
 * (127.0.0.0/8)": unspecified, loopback, link-local, multicast, broadcast,
 * reserved, IPv4-mapped or -compatible IPv6, or not an address at all. */
const char *routes_address_refusal(const char *address);

/* Group several writes into one transaction (an import); without it each
 * write is its own transaction. */
int routes_begin(struct routes *rt);
int routes_commit(struct routes *rt);
void routes_rollback(struct routes *rt);
/* Add a school (or more domains to it); all or nothing. */
int routes_school_add(struct routes *rt, const char *login, const char *const *domains,
                      int ndomains, long long now);
/* 1 if fp is a SHA-256 fingerprint "XX:XX:...". */
int routes_fingerprint_valid(const char *fp);
/* Pin login's TLS certificate (fp NULL: unpin). */
int routes_set_fingerprint(struct routes *rt, const char *login, const char *fp);
/* Remove a school and every domain it owns. */
int routes_school_remove(struct routes *rt, const char *login);
/* The login that owns domain (exact, lower-case match). */
int routes_owner(struct routes *rt, const char *domain, char *login, size_t len);
/* Record address as login's route until now + ttl. */
int routes_set_route(struct routes *rt, const char *login, const char *address,
                     long long now, long long ttl);
/* What Postfix's transport lookup answers for domain right now. */
int routes_transport(struct routes *rt, const char *domain, char *out, size_t len);
/* Number of schools and domains. */
int routes_count(struct routes *rt, long long *schools, long long *domains);

typedef int routes_school_fn(const struct routes_school *s, void *ctx);
/* Visit every school in login order; a nonzero return from fn stops. */
int routes_each(struct routes *rt, routes_school_fn *fn, void *ctx);

#endif
