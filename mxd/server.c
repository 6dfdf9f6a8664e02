/*
 * NAME
 *	server 3
 * SUMMARY
 *	surel-mxd: the policy socket, the request loop, the route write
 * DESCRIPTION
 *	See server.h.  One thread and poll(2): a decision is one indexed
 *	SQLite lookup and, when accepted, one small write, far quicker than
 *	the SMTP session around it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "routes.h"
#include "server.h"
#include "util.h"

#define REQ_MAX 8192
#define ACCEPT_BATCH 64         /* connections accepted per wake-up at most */

struct client {
    int fd;
    long long last_ms;          /* monotonic time it last sent something */
    size_t len;
    char buf[REQ_MAX];
};

/* The clients of mxd_serve() and what it knows about running short. */
struct loop {
    struct client **clients;
    struct pollfd *pfd;         /* [0] the listener, [i + 1] clients[i] */
    int n, cap;
    int short_logged;           /* a shortage was logged, its end not yet */
    int evicted_for_error;      /* closed one for EMFILE in this wake-up */
    long long paused_until_ms;  /* the listener is not polled before this */
    unsigned long evicted;      /* connections closed to make room */
};

static volatile sig_atomic_t stop_requested;

/* SIGTERM/SIGINT: leave the loop at the next wake-up. */
static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int mxd_listen(const char *path, uid_t uid, gid_t gid, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, errlen, "%s: socket path too long", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    unlink(path);
    mode_t old = umask(0117);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || chown(path, uid, gid) < 0 || chmod(path, 0660) < 0 || listen(fd, 128) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Owner lookup for mxd_decide(), against the route table. */
static int owner_lookup(const char *domain, char *login, size_t len, void *ctx)
{
    struct mxd_ctx *c = ctx;
    int rc = routes_owner(c->rt, domain, login, len);
    if (rc < 0)
        surel_error("route table: %s", routes_errmsg(c->rt));
    return rc;
}

/* Rate-limit keys for a request's address and login. */
static void rate_keys(const struct mxd_request *req, char *addr, char *login, size_t len)
{
    snprintf(addr, len, "addr %s", req->client_address);
    snprintf(login, len, "login %s", req->sasl_username);
}

/* Count a refusal against the address and login; log a new lockout. */
static void count_refusal(struct mxd_ctx *ctx, const struct mxd_request *req, long long now)
{
    char ka[200], kl[200];
    rate_keys(req, ka, kl, sizeof(ka));
    if (mxd_rate_fail(&ctx->rate, ka, now))
        surel_warn("client %s locked out for %llds after %d refused ETRNs",
                   req->client_address, ctx->rate.lockout, ctx->rate.max_failures);
    if (req->sasl_username[0] != '\0' && mxd_rate_fail(&ctx->rate, kl, now))
        surel_warn("login %s locked out for %llds after %d refused ETRNs",
                   req->sasl_username, ctx->rate.lockout, ctx->rate.max_failures);
}

/* Write the route of an accepted ETRN and plan the second flush. */
static enum mxd_verdict record_route(struct mxd_ctx *ctx, const struct mxd_request *req,
                                     long long now)
{
    if (routes_set_route(ctx->rt, req->sasl_username, req->client_address, now,
                         ctx->ttl) < 0) {
        surel_error("ETRN %s from %s: cannot record the route: %s", req->etrn_domain,
                    req->client_address, routes_errmsg(ctx->rt));
        return MXD_TEMPFAIL;
    }
    if (ctx->flush_again > 0
        && mxd_flushq_schedule(&ctx->flushq, req->etrn_domain, now + ctx->flush_again) < 0)
        surel_warn("out of memory: no second flush for %s", req->etrn_domain);
    return MXD_ACCEPT;
}

size_t mxd_handle(struct mxd_ctx *ctx, const char *block, size_t len, long long now,
                  char *out, size_t outlen)
{
    struct mxd_request req;
    char ka[200], kl[200];
    if (mxd_request_parse(block, len, &req) < 0) {
        surel_warn("malformed policy request (%s); closing the connection", req.error);
        return 0;
    }
    rate_keys(&req, ka, kl, sizeof(ka));
    int locked = mxd_rate_locked(&ctx->rate, ka, now)
        || (req.sasl_username[0] != '\0' && mxd_rate_locked(&ctx->rate, kl, now));
    enum mxd_verdict v = mxd_decide(&req, locked, owner_lookup, ctx);
    if (v == MXD_ACCEPT)
        v = record_route(ctx, &req, now);
    if (mxd_verdict_is_failure(v))
        count_refusal(ctx, &req, now);
    if (v == MXD_ACCEPT) {
        ctx->accepted++;
        surel_info("ETRN %s from %s login %s: accepted, route [%s] for %llds",
                   req.etrn_domain, req.client_address, req.sasl_username,
                   req.client_address, ctx->ttl);
    } else if (v == MXD_BADADDRESS) {
        ctx->refused++;
        surel_warn("ETRN %s from %s login %s: %s (%s); route table unchanged",
                   req.etrn_domain, req.client_address, req.sasl_username,
                   mxd_verdict_name(v), routes_address_refusal(req.client_address));
    } else if (v != MXD_DUNNO) {
        ctx->refused++;
        surel_warn("ETRN %s from %s login %s: %s", req.etrn_domain, req.client_address,
                   req.sasl_username[0] ? req.sasl_username : "(none)", mxd_verdict_name(v));
    }
    return mxd_response(v, out, outlen);
}

/* Answer every complete request in c's buffer; -1 to drop the client. */
static int serve_buffer(struct mxd_ctx *ctx, struct client *c)
{
    char out[256];
    char *end;
    while ((end = memmem(c->buf, c->len, "\n\n", 2)) != NULL) {
        size_t blen = (size_t)(end - c->buf) + 2;
        size_t n = mxd_handle(ctx, c->buf, blen, surel_now(), out, sizeof(out));
        if (n == 0 || send(c->fd, out, n, MSG_NOSIGNAL) != (ssize_t)n)
            return -1;
        memmove(c->buf, c->buf + blen, c->len - blen);
        c->len -= blen;
    }
    if (c->len == sizeof(c->buf)) {
        surel_warn("policy request longer than %d bytes without its empty line; "
                   "closing the connection", REQ_MAX);
        return -1;
    }
    return 0;
}

/* Read what a client sent and answer it; -1 when it is gone. */
static int client_readable(struct mxd_ctx *ctx, struct client *c, long long now_ms)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    c->last_ms = now_ms;
    return serve_buffer(ctx, c);
}

