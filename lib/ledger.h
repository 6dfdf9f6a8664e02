/*
 * NAME
 *	ledger 3h
 * SUMMARY
 *	dialctl's ledger: what every link session carried and cost
 * SYNOPSIS
 *	#include "ledger.h"
 *
 *	int	ledger_open(const char *path, int flags, struct ledger **lp,
 *				char *err, size_t errlen);
 *	void	ledger_close(struct ledger *l);
 *	int	ledger_add_session(struct ledger *l, struct ledger_session *s);
 *	int	ledger_add_event(struct ledger *l, long long when,
 *				const char *kind, const char *text);
 *	int	ledger_total(struct ledger *l, long long from, long long to,
 *				struct ledger_sum *sum);
 *	int	ledger_days(struct ledger *l, long long from, long long to,
 *				ledger_day_fn *fn, void *ctx);
 *	int	ledger_events(struct ledger *l, int limit, ledger_event_fn *fn,
 *				void *ctx);
 * DESCRIPTION
 *	The ledger is its own SQLite file (default
 *	/var/lib/surel/ledger.db, beside the roster), written by dialctl
 *	alone and read by "dialctl report" and "dialctl log".  Its schema
 *	version is PRAGMA user_version; a writable open applies missing
 *	migrations in one transaction, a read-only open refuses a file that
 *	is behind or ahead.  It uses a rollback journal, not WAL: writes
 *	are a few per session, and readers that may not write the
 *	directory (the control group's "dialctl report") can still read it.
 *
 *	A session row holds the trigger, the times (dial started, link up,
 *	link down, session end), dialling and link-up seconds, the billed
 *	seconds, bytes each way, messages each way (-1 if unknown), the
 *	ETRN result, errors, dial attempts and the cost in Rupiah, how the
 *	mail was carried (mode "etrn" or "ssh") and, for "ssh", the SMTP
 *	bytes the tunnel carried and what they took compressed.  Events
 *	are one-line records of what dialctl decided (refused triggers,
 *	failures).  Time sums and days are in the local time zone.
 * DIAGNOSTICS
 *	Negative LEDGER_E* codes; ledger_errmsg() says what went wrong.
 */
#ifndef SUREL_LEDGER_H
#define SUREL_LEDGER_H

#include <stddef.h>

#define LEDGER_SCHEMA_VERSION 2

#define LEDGER_READONLY 0x00
#define LEDGER_WRITE    0x01
#define LEDGER_CREATE   0x02

#define LEDGER_EDB      (-1)
#define LEDGER_EBUSY    (-2)
#define LEDGER_ESCHEMA  (-3)

struct ledger_session {
    long long id;
    char trigger[32];           /* schedule, queue-size, queue-age, manual, ... */
    long long started;          /* dialling started */
    long long link_up;          /* 0 if the link never came up */
    long long link_down;
    long long ended;
    long long dial_seconds;
    long long up_seconds;
    long long billed_seconds;
    long long bytes_sent, bytes_rcvd;
    long long msgs_out, msgs_in;    /* -1 if unknown */
    int attempts;
    long long cost;             /* Rupiah */
    char etrn[256];             /* "250 Queuing started", "554 ...", "" */
    char errors[512];
    char mode[8];               /* "etrn" or "ssh" ([dial] mode) */
    long long payload_bytes;    /* ssh: SMTP bytes the tunnel carried, -1 if unknown */
    long long wire_bytes;       /* ssh: what they took compressed, -1 if unknown */
};

struct ledger_sum {
    long long sessions;
    long long up_seconds, billed_seconds;
    long long bytes_sent, bytes_rcvd;
    long long msgs_out, msgs_in;
    long long cost;
    long long payload_bytes, wire_bytes;    /* of the sessions that know them */
};

struct ledger;

int ledger_open(const char *path, int flags, struct ledger **lp, char *err, size_t errlen);
void ledger_close(struct ledger *l);
const char *ledger_errmsg(const struct ledger *l);
int ledger_add_session(struct ledger *l, struct ledger_session *s);
int ledger_add_event(struct ledger *l, long long when, const char *kind, const char *text);
/* Sum of sessions started in [from, to). */
int ledger_total(struct ledger *l, long long from, long long to, struct ledger_sum *sum);
typedef int ledger_day_fn(const char *day, const struct ledger_sum *sum, void *ctx);
/* One call per local day with sessions in [from, to), oldest first. */
int ledger_days(struct ledger *l, long long from, long long to, ledger_day_fn *fn, void *ctx);
typedef int ledger_event_fn(long long when, const char *kind, const char *text, void *ctx);
/* The last limit events, oldest first. */
int ledger_events(struct ledger *l, int limit, ledger_event_fn *fn, void *ctx);
typedef int ledger_session_fn(const struct ledger_session *s, void *ctx);
/* The last limit sessions, oldest first. */
int ledger_sessions(struct ledger *l, int limit, ledger_session_fn *fn, void *ctx);

#endif
