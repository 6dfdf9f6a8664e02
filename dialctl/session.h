/*
 * NAME
 *	session 3h
 * SUMMARY
 *	one link session: dial, exchange mail, drain, hang up, record
 * SYNOPSIS
 *	#include "session.h"
 *
 *	void	session_begin(struct session *s, const struct conf *c,
 *				struct ledger *l, const char *trigger, int forced,
 *				const struct budget_used *month, long long now);
 *	void	session_tick(struct session *s, long long now);
 *	void	session_link_up(struct session *s, const char *ifname,
 *				const char *local, const char *remote, long long now);
 *	void	session_link_down(struct session *s, long long connect_time,
 *				long long sent, long long rcvd, long long now);
 *	void	session_reap(struct session *s, long long now);
 *	void	session_hangup(struct session *s, const char *why);
 * DESCRIPTION
 *	A state machine driven by the daemon's loop: session_tick() twice
 *	a second, session_link_up()/session_link_down() when
 *	dialctl-hook reports pppd's ip-up/ip-down, session_reap() on
 *	SIGCHLD.
 *
 *	IDLE -> DIALING (pppd started; bounded wait for ip-up) -> UP
 *	(exchange, then drain: see drain.h) -> HANGING (SIGTERM sent,
 *	waiting for pppd to exit) -> IDLE.  A failed attempt, or a link
 *	lost before the mail drained, goes to REDIAL while attempts are
 *	left.  With [dial] interface set and that interface up, no pppd
 *	is started and the link is not hung up (it is not ours).
 *
 *	Each connection is billed on its own (per call, rounded to the
 *	billing unit); the session's row in the ledger is written when
 *	it ends.  s->result says whether the session ended with its mail
 *	exchanged (SESSION_OK) or not (SESSION_FAILED: the daemon retries
 *	the trigger later).
 * DIAGNOSTICS
 *	Everything that happens is logged; errors also go to the ledger.
 */
#ifndef DIALCTL_SESSION_H
#define DIALCTL_SESSION_H

#include <sys/types.h>

#include "budget.h"
#include "conf.h"
#include "exchange.h"
#include "ledger.h"
#include "sockets.h"

enum session_state { S_IDLE, S_DIALING, S_REDIAL, S_UP, S_HANGING };
enum session_result { SESSION_NONE, SESSION_OK, SESSION_FAILED };

struct session {
    enum session_state state;
    enum session_result result;
    const struct conf *conf;
    const struct exchange_ops *ops;
    struct ledger *ledger;
    char trigger[32];
    int forced;
    struct budget_used month;       /* spent this month before this session */
    long long started, now;
    int attempts;
    pid_t pppd;
    long long dial_started, dial_seconds, redial_at, term_sent;
    int external, link_up, hangup_wanted;
    char hangup_why[128];
    char ifname[32], local[64], remote[64];
    long long up_at, first_up, last_down;
    long long tx0, rx0, tx, rx, last_total;
    int hook_down;
    long long hook_time, hook_sent, hook_rcvd;
    long long up_seconds, billed_seconds, bytes_sent, bytes_rcvd, cost;
    int exchange_done, etrn_ok, etrn_repeats_left, flushes_left;
    long long ms, up_ms, quiet_ms, etrn_ms, bytes_ms;  /* monotonic milliseconds, for drain */
    int tcp_now, queue_waiting;
    char **seen_ids;
    int nseen;
    struct tcp_peers peers;         /* every peer seen, for counting messages in */
    struct tcp_peers conns;         /* connections at the last look */
    struct tcp_conn suspect[TCP_SESSIONS_MAX];  /* open when the link was lost */
    int nsuspect;
    long long maillog_offset;
    char etrn[256], errors[512];
};

void session_begin(struct session *s, const struct conf *c, struct ledger *l,
                   const char *trigger, int forced, const struct budget_used *month,
                   long long now);
void session_tick(struct session *s, long long now);
void session_link_up(struct session *s, const char *ifname, const char *local,
                     const char *remote, long long now);
void session_link_down(struct session *s, long long connect_time, long long sent,
                       long long rcvd, long long now);
void session_reap(struct session *s, long long now);
void session_hangup(struct session *s, const char *why);
const char *session_state_name(enum session_state st);
/* A monotonic clock in milliseconds: drain decisions are finer than a second. */
long long session_clock_ms(void);
/* Cost so far of this session, closed connections and the open one. */
long long session_cost_so_far(const struct session *s, long long now);

#endif
