/*
 * NAME
 *	daemon 3
 * SUMMARY
 *	the dialctl daemon
 * SYNOPSIS
 *	See daemon.h.
 * DESCRIPTION
 *	One thread, one poll() loop over the control socket, each of its
 *	clients (clients.h: read and written only when ready, each with a
 *	deadline) and a signalfd.  Nothing a client does makes the loop
 *	wait.  Blocking steps (postqueue, ETRN) are short and bounded by
 *	their own timeouts.
 * DIAGNOSTICS
 *	See daemon.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clients.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "queue.h"
#include "session.h"
#include "triggers.h"
#include "tunnel.h"
#include "util.h"

struct daemon {
    struct conf *conf;      /* allocated: it points into itself */
    const char *config_path;
    struct ledger *ledger;
    struct session s;
    struct clients clients;
    int listen_fd, sig_fd, lock_fd;
    long long next_schedule, next_queue_check, retry_at, last_refusal;
    char retry_trigger[32];
    int reload_wanted, stop_wanted;
    char last_event[300];
};

/* Record a decision in the log, the ledger and for "status". */
static void event(struct daemon *d, const char *kind, const char *text)
{
    surel_info("%s: %s", kind, text);
    snprintf(d->last_event, sizeof(d->last_event), "%s: %s", kind, text);
    if (d->ledger != NULL && ledger_add_event(d->ledger, surel_now(), kind, text) < 0)
        surel_error("%s", ledger_errmsg(d->ledger));
}

/* What this month cost so far, from the ledger. */
static void month_used(struct daemon *d, long long now, struct budget_used *u)
{
    struct ledger_sum sum;
    long long from, to;
    month_bounds(now, &from, &to);
    memset(u, 0, sizeof(*u));
    if (ledger_total(d->ledger, from, to, &sum) == 0) {
        u->money = sum.cost;
        u->seconds = sum.billed_seconds;
    } else {
        surel_error("%s", ledger_errmsg(d->ledger));
    }
}

/* Start a session unless the budget forbids it; returns 0 if started. */
static int start_session(struct daemon *d, const char *trigger, int forced, char *why, size_t len)
{
    long long now = surel_now();
    struct budget_used u;
    const char *bwhy;
    if (d->s.state != S_IDLE) {
        snprintf(why, len, "a session is already %s", session_state_name(d->s.state));
        return -1;
    }
    month_used(d, now, &u);
    if (!forced && !budget_may_start(&d->conf->budget, &d->conf->tariff, &u, &bwhy)) {
        snprintf(why, len, "%s trigger refused: %s (Rp %lld spent this month;"
                 " 'dialctl dial --force' overrides)", trigger, bwhy, u.money);
        if (strcmp(trigger, "manual") == 0 || now - d->last_refusal >= 3600) {
            event(d, "refused", why);
            d->last_refusal = now;
        }
        return -1;
    }
    if (strcmp(trigger, "retry") == 0)
        trigger = d->retry_trigger;
    d->retry_at = 0;
    session_begin(&d->s, d->conf, d->ledger, trigger, forced, &u, now);
    return 0;
}

/* Mail the mode holds outside Postfix's queue (batch: the spool) counts for the triggers. */
static void add_mode_waiting(struct daemon *d, struct trigger_facts *f)
{
    const struct exchange_ops *ops = exchange_find(d->conf->mode);
    int n;
    long long oldest;
    if (ops == NULL || ops->waiting == NULL || ops->waiting(d->conf, &n, &oldest) < 0)
        return;
    f->queue_known = 1;
    f->outbound += n;
    if (n > 0 && (f->oldest == 0 || oldest < f->oldest))
        f->oldest = oldest;
}

