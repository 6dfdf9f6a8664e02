/*
 * NAME
 *	report 3h
 * SUMMARY
 *	"dialctl report" and "dialctl log": read the ledger, print
 * SYNOPSIS
 *	#include "report.h"
 *
 *	int	report_print(const struct conf *c, const char *month, FILE *out);
 *	int	log_print(const struct conf *c, int limit, FILE *out);
 *	long long report_students(const struct conf *c);
 * DESCRIPTION
 *	report_print() prints one line per day of the month (this month
 *	when month is NULL, else "YYYY-MM") with sessions, billed minutes,
 *	MB both ways and Rupiah; the month's total; Rupiah per active
 *	student (roster_count() on the roster, rounded up); what is left of
 *	the budget.  Money is written "Rp 12.450" (rupiah.h) and the words
 *	in the reader's language (_()); report_students() is that count,
 *	-1 when the roster cannot be read.  log_print() prints the last sessions and decisions
 *	(refused or failed triggers), oldest first.  Both open the ledger
 *	read-only: they work while the daemon runs, and without it.
 * DIAGNOSTICS
 *	Return a sysexits code; the reason goes to the log (stderr).
 */
#ifndef DIALCTL_REPORT_H
#define DIALCTL_REPORT_H

#include <stdio.h>

#include "conf.h"

int report_print(const struct conf *c, const char *month, FILE *out);
int log_print(const struct conf *c, int limit, FILE *out);
long long report_students(const struct conf *c);

#endif
