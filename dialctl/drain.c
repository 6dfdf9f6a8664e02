/*
 * NAME
 *	drain 3
 * SUMMARY
 *	when to hang up
 * SYNOPSIS
 *	See drain.h.
 * DESCRIPTION
 *	One rule after another, first match wins; why says which rule.
 * DIAGNOSTICS
 *	None.
 */
#include "drain.h"

enum drain_action drain_decide(const struct drain_facts *f, const char **why)
{
    if (f->max_session > 0 && f->now - f->up_since >= f->max_session) {
        *why = "maximum session length reached";
        return DRAIN_CUT;
    }
    if (f->budget_cut) {
        *why = "budget cap reached";
        return DRAIN_CUT;
    }
    if (!f->exchange_done) {
        *why = "mail exchange not started yet";
        return DRAIN_WAIT;
    }
    if (f->mode_finished && f->tcp_sessions == 0 && f->outbound_waiting == 0) {
        *why = "the exchange is complete and nothing else crosses the link";
        return DRAIN_HANGUP;
    }
    if (f->etrn_repeats_left > 0 && f->last_etrn > 0
        && f->now - f->last_etrn >= f->etrn_repeat_after) {
        *why = "mail queued at the ISP just before ETRN may have been held back";
        return DRAIN_ETRN;
    }
    if (f->etrn_refresh > 0 && f->last_etrn > 0 && f->now - f->last_etrn >= f->etrn_refresh
        && (f->tcp_sessions > 0 || f->outbound_waiting > 0)) {
        *why = "a long session: the ISP's route to the school must not expire while mail crosses";
        return DRAIN_ETRN;
    }
    if (f->stall > 0 && f->now - f->quiet_since >= f->stall
        && (f->tcp_sessions > 0 || f->outbound_waiting > 0)) {
        *why = "the link stalled: nothing crossed it although mail or sessions wait";
        return DRAIN_HANGUP;
    }
    if (f->tcp_sessions > 0) {
        *why = "a TCP session is using the link";
        return DRAIN_WAIT;
    }
    if (f->outbound_waiting > 0) {
        *why = "outbound mail is being delivered";
        return DRAIN_WAIT;
    }
    if (f->outbound_retry > 0 && f->flushes_left > 0) {
        *why = "outbound mail was deferred during the session";
        return DRAIN_FLUSH;
    }
    if (f->now - f->quiet_since < f->grace) {
        *why = "the link is within its quiet grace period";
        return DRAIN_WAIT;
    }
    *why = "nothing left to carry and the link is quiet";
    return DRAIN_HANGUP;
}

const char *drain_action_name(enum drain_action a)
{
    static const char *const names[] = {"wait", "flush", "etrn", "hangup", "cut"};
    return (unsigned)a < 5 ? names[a] : "?";
}