/* Look at the queue and the clock; start a session when a trigger fires. */
static void check_triggers(struct daemon *d, long long now)
{
    struct trigger_facts f = {now, d->next_schedule, d->retry_at, 0, 0, 0,
                              d->conf->queue_messages, d->conf->queue_age};
    char why[400];
    if ((f.queue_messages > 0 || f.queue_age > 0) && now >= d->next_queue_check) {
        struct queue_cmd qc = {d->conf->postqueue, d->conf->postfix_config, 30};
        struct queue_summary q;
        d->next_queue_check = now + d->conf->check_interval;
        if (queue_read(&qc, d->conf->domains, &q, why, sizeof(why)) == 0) {
            f.queue_known = 1;
            f.outbound = q.outbound - q.outbound_waiting;   /* held, not on their way */
            f.oldest = q.oldest;
            queue_summary_free(&q);
        } else {
            surel_warn("cannot read the queue: %s", why);
        }
        add_mode_waiting(d, &f);
    }
    const char *t = trigger_due(&f);
    if (t == NULL)
        return;
    if (strcmp(t, "schedule") == 0)
        d->next_schedule = schedule_next(&d->conf->schedule, now);
    if (start_session(d, t, 0, why, sizeof(why)) < 0 && strcmp(t, "retry") == 0)
        d->retry_at = 0;
}

/* Answer people in the school's language ([school] language): the daemon has
 * no reader's locale.  The log stays English (its texts are not translated). */
static void choose_language(const struct conf *c)
{
    const char *lang = surel_config_str(c->cfg, "school", "language");
    surel_i18n_daemon(lang, "answers");
}

/* (Re)read surel.ini; keep the old settings when the new file is bad. */
static int reload(struct daemon *d, int first)
{
    struct conf *c = malloc(sizeof(*c));
    char err[512];
    if (c == NULL)
        surel_fatal(EX_OSERR, "out of memory");
    if (conf_load(d->config_path, c, err, sizeof(err)) < 0
        || (conf_read_secrets(c, err, sizeof(err)) < 0 && (conf_free(c), 1))) {
        free(c);
        if (first)
            surel_fatal(EX_CONFIG, "%s", err);
        surel_error("reload refused, keeping the old settings: %s", err);
        return -1;
    }
    if (exchange_find(c->mode) == NULL) {
        conf_free(c);
        free(c);
        surel_fatal(EX_CONFIG, "[dial] mode: no such mode");
    }
    if (!first) {
        conf_free(d->conf);
        free(d->conf);
    }
    d->conf = c;
    choose_language(c);
    d->next_schedule = schedule_next(&d->conf->schedule, surel_now());
    d->next_queue_check = 0;
    if (!first)
        surel_info("configuration reloaded from %s", d->config_path);
    return 0;
}

/* Append formatted text to a reply buffer. */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    if (n < len)
        vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
}

/* Local time as "YYYY-MM-DD HH:MM:SS". */
static const char *when(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

/* The link and queue lines of "dialctl status". */
static void status_link_queue(struct daemon *d, char *out, size_t len, long long now)
{
    struct queue_cmd qc = {d->conf->postqueue, d->conf->postfix_config, 30};
    struct queue_summary q;
    char why[300], t[32];
    if (d->s.state != S_IDLE && d->s.link_up)
        say(out, len, "link: up on %s, %s -> %s, for %lld s, %lld tcp session(s)\n",
            d->s.ifname, d->s.local, *d->s.remote ? d->s.remote : "?", now - d->s.up_at,
            (long long)d->s.tcp_now);
    else
        say(out, len, "link: down\n");
    if (queue_read(&qc, d->conf->domains, &q, why, sizeof(why)) == 0) {
        say(out, len, "queue: %d outbound (%d being delivered, %d held, %d deferred)",
            q.outbound, q.outbound_waiting, q.outbound_held, q.outbound_failed);
        if (q.oldest > 0)
            say(out, len, ", oldest since %s", when(q.oldest, t, sizeof(t)));
        say(out, len, "; %d in all\n", q.total);
        queue_summary_free(&q);
    } else {
        say(out, len, "queue: unknown (%s)\n", why);
    }
}

/* The "mode:" line of "dialctl status": how a session carries mail, and to where. */
static void status_mode(struct daemon *d, char *out, size_t len)
{
    struct tunnel_conf tc;
    char why[200];
    const struct exchange_ops *ops = exchange_find(d->conf->mode);
    if (ops != NULL && ops->status != NULL) {
        char line[600];
        ops->status(d->conf, line, sizeof(line));
        say(out, len, "%s", line);
    } else if (d->conf->mode == NULL || strcmp(d->conf->mode, "ssh") != 0)
        say(out, len, "mode: etrn (relay and ETRN to %s)\n",
            d->conf->etrn_host ? d->conf->etrn_host : "? ([etrn] host unset)");
    else if (tunnel_conf_load(d->conf->cfg, &tc, why, sizeof(why)) == 0)
        say(out, len, "mode: ssh (%s@%s port %d, forwards 127.0.0.1:%d -> %d, %d -> %s:%d)\n",
            tc.user, tc.host, tc.port, tc.local_port, tc.isp_port, tc.remote_port,
            tc.deliver_host, tc.deliver_port);
    else
        say(out, len, "mode: ssh (%s)\n", why);
}

/* The "schedule:" lines of "dialctl status": each ';' part of [dial] schedule, its next firing. */
static void status_schedule(struct daemon *d, char *out, size_t len, long long now)
{
    const char *text = surel_config_str(d->conf->cfg, "dial", "schedule");
    char buf[1024], why[200], t[32], *save = NULL;
    struct schedule s;
    if (text == NULL)
        return;
    surel_strlcpy(buf, text, sizeof(buf));
    for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
        part = surel_trim(part);
        if (schedule_parse(part, &s, why, sizeof(why)) == 0 && !schedule_empty(&s))
            say(out, len, "schedule: %s, next %s\n", part,
                when(schedule_next(&s, now), t, sizeof(t)));
    }
}

