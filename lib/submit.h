/*
 * NAME
 *	submit 3h
 * SUMMARY
 *	hand a report of our own to this side's Postfix through sendmail(1)
 * SYNOPSIS
 *	#include "submit.h"
 *
 *	int	submit_report(const char *sendmail, const char *config,
 *				const char *rcpt, const char *msg, size_t len,
 *				char *why, size_t wlen);
 * DESCRIPTION
 *	surel-batch's delivery reports and surel-collect's notices are
 *	written by surel itself.  A report goes to a sender anywhere: a
 *	pupil here, or someone outside (mail forwarded by an alias).  The
 *	smtpd the exchange delivers to takes only local recipients, and
 *	surel-milter would judge a notice from the school's own domain
 *	without a login a forgery, so they go in as local submissions:
 *	Postfix's sendmail with the empty sender ("-f <>"), "-i", the
 *	configuration directory config (-C) when not NULL, and "--" before
 *	the recipient; never a shell.  The message goes on its standard
 *	input.
 * DIAGNOSTICS
 *	0 when sendmail took it (exit 0); -1 and why otherwise: the report
 *	and the message it is about then stay for the next exchange.
 */
#ifndef SUREL_SUBMIT_H
#define SUREL_SUBMIT_H

#include <stddef.h>

int submit_report(const char *sendmail, const char *config, const char *rcpt, const char *msg,
                  size_t len, char *why, size_t wlen);

#endif
