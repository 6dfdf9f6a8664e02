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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "routes.h"
#include "server.h"
#include "util.h"

#define MAX_CLIENTS 1024
#define REQ_MAX 8192

struct client {
    int fd;
    size_t len;
    char buf[REQ_MAX];
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
        surel_warn("malformed policy request; closing the connection");
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
    return c->len == sizeof(c->buf) ? -1 : 0;   /* a request that never ends */
}

/* Read what a client sent and answer it; -1 when it is gone. */
static int client_readable(struct mxd_ctx *ctx, struct client *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    c->len += (size_t)n;
    return serve_buffer(ctx, c);
}

/* Accept new smtpd connections into free slots. */
static void accept_clients(int lfd, struct client **clients, int *nclients)
{
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        if (*nclients == MAX_CLIENTS) {
            surel_warn("%d policy connections open; refusing another", MAX_CLIENTS);
            close(fd);
            continue;
        }
        struct client *c = malloc(sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->len = 0;
        clients[(*nclients)++] = c;
    }
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

/* Drop client i: close it and fill its slot with the last one. */
static void drop_client(struct client **clients, int *nclients, int i)
{
    close(clients[i]->fd);
    free(clients[i]);
    clients[i] = clients[--*nclients];
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

int mxd_serve(int lfd, struct mxd_ctx *ctx)
{
    static struct client *clients[MAX_CLIENTS];
    static struct pollfd pfd[MAX_CLIENTS + 1];
    int nclients = 0;
    install_signals();
    while (!stop_requested) {
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < nclients; i++)
            pfd[i + 1] = (struct pollfd){.fd = clients[i]->fd, .events = POLLIN};
        int n = poll(pfd, (nfds_t)nclients + 1, poll_timeout(ctx));
        if (n < 0 && errno != EINTR) {
            surel_error("poll: %s", strerror(errno));
            break;
        }
        for (int i = nclients - 1; n > 0 && i >= 0; i--)
            if (pfd[i + 1].revents && client_readable(ctx, clients[i]) < 0)
                drop_client(clients, &nclients, i);
        if (n > 0 && pfd[0].revents)
            accept_clients(lfd, clients, &nclients);
        run_flushes(ctx);
    }
    while (nclients > 0)
        drop_client(clients, &nclients, nclients - 1);
    surel_info("stopping: %lu ETRN accepted, %lu refused", ctx->accepted, ctx->refused);
    return 0;
}