/* The answer to "status". */
static void status(struct daemon *d, char *out, size_t len)
{
    long long now = surel_now(), left;
    struct budget_used u;
    char t[32];
    say(out, len, "ok\nstate: %s", session_state_name(d->s.state));
    if (d->s.state != S_IDLE)
        say(out, len, " (trigger %s, attempt %d of %d)", d->s.trigger, d->s.attempts,
            d->conf->attempts);
    say(out, len, "\n");
    status_mode(d, out, len);
    status_link_queue(d, out, len, now);
    if (d->retry_at > 0)
        say(out, len, "next trigger: %s (retry of %s)\n", when(d->retry_at, t, sizeof(t)),
            d->retry_trigger);
    else if (d->next_schedule > 0)
        say(out, len, "next trigger: %s (schedule)\n", when(d->next_schedule, t, sizeof(t)));
    else
        say(out, len, "next trigger: none scheduled\n");
    status_schedule(d, out, len, now);
    if (d->conf->queue_messages > 0 || d->conf->queue_age > 0)
        say(out, len, "queue trigger: %lld message(s) or %lld s old\n", d->conf->queue_messages,
            d->conf->queue_age);
    month_used(d, now, &u);
    say(out, len, "month to date: Rp %lld, %lld billed minute(s)", u.money, u.seconds / 60);
    if ((left = budget_money_left(&d->conf->budget, &u)) >= 0)
        say(out, len, ", budget left Rp %lld", left);
    if ((left = budget_seconds_left(&d->conf->budget, &u)) >= 0)
        say(out, len, ", %lld minute(s) left", left / 60);
    say(out, len, "\n");
    if (*d->last_event)
        say(out, len, "last event: %s\n", d->last_event);
}

/* Hook reports: "hook up IF TTY SPEED LOCAL REMOTE" / "hook down CT SENT RCVD". */
static void hook(struct daemon *d, const char *line, char *out, size_t len)
{
    char ifn[32], tty[64], speed[16], local[64], remote[64];
    long long ct, sent, rcvd;
    long long now = surel_now();
    if (sscanf(line, "hook up %31s %63s %15s %63s %63s", ifn, tty, speed, local, remote) == 5) {
        session_link_up(&d->s, ifn, local, remote, now);
        session_tick(&d->s, now);       /* exchange at once: the link costs */
        say(out, len, "ok\n");
    } else if (sscanf(line, "hook down %lld %lld %lld", &ct, &sent, &rcvd) == 3) {
        session_link_down(&d->s, ct, sent, rcvd, now);
        say(out, len, "ok\n");
    } else {
        say(out, len, "error: malformed hook report\n");
    }
}

