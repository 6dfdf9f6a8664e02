/*
 * NAME
 *	report_chart 3h
 * SUMMARY
 *	"dialctl report": its arguments, the month's name, and the month
 *	drawn as a chart (gnuplot)
 * SYNOPSIS
 *	#include "report_chart.h"
 *
 *	int	report_command(const struct conf *c, int argc, char **argv,
 *				FILE *out);
 *	int	report_chart(const struct conf *c, const char *month,
 *				const char *path);
 *	const char *report_month_label(long long from, char *buf,
 *				size_t len);
 * DESCRIPTION
 *	report_command() runs "report [--month YYYY-MM] [--chart FILE]"
 *	(argv[0] is "report"): the text report on out and, with --chart,
 *	the chart too.  The chart's file name decides its form: ".svg"
 *	(text stays text: searchable, readable aloud) or ".png"; any other
 *	name is refused before anything is read.
 *
 *	report_chart() draws the month (this month when month is NULL):
 *	bars of the Rupiah each day cost, a dashed line at the day's share
 *	of [budget] money when there is a cap, and the month's total and
 *	its cost per active student under the title "Link costs for MONTH"
 *	(translated).  gnuplot (/usr/bin/gnuplot, Debian's gnuplot-nox)
 *	draws it: run with an argument vector, never a shell, reading the
 *	script and the data on standard input and writing the image on
 *	standard output into a temporary file beside path, which is renamed
 *	into place once gnuplot succeeded.  Every text it is given is quoted
 *	for gnuplot and drawn without enhanced-text markup.
 *
 *	report_month_label() writes "November 2026" for the month that
 *	starts at from, the month's name in the reader's language.
 * DIAGNOSTICS
 *	report_command() and report_chart() return a sysexits code (64 for
 *	a chart name that is neither .svg nor .png, 69 when gnuplot is
 *	missing, 70 when it failed, 73 when the file cannot be made); the
 *	reason, naming the file, goes to the log (stderr).
 */
#ifndef DIALCTL_REPORT_CHART_H
#define DIALCTL_REPORT_CHART_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

#ifndef SUREL_GNUPLOT
#define SUREL_GNUPLOT "/usr/bin/gnuplot"
#endif

int report_command(const struct conf *c, int argc, char **argv, FILE *out);
int report_chart(const struct conf *c, const char *month, const char *path);
const char *report_month_label(long long from, char *buf, size_t len);

#endif
