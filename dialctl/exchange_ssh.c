/*
 * NAME
 *	exchange_ssh 3
 * SUMMARY
 *	the "ssh" mode: both ways through one compressed SSH connection
 * SYNOPSIS
 *	See exchange.h.
 *
 *	extern const struct exchange_ops exchange_ssh_ops;
 * DESCRIPTION
 *	start	opens the tunnel (tunnel.h), then, exactly as the "etrn"
 *		mode does, runs postqueue -f (the school's relayhost is the
 *		tunnel's 127.0.0.1:local_port, so the outbound mail goes to
 *		the school's own smtpd entry point at the ISP) and says ETRN
 *		for each domain, through the tunnel, without AUTH: at the ISP
 *		that port is the school's identity.  The ISP delivers the
 *		held mail to its fixed transport, 127.0.0.1:remote_port,
 *		which the remote forward carries to [ssh] deliver_to.
 *	repeat	ETRN once more through the tunnel.
 *	check	called every tick while the link is up: notices a tunnel
 *		that ended (ssh's keepalives give up after alive_interval x
 *		alive_count on a dead link) and opens it again after a pause
 *		([ssh] backoff, doubled each time), at most [ssh] attempts
 *		connections per link connection; after a reopen it flushes
 *		and says ETRN again.  A remote forward refused because the
 *		ISP still serves the school's previous, cut connection is
 *		retried at once after asking the gate to drop that session
 *		(tunnel_release()).  Nothing is retried past the attempts,
 *		so a refusing ISP never keeps the link busy.
 *	busy	SMTP sessions through the tunnel (tunnel_busy()), and 1
 *		while a retry is pending, so that the session's drain rule
 *		neither hangs up under a delivery nor before the retry; the
 *		ssh connection itself does not count.
 *	stop	closes the tunnel cleanly (before the link goes down, so the
 *		ISP's sshd frees the school's port at once); it adds up
 *		ssh's compression figures for the report.
 *
 *	One session runs at a time, so the tunnel is this file's state.
 * DIAGNOSTICS
 *	Every failure is logged with ssh's own words and kept in the
 *	result's errors for the ledger.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "etrn.h"
#include "exchange_ssh.h"
#include "log.h"
#include "queue.h"
#include "tunnel.h"
#include "util.h"

static struct {
    struct tunnel_conf tc;
    struct tunnel t;
    int loaded, open, tries, gave_up;
    long long next_try;         /* 0: no retry pending */
    struct tunnel_stats total;  /* summed over the session's tunnels */
    int have_stats;
} st;

/* Add one tunnel's compression figures to the session's. */
static void add_stats(const struct tunnel_stats *s)
{
    long long *dst[] = {&st.total.raw_out, &st.total.comp_out, &st.total.raw_in,
                        &st.total.comp_in};
    const long long src[] = {s->raw_out, s->comp_out, s->raw_in, s->comp_in};
    for (int i = 0; i < 4; i++)
        if (src[i] >= 0) {
            *dst[i] += src[i];
            st.have_stats = 1;
        }
}

/* Close the tunnel if it is open, keeping its figures. */
static void close_tunnel(void)
{
    if (!st.open)
        return;
    tunnel_close(&st.t);
    add_stats(&st.t.stats);
    st.open = 0;
}

/* Pause before retry number tries+1: backoff, doubled each time. */
static long long pause_for(int tries)
{
    long long p = st.tc.backoff;
    for (int i = 1; i < tries && p < 3600; i++)
        p *= 2;
    return p;
}

/* One connection; a stale remote forward is released and retried once at once. */
static int connect_once(struct exchange_result *r)
{
    char why[300];
    st.tries++;
    if (tunnel_open(&st.t, &st.tc) == 0)
        goto up;
    surel_warn("tunnel to %s (attempt %d of %d) failed: %s", st.tc.host, st.tries,
               st.tc.attempts, st.t.why);
    exchange_note(r->errors, sizeof(r->errors), st.t.why);
    if (!st.t.stale || st.tries >= st.tc.attempts)
        return -1;
    if (tunnel_release(&st.tc, why, sizeof(why)) < 0) {
        surel_error("asking the ISP to drop our previous session failed: %s", why);
        return -1;
    }
    surel_info("the ISP still held our previous session: %s; connecting again", why);
    st.tries++;
    if (tunnel_open(&st.t, &st.tc) < 0) {
        surel_warn("tunnel (attempt %d of %d) failed: %s", st.tries, st.tc.attempts, st.t.why);
        exchange_note(r->errors, sizeof(r->errors), st.t.why);
        return -1;
    }
up:
    st.open = 1;
    st.next_try = 0;
    surel_info("tunnel up (attempt %d): 127.0.0.1:%d -> %s:127.0.0.1:%d, %s:127.0.0.1:%d -> "
               "%s:%d", st.tries, st.tc.local_port, st.tc.host, st.tc.isp_port, st.tc.host,
               st.tc.remote_port, st.tc.deliver_host, st.tc.deliver_port);
    return 0;
}