/* "dial" or "dial force"; passing the budget is for root only. */
static void dial(struct daemon *d, const char *line, const struct client_peer *who, char *out,
                 size_t len)
{
    int force = line[4] != '\0';
    char why[400];
    if (force && who->uid != 0) {
        surel_warn("control: refused 'dial --force' from uid %ld pid %ld: passing the budget is"
                   " for root only", (long)who->uid, (long)who->pid);
        say(out, len, "error: ");
        say(out, len, _("'dial --force' passes the budget and is for root only (you are uid"
                        " %ld); 'dialctl dial' dials within the budget\n"), (long)who->uid);
    } else if (start_session(d, "manual", force, why, sizeof(why)) == 0) {
        say(out, len, "ok\n");
        say(out, len, force ? _("dialling (trigger manual, forced)\n")
                            : _("dialling (trigger manual)\n"));
    } else {
        say(out, len, "error: %s\n", why);
    }
}

/* Answer one control request from who. */
static void request(struct daemon *d, const char *line, const struct client_peer *who, char *out,
                    size_t len)
{
    if (strcmp(line, "status") == 0) {
        status(d, out, len);
    } else if (strcmp(line, "dial") == 0 || strcmp(line, "dial force") == 0) {
        dial(d, line, who, out, len);
    } else if (strcmp(line, "hangup") == 0) {
        if (d->s.state == S_IDLE) {
            say(out, len, "error: %s", _("no session to hang up\n"));
        } else {
            surel_info("control: hang-up asked by uid %ld pid %ld", (long)who->uid,
                       (long)who->pid);
            session_hangup(&d->s, "hang-up asked by hand");
            say(out, len, "ok\n%s", _("hanging up\n"));
        }
    } else if (strncmp(line, "hook ", 5) == 0) {
        if (who->uid != 0 && who->uid != getuid()) {
            surel_warn("control: refused a hook report from uid %ld pid %ld: taken from root"
                       " only", (long)who->uid, (long)who->pid);
            say(out, len, "error: hook reports are taken from root only\n");
        } else {
            hook(d, line, out, len);
        }
    } else {
        say(out, len, "error: unknown request '%.40s'\n", line);
    }
}

/* Serve the clients poll() found ready: read, answer, write, drop. */
static void serve(struct daemon *d, const struct pollfd *p, const int *slot, int n)
{
    for (int i = 0; i < n; i++) {
        if (p[i].revents == 0)
            continue;
        long long ms = session_clock_ms();
        struct client *c = clients_io(&d->clients, slot[i], p[i].revents, ms);
        if (c != NULL) {
            char out[4096] = "";
            request(d, c->line, &c->who, out, sizeof(out));
            clients_answer(&d->clients, c, out, session_clock_ms());
        }
    }
}

/* Handle pending signals. */
static void on_signals(struct daemon *d)
{
    struct signalfd_siginfo si;
    while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            session_reap(&d->s, surel_now());
        } else if (si.ssi_signo == SIGHUP) {
            d->reload_wanted = 1;
        } else if (!d->stop_wanted) {
            surel_info("signal %u: stopping", si.ssi_signo);
            d->stop_wanted = 1;
            d->s.now = surel_now();
            session_hangup(&d->s, "dialctl is stopping");
        }
    }
}

/* Take the one-instance lock; fatal if another daemon holds it. */
static void take_lock(struct daemon *d)
{
    char dir[4096], pid[32];
    surel_strlcpy(dir, d->conf->lock, sizeof(dir));
    if (strrchr(dir, '/') != NULL && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
        surel_mkdirs(dir, 0755);
    }
    d->lock_fd = open(d->conf->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (d->lock_fd < 0)
        surel_fatal(EX_CANTCREAT, "%s: %s", d->conf->lock, strerror(errno));
    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0)
        surel_fatal(EX_TEMPFAIL, "%s: another dialctl daemon is running", d->conf->lock);
    snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
    if (ftruncate(d->lock_fd, 0) < 0 || write(d->lock_fd, pid, strlen(pid)) < 0)
        surel_warn("%s: cannot write the pid: %s", d->conf->lock, strerror(errno));
}

