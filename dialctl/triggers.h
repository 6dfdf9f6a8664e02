/*
 * NAME
 *	triggers 3h
 * SUMMARY
 *	should a session start now, and why
 * SYNOPSIS
 *	#include "triggers.h"
 *
 *	const char *trigger_due(const struct trigger_facts *f);
 *	void	month_bounds(long long now, long long *from, long long *to);
 *	int	month_parse(const char *yyyy_mm, long long *from, long long *to);
 * DESCRIPTION
 *	trigger_due() looks at the facts the idle daemon gathered and
 *	names the trigger that fires ("retry", "schedule", "queue-size",
 *	"queue-age"), or returns NULL.  A retry (a failed session's
 *	trigger, tried again after [dial] retry_delay) comes first.  The
 *	queue counts only outbound mail; its triggers are off when their
 *	threshold is 0.  Manual dials do not pass through here.
 *
 *	month_bounds() gives the local calendar month around now as
 *	[from, to); month_parse() the same for "YYYY-MM".  Pure functions
 *	(local time zone from TZ).
 * DIAGNOSTICS
 *	month_parse() returns -1 on a malformed month.
 */
#ifndef DIALCTL_TRIGGERS_H
#define DIALCTL_TRIGGERS_H

struct trigger_facts {
    long long now;
    long long next_schedule;    /* -1: no schedule */
    long long retry_at;         /* 0: nothing to retry */
    int queue_known;            /* the queue was read just now */
    int outbound;               /* outbound messages waiting */
    long long oldest;           /* arrival of the oldest, 0 if none */
    long long queue_messages;   /* threshold, 0 = off */
    long long queue_age;        /* threshold in seconds, 0 = off */
};

const char *trigger_due(const struct trigger_facts *f);
void month_bounds(long long now, long long *from, long long *to);
int month_parse(const char *yyyy_mm, long long *from, long long *to);

#endif