/* Milliseconds on the monotonic clock (idle times must not jump with the date). */
static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mxd_client_cap(unsigned long long soft)
{
    unsigned long long cap = soft > 2 * MXD_FD_RESERVE ? soft - MXD_FD_RESERVE : soft / 2;
    if (cap > MXD_CLIENTS_CEILING)
        cap = MXD_CLIENTS_CEILING;
    return cap < 1 ? 1 : (int)cap;
}

/* Allocate the client table and poll set for cap clients; -1 when out of memory. */
static int loop_init(struct loop *lp, int cap)
{
    memset(lp, 0, sizeof(*lp));
    lp->cap = cap;
    lp->clients = calloc((size_t)cap, sizeof(*lp->clients));
    lp->pfd = calloc((size_t)cap + 1, sizeof(*lp->pfd));
    if (lp->clients == NULL || lp->pfd == NULL) {
        free(lp->clients);
        free(lp->pfd);
        return -1;
    }
    return 0;
}

/* Drop client i: close it and fill its slot with the last one. */
static void drop_client(struct loop *lp, int i)
{
    close(lp->clients[i]->fd);
    free(lp->clients[i]);
    lp->clients[i] = lp->clients[--lp->n];
    lp->paused_until_ms = 0;    /* a descriptor is free again: listen again */
}

/* Close every client and free the table. */
static void loop_free(struct loop *lp)
{
    while (lp->n > 0)
        drop_client(lp, lp->n - 1);
    free(lp->clients);
    free(lp->pfd);
}

/* Index of the client silent longest (a half-sent request does not protect it), or -1. */
static int oldest_client(const struct loop *lp)
{
    int best = -1;
    for (int i = 0; i < lp->n; i++)
        if (best < 0 || lp->clients[i]->last_ms < lp->clients[best]->last_ms)
            best = i;
    return best;
}

