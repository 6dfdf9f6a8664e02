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
 *	  larger than max_size: fetch its header only, send a notice
 *	    (notice.c) to each recipient who is a person of the roster
 *	    (for a list, or nobody, one to the postmaster), remember it,
 *	    leave it;
 *	  else fetch it; known by Message-ID and digest: remember the UID
 *	    and delete it;  a loop (it carries this school's trace header
 *	    already, its tag an HMAC of the domain and Message-ID with the
 *	    store's key, so that nobody outside can write one): to the
 *	    postmaster;  else its recipients (the box's
 *	    deliver list, or recovered: recipients.h), none: the postmaster;
 *	  hand it to the school's smtpd once per recipient, with the trace
 *	    header "X-Surel-Collected: DOMAIN NAME" added; a recipient the
 *	    smtpd does not know (5.1.x) makes a copy for the postmaster;
 *	    another refusal is final for that recipient; more recipients
 *	    than RECIPIENTS_MAX make a copy for the postmaster too; when
 *	    nobody took it, it stays on the server, remembered as refused
 *	    and reported;
 *	  remember it as delivered (the store is committed first), then
 *	    mark it deleted.
 *
 *	A temporary failure (4xx, no smtpd, a lost connection to the
 *	hosting) ends the box's pass: what was handed over is remembered,
 *	the rest waits for the next session.
 * DIAGNOSTICS
 *	collect_box() returns 0, or -1 when the pass ended early (the
 *	reason is logged).  collect_message() returns 0, 1 when only this
 *	message must wait (it is too big to fetch whole, or the smtpd
 *	answered 4xx for a recipient: the pass goes on, up to three in a
 *	row), or -1 when the pass must end.  The figures count every
 *	outcome.
 */
#ifndef COLLECT_COLLECT_H
#define COLLECT_COLLECT_H

#include <stddef.h>

#include "collected.h"
#include "inject.h"
#include "mailbox.h"
#include "recipients.h"
#include "roster.h"

#define BOX_HEADERS 8

enum box_kind { BOX_CATCHALL, BOX_PERSON };
enum box_order { ORDER_OLDEST, ORDER_NEWEST, ORDER_SMALLEST };

struct box {
    struct mailbox_conf mc;
    char key[600];                      /* the store's name for it: user and url */
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
    struct roster *roster;              /* who is a person (notices); NULL if unreadable */
    unsigned char key[32];              /* the store's secret, for the trace header's tag */
    int answered_later;                 /* the smtpd answered 4xx for the last recipient */
    struct inject smtp;
    struct mailbox m;
    struct figures fig;
    int boxes;
    long long bytes_before;             /* fig.bytes before this mailbox */
    long long now;
};

int collect_box(struct pass *p, struct box *b);
int collect_message(struct pass *p, struct box *b, const struct mailbox_item *it);
/* The figures so far, one line on standard output. */
void print_figures(int boxes, const struct figures *f);
int notice_build(const struct pass *p, const struct box *b, const char *rcpt, const char *header,
                 size_t hlen, long long size, char **out, size_t *outlen);

#endif
