/*
 * NAME
 *	usage 3h
 * SUMMARY
 *	the milter's usage counters: outside mail per person per day
 * SYNOPSIS
 *	#include "usage.h"
 *
 *	int	usage_open(const char *path, int flags, struct usage **up,
 *			char *err, size_t errlen);
 *	void	usage_close(struct usage *u);
 *	int	usage_get(struct usage *u, const char *day, const char *username,
 *			struct usage_day *d);
 *	int	usage_add(struct usage *u, const char *day, const char *username,
 *			long long messages, long long bytes, long long recipients);
 *	int	usage_each(struct usage *u, const char *from, const char *to,
 *			usage_fn *fn, void *ctx);
 *	void	usage_day_of(long long when, char *day, size_t len);
 * DESCRIPTION
 *	One SQLite file (default /var/lib/surel/usage.db), written by
 *	surel-milter alone and read by the dial controller's cost report.
 *	It holds, per local day ("YYYY-MM-DD") and username, how many
 *	messages and bytes that person sent outside the school, and to how
 *	many outside recipients (what the daily allowance counts).  The schema
 *	version is PRAGMA user_version; USAGE_WRITE|USAGE_CREATE applies the
 *	missing migrations, a read-only open refuses an old or newer file.
 *	WAL with persistent -wal/-shm files, so read-only readers work.
 *
 *	usage_get() fills d with zeros when the person sent nothing that
 *	day.  usage_add() adds to the day's counters (creating the row).
 *	usage_each() visits every row with from <= day <= to, ordered by day
 *	then username; fn returning non-zero stops the walk (that value is
 *	returned).  usage_day_of() formats a Unix time as a local day.
 *
 *	A handle is not thread-safe: use one per thread or a mutex.
 * DIAGNOSTICS
 *	0 on success, USAGE_EDB/USAGE_EBUSY/USAGE_ESCHEMA on failure;
 *	usage_errmsg() says what happened.  usage_open() fills err.
 */
#ifndef SUREL_USAGE_H
#define SUREL_USAGE_H

#include <stddef.h>

#define USAGE_SCHEMA_VERSION 2

#define USAGE_READONLY 0x00
#define USAGE_WRITE    0x01
#define USAGE_CREATE   0x02

#define USAGE_EDB     (-1)
#define USAGE_EBUSY   (-2)
#define USAGE_ESCHEMA (-3)

struct usage_day {
    long long messages;
    long long bytes;
    long long recipients;
};

struct usage;

typedef int usage_fn(const char *day, const char *username, const struct usage_day *d,
                     void *ctx);

int usage_open(const char *path, int flags, struct usage **up, char *err, size_t errlen);
void usage_close(struct usage *u);
const char *usage_errmsg(const struct usage *u);
int usage_get(struct usage *u, const char *day, const char *username, struct usage_day *d);
int usage_add(struct usage *u, const char *day, const char *username,
              long long messages, long long bytes, long long recipients);
int usage_each(struct usage *u, const char *from, const char *to, usage_fn *fn, void *ctx);
void usage_day_of(long long when, char *day, size_t len);

#endif
