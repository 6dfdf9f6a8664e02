/*
 * NAME
 *	etrn 3h
 * SUMMARY
 *	ETRN to the ISP's MX through libcurl
 * SYNOPSIS
 *	#include "etrn.h"
 *
 *	int	etrn_send(const struct etrn_conf *c, const char *domain,
 *				struct etrn_result *r);
 *	int	etrn_code_ok(long code);
 *	int	etrn_read_credentials(const char *path, char *user, size_t ulen,
 *				char *pass, size_t plen, char *why, size_t wlen);
 * DESCRIPTION
 *	etrn_send() connects to smtp://HOST, optionally says STARTTLS
 *	(tls 1: if offered, 2: required) and AUTH (when username is set),
 *	and sends "ETRN domain" (CURLOPT_CUSTOMREQUEST "ETRN" with the
 *	domain as the only CURLOPT_MAIL_RCPT).  r gets the reply code and
 *	text; r->ok is 1 for 250-253.  458, 459 and 5xx are failures with
 *	their code and text; a connection that fails has code 0 and
 *	libcurl's words.
 *
 *	etrn_read_credentials() reads "username=" and "password=" lines
 *	from a file that must not be readable by group or others.
 * DIAGNOSTICS
 *	etrn_send() returns 0 when the server accepted, -1 otherwise.
 */
#ifndef DIALCTL_ETRN_H
#define DIALCTL_ETRN_H

#include <stddef.h>

struct etrn_conf {
    const char *host;       /* host or host:port */
    int tls;                /* 0 no, 1 try, 2 required */
    const char *username;   /* NULL: no AUTH */
    const char *password;
    long timeout;           /* seconds */
};

struct etrn_result {
    long code;
    int ok;
    char text[256];
};

int etrn_send(const struct etrn_conf *c, const char *domain, struct etrn_result *r);
int etrn_code_ok(long code);
int etrn_read_credentials(const char *path, char *user, size_t ulen, char *pass, size_t plen,
                          char *why, size_t wlen);

#endif
