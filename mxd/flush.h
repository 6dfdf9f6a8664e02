/*
 * NAME
 *	flush 3h
 * SUMMARY
 *	surel-mxd: the second "postqueue -s DOMAIN" after an accepted ETRN
 * SYNOPSIS
 *	#include "flush.h"
 *
 *	int	mxd_flushq_schedule(struct mxd_flushq *q, const char *domain,
 *			long long due);
 *	long long mxd_flushq_next(const struct mxd_flushq *q);
 *	int	mxd_flushq_pop(struct mxd_flushq *q, long long now,
 *			char *domain, size_t len);
 *	pid_t	mxd_postqueue_spawn(const char *postqueue,
 *			const char *config_dir, const char *domain);
 *	int	mxd_flush_helper_start(uid_t uid, gid_t gid,
 *			const char *postqueue, const char *config_dir,
 *			int close_fd, pid_t *pid);
 *	int	mxd_flush_helper_request(int fd, const char *domain);
 * DESCRIPTION
 *	qmgr keeps its last address resolution for 30 s, so mail that
 *	arrived just before an ETRN may be routed from that stale answer by
 *	the ETRN's own flush and deferred again (notes/etrn-dynamic-route.md
 *	3.1).  surel-mxd therefore flushes the domain once more, flush_again
 *	seconds later.  The queue holds one pending flush per domain: a new
 *	ETRN for a domain already waiting moves its flush later.
 *
 *	mxd_flushq_next() is the earliest due time, or -1 when empty.
 *	mxd_flushq_pop() removes one domain whose time has come (1), or
 *	returns 0.  mxd_postqueue_spawn() starts "postqueue [-c DIR] -s
 *	DOMAIN" with posix_spawn, an argument vector and a minimal
 *	environment; the caller reaps it.
 *
 *	postqueue -s looks the domain up in fast_flush_domains itself,
 *	which the ISP's configuration reads through proxymap, whose socket
 *	only root and user postfix may use: run by surel-mxd's own user it
 *	retries for minutes and flushes nothing.  So surel-mxd, while still
 *	root, forks a helper that becomes [mxd] flush_user (postfix) and
 *	does nothing but run postqueue -s for the domains it reads, one a
 *	line, from a pipe (mxd_flush_helper_start() returns its write end;
 *	close_fd is closed in the helper).  The helper checks each line is a
 *	domain name, waits for each postqueue, logs how it ended, and exits
 *	when the pipe closes.  surel-mxd itself never holds Postfix's
 *	privileges, and the helper never touches the route table.
 * DIAGNOSTICS
 *	mxd_flushq_schedule() returns -1 when out of memory (the flush is
 *	then skipped; the mail waits for the school's next ETRN).
 *	mxd_postqueue_spawn() returns -1 with errno set.
 *	mxd_flush_helper_start() returns -1 with errno set;
 *	mxd_flush_helper_request() returns -1 when the helper is gone.
 */
#ifndef SUREL_MXD_FLUSH_H
#define SUREL_MXD_FLUSH_H

#include <stddef.h>
#include <sys/types.h>

struct mxd_flush {
    char domain[256];
    long long due;
};

struct mxd_flushq {
    struct mxd_flush *v;
    int n, cap;
};

int mxd_flushq_schedule(struct mxd_flushq *q, const char *domain, long long due);
long long mxd_flushq_next(const struct mxd_flushq *q);
int mxd_flushq_pop(struct mxd_flushq *q, long long now, char *domain, size_t len);
void mxd_flushq_free(struct mxd_flushq *q);
pid_t mxd_postqueue_spawn(const char *postqueue, const char *config_dir, const char *domain);
int mxd_flush_helper_start(uid_t uid, gid_t gid, const char *postqueue, const char *config_dir,
                           int close_fd, pid_t *pid);
int mxd_flush_helper_request(int fd, const char *domain);

#endif
