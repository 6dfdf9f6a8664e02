/*
 * NAME
 *	ledger_fill 1
 * SUMMARY
 *	make a ledger with a known month of sessions, for the report tests
 * SYNOPSIS
 *	ledger_fill LEDGER YYYY-MM DAY:RUPIAH...
 * DESCRIPTION
 *	Creates LEDGER (it must not exist) and adds one session of one
 *	minute at 10:00 local time on each DAY of the month, costing RUPIAH;
 *	a day may come more than once.  What dialctl would have written,
 *	through lib/ledger, so the reports read a real ledger.
 * DIAGNOSTICS
 *	Exit 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ledger.h"

/* The session of one minute at 10:00 on day of the month, costing cost. */
static struct ledger_session one_session(int year, int month, int day, long long cost)
{
    struct ledger_session s;
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 10,
                    .tm_isdst = -1};
    long long when = (long long)mktime(&tm);
    memset(&s, 0, sizeof(s));
    strcpy(s.trigger, "schedule");
    strcpy(s.mode, "etrn");
    s.started = when, s.link_up = when + 20, s.link_down = when + 80, s.ended = when + 81;
    s.dial_seconds = 20, s.up_seconds = 60, s.billed_seconds = 60;
    s.bytes_sent = 10000, s.bytes_rcvd = 30000, s.msgs_out = 1, s.msgs_in = 1;
    s.attempts = 1, s.cost = cost, s.payload_bytes = -1, s.wire_bytes = -1;
    strcpy(s.etrn, "250 Queuing started");
    return s;
}

int main(int argc, char **argv)
{
    struct ledger *l;
    char err[512];
    int year, month;
    if (argc < 3 || sscanf(argv[2], "%d-%d", &year, &month) != 2) {
        fprintf(stderr, "usage: ledger_fill LEDGER YYYY-MM DAY:RUPIAH...\n");
        return 1;
    }
    if (ledger_open(argv[1], LEDGER_WRITE | LEDGER_CREATE, &l, err, sizeof(err)) < 0) {
        fprintf(stderr, "ledger_fill: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (int i = 3; i < argc && rc == 0; i++) {
        int day;
        long long cost;
        struct ledger_session s;
        if (sscanf(argv[i], "%d:%lld", &day, &cost) != 2) {
            fprintf(stderr, "ledger_fill: '%s' is not DAY:RUPIAH\n", argv[i]);
            rc = 1;
        } else if (s = one_session(year, month, day, cost), ledger_add_session(l, &s) < 0) {
            fprintf(stderr, "ledger_fill: %s\n", ledger_errmsg(l));
            rc = 1;
        }
    }
    ledger_close(l);
    return rc;
}
