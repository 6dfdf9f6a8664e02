/*
 * NAME
 *	address 3h
 * SUMMARY
 *	mail addresses brought to the one form Postfix delivers to
 * SYNOPSIS
 *	#include "address.h"
 *
 *	int	address_envelope(const char *arg, char *out, size_t len);
 *	int	address_header(const char *value, struct address_list *list,
 *			char *why, size_t whylen);
 *	void	address_list_free(struct address_list *list);
 * DESCRIPTION
 *	Postfix rewrites an address after surel-milter has judged it, so a
 *	rule that compares the address as written can be walked around by
 *	writing it another way.  These functions give the form Postfix's
 *	trivial-rewrite and its lookup tables end up with, so that every
 *	spelling of one address is judged as that address:
 *
 *	  - angle brackets, blanks and RFC 5322 comments "(...)" dropped;
 *	  - a source route "@a.example,@b.example:" dropped;
 *	  - the local part unquoted: "kelas-7a" and kelas\-7a are kelas-7a;
 *	  - the domain in lower case without trailing dots;
 *	  - the split at the last "@" outside quotes.
 *
 *	The local part keeps its case and any +extension: what the roster
 *	makes of them is policy_classify's business.  The percent hack
 *	(user%domain@host) and bang paths (host!user) are not undone here:
 *	the school's Postfix runs with allow_percent_hack = no and
 *	swap_bangpath = no (etc/postfix/main.cf.surel), so such an address
 *	is delivered, if at all, to its literal local part.
 *
 *	address_envelope reads one SMTP envelope argument (MAIL FROM or
 *	RCPT TO, with or without the brackets) into out: "" for the null
 *	sender, "local" without a domain, else "local@domain".
 *
 *	address_header reads the value of an address header (From, Sender,
 *	Resent-From: an RFC 5322 address list, groups and the obsolete
 *	forms included, folded over any number of lines) and appends each
 *	mailbox's address to list, in the same form.  Nothing is cut: the
 *	list grows as needed, and no fixed buffer decides what is read.
 * DIAGNOSTICS
 *	address_envelope returns 0, or -1 when the argument is not an
 *	address or does not fit in len.  address_header returns 0, or -1
 *	with a short English reason in why (for the log; marked N_() so
 *	that the reply can give its translation, policy_bad_header) when
 *	the value is not an address list a mail program would read the same
 *	way, or memory runs out; a header that cannot be parsed must be
 *	refused, never passed unchecked.
 */
#ifndef SUREL_ADDRESS_H
#define SUREL_ADDRESS_H

#include <stddef.h>

/* Addresses read from headers, in the canonical form; malloc'd. */
struct address_list {
    char **addr;
    size_t n, cap;
};

int address_envelope(const char *arg, char *out, size_t len);
int address_header(const char *value, struct address_list *list, char *why, size_t whylen);
void address_list_free(struct address_list *list);

#endif
