/*
 * NAME
 *	exchange 3h
 * SUMMARY
 *	how a session moves the mail once the link is up
 * SYNOPSIS
 *	#include "exchange.h"
 *
 *	const struct exchange_ops *exchange_find(const char *mode);
 * DESCRIPTION
 *	A mode is a small set of functions that the session calls; the
 *	triggers, budget, drain detection, hang-up and ledger are the
 *	session's and are the same for every mode.
 *
 *	start	  move the mail both ways: for "etrn", postqueue -f (the
 *		  outbound mail goes to the ISP's smarthost) then ETRN for
 *		  each domain (the ISP connects back with the held inbound
 *		  mail).  Fills result with the servers' answers and errors.
 *	repeat	  ask again for mail that the ISP may have held back (for
 *		  "etrn": ETRN once more).
 *
 *	Both return 0 on success, -1 when something failed (it is in
 *	result->errors; the session goes on and drains what it can).
 *
 *	A mode that keeps something open while the link is up (for "ssh":
 *	the tunnel) also has these; NULL for "etrn":
 *
 *	check	  every tick while the link is up: notice a lost tunnel
 *		  and reopen it after a pause, within the mode's attempts.
 *		  0 nothing changed, 1 reopened and the mail exchanged
 *		  again (answers in result), -1 that exchange failed.
 *	busy	  the SMTP sessions the mode carries now (the drain rule's
 *		  "sessions on the link"; the tunnel's own connection does
 *		  not count, a pending retry does).
 *	stop	  close what is open, cleanly, before the link goes down.
 *	bytes	  payload bytes carried and what they took on the wire
 *		  (compressed) since the last call; -1 if unknown.
 *
 *	A mode that does its own exchange to the end (for "batch": both
 *	spools, confirmed message by message) also has these; NULL else:
 *
 *	finished  1 once the exchange is complete and confirmed by both
 *		  sides: the session hangs up at once, with no quiet grace.
 *	messages  the messages carried out and in (the ledger's counts;
 *		  without it they come from the queue and the maillog).
 *	waiting	  mail the mode holds outside Postfix's queue (the spool):
 *		  count and arrival of the oldest, for the queue triggers.
 *	status	  the "mode:" line of dialctl status.
 *
 *	"ssh" is exchange_ssh.c, "batch" exchange_batch.c, "collect"
 *	exchange_collect.c (whose messages gives out as -1: the session
 *	counts the outbound mail from the queue, as in etrn mode).
 */
#ifndef DIALCTL_EXCHANGE_H
#define DIALCTL_EXCHANGE_H

#include "conf.h"

struct exchange_result {
    char reply[256];     /* the servers' answers, for the ledger */
    char errors[512];
};

struct exchange_ops {
    const char *name;
    int (*start)(const struct conf *c, struct exchange_result *r);
    int (*repeat)(const struct conf *c, struct exchange_result *r);
    int (*check)(const struct conf *c, long long now, struct exchange_result *r);
    int (*busy)(const struct conf *c);
    void (*stop)(const struct conf *c);
    int (*bytes)(long long *payload, long long *wire);
    int (*finished)(const struct conf *c);
    int (*messages)(long long *out, long long *in);
    int (*waiting)(const struct conf *c, int *n, long long *oldest);
    void (*status)(const struct conf *c, char *out, size_t len);
};

const struct exchange_ops *exchange_find(const char *mode);

struct etrn_conf;
/* What both modes share (exchange_etrn.c).  exchange_note() appends to a
 * result buffer, "; "-separated.  exchange_etrn_domains() sends ETRN for
 * every configured domain to ec; via names the path in the log ("through
 * the tunnel"), or NULL to name the host.  exchange_flush_etrn() runs
 * postqueue -f first, and with ec NULL only that (and returns -1).  Both
 * return -1 if anything failed. */
void exchange_note(char *buf, size_t len, const char *text);
int exchange_etrn_domains(const struct conf *c, const struct etrn_conf *ec, const char *via,
                          struct exchange_result *r);
int exchange_flush_etrn(const struct conf *c, const struct etrn_conf *ec, const char *via,
                        struct exchange_result *r);

#endif
