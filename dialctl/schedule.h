/*
 * NAME
 *	schedule 3h
 * SUMMARY
 *	weekly dial schedule: parsing and the next time it fires
 * SYNOPSIS
 *	#include "schedule.h"
 *
 *	int	schedule_parse(const char *text, struct schedule *s,
 *				char *why, size_t whylen);
 *	long long schedule_next(const struct schedule *s, long long after);
 * DESCRIPTION
 *	A schedule is a list of entries separated by ";", each a set of
 *	days followed by times of day:
 *
 *		Mon-Sat 08:00 13:00; Sun 10:00
 *
 *	Days are English or Indonesian three-letter names (Mon/Sen,
 *	Tue/Sel, Wed/Rab, Thu/Kam, Fri/Jum, Sat/Sab, Sun/Min), ranges
 *	("Mon-Sat", wrapping allowed: "Sat-Mon"), lists ("Mon,Wed,Fri"),
 *	or "daily".  Times are HH:MM, separated by blanks or commas.
 *	An empty text is an empty schedule that never fires.
 *
 *	schedule_next() returns the first moment strictly after "after"
 *	(Unix time) at which the schedule fires, in the local time zone
 *	(TZ), or -1 for an empty schedule.  Both are pure functions.
 * DIAGNOSTICS
 *	schedule_parse() returns -1 and says why (naming the bad word);
 *	s is then empty.
 */
#ifndef DIALCTL_SCHEDULE_H
#define DIALCTL_SCHEDULE_H

#include <stddef.h>

#define SCHEDULE_MAX_TIMES 24   /* times of day per weekday */

struct schedule {
    int n[7];                               /* times on each weekday, 0 = Sunday */
    short minute[7][SCHEDULE_MAX_TIMES];    /* minutes after midnight, sorted */
};

int schedule_parse(const char *text, struct schedule *s, char *why, size_t whylen);
long long schedule_next(const struct schedule *s, long long after);
/* 1 if the schedule never fires. */
int schedule_empty(const struct schedule *s);

#endif
