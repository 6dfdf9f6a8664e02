/*
 * NAME
 *	peer 3h
 * SUMMARY
 *	one batch exchange: send our spool, take theirs, confirm both
 * SYNOPSIS
 *	#include "peer.h"
 *
 *	int	peer_run(const struct peer_opts *o, struct peer_stats *st,
 *				char *err, size_t len);
 * DESCRIPTION
 *	Both sides run the same exchange over one byte stream each way
 *	(the school's ssh client and the ISP's forced command):
 *
 *	  "surel-batch 1" LF
 *	  one zstd frame holding, for each message in our spool,
 *	    "R ID LENGTH" LF and the stored message (spool.h), then
 *	    "E COUNT" LF
 *	  then, one per message of theirs, as each is handled:
 *	    "ok ID" LF		queued by this side's Postfix (or had been:
 *				  a duplicate after a cut);
 *	    "no ID REASON" LF	refused for good (5xx);
 *	    "later ID REASON" LF	not now (4xx, no answer);
 *	  and last "done COUNT" LF, once all of theirs are answered.
 *
 *	The two directions run at once (poll, non-blocking writes), so
 *	neither side's full pipe can stop the other.  A message of theirs is
 *	handed to o->deliver_to (inject.h) unless its id is in seen/; once
 *	queued its id goes into seen/, then "ok" goes back.  On their "ok"
 *	our copy is removed; on "no" a report goes to its sender through
 *	o->deliver_to (bounce.h), then our copy is removed; on "later", or
 *	with no answer at all (the link was cut), it stays for the next
 *	exchange.  So a message is the spool's until the other side has
 *	it, and is never delivered twice by a resend.
 *
 *	Limits: a stored message over o->max_message bytes (as Postfix's
 *	message_size_limit) ends the exchange as a protocol error, and the
 *	decompressor's window is capped, so a peer cannot make this side
 *	hold more than that in memory.  o->idle seconds without a byte
 *	either way end it too, and so does *o->stop turning non-zero (a
 *	signal: poll is interrupted).
 * DIAGNOSTICS
 *	0 when both sides said "done"; -1 and err otherwise (the link went,
 *	the other side broke the protocol, the spool cannot be read).  st
 *	counts what happened either way.
 */
#ifndef BATCH_PEER_H
#define BATCH_PEER_H

#include <stddef.h>

#include "spool.h"

struct peer_opts {
    int in_fd, out_fd;
    const struct spool *spool;
    const char *deliver_to;     /* host:port of this side's smtpd */
    const char *host;           /* this side's name, for EHLO and reports */
    int level;                  /* zstd level */
    long long max_message;
    long idle;                  /* seconds */
    volatile int *stop;         /* set by a signal handler: end now */
};

struct peer_stats {
    long long sent, delivered, refused, later;     /* ours, by their answers */
    long long received, queued, duplicates, rejected, deferred;   /* theirs */
    long long bounces;
    long long payload_out, wire_out, payload_in, wire_in;
};

int peer_run(const struct peer_opts *o, struct peer_stats *st, char *err, size_t len);

#endif
