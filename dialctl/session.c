/*
 * NAME
 *	session 3
 * SUMMARY
 *	one link session: dial, exchange mail, drain, hang up, record
 * SYNOPSIS
 *	See session.h.
 * DESCRIPTION
 *	Counters: the link interface's byte counters are read at ip-up and
 *	every tick; pppd's BYTES_SENT/BYTES_RCVD and CONNECT_TIME from
 *	ip-down replace them when they are there (the ppp interface is
 *	gone once pppd exits).  Messages out are the outbound queue ids
 *	seen during the session that have left the queue at its end;
 *	messages in are the "client=" lines of Postfix's smtpd in
 *	[dial] maillog, written during the session, from an address that
 *	had a TCP session on the link.
 *
 *	A mode that keeps something open (mode ssh: the tunnel) is asked
 *	every tick whether it still stands (check), counts the sessions for
 *	the drain rule in place of the link's TCP sessions (busy: the
 *	tunnel's own connection is not a delivery; 127.0.0.1 is then a
 *	peer for counting mail in), and is closed before the link goes
 *	down (stop); its byte figures go to the ledger with the mode.
 * DIAGNOSTICS
 *	See session.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "drain.h"
#include "link.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "run.h"
#include "tariff.h"
#include "util.h"

/* Seconds pppd gets to exit after SIGTERM: on a dead line its LCP terminate
   waits 2 x 3 s for an ack, then ip-down may take its 5 s child-timeout and a
   modem's hang-up a second more (seen with the real pppd: 10 s was too few). */
#define TERM_WAIT 20
#define RATE_WINDOW_MS 1000  /* the link's byte rate is measured over at least this */
#define ETRN_REPEAT_AFTER 31

long long session_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append an error for the ledger, separated by "; ". */
static void add_error(struct session *s, const char *text)
{
    size_t n = strlen(s->errors);
    if (n > 0 && n + 3 < sizeof(s->errors)) {
        memcpy(s->errors + n, "; ", 3);
        n += 2;
    }
    if (n + 1 < sizeof(s->errors))
        surel_strlcpy(s->errors + n, text, sizeof(s->errors) - n);
}

/* Free the remembered queue ids. */
static void forget_ids(struct session *s)
{
    for (int i = 0; i < s->nseen; i++)
        free(s->seen_ids[i]);
    free(s->seen_ids);
    s->seen_ids = NULL;
    s->nseen = 0;
}

/* Remember outbound queue ids seen during the session. */
static void remember_ids(struct session *s, const struct queue_summary *q)
{
    for (int i = 0; i < q->nids; i++) {
        int known = 0;
        for (int j = 0; j < s->nseen && !known; j++)
            known = strcmp(s->seen_ids[j], q->ids[i]) == 0;
        if (known)
            continue;
        char **n = realloc(s->seen_ids, (size_t)(s->nseen + 1) * sizeof(*n));
        if (n == NULL)
            return;
        s->seen_ids = n;
        if ((s->seen_ids[s->nseen] = strdup(q->ids[i])) != NULL)
            s->nseen++;
    }
}

/* The local domains: what is not outbound. */
static const char *const *local_domains(const struct session *s)
{
    return s->conf->domains;
}

static void attempt_over(struct session *s, long long now, const char *what);

/* Start one pppd; on failure to even start it, the attempt failed. */
static void dial(struct session *s, long long now)
{
    struct link_conf lc = {s->conf->pppd, s->conf->peer, s->conf->linkname, s->conf->hook,
                           s->conf->socket, 2};
    s->attempts++;
    s->dial_started = now;
    s->term_sent = 0;
    s->state = S_DIALING;
    s->pppd = link_dial(&lc);
    if (s->pppd < 0) {
        char e[300];
        snprintf(e, sizeof(e), "cannot run %s: %s", s->conf->pppd, strerror(errno));
        s->pppd = 0;
        attempt_over(s, now, e);
        return;
    }
    surel_info("dialling (attempt %d of %d): %s call %s, pid %d", s->attempts, s->conf->attempts,
               s->conf->pppd, s->conf->peer, (int)s->pppd);
}

