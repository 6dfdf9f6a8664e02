/*
 * NAME
 *	store 3h
 * SUMMARY
 *	surel-milter's access to the roster and its usage counters
 * SYNOPSIS
 *	#include "store.h"
 *
 *	void	store_init(const char *roster_db, const char *usage_db, int busy_ms);
 *	int	store_person(const char *username, struct roster_person *p);
 *	int	store_may_send_as(const char *username, const char *group);
 *	int	store_usage(const char *username, long long when,
 *			struct policy_usage *u);
 *	int	store_count(const char *username, long long when, long long bytes,
 *			long long recipients);
 *	void	store_close(void);
 * DESCRIPTION
 *	One read-only roster connection and one usage connection, shared by
 *	every libmilter worker thread under one mutex (lookups take
 *	microseconds).  Both are opened at first use and reopened after an
 *	error, so the milter starts, and recovers, while the roster is
 *	missing or being replaced; every read is its own SQLite transaction,
 *	so roster changes hold at once, without a restart.
 *
 *	store_person and store_may_send_as return 1 (found / allowed), 0
 *	(not found / not allowed) or -1 when the roster cannot be read;
 *	store_usage and store_count return 0 or -1.  The reason of the last
 *	failure is logged.
 * DIAGNOSTICS
 *	Failures are logged with surel_warn, naming the file and SQLite's
 *	message.
 */
#ifndef SUREL_MILTER_STORE_H
#define SUREL_MILTER_STORE_H

#include "policy.h"
#include "roster.h"

void store_init(const char *roster_db, const char *usage_db, int busy_ms);
int store_person(const char *username, struct roster_person *p);
int store_may_send_as(const char *username, const char *group);
int store_usage(const char *username, long long when, struct policy_usage *u);
int store_count(const char *username, long long when, long long bytes, long long recipients);
void store_close(void);

#endif
