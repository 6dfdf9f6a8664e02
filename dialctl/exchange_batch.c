/*
 * NAME
 *	exchange_batch 3
 * SUMMARY
 *	the "batch" mode: both spools, each compressed whole, over one SSH connection
 * SYNOPSIS
 *	See exchange.h.
 * DESCRIPTION
 *	The school's Postfix hands outbound mail to surel-batch's pipe
 *	transport as it comes, and the transport keeps it in [batch] spool;
 *	nothing waits in Postfix's queue for the link.
 *
 *	start	runs postqueue -f (mail the transport deferred, e.g. on a
 *		full disk, goes to the spool now), then starts
 *		"surel-batch exchange" with ssh to the ISP (tunnel_argv():
 *		the same key, host key and keepalives as ssh mode, no
 *		forwards, no ssh compression: the stream is compressed
 *		already) and the request "batch".  The exchange runs in that
 *		child; the daemon's loop never waits for it.
 *	check	reaps the child: its one line of figures goes to the log
 *		and the ledger.  A broken exchange (the link dropped, the
 *		ISP broke off) is started again after [ssh] backoff, doubled
 *		each time, at most [batch] attempts per link connection;
 *		whatever was not confirmed is sent again, and the receiving
 *		side drops what it had already queued.
 *	busy	1 while the child runs or a retry is pending.
 *	finished  1 once an exchange completed: both sides confirmed every
 *		message, so the session hangs up without a quiet grace.
 *	stop	ends a running child (SIGTERM: surel-batch ends its ssh).
 *	waiting	the spool's messages and the oldest one's arrival, for the
 *		queue triggers.
 * DIAGNOSTICS
 *	Failures are logged (surel-batch's own words are on dialctl's
 *	standard error) and kept in the result's errors for the ledger.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "exchange_batch.h"
#include "log.h"
#include "queue.h"
#include "run.h"
#include "spool.h"
#include "tunnel.h"
#include "util.h"

#define FIGURES 14

static const char *const figure_names[FIGURES] = {
    "sent", "delivered", "refused", "later", "received", "queued", "duplicates",
    "rejected", "deferred", "bounces", "payload_out", "wire_out", "payload_in", "wire_in"};
enum { F_DELIVERED = 1, F_REFUSED = 2, F_QUEUED = 5, F_PAYLOAD_OUT = 10, F_WIRE_OUT, F_PAYLOAD_IN,
       F_WIRE_IN };

static struct {
    struct tunnel_conf tc;
    int loaded, tries, finished;
    pid_t pid;
    int figures_fd;
    long long next_try;
    long long sum[FIGURES];     /* over the session's exchanges */
    int have;
} st;

/* The figures line of an exchange ("name=value ..."), added to the session's. */
static void add_figures(const char *line)
{
    for (int i = 0; i < FIGURES; i++) {
        char key[32];
        snprintf(key, sizeof(key), "%s=", figure_names[i]);
        const char *p = strstr(line, key);
        if (p != NULL && (p == line || p[-1] == ' ')) {
            st.sum[i] += atoll(p + strlen(key));
            st.have = 1;
        }
    }
}