/* Log the start of a shortage once per episode: what ran out and what is done. */
static void note_shortage(struct loop *lp, const char *what)
{
    if (lp->short_logged)
        return;
    lp->short_logged = 1;
    surel_warn("%s (%d policy connections open, cap %d): closing the connection silent "
               "longest for each new one until connections leave; smtpd reconnects by itself",
               what, lp->n, lp->cap);
}

/* Log, once, that a connection was accepted without closing another. */
static void note_recovery(struct loop *lp)
{
    if (!lp->short_logged)
        return;
    lp->short_logged = 0;
    surel_info("policy connections accepted again without closing others (%d open, cap %d)",
               lp->n, lp->cap);
}

/* Close the client silent longest to make room; 0 if there was none. */
static int evict_oldest(struct loop *lp)
{
    int i = oldest_client(lp);
    if (i < 0)
        return 0;
    surel_debug("closing the policy connection silent for %llds to make room",
                (mono_ms() - lp->clients[i]->last_ms) / 1000);
    drop_client(lp, i);
    lp->evicted++;
    return 1;
}

/* Re-read the descriptor limit (prlimit(1) may lower it under us): lower the cap to
 * it and close the connections silent longest above it; 1 if the cap fell. */
static int follow_limit(struct loop *lp)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    int cap = mxd_client_cap(rl.rlim_cur == RLIM_INFINITY ? ~0ULL
                             : (unsigned long long)rl.rlim_cur);
    if (cap >= lp->cap)
        return 0;
    surel_warn("descriptor limit lowered to %llu while running: at most %d policy "
               "connections now, closing %d", (unsigned long long)rl.rlim_cur, cap,
               lp->n > cap ? lp->n - cap : 0);
    lp->cap = cap;
    while (lp->n > lp->cap)
        evict_oldest(lp);
    return 1;
}

/* accept4() failed with err: make room or stop polling the listener; 1 to retry. */
static int accept_failed(struct loop *lp, int err)
{
    if (err == EINTR || err == ECONNABORTED)
        return 1;
    if (err == EAGAIN || err == EWOULDBLOCK)
        return 0;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        note_shortage(lp, err == EMFILE ? "out of file descriptors"
                      : err == ENFILE ? "the system's file table is full" : "out of memory");
        if (err == EMFILE && follow_limit(lp))
            return 1;
        /* EMFILE is ours alone: each close frees a descriptor for accept4(), so
         * close until it succeeds (the limit may have been lowered under us).
         * ENFILE and memory are shared: one close per wake-up, never all. */
        if ((err == EMFILE || !lp->evicted_for_error) && evict_oldest(lp)) {
            lp->evicted_for_error = 1;
            return 1;
        }
    } else {
        surel_error("accept: %s; not accepting policy connections for a second",
                    strerror(err));
    }
    lp->paused_until_ms = mono_ms() + 1000;  /* nothing to free: wait, do not spin */
    return 0;
}

/* Accept new smtpd connections; at the cap, close the client silent longest.
 *
 * Why close rather than stop accepting: each smtpd process keeps one policy
 * connection and, when it finds that connection closed, simply reconnects
 * (smtpd_policy_service_max_idle/_try_limit), so closing the connection
 * silent longest costs one smtpd a reconnect.  Leaving the listener alone
 * instead would make every new ETRN wait for smtpd's policy timeout and end
 * in 451, for as long as idle clients hold every slot.  This is what
 * Postfix's own servers do in spirit: a cap on clients (process_limit) and
 * a time limit on idle ones (max_idle, here [mxd] idle_timeout). */
static void accept_clients(int lfd, struct loop *lp)
{
    int fd;
    lp->evicted_for_error = 0;
    for (int k = 0; k < ACCEPT_BATCH; k++) {    /* a flood must not starve the others */
        if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0) {
            if (accept_failed(lp, errno))
                continue;
            return;
        }
        int room = lp->n < lp->cap && !lp->evicted_for_error;
        if (lp->n == lp->cap) {
            note_shortage(lp, "policy connection cap reached");
            evict_oldest(lp);
        }
        struct client *c = malloc(sizeof(*c));
        if (c == NULL) {
            surel_warn("out of memory: closing a new policy connection");
            close(fd);
            continue;
        }
        *c = (struct client){.fd = fd, .last_ms = mono_ms()};
        lp->clients[lp->n++] = c;
        if (room)
            note_recovery(lp);
    }
}