/* Size of a file, or 0. */
static long long file_size(const char *path)
{
    struct stat st;
    return path != NULL && stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

void session_begin(struct session *s, const struct conf *c, struct ledger *l,
                   const char *trigger, int forced, const struct budget_used *month,
                   long long now)
{
    memset(s, 0, sizeof(*s));
    s->conf = c;
    s->ops = exchange_find(c->mode);
    s->ledger = l;
    surel_strlcpy(s->trigger, trigger, sizeof(s->trigger));
    s->forced = forced;
    s->month = *month;
    s->started = s->now = now;
    s->flushes_left = c->flushes;
    s->maillog_offset = file_size(c->maillog);
    surel_info("session starts (trigger: %s%s)", trigger, forced ? ", forced" : "");
    if (c->interface != NULL && *c->interface != '\0') {
        char addr[64];
        if (link_iface_up(c->interface, addr, sizeof(addr)) == 1) {
            s->external = 1;
            s->attempts = 1;
            surel_info("interface %s is already up: using it, not dialling", c->interface);
            session_link_up(s, c->interface, addr, "", now);
            return;
        }
    }
    dial(s, now);
}

/* Keep an address that mail may arrive from, for count_inbound(). */
static void remember_peer(struct session *s, const char *addr)
{
    for (int j = 0; j < s->peers.npeers; j++)
        if (strcmp(s->peers.peer[j], addr) == 0)
            return;
    if (*addr && s->peers.npeers < TCP_PEERS_MAX)
        surel_strlcpy(s->peers.peer[s->peers.npeers++], addr, sizeof(s->peers.peer[0]));
}

void session_link_up(struct session *s, const char *ifname, const char *local,
                     const char *remote, long long now)
{
    if (s->state != S_DIALING && !(s->external && s->state == S_IDLE)) {
        surel_warn("link-up report for %s while %s: ignored", ifname,
                   session_state_name(s->state));
        return;
    }
    surel_strlcpy(s->ifname, ifname, sizeof(s->ifname));
    surel_strlcpy(s->local, local, sizeof(s->local));
    surel_strlcpy(s->remote, remote, sizeof(s->remote));
    remember_peer(s, remote);   /* a delivery too short for a TCP sample still counts */
    s->state = S_UP;
    s->link_up = 1;
    s->hook_down = 0;
    s->up_at = now;
    s->ms = s->up_ms = s->quiet_ms = s->bytes_ms = session_clock_ms();
    if (s->first_up == 0)
        s->first_up = now;
    s->dial_seconds += now - s->dial_started;
    if (link_counters(ifname, &s->tx0, &s->rx0) < 0)
        s->tx0 = s->rx0 = 0;
    s->tx = s->tx0, s->rx = s->rx0;
    s->last_total = s->tx + s->rx;
    s->exchange_done = 0;
    surel_info("link up: %s %s -> %s after %lld s of dialling", ifname, local,
               *remote ? remote : "?", now - s->dial_started);
}

/* Bytes and seconds of the connection that just ended, into the totals. */
static void close_connection(struct session *s, long long now)
{
    long long secs = now - s->up_at, sent = s->tx - s->tx0, rcvd = s->rx - s->rx0;
    if (s->hook_down && s->hook_time > 0)
        secs = s->hook_time > secs ? s->hook_time : secs;
    if (s->hook_down && s->hook_sent + s->hook_rcvd > 0)
        sent = s->hook_sent, rcvd = s->hook_rcvd;
    s->up_seconds += now - s->up_at;
    s->billed_seconds += tariff_billed_seconds(&s->conf->tariff, secs);
    s->bytes_sent += sent;
    s->bytes_rcvd += rcvd;
    s->cost += tariff_cost(&s->conf->tariff, secs, sent + rcvd);
    s->link_up = 0;
    s->last_down = now;
    s->nsuspect = s->conns.nconns;      /* may be dead after this */
    memcpy(s->suspect, s->conns.conn, sizeof(s->conns.conn));
    surel_info("link down: %lld s up, %lld bytes sent, %lld received", now - s->up_at, sent, rcvd);
}

long long session_cost_so_far(const struct session *s, long long now)
{
    long long cost = s->cost;
    if (s->link_up)
        cost += tariff_cost(&s->conf->tariff, now - s->up_at,
                            (s->tx - s->tx0) + (s->rx - s->rx0));
    return cost;
}

/* Count maillog lines of messages received from the link's peers. */
static long long count_inbound(const struct session *s)
{
    FILE *f;
    char line[2048];
    long long n = 0;
    if (s->conf->maillog == NULL || (f = fopen(s->conf->maillog, "re")) == NULL)
        return -1;
    if (fseek(f, (long)s->maillog_offset, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *c = strstr(line, ": client=");
        if (strstr(line, "/smtpd[") == NULL || c == NULL)
            continue;
        for (int i = 0; i < s->peers.npeers; i++) {
            char want[40];
            snprintf(want, sizeof(want), "[%s]", s->peers.peer[i]);
            if (strstr(c, want) != NULL) {
                n++;
                break;
            }
        }
    }
    fclose(f);
    return n;
}

/* Outbound messages seen during the session that have left the queue. */
static long long count_outbound(const struct session *s)
{
    struct queue_cmd qc = {s->conf->postqueue, s->conf->postfix_config, 30};
    struct queue_summary q;
    char why[300];
    long long n = 0;
    if (queue_read(&qc, local_domains(s), &q, why, sizeof(why)) < 0)
        return -1;
    for (int i = 0; i < s->nseen; i++)
        n += !queue_has_id(&q, s->seen_ids[i]);
    queue_summary_free(&q);
    return n;
}

/* Close what the mode keeps open (the tunnel), before the link goes. */
static void stop_mode(struct session *s)
{
    if (s->ops->stop != NULL)
        s->ops->stop(s->conf);
}

/* The session is over: write the ledger row, back to IDLE. */
static void finish(struct session *s, long long now)
{
    struct ledger_session row;
    memset(&row, 0, sizeof(row));
    stop_mode(s);
    surel_strlcpy(row.trigger, s->trigger, sizeof(row.trigger));
    surel_strlcpy(row.mode, s->ops->name, sizeof(row.mode));
    row.payload_bytes = row.wire_bytes = -1;
    if (s->ops->bytes != NULL && s->ops->bytes(&row.payload_bytes, &row.wire_bytes) < 0)
        row.payload_bytes = row.wire_bytes = -1;
    row.started = s->started;
    row.link_up = s->first_up;
    row.link_down = s->last_down;
    row.ended = now;
    row.dial_seconds = s->dial_seconds;
    row.up_seconds = s->up_seconds;
    row.billed_seconds = s->billed_seconds;
    row.bytes_sent = s->bytes_sent;
    row.bytes_rcvd = s->bytes_rcvd;
    if (s->ops->messages == NULL || s->ops->messages(&row.msgs_out, &row.msgs_in) < 0) {
        row.msgs_out = count_outbound(s);
        row.msgs_in = count_inbound(s);
    } else if (row.msgs_out < 0) {      /* collect: the mode knows only what came in */
        row.msgs_out = count_outbound(s);
    }
    row.attempts = s->attempts;
    row.cost = s->cost;
    surel_strlcpy(row.etrn, s->etrn, sizeof(row.etrn));
    surel_strlcpy(row.errors, s->errors, sizeof(row.errors));
    s->result = s->exchange_done ? SESSION_OK : SESSION_FAILED;
    if (s->ledger != NULL && ledger_add_session(s->ledger, &row) < 0)
        surel_error("%s", ledger_errmsg(s->ledger));
    surel_info("session ends (%s, %s): %lld s up, %lld s billed, %lld/%lld bytes out/in, "
               "%lld/%lld messages out/in, Rp %lld%s%s", row.mode,
               s->result == SESSION_OK ? "mail exchanged" : "failed", row.up_seconds,
               row.billed_seconds, row.bytes_sent, row.bytes_rcvd, row.msgs_out, row.msgs_in,
               row.cost, *row.errors ? "; errors: " : "", row.errors);
    if (row.payload_bytes >= 0)
        surel_info("compression: %lld bytes of SMTP carried as %lld (%lld saved)",
                   row.payload_bytes, row.wire_bytes, row.payload_bytes - row.wire_bytes);
    forget_ids(s);
    s->state = S_IDLE;
    s->pppd = 0;
}

/* An attempt failed or the link was lost: re-dial if allowed, else end. */
static void attempt_over(struct session *s, long long now, const char *what)
{
    int mail_left = !s->hangup_wanted;
    if (mail_left)
        add_error(s, what);
    if (mail_left && s->attempts < s->conf->attempts) {
        surel_warn("%s; re-dialling in %lld s", what, s->conf->redial_delay);
        s->state = S_REDIAL;
        s->redial_at = now + s->conf->redial_delay;
        return;
    }
    if (mail_left) {
        char e[64];
        snprintf(e, sizeof(e), "no attempts left (%d)", s->attempts);
        surel_error("%s; %s", what, e);
        add_error(s, e);
    }
    finish(s, now);
}

void session_link_down(struct session *s, long long connect_time, long long sent,
                       long long rcvd, long long now)
{
    s->hook_down = 1;
    s->hook_time = connect_time, s->hook_sent = sent, s->hook_rcvd = rcvd;
    if (s->link_up)
        close_connection(s, now);
}

void session_reap(struct session *s, long long now)
{
    int status;
    char st[40], what[200];
    if (s->pppd <= 0 || waitpid(s->pppd, &status, WNOHANG) != s->pppd)
        return;
    s->pppd = 0;
    if (s->link_up)
        close_connection(s, now);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    snprintf(what, sizeof(what), "pppd ended (%s: %s)", spawn_status_text(status, st, sizeof(st)),
             code >= 0 ? link_exit_text(code) : "killed");
    if (s->state == S_HANGING) {
        surel_info("%s", what);
        finish(s, now);
        return;
    }
    if (s->state == S_UP || s->state == S_DIALING) {
        if (s->state == S_DIALING)
            s->dial_seconds += now - s->dial_started;
        if (s->state == S_UP)
            snprintf(what + strlen(what), sizeof(what) - strlen(what), ": link lost mid-session");
        attempt_over(s, now, what);
    }
}

void session_hangup(struct session *s, const char *why)
{
    if (s->state == S_IDLE || s->hangup_wanted)
        return;
    s->hangup_wanted = 1;
    surel_strlcpy(s->hangup_why, why, sizeof(s->hangup_why));
    surel_info("hanging up: %s", why);
    if (s->state == S_REDIAL || (s->external && s->state == S_UP)) {
        if (s->link_up)
            close_connection(s, s->now);
        finish(s, s->now);
        return;
    }
    stop_mode(s);
    s->state = S_HANGING;
    s->term_sent = s->now;
    link_hangup(s->pppd);
}

/* Exchange the mail (once per connection) through the mode's functions. */
static void exchange(struct session *s, int repeat)
{
    struct exchange_result r;
    memset(&r, 0, sizeof(r));
    int rc = repeat ? s->ops->repeat(s->conf, &r) : s->ops->start(s->conf, &r);
    s->etrn_ms = s->ms;
    s->exchange_done = 1;
    if (!repeat) {
        s->etrn_ok = rc == 0;
        s->etrn_repeats_left = rc == 0 && s->ops->finished == NULL ? 1 : 0;  /* batch: nothing to ask again */
    }
    if (*r.reply)
        surel_strlcpy(s->etrn, r.reply, sizeof(s->etrn));
    if (*r.errors)
        add_error(s, r.errors);
    s->quiet_ms = s->ms;        /* the answer to it is on its way */
}

/* Read the link's counters; a busy second resets the quiet clock. */
static void watch_bytes(struct session *s)
{
    long long tx, rx;
    if (link_counters(s->ifname, &tx, &rx) < 0)
        return;
    s->tx = tx, s->rx = rx;
    if (s->ms - s->bytes_ms < RATE_WINDOW_MS)
        return;     /* a rate over a second at least: one keepalive packet is not traffic */
    if ((tx + rx - s->last_total) * 1000 > s->conf->quiet_bytes * (s->ms - s->bytes_ms))
        s->quiet_ms = s->ms;
    s->last_total = tx + rx;
    s->bytes_ms = s->ms;
}

/* Tunnelled mail arrives from 127.0.0.1: count it as received over the link. */
static void add_loopback_peer(struct tcp_peers *p)
{
    for (int i = 0; i < p->npeers; i++)
        if (strcmp(p->peer[i], "127.0.0.1") == 0)
            return;
    if (p->npeers < TCP_PEERS_MAX)
        surel_strlcpy(p->peer[p->npeers++], "127.0.0.1", sizeof(p->peer[0]));
}

/* The mode's watch over what it keeps open (the tunnel): lost, reopened. */
static void check_mode(struct session *s)
{
    struct exchange_result r;
    if (s->ops->check == NULL)
        return;
    memset(&r, 0, sizeof(r));
    int rc = s->ops->check(s->conf, s->now, &r);
    if (*r.reply)
        surel_strlcpy(s->etrn, r.reply, sizeof(s->etrn));
    if (*r.errors)
        add_error(s, r.errors);
    if (rc != 0) {
        s->etrn_ms = s->ms;
        s->quiet_ms = s->ms;
    }
}

/* Gather the facts for drain_decide(). */
static void observe(struct session *s, struct drain_facts *f)
{
    struct queue_cmd qc = {s->conf->postqueue, s->conf->postfix_config, 30};
    struct queue_summary q;
    struct tcp_peers p;
    char why[300];
    const char *bwhy;
    memset(f, 0, sizeof(*f));
    if (queue_read(&qc, local_domains(s), &q, why, sizeof(why)) == 0) {
        f->outbound_waiting = q.outbound_waiting;
        f->outbound_retry = q.outbound_held + q.outbound_failed;
        remember_ids(s, &q);
        queue_summary_free(&q);
    } else {
        surel_warn("cannot read the queue: %s", why);
    }
    if (*s->local && tcp_sessions(s->local, &p) == 0) {
        if (s->ops->busy != NULL)        /* the mode's own sessions, e.g. in the tunnel */
            add_loopback_peer(&p);
        f->tcp_sessions = s->ops->busy != NULL ? s->ops->busy(s->conf)
                                               : tcp_new_sessions(&p, s->suspect, s->nsuspect);
        s->conns = p;
        for (int i = 0; i < p.npeers; i++)
            remember_peer(s, p.peer[i]);
    }
    s->tcp_now = f->tcp_sessions;
    s->queue_waiting = f->outbound_waiting;
    f->now = s->ms;
    f->up_since = s->up_ms;
    f->max_session = s->conf->max_session * 1000;
    f->budget_cut = !s->forced && budget_must_cut(&s->conf->budget, &s->conf->tariff, &s->month,
        s->now - s->up_at + (s->up_seconds), (s->tx - s->tx0) + (s->rx - s->rx0) + s->bytes_sent
        + s->bytes_rcvd, s->conf->cut_margin, &bwhy);
    f->exchange_done = s->exchange_done;
    f->mode_finished = s->ops->finished != NULL && s->ops->finished(s->conf);
    f->flushes_left = s->flushes_left;
    f->quiet_since = s->quiet_ms;
    f->grace = s->conf->grace * 1000;
    f->stall = s->conf->stall * 1000;
    f->last_etrn = s->etrn_ms;
    f->etrn_repeats_left = s->etrn_repeats_left;
    f->etrn_repeat_after = ETRN_REPEAT_AFTER * 1000;
    f->etrn_refresh = s->ops->finished == NULL ? s->conf->etrn_refresh * 1000 : 0;
}

/* One step of a session whose link is up. */
static void tick_up(struct session *s)
{
    struct drain_facts f;
    const char *why;
    char qwhy[300];
    watch_bytes(s);
    if (!s->exchange_done) {
        observe(s, &f);             /* remember what is queued before it leaves */
        exchange(s, 0);
        return;
    }
    check_mode(s);
    observe(s, &f);
    enum drain_action a = drain_decide(&f, &why);
    surel_debug("drain: %s (%s)", drain_action_name(a), why);
    if (a == DRAIN_FLUSH) {
        struct queue_cmd qc = {s->conf->postqueue, s->conf->postfix_config, 60};
        s->flushes_left--;
        surel_info("flushing again: %s", why);
        if (queue_flush(&qc, qwhy, sizeof(qwhy)) < 0)
            surel_error("flush: %s", qwhy);
        s->quiet_ms = s->ms;
    } else if (a == DRAIN_ETRN) {
        if (s->etrn_repeats_left > 0)
            s->etrn_repeats_left--;
        surel_info("ETRN once more: %s", why);
        exchange(s, 1);
    } else if (a == DRAIN_HANGUP || a == DRAIN_CUT) {
        if (a == DRAIN_CUT)
            add_error(s, why);
        session_hangup(s, why);
    }
}

void session_tick(struct session *s, long long now)
{
    s->now = now;
    s->ms = session_clock_ms();
    session_reap(s, now);
    switch (s->state) {
    case S_DIALING:
        if (s->term_sent == 0 && now - s->dial_started >= s->conf->dial_timeout) {
            char e[120];
            snprintf(e, sizeof(e), "link not up after %lld s", now - s->dial_started);
            surel_warn("%s: stopping pppd", e);
            add_error(s, e);
            s->term_sent = now;
            link_hangup(s->pppd);
        } else if (s->term_sent > 0 && now - s->term_sent >= TERM_WAIT) {
            kill(s->pppd, SIGKILL);
        }
        break;
    case S_REDIAL:
        if (now >= s->redial_at)
            dial(s, now);
        break;
    case S_UP:
        if (s->link_up)             /* else ip-down came: wait for pppd's exit */
            tick_up(s);
        break;
    case S_HANGING:
        if (now - s->term_sent >= TERM_WAIT && s->pppd > 0) {
            surel_warn("pppd (pid %d) still runs %d s after SIGTERM: killing it", (int)s->pppd,
                       TERM_WAIT);
            kill(s->pppd, SIGKILL);
        }
        break;
    case S_IDLE:
        break;
    }
}

const char *session_state_name(enum session_state st)
{
    static const char *const names[] = {"idle", "dialling", "waiting to re-dial", "up",
                                        "hanging up"};
    return (unsigned)st < 5 ? names[st] : "?";
}
