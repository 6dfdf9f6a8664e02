/*
 * NAME
 *	drain 3h
 * SUMMARY
 *	when to hang up: decided from observed facts
 * SYNOPSIS
 *	#include "drain.h"
 *
 *	enum drain_action drain_decide(const struct drain_facts *f,
 *				const char **why);
 * DESCRIPTION
 *	The session loop observes, twice a second, the queue
 *	(postqueue -j), the TCP sessions that use the link's address and
 *	the link's byte counters, and asks drain_decide() what to do:
 *
 *	DRAIN_CUT	the hard maximum session length is reached, or the
 *			budget says stop: hang up now, even mid-delivery;
 *	DRAIN_WAIT	something still crosses or may cross the link;
 *	DRAIN_FLUSH	outbound mail went back to the deferred queue
 *			during the session (e.g. a timeout): flush again;
 *	DRAIN_ETRN	the session has lasted long enough (31 s after the
 *			first ETRN) that the ISP's 30-second resolution cache
 *			no longer holds back mail that arrived just before
 *			the first ETRN: say ETRN once more, while the rest
 *			of the mail still crosses (a session shorter than
 *			that hangs up without it); and again every
 *			etrn_refresh while mail crosses, so that the ISP's
 *			route to the school (surel-mxd's route_ttl) does not
 *			expire mid-session;
 *	DRAIN_HANGUP	the mode's own exchange is complete and confirmed
 *			by both sides (batch mode), nothing is on its way
 *			out and no TCP session uses the link: hang up now,
 *			without the quiet grace.  Otherwise when
 *			no outbound message is left, no TCP session uses
 *			the link, the link has been quiet for the grace
 *			period: hang up.  Also when mail or sessions wait
 *			but not one byte has crossed for the stall period:
 *			what waits is stuck (a connection left half-open by
 *			a lost link), and Postfix will retry it next time.
 *
 *	The order matters: never hang up while a delivery that can finish
 *	is running (a TCP session on the link), only the hard limits
 *	override that.  Pure function.
 */
#ifndef DIALCTL_DRAIN_H
#define DIALCTL_DRAIN_H

/* Times and durations in milliseconds. */
struct drain_facts {
    long long now;
    long long up_since;         /* link came up */
    long long max_session;      /* hard limit on link-up seconds, 0 = none */
    int budget_cut;             /* budget_must_cut() said so */
    int exchange_done;          /* flush and ETRN have been sent */
    int mode_finished;          /* the mode's own exchange is complete, confirmed both ways */
    int outbound_waiting;       /* outside mail in incoming/active queues */
    int outbound_retry;         /* outside mail deferred again this session */
    int flushes_left;           /* how many more flushes we may ask for */
    int tcp_sessions;           /* TCP sessions on the link's address */
    long long quiet_since;      /* last time bytes crossed the link */
    long long grace;            /* quiet seconds before hang-up */
    long long stall;            /* quiet seconds after which waiting is given up, 0 = never */
    long long last_etrn;        /* when ETRN was last sent, 0 = never */
    int etrn_repeats_left;      /* repeated ETRNs still allowed */
    long long etrn_repeat_after;/* repeat when last ETRN is this old (31,000 ms) */
    long long etrn_refresh;     /* while mail crosses, ETRN again this often, 0 = never */
};

enum drain_action { DRAIN_WAIT, DRAIN_FLUSH, DRAIN_ETRN, DRAIN_HANGUP, DRAIN_CUT };

enum drain_action drain_decide(const struct drain_facts *f, const char **why);
const char *drain_action_name(enum drain_action a);

#endif
