/*
 * NAME
 *	schedule 3
 * SUMMARY
 *	weekly dial schedule: parsing and the next time it fires
 * SYNOPSIS
 *	See schedule.h.
 * DESCRIPTION
 *	Words are split on blanks, commas and semicolons; a semicolon ends
 *	an entry.  A word with a letter is a day set, a word with a colon
 *	is a time that applies to the day set most recently named in the
 *	entry.  Times are kept sorted and without duplicates per weekday.
 *	The next firing is found by walking at most eight local dates
 *	forward with mktime(), so daylight-saving changes are mktime's.
 * DIAGNOSTICS
 *	An unknown day, a bad time, a time before any day, a day set with
 *	no time, or more than SCHEDULE_MAX_TIMES times on one day.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "schedule.h"

static const char *const day_en[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const day_id[7] = {"min", "sen", "sel", "rab", "kam", "jum", "sab"};

/* Weekday number of a day name (first three letters), or -1. */
static int day_number(const char *w, size_t len)
{
    if (len < 3)
        return -1;
    for (int d = 0; d < 7; d++)
        if (strncasecmp(w, day_en[d], 3) == 0 || strncasecmp(w, day_id[d], 3) == 0)
            return d;
    return -1;
}

/* Parse a day set ("Mon-Sat", "daily", "Sat") into a 7-bit mask. */
static int parse_days(const char *w, unsigned *mask)
{
    const char *dash = strchr(w, '-');
    if (strcasecmp(w, "daily") == 0 || strcasecmp(w, "setiap") == 0) {
        *mask = 0x7f;
        return 0;
    }
    if (dash == NULL) {
        int d = day_number(w, strlen(w));
        if (d < 0 || strlen(w) > 9)
            return -1;
        *mask |= 1u << d;
        return 0;
    }
    int a = day_number(w, (size_t)(dash - w)), b = day_number(dash + 1, strlen(dash + 1));
    if (a < 0 || b < 0)
        return -1;
    for (int d = a;; d = (d + 1) % 7) {
        *mask |= 1u << d;
        if (d == b)
            break;
    }
    return 0;
}

/* Parse "HH:MM" into minutes after midnight, or -1. */
static int parse_time(const char *w)
{
    int h, m;
    char extra;
    if (strlen(w) > 5 || sscanf(w, "%2d:%2d%c", &h, &m, &extra) != 2)
        return -1;
    if (h < 0 || h > 23 || m < 0 || m > 59 || !isdigit((unsigned char)w[strlen(w) - 1]))
        return -1;
    return h * 60 + m;
}

/* Add one time to every day in mask, keeping each day sorted. */
static int add_time(struct schedule *s, unsigned mask, int minute)
{
    for (int d = 0; d < 7; d++) {
        if (!(mask & (1u << d)))
            continue;
        int i = 0;
        while (i < s->n[d] && s->minute[d][i] < minute)
            i++;
        if (i < s->n[d] && s->minute[d][i] == minute)
            continue;
        if (s->n[d] == SCHEDULE_MAX_TIMES)
            return -1;
        memmove(&s->minute[d][i + 1], &s->minute[d][i], (size_t)(s->n[d] - i) * sizeof(short));
        s->minute[d][i] = (short)minute;
        s->n[d]++;
    }
    return 0;
}

/* Handle one word of an entry; -1 with why filled in on error. */
static int parse_word(struct schedule *s, const char *w, unsigned *mask, int *last_was_time,
                      int *times_for_mask, char *why, size_t whylen)
{
    if (strchr(w, ':') != NULL) {
        int m = parse_time(w);
        if (m < 0) {
            snprintf(why, whylen, "'%s' is not a time of day (HH:MM)", w);
            return -1;
        }
        if (*mask == 0) {
            snprintf(why, whylen, "time '%s' comes before any day (e.g. 'Mon-Sat %s')", w, w);
            return -1;
        }
        if (add_time(s, *mask, m) < 0) {
            snprintf(why, whylen, "more than %d times on one day", SCHEDULE_MAX_TIMES);
            return -1;
        }
        *last_was_time = 1;
        (*times_for_mask)++;
        return 0;
    }
    if (*last_was_time)
        *mask = 0, *times_for_mask = 0;
    *last_was_time = 0;
    if (parse_days(w, mask) < 0) {
        snprintf(why, whylen, "'%s' is not a day or day range (e.g. Mon-Sat)", w);
        return -1;
    }
    return 0;
}

int schedule_parse(const char *text, struct schedule *s, char *why, size_t whylen)
{
    char buf[1024], *save = NULL;
    memset(s, 0, sizeof(*s));
    if (text == NULL)
        return 0;
    if (strlen(text) >= sizeof(buf)) {
        snprintf(why, whylen, "schedule is too long");
        return -1;
    }
    strcpy(buf, text);
    for (char *entry = strtok_r(buf, ";", &save); entry; entry = strtok_r(NULL, ";", &save)) {
        char *wsave = NULL;
        unsigned mask = 0;
        int last_was_time = 0, times = 0;
        for (char *w = strtok_r(entry, " \t,", &wsave); w; w = strtok_r(NULL, " \t,", &wsave)) {
            if (parse_word(s, w, &mask, &last_was_time, &times, why, whylen) < 0) {
                memset(s, 0, sizeof(*s));
                return -1;
            }
        }
        if (mask != 0 && times == 0) {
            snprintf(why, whylen, "days without a time in '%s'", entry);
            memset(s, 0, sizeof(*s));
            return -1;
        }
    }
    return 0;
}

int schedule_empty(const struct schedule *s)
{
    for (int d = 0; d < 7; d++)
        if (s->n[d] > 0)
            return 0;
    return 1;
}

long long schedule_next(const struct schedule *s, long long after)
{
    time_t t0 = (time_t)after;
    struct tm base;
    if (schedule_empty(s) || localtime_r(&t0, &base) == NULL)
        return -1;
    for (int add = 0; add <= 8; add++) {
        struct tm day = base;
        day.tm_mday += add;
        day.tm_hour = 12, day.tm_min = 0, day.tm_sec = 0, day.tm_isdst = -1;
        if (mktime(&day) == (time_t)-1)             /* normalises the date */
            continue;
        int wd = day.tm_wday;
        for (int i = 0; i < s->n[wd]; i++) {
            struct tm at = day;
            at.tm_hour = s->minute[wd][i] / 60;
            at.tm_min = s->minute[wd][i] % 60;
            at.tm_sec = 0;
            at.tm_isdst = -1;
            time_t t = mktime(&at);
            if (t != (time_t)-1 && (long long)t > after)
                return (long long)t;
        }
    }
    return -1;
}