/* Lock, ledger, signals, socket. */
static void setup(struct daemon *d)
{
    char err[512];
    sigset_t set;
    take_lock(d);
    if (ledger_open(d->conf->ledger, LEDGER_WRITE | LEDGER_CREATE, &d->ledger, err, sizeof(err)) < 0)
        surel_fatal(EX_CANTCREAT, "%s", err);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    d->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    if (d->sig_fd < 0)
        surel_fatal(EX_OSERR, "signalfd: %s", strerror(errno));
    d->listen_fd = control_listen(d->conf->socket, d->conf->socket_group, err, sizeof(err));
    if (d->listen_fd < 0)
        surel_fatal(EX_CANTCREAT, "%s", err);
}

/* A session that just ended: set a retry when it failed. */
static void session_ended(struct daemon *d, long long now)
{
    char t[32], text[200];
    if (d->s.result == SESSION_FAILED && !d->stop_wanted) {
        d->retry_at = now + d->conf->retry_delay;
        surel_strlcpy(d->retry_trigger, d->s.trigger, sizeof(d->retry_trigger));
        snprintf(text, sizeof(text), "session failed; trigger %s retried at %s", d->s.trigger,
                 when(d->retry_at, t, sizeof(t)));
        event(d, "failed", text);
    }
    d->s.result = SESSION_NONE;
}

/* Once a second: drive the session or look at the triggers. */
static void tick(struct daemon *d)
{
    long long now = surel_now();
    if (d->s.state != S_IDLE)
        session_tick(&d->s, now);
    if (d->s.state == S_IDLE && d->s.result != SESSION_NONE)
        session_ended(d, now);
    if (d->s.state != S_IDLE)
        return;
    if (d->reload_wanted) {
        d->reload_wanted = 0;
        reload(d, 0);
    }
    if (!d->stop_wanted)
        check_triggers(d, now);
}

int daemon_run(const char *config_path)
{
    struct daemon d;
    memset(&d, 0, sizeof(d));
    d.config_path = config_path;
    clients_init(&d.clients, CLIENTS_MAX, CLIENT_DEADLINE_MS);
    reload(&d, 1);
    setup(&d);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    surel_info("started: socket %s, ledger %s, mode %s, pppd %s call %s", d.conf->socket,
               d.conf->ledger, d.conf->mode, d.conf->pppd, d.conf->peer);
    long long last_tick = 0, last_ms = 0;
    while (!(d.stop_wanted && d.s.state == S_IDLE)) {
        struct pollfd p[2 + CLIENTS_MAX] = {{d.listen_fd, POLLIN, 0}, {d.sig_fd, POLLIN, 0}};
        int slot[CLIENTS_MAX];
        int n = clients_poll_set(&d.clients, p + 2, slot);
        if (poll(p, (nfds_t)(2 + n), clients_timeout(&d.clients, session_clock_ms(), 250)) < 0
            && errno != EINTR)
            surel_fatal(EX_OSERR, "poll: %s", strerror(errno));
        if (p[1].revents & POLLIN)
            on_signals(&d);
        serve(&d, p + 2, slot, n);
        if (p[0].revents & POLLIN)
            clients_accept(&d.clients, d.listen_fd, session_clock_ms());
        clients_expire(&d.clients, session_clock_ms());
        /* Idle: once a second.  In a session: twice, the link costs by the second. */
        long long ms = session_clock_ms();
        if (d.s.state != S_IDLE ? ms - last_ms >= 500 : surel_now() != last_tick) {
            last_tick = surel_now();
            last_ms = ms;
            tick(&d);
        }
    }
    surel_info("stopped");
    clients_close_all(&d.clients);
    close(d.listen_fd);
    unlink(d.conf->socket);
    close(d.sig_fd);
    close(d.lock_fd);
    ledger_close(d.ledger);
    conf_free(d.conf);
    free(d.conf);
    curl_global_cleanup();
    return EX_OK;
}
