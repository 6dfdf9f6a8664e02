/*
 * NAME
 *	ratelimit 3h
 * SUMMARY
 *	surel-mxd: lock out addresses and logins after repeated refusals
 * SYNOPSIS
 *	#include "ratelimit.h"
 *
 *	int	mxd_rate_init(struct mxd_rate *rl, int cap, int max_failures,
 *			long long window, long long lockout);
 *	void	mxd_rate_free(struct mxd_rate *rl);
 *	int	mxd_rate_locked(struct mxd_rate *rl, const char *key,
 *			long long now);
 *	int	mxd_rate_fail(struct mxd_rate *rl, const char *key,
 *			long long now);
 * DESCRIPTION
 *	Keys are strings such as "addr 203.0.113.30" or "login school2".
 *	Each key counts its refusals in a fixed window that starts with its
 *	first refusal; the max_failures-th refusal within window locks the
 *	key out for lockout seconds, during which mxd_rate_locked() is 1.
 *	The table holds at most cap keys: when full, the key seen longest
 *	ago that is not locked out makes room (or, if all are locked, the
 *	one whose lockout ends first), so memory stays bounded whatever a
 *	prober sends.  Time is passed in: the functions are pure.
 * DIAGNOSTICS
 *	mxd_rate_init() returns -1 when out of memory.  mxd_rate_fail()
 *	returns 1 when this refusal started a lockout, else 0.
 */
#ifndef SUREL_MXD_RATELIMIT_H
#define SUREL_MXD_RATELIMIT_H

struct mxd_rate_entry {
    char key[160];
    int failures;
    long long window_start, locked_until, last;
};

struct mxd_rate {
    struct mxd_rate_entry *e;
    int n, cap, max_failures;
    long long window, lockout;
};

int mxd_rate_init(struct mxd_rate *rl, int cap, int max_failures, long long window,
                  long long lockout);
void mxd_rate_free(struct mxd_rate *rl);
int mxd_rate_locked(struct mxd_rate *rl, const char *key, long long now);
int mxd_rate_fail(struct mxd_rate *rl, const char *key, long long now);

#endif
