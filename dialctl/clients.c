/*
 * NAME
 *	clients 3
 * SUMMARY
 *	the control socket's clients, served without ever waiting on one
 * SYNOPSIS
 *	See clients.h.
 * DESCRIPTION
 *	Sockets are non-blocking (accept4 SOCK_NONBLOCK); replies go out
 *	with send(MSG_NOSIGNAL | MSG_DONTWAIT), so a client that closed or
 *	stopped reading costs one failed call, never a wait.  Times are
 *	monotonic milliseconds given by the caller.
 * DIAGNOSTICS
 *	See clients.h.  Every drop is logged with the client's pid and uid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients.h"
#include "log.h"

void clients_init(struct clients *t, int max, long long deadline_ms)
{
    memset(t, 0, sizeof(*t));
    t->max = max < 1 ? 1 : max > CLIENTS_MAX ? CLIENTS_MAX : max;
    t->deadline_ms = deadline_ms;
    for (int i = 0; i < CLIENTS_MAX; i++)
        t->c[i].fd = -1;
}

/* Start a slot afresh for fd. */
static struct client *occupy(struct client *c, int fd, const struct client_peer *who,
                             long long now_ms, long long deadline_ms)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->who = *who;
    c->since_ms = now_ms;
    c->deadline_ms = now_ms + deadline_ms;
    c->phase = CLIENT_READING;
    return c;
}

struct client *clients_add(struct clients *t, int fd, const struct client_peer *who,
                           long long now_ms, struct client *evicted)
{
    int oldest = -1;
    evicted->fd = -1;
    evicted->out = NULL;
    for (int i = 0; i < t->max; i++) {
        if (t->c[i].fd < 0)
            return occupy(&t->c[i], fd, who, now_ms, t->deadline_ms);
        if (oldest < 0 || t->c[i].since_ms < t->c[oldest].since_ms)
            oldest = i;
    }
    *evicted = t->c[oldest];
    return occupy(&t->c[oldest], fd, who, now_ms, t->deadline_ms);
}

int client_take(struct client *c, const char *data, size_t n)
{
    const char *nl = memchr(data, '\n', n);
    size_t use = nl != NULL ? (size_t)(nl - data) : n;
    if (c->nline + use > CLIENT_LINE - 1 || memchr(data, '\0', use) != NULL)
        return -1;
    memcpy(c->line + c->nline, data, use);
    c->nline += use;
    c->line[c->nline] = '\0';
    if (nl == NULL)
        return 0;
    c->line[strcspn(c->line, "\r")] = '\0';
    return 1;
}

int client_set_reply(struct client *c, const char *text, long long now_ms, long long deadline_ms)
{
    char *out = strdup(text);
    if (out == NULL)
        return -1;
    free(c->out);
    c->out = out;
    c->nout = strlen(out);
    c->done = 0;
    c->phase = CLIENT_WRITING;
    c->deadline_ms = now_ms + deadline_ms;
    return 0;
}

int client_wrote(struct client *c, size_t n)
{
    c->done += n;
    if (c->done > c->nout)
        c->done = c->nout;
    return c->done == c->nout;
}

void client_release(struct client *c)
{
    free(c->out);
    c->out = NULL;
    c->fd = -1;
}

int clients_timeout(const struct clients *t, long long now_ms, int most_ms)
{
    long long ms = most_ms;
    for (int i = 0; i < CLIENTS_MAX; i++)
        if (t->c[i].fd >= 0 && t->c[i].deadline_ms - now_ms < ms)
            ms = t->c[i].deadline_ms - now_ms;
    return ms < 0 ? 0 : (int)ms;
}

struct client *clients_expired(struct clients *t, long long now_ms)
{
    for (int i = 0; i < CLIENTS_MAX; i++)
        if (t->c[i].fd >= 0 && now_ms >= t->c[i].deadline_ms)
            return &t->c[i];
    return NULL;
}

int clients_count(const struct clients *t)
{
    int n = 0;
    for (int i = 0; i < CLIENTS_MAX; i++)
        n += t->c[i].fd >= 0;
    return n;
}

/* Close a client's socket, log why (unless why is NULL), free its slot. */
static void drop(struct client *c, long long now_ms, const char *why)
{
    if (why != NULL)
        surel_warn("control: dropped client pid %ld uid %ld after %lld ms: %s",
                   (long)c->who.pid, (long)c->who.uid, now_ms - c->since_ms, why);
    close(c->fd);
    client_release(c);
}

/* Who is at the other end of fd; -1 if the kernel will not say. */
static int peer_of(int fd, struct client_peer *who)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -1;
    who->uid = cred.uid;
    who->gid = cred.gid;
    who->pid = cred.pid;
    return 0;
}

