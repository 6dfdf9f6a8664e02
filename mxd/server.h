/*
 * NAME
 *	server 3h
 * SUMMARY
 *	surel-mxd: the policy socket, the request loop, the route write
 * SYNOPSIS
 *	#include "server.h"
 *
 *	int	mxd_listen(const char *path, uid_t uid, gid_t gid,
 *			char *err, size_t errlen);
 *	size_t	mxd_handle(struct mxd_ctx *ctx, const char *block, size_t len,
 *			long long now, char *out, size_t outlen);
 *	int	mxd_serve(int lfd, struct mxd_ctx *ctx);
 *	int	mxd_client_cap(unsigned long long soft);
 * DESCRIPTION
 *	mxd_listen() replaces a stale socket at path and listens there with
 *	mode 0660, owned by uid and group gid (smtpd's group).
 *
 *	mxd_handle() answers one policy request.  For an ETRN it decides
 *	(policy.h); when accepted it writes the school's route and, only
 *	once the row is committed, answers OK: smtpd starts the flush the
 *	moment it reads OK, and that flush must see the new route.  A route
 *	that cannot be written is a 451, never an OK.  Refusals count
 *	against the client address and the login (ratelimit.h); every
 *	decision is logged with domain, address and login.
 *
 *	mxd_serve() runs the loop: many smtpd connections at once (each
 *	smtpd keeps its connection open), and the delayed second flushes,
 *	handed to the flush helper (flush.h) when flush_fd >= 0, else run
 *	directly and reaped here.  It returns 0 after SIGTERM or
 *	SIGINT.  It holds at most ctx->max_clients connections: a new one
 *	beyond that, or one that arrives when accept(2) runs out of
 *	descriptors (EMFILE, ENFILE), closes the connection silent longest
 *	(smtpd reconnects by itself); with none to close, the listener is
 *	left unpolled for a second instead of spinning.  When EMFILE or
 *	poll(2)'s EINVAL shows that the descriptor limit was lowered while
 *	running, the cap follows it down and the connections silent longest
 *	above it are closed.  The shortage is
 *	logged once, and once more when a connection is accepted again
 *	without closing another.  A connection silent for
 *	ctx->idle_timeout seconds (0: never) is closed.  A request longer
 *	than 8192 bytes closes its connection, with a log line.
 *
 *	mxd_client_cap() is the client cap for a soft RLIMIT_NOFILE of
 *	soft: soft minus MXD_FD_RESERVE descriptors kept for the listener,
 *	the log, SQLite's three files, the flush helper's pipe and
 *	postqueue (half of soft when that is small), at most
 *	MXD_CLIENTS_CEILING.
 * DIAGNOSTICS
 *	mxd_listen() returns -1 with err filled in.  mxd_handle() returns
 *	the answer's length, 0 for a request it cannot parse (the caller
 *	drops the connection).  mxd_serve() returns -1 when it cannot
 *	allocate its client table or poll(2) fails.
 */
#ifndef SUREL_MXD_SERVER_H
#define SUREL_MXD_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include "flush.h"
#include "ratelimit.h"

#define MXD_FD_RESERVE 32
#define MXD_CLIENTS_CEILING 65536

struct routes;

struct mxd_ctx {
    struct routes *rt;
    struct mxd_rate rate;
    struct mxd_flushq flushq;
    long long ttl, flush_again;
    const char *postqueue, *config_dir;
    int flush_fd;               /* pipe to the flush helper, or -1: spawn directly */
    unsigned long accepted, refused;
    int max_clients;            /* mxd_client_cap() of the descriptor limit */
    long long idle_timeout;     /* seconds a silent connection is kept; 0: forever */
};

int mxd_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen);
size_t mxd_handle(struct mxd_ctx *ctx, const char *block, size_t len, long long now,
                  char *out, size_t outlen);
int mxd_serve(int lfd, struct mxd_ctx *ctx);
int mxd_client_cap(unsigned long long soft);

#endif
