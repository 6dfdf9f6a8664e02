/*
 * NAME
 *	inject 3h
 * SUMMARY
 *	hand one message to this side's Postfix over SMTP, with its envelope
 * SYNOPSIS
 *	#include "inject.h"
 *
 *	int	inject_open(struct inject *in, const char *host_port,
 *				const char *helo, char *err, size_t len);
 *	enum inject_result inject_send(struct inject *in, const char *sender,
 *				const char *rcpt, const char *msg, size_t len);
 *	void	inject_close(struct inject *in);
 * DESCRIPTION
 *	libcurl's SMTP client speaks to an smtpd of this side's Postfix
 *	(surel-batch: the school's tunnel-only smtpd, or the school's own
 *	relay smtpd at the ISP; surel-collect: the school's collect-only
 *	smtpd), so every message passes the same restrictions as mail that
 *	arrives by SMTP from outside.  One connection is kept for all messages.
 *	The message is sent as stored (LF line ends, converted to CRLF;
 *	libcurl adds the dot-stuffing), with SIZE, MAIL FROM (<> for an
 *	empty sender) and one RCPT.
 *
 *	INJECT_OK	the smtpd queued it (250 after the data);
 *	INJECT_REFUSED	a 5xx answer: it will never take it;
 *	INJECT_LATER	anything else: 4xx, no connection, a timeout.
 *	in->why holds the server's last answer or libcurl's error.
 * DIAGNOSTICS
 *	inject_open() returns -1 with err when libcurl cannot start.
 */
#ifndef SUREL_INJECT_H
#define SUREL_INJECT_H

#include <stddef.h>

enum inject_result { INJECT_OK, INJECT_REFUSED, INJECT_LATER };

struct inject {
    void *curl;
    char url[300];
    char why[400];
    char last[400];         /* the server's last answer line */
};

int inject_open(struct inject *in, const char *host_port, const char *helo, char *err, size_t len);
enum inject_result inject_send(struct inject *in, const char *sender, const char *rcpt,
                               const char *msg, size_t len);
void inject_close(struct inject *in);

#endif
