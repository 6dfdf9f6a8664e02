/*
 * NAME
 *	collect 3h
 * SUMMARY
 *	one collection pass of surel-collect: its settings, state and figures
 * SYNOPSIS
 *	#include "collect.h"
 *
 *	int	collect_box(struct pass *p, struct box *b);
 *	int	collect_message(struct pass *p, struct box *b,
 *				const struct mailbox_item *it);
 *	int	notice_build(const struct pass *p, const struct box *b,
 *				const char *rcpt, const char *header, size_t hlen,
 *				long long size, char **out, size_t *outlen);
 * DESCRIPTION
 *	collect_box() lists one mailbox, puts the list in the box's order,
 *	takes each message with collect_message(), and makes the server
 *	delete what was handed over.  collect_message() is the one place
 *	that decides what becomes of a message (deliver.c):
 *
 *	  known by its UID as delivered: delete it (a session was cut
 *	    before the delete);  known as refused, or announced and still
 *	    too big: leave it;
 *	  larger than max_size: fetch its header only, send each
 *	    recipient a notice (notice.c), remember it, leave it;
 *	  else fetch it; known by Message-ID and digest: remember the UID
 *	    and delete it;  a loop (it carries this school's trace header
 *	    already): to the postmaster;  else its recipients (the box's
 *	    deliver list, or recovered: recipients.h), none: the postmaster;
 *	  hand it to the school's smtpd once per recipient, with the trace
 *	    header "X-Surel-Collected: DOMAIN NAME" added; a recipient the
 *	    smtpd does not know (5.1.x) makes a copy for the postmaster;
 *	    another refusal is final for that recipient; when nobody took
 *	    it, it stays on the server, remembered as refused and reported;
 *	  remember it as delivered (the store is committed first), then
 *	    mark it deleted.
 *
 *	A temporary failure (4xx, no smtpd, a lost connection to the
 *	hosting) ends the box's pass: what was handed over is remembered,
 *	the rest waits for the next session.
 * DIAGNOSTICS
 *	collect_box() and collect_message() return 0, or -1 when the pass
 *	must end (the reason is logged); the figures count every outcome.
 */
#ifndef COLLECT_COLLECT_H
#define COLLECT_COLLECT_H

#include <stddef.h>

#include "collected.h"
#include "inject.h"
#include "mailbox.h"
#include "recipients.h"

#define BOX_HEADERS 8

enum box_kind { BOX_CATCHALL, BOX_PERSON };
enum box_order { ORDER_OLDEST, ORDER_NEWEST, ORDER_SMALLEST };

struct box {
    struct mailbox_conf mc;
    enum box_kind kind;
    enum box_order order;
    const char *headers[BOX_HEADERS + 1];
    struct recipients deliver;          /* kind person */
    char own[ADDRESS_MAX + 1];          /* the box's own address, if it is one of ours */
    int to_cc;
    long long max_size, retention;
};

struct figures {
    long long listed, delivered, duplicates, postmaster, refused, later, too_big, loops,
        deleted, bytes, failed;
};

struct pass {
    const char *domain;                 /* [school] domain */
    const char *domains[2];
    char postmaster[ADDRESS_MAX + 1];
    const char *school_name;
    const char *sendmail, *postfix_config;   /* for notices (submit.h) */
    struct collected *store;
    struct inject smtp;
    struct mailbox m;
    struct figures fig;
    long long now;
};

int collect_box(struct pass *p, struct box *b);
int collect_message(struct pass *p, struct box *b, const struct mailbox_item *it);
int notice_build(const struct pass *p, const struct box *b, const char *rcpt, const char *header,
                 size_t hlen, long long size, char **out, size_t *outlen);

#endif