/* Close clients silent for longer than the idle timeout; log how many. */
static void close_idle(const struct mxd_ctx *ctx, struct loop *lp, long long now_ms)
{
    int closed = 0;
    if (ctx->idle_timeout <= 0)
        return;
    for (int i = lp->n - 1; i >= 0; i--) {
        if (now_ms - lp->clients[i]->last_ms >= ctx->idle_timeout * 1000) {
            drop_client(lp, i);
            closed++;
        }
    }
    if (closed > 0)
        surel_info("closed %d policy connection%s silent for %llds ([mxd] idle_timeout)",
                   closed, closed == 1 ? "" : "s", ctx->idle_timeout);
}

/* Start the second flushes that are due; reap children that ended. */
static void run_flushes(struct mxd_ctx *ctx)
{
    char domain[256];
    int status;
    pid_t pid;
    while (mxd_flushq_pop(&ctx->flushq, surel_now(), domain, sizeof(domain))) {
        if (ctx->flush_fd >= 0) {
            if (mxd_flush_helper_request(ctx->flush_fd, domain) < 0)
                surel_error("second flush of %s: the flush helper is gone", domain);
            else
                surel_debug("second flush of %s handed to the flush helper", domain);
        } else if ((pid = mxd_postqueue_spawn(ctx->postqueue, ctx->config_dir, domain)) < 0) {
            surel_error("second flush of %s: %s: %s", domain, ctx->postqueue, strerror(errno));
        } else {
            surel_info("second flush of %s: postqueue -s started (pid %d)", domain, (int)pid);
        }
    }
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            surel_warn("%s (pid %d) ended with status %d",
                       ctx->flush_fd >= 0 ? "the flush helper" : "postqueue", (int)pid,
                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        else if (ctx->flush_fd < 0)
            surel_info("postqueue (pid %d) done", (int)pid);
    }
}

/* Milliseconds poll() may sleep before the next second flush is due. */
static int poll_timeout(const struct mxd_ctx *ctx)
{
    long long next = mxd_flushq_next(&ctx->flushq), now = surel_now();
    if (next < 0)
        return 1000;            /* wake each second to reap children */
    return next <= now ? 0 : 1000;
}

/* Ignore SIGPIPE; stop on SIGTERM/SIGINT. */
static void install_signals(void)
{
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Fill the poll set: the listener (unless paused), then every client. */
static nfds_t fill_pollset(int lfd, struct loop *lp, long long now_ms)
{
    int listening = lp->paused_until_ms <= now_ms;
    lp->pfd[0] = (struct pollfd){.fd = listening ? lfd : -1, .events = POLLIN};
    for (int i = 0; i < lp->n; i++)
        lp->pfd[i + 1] = (struct pollfd){.fd = lp->clients[i]->fd, .events = POLLIN};
    return (nfds_t)lp->n + 1;
}

int mxd_serve(int lfd, struct mxd_ctx *ctx)
{
    struct loop lp;
    if (loop_init(&lp, ctx->max_clients > 0 ? ctx->max_clients : 1) < 0) {
        surel_error("out of memory for %d policy connections", ctx->max_clients);
        return -1;
    }
    int rc = 0;
    install_signals();
    while (!stop_requested) {
        nfds_t nfds = fill_pollset(lfd, &lp, mono_ms());
        int n = poll(lp.pfd, nfds, poll_timeout(ctx));
        if (n < 0 && errno == EINVAL && follow_limit(&lp))
            continue;           /* more descriptors polled than the new limit allows */
        if (n < 0 && errno != EINTR) {
            surel_error("poll: %s", strerror(errno));
            rc = -1;
            break;
        }
        long long now_ms = mono_ms();
        for (int i = lp.n - 1; n > 0 && i >= 0; i--)
            if (lp.pfd[i + 1].revents && client_readable(ctx, lp.clients[i], now_ms) < 0)
                drop_client(&lp, i);
        if (n > 0 && lp.pfd[0].revents)
            accept_clients(lfd, &lp);
        close_idle(ctx, &lp, now_ms);
        run_flushes(ctx);
    }
    loop_free(&lp);
    surel_info("stopping: %lu ETRN accepted, %lu refused; %lu policy connections closed "
               "to make room", ctx->accepted, ctx->refused, lp.evicted);
    return rc;
}