/* After a failed connection: plan the next one, or give up. */
static void plan_retry(long long now)
{
    if (st.tries < st.tc.attempts) {
        st.next_try = now + pause_for(st.tries);
        surel_info("tunnel: next attempt in %lld s", st.next_try - now);
        return;
    }
    st.next_try = 0;
    if (!st.gave_up)
        surel_error("tunnel: no attempts left (%d); the mail waits for the next session",
                    st.tries);
    st.gave_up = 1;
}

/* Where ETRN goes in ssh mode: the ISP's smtpd through the local forward. */
static struct etrn_conf tunnel_etrn(const struct conf *c, char *host, size_t len)
{
    snprintf(host, len, "127.0.0.1:%d", st.tc.local_port);
    struct etrn_conf ec = {host, 0, NULL, NULL, c->etrn_timeout};
    return ec;
}

/* ETRN for every domain through the tunnel. */
static int etrn_all(const struct conf *c, struct exchange_result *r)
{
    char host[32];
    if (!st.open) {
        exchange_note(r->errors, sizeof(r->errors), "no tunnel: ETRN not sent");
        return -1;
    }
    struct etrn_conf ec = tunnel_etrn(c, host, sizeof(host));
    return exchange_etrn_domains(c, &ec, "through the tunnel", r);
}

/* With the tunnel up: flush the outbound mail into it, then ETRN. */
static int carry(const struct conf *c, struct exchange_result *r)
{
    char host[32];
    if (!st.open) {
        exchange_flush_etrn(c, NULL, NULL, r);
        exchange_note(r->errors, sizeof(r->errors), "no tunnel: ETRN not sent");
        return -1;
    }
    struct etrn_conf ec = tunnel_etrn(c, host, sizeof(host));
    return exchange_flush_etrn(c, &ec, "through the tunnel", r);
}

/* start: a new link connection: a fresh tunnel, then the exchange. */
static int ssh_start(const struct conf *c, struct exchange_result *r)
{
    char err[300];
    close_tunnel();
    struct tunnel_stats keep = st.total;    /* the session's, over its link connections */
    int had = st.have_stats;
    memset(&st, 0, sizeof(st));
    st.total = keep, st.have_stats = had;
    if (tunnel_conf_load(c->cfg, &st.tc, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        exchange_note(r->errors, sizeof(r->errors), err);
        return -1;
    }
    st.loaded = 1;
    if (connect_once(r) < 0) {
        plan_retry(surel_now());
        return -1;
    }
    return carry(c, r);
}

/* repeat: ETRN once more, if the tunnel is up. */
static int ssh_repeat(const struct conf *c, struct exchange_result *r)
{
    return st.open ? etrn_all(c, r) : 0;
}

int exchange_ssh_check(const struct conf *c, long long now, struct exchange_result *r)
{
    if (!st.loaded || st.gave_up)
        return 0;
    if (st.open) {
        if (tunnel_alive(&st.t))
            return 0;
        surel_warn("tunnel lost: %s", st.t.why);
        exchange_note(r->errors, sizeof(r->errors), st.t.why);
        tunnel_close(&st.t);
        add_stats(&st.t.stats);
        st.open = 0;
        plan_retry(now);
        return 0;
    }
    if (st.next_try == 0 || now < st.next_try)
        return 0;
    if (connect_once(r) < 0) {
        plan_retry(surel_now());
        return 0;
    }
    return carry(c, r) < 0 ? -1 : 1;
}

int exchange_ssh_busy(const struct conf *c)
{
    (void)c;
    if (!st.loaded)
        return 0;
    int n = st.open ? tunnel_busy(&st.tc) : 0;
    return (n > 0 ? n : 0) + (st.next_try != 0 ? 1 : 0);
}

void exchange_ssh_stop(const struct conf *c)
{
    (void)c;
    if (st.open)
        surel_info("closing the tunnel");
    close_tunnel();
    st.next_try = 0;
}

int exchange_ssh_bytes(long long *raw, long long *wire)
{
    int had = st.have_stats;
    *raw = st.total.raw_out + st.total.raw_in;
    *wire = st.total.comp_out + st.total.comp_in;
    memset(&st.total, 0, sizeof(st.total));
    st.have_stats = 0;
    return had ? 0 : -1;
}

const struct exchange_ops exchange_ssh_ops = {.name = "ssh", .start = ssh_start,
                                              .repeat = ssh_repeat, .check = exchange_ssh_check,
                                              .busy = exchange_ssh_busy, .stop = exchange_ssh_stop,
                                              .bytes = exchange_ssh_bytes};
