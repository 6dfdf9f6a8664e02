/*
 * NAME
 *	recipients 3h
 * SUMMARY
 *	who a message collected from a catch-all mailbox was sent to
 * SYNOPSIS
 *	#include "recipients.h"
 *
 *	int	recipients_recover(const char *msg, size_t len,
 *				const struct recover_rule *rule,
 *				struct recipients *out);
 *	int	recipients_parse(const char *value, const struct recover_rule *rule,
 *				struct recipients *out);
 * DESCRIPTION
 *	A catch-all mailbox holds one copy for every envelope recipient of
 *	the school's domain, and the hosting records that recipient in a
 *	header it adds on delivery: Exim (cPanel) "Envelope-to:", Postfix
 *	"X-Original-To:" (and "Delivered-To:", which names the catch-all
 *	itself after an alias), Dovecot LMTP "Delivered-To:".  The To: and
 *	Cc: headers say nothing of Bcc recipients and list everybody else
 *	too, so they are used only when rule->to_cc says so.
 *
 *	recipients_recover() tries rule->headers in their order; for each
 *	it reads the topmost such header above the first Received: line
 *	(message.h: a sender can write the same names, but only below the
 *	hosting's Received: lines) and keeps its addresses of the school's
 *	domains (rule->domains), other than the mailbox's own address
 *	(rule->own).  The first header that yields one decides.  Then,
 *	with rule->to_cc, the To: and Cc: headers (anywhere in the
 *	header) the same way.  0 recipients: nobody can be told; the
 *	caller gives the message to the postmaster, never to everybody.
 *
 *	recipients_parse() reads one header value: addresses separated
 *	by commas, each bare or in angle brackets, with display names,
 *	quoted strings, comments and groups ("Kelas: a@x, b@x;") as mail
 *	clients write them.  An address is kept only in one spelling: lower
 *	case, a dot-atom local part (no quotes, no "%" or "!" routing, no
 *	"@" inside), its domain exactly one of the school's (a trailing dot
 *	is dropped).  Duplicates are dropped; at most RECIPIENTS_MAX are
 *	kept and out->cut counts the rest.
 * DIAGNOSTICS
 *	Both return the number of recipients in out.
 */
#ifndef COLLECT_RECIPIENTS_H
#define COLLECT_RECIPIENTS_H

#include <stddef.h>

#define RECIPIENTS_MAX 100
#define ADDRESS_MAX 254

struct recover_rule {
    const char *const *headers;     /* NULL-ended, in trust order */
    const char *const *domains;     /* the school's, NULL-ended, lower case */
    const char *own;                /* the mailbox's own address, or NULL */
    int to_cc;
};

struct recipients {
    char addr[RECIPIENTS_MAX][ADDRESS_MAX + 1];
    int n;
    int cut;                        /* addresses beyond RECIPIENTS_MAX */
    char source[40];                /* the header that decided, "" if none */
};

int recipients_recover(const char *msg, size_t len, const struct recover_rule *rule,
                       struct recipients *out);
int recipients_parse(const char *value, const struct recover_rule *rule, struct recipients *out);

#endif
