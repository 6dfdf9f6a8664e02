/*
 * NAME
 *	hash_pool 3h
 * SUMMARY
 *	make and hash many passwords on every core
 * SYNOPSIS
 *	#include "hash_pool.h"
 *
 *	int	hash_pool_run(const char *scheme, struct hash_job *jobs, int n,
 *				int progress);
 * DESCRIPTION
 *	A password hash such as yescrypt is slow on purpose (tens of
 *	milliseconds); a class list of a thousand students would take a
 *	minute on one core.  hash_pool_run() gives every job without a
 *	password a generated one, then hashes all jobs on as many threads as
 *	there are online CPUs.  With progress set it redraws a counter on
 *	standard error.
 * DIAGNOSTICS
 *	-1 if a password could not be generated or hashed (the job's hash is
 *	then empty); the other jobs are still done.
 */
#ifndef SUREL_HASH_POOL_H
#define SUREL_HASH_POOL_H

#include "password.h"
#include "roster.h"

struct hash_job {
    char username[ROSTER_USERNAME_MAX];
    char password[SUREL_PASSWORD_LEN + 64];
    char hash[ROSTER_HASH_MAX];
};

int hash_pool_run(const char *scheme, struct hash_job *jobs, int n, int progress);

#endif