/* Drop the client pushed out at the cap; one log line a second at most. */
static void drop_at_cap(struct clients *t, struct client *old, const struct client_peer *who,
                        long long now_ms)
{
    char why[200];
    if (t->cap_logged_ms != 0 && now_ms - t->cap_logged_ms < 1000) {
        t->cap_unlogged++;
        drop(old, now_ms, NULL);
        return;
    }
    snprintf(why, sizeof(why), "%d clients connected, the most taken; the oldest makes room"
             " for pid %ld uid %ld (%d more dropped so since the last such line)", t->max,
             (long)who->pid, (long)who->uid, t->cap_unlogged);
    t->cap_logged_ms = now_ms;
    t->cap_unlogged = 0;
    drop(old, now_ms, why);
}

/* Put one accepted socket in the table, dropping the oldest when full. */
static void admit(struct clients *t, int fd, long long now_ms)
{
    struct client_peer who;
    struct client old;
    if (peer_of(fd, &who) < 0) {
        surel_warn("control: cannot tell who connected (SO_PEERCRED: %s); closed", strerror(errno));
        close(fd);
        return;
    }
    clients_add(t, fd, &who, now_ms, &old);
    if (old.fd >= 0)
        drop_at_cap(t, &old, &who, now_ms);
}

void clients_accept(struct clients *t, int listen_fd, long long now_ms)
{
    /* A few per call: the timers come back between, and a flood of new
     * clients cannot push out, within one call, one that just came. */
    for (int n = 0; n < CLIENTS_ACCEPT_BATCH; n++) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED)
                surel_warn("control: accept: %s", strerror(errno));
            return;
        }
        admit(t, fd, now_ms);
    }
}

int clients_poll_set(const struct clients *t, struct pollfd *p, int *slot)
{
    int n = 0;
    for (int i = 0; i < CLIENTS_MAX; i++) {
        if (t->c[i].fd < 0)
            continue;
        p[n].fd = t->c[i].fd;
        p[n].events = t->c[i].phase == CLIENT_READING ? POLLIN : POLLOUT;
        p[n].revents = 0;
        slot[n++] = i;
    }
    return n;
}

/* Read what is there; the client when its request line is complete. */
static struct client *read_some(struct client *c, long long now_ms)
{
    char buf[CLIENT_LINE];
    ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return NULL;
    if (r < 0) {
        drop(c, now_ms, strerror(errno));
        return NULL;
    }
    if (r == 0) {               /* a last line without its newline still counts */
        if (c->nline > 0)
            return c;
        drop(c, now_ms, NULL);  /* connected and went: nothing to say */
        return NULL;
    }
    switch (client_take(c, buf, (size_t)r)) {
    case 1:
        return c;
    case -1:
        drop(c, now_ms, "not a request line (too long, or a NUL byte)");
        return NULL;
    default:
        return NULL;
    }
}

/* Write what the socket takes now; close when the reply is out. */
static void write_some(struct client *c, long long now_ms)
{
    ssize_t w = send(c->fd, c->out + c->done, c->nout - c->done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (w < 0) {
        drop(c, now_ms, errno == EPIPE ? NULL : strerror(errno));  /* EPIPE: it went away */
        return;
    }
    if (client_wrote(c, (size_t)w))
        drop(c, now_ms, NULL);
}

struct client *clients_io(struct clients *t, int slot, short revents, long long now_ms)
{
    struct client *c = &t->c[slot];
    if (c->fd < 0)
        return NULL;
    if (c->phase == CLIENT_READING && (revents & (POLLIN | POLLHUP | POLLERR)))
        return read_some(c, now_ms);
    if (c->phase == CLIENT_WRITING && (revents & (POLLOUT | POLLHUP | POLLERR)))
        write_some(c, now_ms);
    return NULL;
}

void clients_answer(struct clients *t, struct client *c, const char *text, long long now_ms)
{
    if (client_set_reply(c, text, now_ms, t->deadline_ms) < 0) {
        drop(c, now_ms, "out of memory for the reply");
        return;
    }
    write_some(c, now_ms);
}

void clients_expire(struct clients *t, long long now_ms)
{
    struct client *c;
    while ((c = clients_expired(t, now_ms)) != NULL)
        drop(c, now_ms, c->phase == CLIENT_READING
             ? "no whole request line before its deadline (a slow or silent client)"
             : "did not read its reply before its deadline");
}

void clients_close_all(struct clients *t)
{
    for (int i = 0; i < CLIENTS_MAX; i++)
        if (t->c[i].fd >= 0)
            drop(&t->c[i], 0, NULL);
}
