/*
 * NAME
 *	triggers 3
 * SUMMARY
 *	should a session start now, and why
 * SYNOPSIS
 *	See triggers.h.
 * DESCRIPTION
 *	Month bounds are found with mktime() on the first of the month
 *	and of the next month, at local midnight.
 * DIAGNOSTICS
 *	See triggers.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "triggers.h"

const char *trigger_due(const struct trigger_facts *f)
{
    if (f->retry_at > 0 && f->now >= f->retry_at)
        return "retry";
    if (f->next_schedule > 0 && f->now >= f->next_schedule)
        return "schedule";
    if (!f->queue_known || f->outbound == 0)
        return NULL;
    if (f->queue_messages > 0 && f->outbound >= f->queue_messages)
        return "queue-size";
    if (f->queue_age > 0 && f->oldest > 0 && f->now - f->oldest >= f->queue_age)
        return "queue-age";
    return NULL;
}

/* Local midnight on the first of month mon (0-11, may overflow) of year. */
static long long month_start(int year, int mon)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = 1;
    tm.tm_isdst = -1;
    return (long long)mktime(&tm);
}

void month_bounds(long long now, long long *from, long long *to)
{
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    *from = month_start(tm.tm_year + 1900, tm.tm_mon);
    *to = month_start(tm.tm_year + 1900, tm.tm_mon + 1);
}

int month_parse(const char *s, long long *from, long long *to)
{
    int y, m;
    char extra;
    if (s == NULL || strlen(s) != 7 || sscanf(s, "%4d-%2d%c", &y, &m, &extra) != 2
        || s[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
        return -1;
    *from = month_start(y, m - 1);
    *to = month_start(y, m);
    return 0;
}