/* What the child printed on its standard output (one line). */
static void read_figures(char *buf, size_t len)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < len && (r = read(st.figures_fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    close(st.figures_fd);
    st.figures_fd = -1;
}

/* Start surel-batch exchange with ssh to the ISP; 0 or -1 (in r). */
static int spawn_exchange(const struct conf *c, struct exchange_result *r)
{
    char *argv[TUNNEL_ARGV_MAX + 16], buf[4096], level[16], idle[24];
    int fds[2], n = 0;
    snprintf(level, sizeof(level), "%lld", surel_config_int(c->cfg, "batch", "level"));
    snprintf(idle, sizeof(idle), "%lld", surel_config_int(c->cfg, "batch", "idle"));
    const char *pre[] = {surel_config_str(c->cfg, "batch", "program"), "exchange", "--spool",
                         surel_config_str(c->cfg, "batch", "spool"), "--deliver-to",
                         surel_config_str(c->cfg, "ssh", "deliver_to"), "--level", level,
                         "--idle", idle, "--"};
    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
        argv[n++] = (char *)pre[i];
    if (tunnel_argv(&st.tc, "batch", argv + n, TUNNEL_ARGV_MAX, buf, sizeof(buf)) < 0) {
        exchange_note(r->errors, sizeof(r->errors), "the ssh command is too long");
        return -1;
    }
    st.tries++;
    if (pipe2(fds, O_CLOEXEC) < 0 || (st.pid = spawn_fds(argv, -1, fds[1], 2)) < 0) {
        char e[200];
        snprintf(e, sizeof(e), "cannot start %s: %s", argv[0], strerror(errno));
        surel_error("%s", e);
        exchange_note(r->errors, sizeof(r->errors), e);
        st.pid = 0;
        return -1;
    }
    close(fds[1]);
    st.figures_fd = fds[0];
    surel_info("batch exchange with %s@%s started (attempt %d of %lld, pid %d)", st.tc.user,
               st.tc.host, st.tries, surel_config_int(c->cfg, "batch", "attempts"), (int)st.pid);
    return 0;
}

/* start: a new link connection: flush into the spool, then the exchange. */
static int batch_start(const struct conf *c, struct exchange_result *r)
{
    char err[300];
    struct queue_cmd qc = {c->postqueue, c->postfix_config, 60};
    long long keep[FIGURES];
    int had = st.have;
    memcpy(keep, st.sum, sizeof(keep));
    memset(&st, 0, sizeof(st));
    memcpy(st.sum, keep, sizeof(keep));
    st.have = had, st.figures_fd = -1;
    if (queue_flush(&qc, err, sizeof(err)) < 0)
        surel_warn("flush: %s", err);
    if (tunnel_conf_load(c->cfg, &st.tc, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        exchange_note(r->errors, sizeof(r->errors), err);
        return -1;
    }
    st.loaded = 1;
    snprintf(r->reply, sizeof(r->reply), "batch exchange started");
    return spawn_exchange(c, r);
}

/* repeat: nothing to ask again: the exchange takes everything there is. */
static int batch_repeat(const struct conf *c, struct exchange_result *r)
{
    (void)c, (void)r;
    return 0;
}

/* The child ended: its figures, and whether to try again. */
static int reaped(const struct conf *c, long long now, int status, struct exchange_result *r)
{
    char line[1024], how[40];
    read_figures(line, sizeof(line));
    add_figures(line);
    st.pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        st.finished = 1;
        surel_info("batch exchange complete: %s", line);
        snprintf(r->reply, sizeof(r->reply), "batch: %.240s", line);
        return 0;
    }
    snprintf(line, sizeof(line), "batch exchange broken off (%s)",
             spawn_status_text(status, how, sizeof(how)));
    surel_warn("%s", line);
    exchange_note(r->errors, sizeof(r->errors), line);
    if (st.tries < surel_config_int(c->cfg, "batch", "attempts")) {
        long long pause = st.tc.backoff;
        for (int i = 1; i < st.tries && pause < 3600; i++)
            pause *= 2;
        st.next_try = now + pause;
        surel_info("batch: next attempt in %lld s", pause);
    } else {
        surel_error("batch: no attempts left (%d); the mail waits for the next session",
                    st.tries);
    }
    return -1;
}

static int batch_check(const struct conf *c, long long now, struct exchange_result *r)
{
    int status;
    if (!st.loaded)
        return 0;
    if (st.pid > 0) {
        pid_t w = waitpid(st.pid, &status, WNOHANG);
        return w == st.pid ? reaped(c, now, status, r) : 0;
    }
    if (st.next_try == 0 || now < st.next_try)
        return 0;
    st.next_try = 0;
    return spawn_exchange(c, r) < 0 ? -1 : 1;
}

static int batch_busy(const struct conf *c)
{
    (void)c;
    return st.pid > 0 || st.next_try != 0;
}

static int batch_finished(const struct conf *c)
{
    (void)c;
    return st.finished;
}

/* stop: end a running exchange (what it did not confirm stays in the spools). */
static void batch_stop(const struct conf *c)
{
    char line[1024];
    int status = 0;
    (void)c;
    st.next_try = 0;
    if (st.pid <= 0)
        return;
    surel_info("ending the batch exchange (pid %d)", (int)st.pid);
    kill(st.pid, SIGTERM);
    for (int i = 0; i < 30 && waitpid(st.pid, &status, WNOHANG) == 0; i++)
        usleep(100000);
    if (kill(st.pid, 0) == 0) {
        kill(st.pid, SIGKILL);
        waitpid(st.pid, &status, 0);
    }
    read_figures(line, sizeof(line));
    add_figures(line);
    st.pid = 0;
    surel_warn("batch exchange ended by the hang-up: %s", *line ? line : "no figures");
}

static int batch_bytes(long long *payload, long long *wire)
{
    *payload = st.sum[F_PAYLOAD_OUT] + st.sum[F_PAYLOAD_IN];
    *wire = st.sum[F_WIRE_OUT] + st.sum[F_WIRE_IN];
    return st.have ? 0 : -1;
}

/* Messages out: taken by the ISP (refused ones were answered too); in: queued here. */
static int batch_messages(long long *out, long long *in)
{
    *out = st.sum[F_DELIVERED] + st.sum[F_REFUSED];
    *in = st.sum[F_QUEUED];
    int had = st.have;
    memset(st.sum, 0, sizeof(st.sum));
    st.have = 0;
    return had ? 0 : -1;
}

static int batch_waiting(const struct conf *c, int *n, long long *oldest)
{
    struct spool s;
    struct spool_ids ids;
    char err[300];
    *n = 0, *oldest = 0;
    if (spool_open(&s, surel_config_str(c->cfg, "batch", "spool"), 0, err, sizeof(err)) < 0
        || spool_list(&s, &ids) < 0)
        return -1;
    *n = (int)ids.n;
    if (ids.n > 0)
        *oldest = atoll(ids.id[0]);
    spool_ids_free(&ids);
    return 0;
}

static void batch_status(const struct conf *c, char *out, size_t len)
{
    struct tunnel_conf tc;
    char why[300];
    int n;
    long long oldest;
    if (tunnel_conf_load(c->cfg, &tc, why, sizeof(why)) < 0) {
        snprintf(out, len, "mode: batch (%s)\n", why);
        return;
    }
    if (batch_waiting(c, &n, &oldest) < 0)
        snprintf(out, len, "mode: batch (%s@%s port %d; spool %s: cannot be read)\n", tc.user,
                 tc.host, tc.port, surel_config_str(c->cfg, "batch", "spool"));
    else
        snprintf(out, len, "mode: batch (%s@%s port %d; spool %s: %d waiting)\n", tc.user,
                 tc.host, tc.port, surel_config_str(c->cfg, "batch", "spool"), n);
}

const struct exchange_ops exchange_batch_ops = {
    .name = "batch", .start = batch_start, .repeat = batch_repeat, .check = batch_check,
    .busy = batch_busy, .stop = batch_stop, .bytes = batch_bytes, .finished = batch_finished,
    .messages = batch_messages, .waiting = batch_waiting, .status = batch_status};
