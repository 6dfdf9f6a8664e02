/*
 * NAME
 *	policy 3h
 * SUMMARY
 *	surel-mxd: Postfix policy requests at ETRN and the decision on them
 * SYNOPSIS
 *	#include "policy.h"
 *
 *	int	mxd_request_parse(const char *block, size_t len,
 *			struct mxd_request *req);
 *	enum mxd_verdict mxd_decide(const struct mxd_request *req,
 *			int locked_out, mxd_owner_fn *owner, void *ctx);
 *	size_t	mxd_response(enum mxd_verdict v, char *out, size_t len);
 * DESCRIPTION
 *	A policy request is a block of "name=value" lines ended by an empty
 *	line (Postfix SMTPD_POLICY_README).  mxd_request_parse() keeps the
 *	attributes surel-mxd needs, lower-cases etrn_domain and ignores the
 *	rest; a value longer than its field marks the request overlong.  A
 *	NUL byte anywhere in a name or value is a protocol error, never a
 *	silently shortened string.
 *
 *	mxd_decide() is the whole ownership rule, free of I/O: any state but
 *	ETRN gets DUNNO; a locked-out client, a request without a SASL login,
 *	with a malformed domain or client address, or for a domain the login
 *	does not own, is refused; a failed owner lookup is a temporary
 *	failure.  The owner's ETRN from an address that cannot be a route
 *	(routes_address_refusal(): loopback, unspecified, IPv4-mapped,
 *	link-local, multicast, broadcast) is refused as MXD_BADADDRESS; it
 *	is checked after ownership, so only the owner learns it, and it does
 *	not count towards a lockout.  Only MXD_ACCEPT lets the caller write
 *	a route.
 *
 *	mxd_response() writes the answer block ("action=...\n\n").  Unknown
 *	domains and other schools' domains get the same text, so a refusal
 *	tells a prober nothing about which domains the ISP holds.
 * DIAGNOSTICS
 *	mxd_request_parse() returns -1 for a line without "=" or with a
 *	NUL byte, with req->error saying which line and what.
 */
#ifndef SUREL_MXD_POLICY_H
#define SUREL_MXD_POLICY_H

#include <stddef.h>

struct mxd_request {
    char request[32];           /* "smtpd_access_policy" */
    char protocol_state[16];    /* "ETRN" */
    char client_address[64];
    char sasl_username[128];
    char etrn_domain[256];      /* lower-cased */
    int overlong;               /* some value did not fit */
    char error[96];             /* why mxd_request_parse() returned -1 */
};

enum mxd_verdict {
    MXD_DUNNO,          /* not an ETRN: no opinion */
    MXD_ACCEPT,         /* login owns the domain: write the route, then OK */
    MXD_NOAUTH,         /* no SASL login */
    MXD_BADREQUEST,     /* malformed domain, address or request */
    MXD_NOTOWNER,       /* unknown domain, or another school's */
    MXD_LOCKEDOUT,      /* too many refusals from this address or login */
    MXD_TEMPFAIL,       /* route table unavailable */
    MXD_BADADDRESS      /* the owner, from an address that cannot be a route */
};

/* Owner of domain: 1 with login filled, 0 if none, < 0 on error. */
typedef int mxd_owner_fn(const char *domain, char *login, size_t len, void *ctx);

int mxd_request_parse(const char *block, size_t len, struct mxd_request *req);
enum mxd_verdict mxd_decide(const struct mxd_request *req, int locked_out,
                            mxd_owner_fn *owner, void *ctx);
size_t mxd_response(enum mxd_verdict v, char *out, size_t len);
/* A short word for logs: "accepted", "no AUTH", ... */
const char *mxd_verdict_name(enum mxd_verdict v);
/* 1 if the verdict counts as a failure for rate limiting. */
int mxd_verdict_is_failure(enum mxd_verdict v);

#endif
