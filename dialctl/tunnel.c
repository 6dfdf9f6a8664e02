/*
 * NAME
 *	tunnel 3
 * SUMMARY
 *	one compressed OpenSSH connection to the ISP with a forward each way
 * SYNOPSIS
 *	See tunnel.h.
 * DESCRIPTION
 *	ssh runs with standard input on a pipe that we hold (closing it is
 *	the clean end of the session), standard output on a pipe where the
 *	gate's "ready" line arrives, and standard error on an unlinked
 *	temporary file, so that ssh's log never blocks it and is read only
 *	when needed.  The child gets an empty signal mask and default
 *	SIGPIPE (the daemon blocks signals for its signalfd).
 * DIAGNOSTICS
 *	See tunnel.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "run.h"
#include "tunnel.h"
#include "util.h"

#define READY_LINE "surel-tunnel ready "
#define STALE_TEXT "remote port forwarding failed"
#define CLOSE_WAIT_MS 3000
#define LOG_MAX (1 << 20)

/* Split "host:port" of deliver_to; -1 if it is not that. */
static int split_deliver(const char *v, struct tunnel_conf *c)
{
    const char *colon = v != NULL ? strrchr(v, ':') : NULL;
    char *end;
    if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof(c->deliver_host))
        return -1;
    memcpy(c->deliver_host, v, (size_t)(colon - v));
    c->deliver_host[colon - v] = '\0';
    long p = strtol(colon + 1, &end, 10);
    if (*end != '\0' || p < 1 || p > 65535)
        return -1;
    c->deliver_port = (int)p;
    return 0;
}

int tunnel_conf_load(const struct surel_config *f, struct tunnel_conf *c, char *err, size_t len)
{
    memset(c, 0, sizeof(*c));
    c->program = surel_config_str(f, "ssh", "program");
    c->host = surel_config_str(f, "ssh", "host");
    c->user = surel_config_str(f, "ssh", "user");
    c->identity = surel_config_str(f, "ssh", "identity");
    c->known_hosts = surel_config_str(f, "ssh", "known_hosts");
    c->port = (int)surel_config_int(f, "ssh", "port");
    c->local_port = (int)surel_config_int(f, "ssh", "local_port");
    c->isp_port = (int)surel_config_int(f, "ssh", "isp_port");
    c->remote_port = (int)surel_config_int(f, "ssh", "remote_port");
    c->connect_timeout = (long)surel_config_int(f, "ssh", "connect_timeout");
    c->alive_interval = (long)surel_config_int(f, "ssh", "alive_interval");
    c->alive_count = (int)surel_config_int(f, "ssh", "alive_count");
    c->attempts = (int)surel_config_int(f, "ssh", "attempts");
    c->backoff = (long)surel_config_int(f, "ssh", "backoff");
    c->compression = surel_config_bool(f, "ssh", "compression");
    const char *mode = surel_config_str(f, "dial", "mode");
    int forwards = mode == NULL || strcmp(mode, "batch") != 0;   /* batch mode has none */
    const char *missing = c->host == NULL || *c->host == '\0' ? "host"
                          : forwards && c->isp_port < 0       ? "isp_port"
                          : forwards && c->remote_port < 0    ? "remote_port" : NULL;
    if (missing != NULL) {
        snprintf(err, len, "%s: [ssh] %s is needed with [dial] mode = %s",
                 surel_config_path(f), missing, mode != NULL ? mode : "ssh");
        return -1;
    }
    if (split_deliver(surel_config_str(f, "ssh", "deliver_to"), c) < 0) {
        snprintf(err, len, "%s: line %d: [ssh] deliver_to: not ADDRESS:PORT",
                 surel_config_path(f), surel_config_line(f, "ssh", "deliver_to"));
        return -1;
    }
    return 0;
}

/* Where tunnel_argv() builds the vector: argv[n] point into buf. */
struct argbuf {
    char **argv;
    int n, max;
    char *buf;
    size_t len, used;
    int failed;
};

/* Append one formatted argument; marks the buffer failed when full. */
__attribute__((format(printf, 2, 3)))
static void add(struct argbuf *a, const char *fmt, ...)
{
    va_list ap;
    if (a->failed || a->n + 2 > a->max || a->used >= a->len) {
        a->failed = 1;
        return;
    }
    va_start(ap, fmt);
    int w = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= a->len - a->used) {
        a->failed = 1;
        return;
    }
    a->argv[a->n++] = a->buf + a->used;
    a->used += (size_t)w + 1;
}

/* The options: key authentication only, keepalives, no control master.  A
   batch exchange has no ssh keepalives: ssh's probe and its answer travel in
   the stream, and on a slow line a probe sent just after the spool went into
   the socket waits behind a minute of it, so ssh took the link for dead
   ("Timeout, server not responding") in the middle of a good exchange;
   surel-batch's own heartbeats and --idle watch the link instead. */
static void add_options(struct argbuf *a, const struct tunnel_conf *c, int tunnel, int batch)
{
    static const char *const fixed[] = {
        "-F", "none", "-T", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
        "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "UpdateHostKeys=no", "-o", "ControlMaster=no", "-o", "ControlPath=none",
        "-o", "ExitOnForwardFailure=yes", "-o", "PermitLocalCommand=no", NULL};
    for (int i = 0; fixed[i] != NULL; i++)
        add(a, "%s", fixed[i]);
    add(a, "-oUserKnownHostsFile=%s", c->known_hosts);
    add(a, "-i%s", c->identity);
    add(a, "-oConnectTimeout=%ld", c->connect_timeout);
    add(a, "-oServerAliveInterval=%ld", batch ? 0L : c->alive_interval);
    add(a, "-oServerAliveCountMax=%d", c->alive_count);
    add(a, "-oLogLevel=%s", tunnel ? "DEBUG1" : batch ? "INFO" : "ERROR");
    add(a, "-p%d", c->port);
    add(a, "-l%s", c->user);
}

int tunnel_argv(const struct tunnel_conf *c, const char *request, char **argv, int max,
                char *buf, size_t len)
{
    struct argbuf a = {argv, 0, max, buf, len, 0, 0};
    int tunnel = strcmp(request, "tunnel") == 0;
    add(&a, "%s", c->program);
    add_options(&a, c, tunnel, strcmp(request, "batch") == 0);
    if (tunnel && c->compression)
        add(&a, "-C");
    if (tunnel) {
        add(&a, "-L127.0.0.1:%d:127.0.0.1:%d", c->local_port, c->isp_port);
        add(&a, "-R127.0.0.1:%d:%s:%d", c->remote_port, c->deliver_host, c->deliver_port);
    }
    add(&a, "%s", c->host);
    add(&a, "%s", request);
    if (a.failed)
        return -1;
    argv[a.n] = NULL;
    return a.n;
}

/* An unlinked temporary file for ssh's log; -1 on failure. */
static int log_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/dialctl-ssh-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Close an fd if open and mark it closed. */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ssh's log so far, NUL-terminated and malloc'd (at most LOG_MAX from its end). */
static char *read_log(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return NULL;
    off_t from = st.st_size > LOG_MAX ? st.st_size - LOG_MAX : 0;
    size_t n = (size_t)(st.st_size - from);
    char *buf = malloc(n + 1);
    if (buf == NULL)
        return NULL;
    ssize_t r = pread(fd, buf, n, from);
    buf[r > 0 ? r : 0] = '\0';
    return buf;
}

void tunnel_last_words(const char *log, char *out, size_t len)
{
    const char *best = NULL, *best_end = NULL;
    *out = '\0';
    for (const char *l = log; l != NULL && *l; ) {
        const char *e = strchr(l, '\n');
        const char *end = e != NULL ? e : l + strlen(l);
        if (strncmp(l, "debug", 5) != 0 && end > l && strncmp(l, "Transferred:", 12) != 0
            && strncmp(l, "Bytes per second", 16) != 0)
            best = l, best_end = end;
        l = e != NULL ? e + 1 : NULL;
    }
    if (best != NULL) {
        size_t n = (size_t)(best_end - best);
        if (n > 0 && best[n - 1] == '\r')
            n--;
        surel_strlcpy(out, best, n + 1 < len ? n + 1 : len);
    }
}

/* The reason ssh ended (or failed) into t->why; sets t->stale. */
static void explain(struct tunnel *t, const char *what)
{
    char *log = read_log(t->log_fd);
    char words[200];
    tunnel_last_words(log, words, sizeof(words));
    t->stale = log != NULL && strstr(log, STALE_TEXT) != NULL;
    snprintf(t->why, sizeof(t->why), "%s%s%s", what, *words ? ": " : "", words);
    free(log);
}

/* Wait for the ready line; 1 ready, 0 ssh ended or closed stdout, -1 timeout. */
static int wait_ready(struct tunnel *t, long timeout)
{
    char buf[512];
    size_t n = 0;
    long long end = (long long)time(NULL) + timeout;
    for (;;) {
        struct pollfd p = {t->out_fd, POLLIN, 0};
        long long left = end - (long long)time(NULL);
        if (left <= 0 || poll(&p, 1, (int)(left > 1 ? 1000 : left * 1000)) < 0) {
            if (left <= 0 || errno != EINTR)
                return -1;
            continue;
        }
        if (!(p.revents & (POLLIN | POLLHUP)))
            continue;
        ssize_t r = read(t->out_fd, buf + n, sizeof(buf) - 1 - n);
        if (r <= 0)
            return r < 0 && errno == EINTR ? wait_ready(t, (long)(end - time(NULL))) : 0;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, READY_LINE) != NULL && strchr(strstr(buf, READY_LINE), '\n') != NULL)
            return 1;
        if (n == sizeof(buf) - 1)
            n = 0;          /* not the gate talking: keep looking */
    }
}

/* Start ssh with its three descriptors; -1 with t->why on failure. */
static int start(struct tunnel *t, const struct tunnel_conf *c)
{
    char *argv[TUNNEL_ARGV_MAX], buf[4096];
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    if (tunnel_argv(c, "tunnel", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf)) < 0) {
        snprintf(t->why, sizeof(t->why), "ssh arguments too long");
        return -1;
    }
    if ((t->log_fd = log_file()) < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        snprintf(t->why, sizeof(t->why), "cannot make ssh's pipes: %s", strerror(errno));
        close_fd(&in[0]), close_fd(&in[1]), close_fd(&out[0]), close_fd(&out[1]);
        return -1;
    }
    t->pid = spawn_fds(argv, in[0], out[1], t->log_fd);
    int saved = errno;
    close_fd(&in[0]);
    close_fd(&out[1]);
    t->in_fd = in[1], t->out_fd = out[0];
    if (t->pid < 0) {
        t->pid = 0;
        snprintf(t->why, sizeof(t->why), "cannot run %s: %s", c->program, strerror(saved));
        return -1;
    }
    return 0;
}

int tunnel_open(struct tunnel *t, const struct tunnel_conf *c)
{
    memset(t, 0, sizeof(*t));
    t->in_fd = t->out_fd = t->log_fd = -1;
    t->stats = (struct tunnel_stats){-1, -1, -1, -1};
    if (start(t, c) < 0) {
        tunnel_close(t);
        return -1;
    }
    int r = wait_ready(t, c->connect_timeout);
    if (r == 1)
        return 0;
    char why[200];
    tunnel_close(t);        /* reaps ssh, so its log is complete */
    surel_strlcpy(why, t->why, sizeof(why));
    snprintf(t->why, sizeof(t->why), "%s%s%s",
             r < 0 ? "forwards not confirmed in time" : "ssh ended before both forwards were up",
             *why ? " - " : "", why);
    return -1;
}

int tunnel_alive(struct tunnel *t)
{
    int status;
    char st[40], what[80];
    if (t->pid <= 0)
        return 0;
    pid_t r = waitpid(t->pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return 1;
    t->pid = 0;
    snprintf(what, sizeof(what), "ssh ended (%s)",
             r > 0 ? spawn_status_text(status, st, sizeof(st)) : "lost");
    explain(t, what);
    return 0;
}

/* Wait up to ms for ssh to exit; 1 if it did (and was reaped). */
static int wait_exit(struct tunnel *t, int ms, int *status)
{
    for (int i = 0; i <= ms / 50; i++) {
        pid_t r = waitpid(t->pid, status, WNOHANG);
        if (r == t->pid || (r < 0 && errno == ECHILD))
            return 1;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

void tunnel_close(struct tunnel *t)
{
    int status = 0;
    char st[40], what[80];
    close_fd(&t->in_fd);            /* EOF to the gate: a clean end */
    if (t->pid > 0) {
        if (!wait_exit(t, CLOSE_WAIT_MS, &status)) {
            kill(t->pid, SIGTERM);
            if (!wait_exit(t, CLOSE_WAIT_MS, &status)) {
                kill(t->pid, SIGKILL);
                while (waitpid(t->pid, &status, 0) < 0 && errno == EINTR)
                    ;
            }
        }
        t->pid = 0;
        snprintf(what, sizeof(what), "ssh ended (%s)", spawn_status_text(status, st, sizeof(st)));
        explain(t, what);
    }
    if (t->log_fd >= 0) {
        char *log = read_log(t->log_fd);
        tunnel_parse_stats(log, &t->stats);
        free(log);
    }
    close_fd(&t->out_fd);
    close_fd(&t->log_fd);
}

int tunnel_release(const struct tunnel_conf *c, char *why, size_t len)
{
    char *argv[TUNNEL_ARGV_MAX], buf[4096], *out = NULL, st[40];
    int status = 0;
    if (tunnel_argv(c, "release", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf)) < 0) {
        snprintf(why, len, "ssh arguments too long");
        return -1;
    }
    if (spawn_capture(argv, (int)c->connect_timeout + 10, &out, &status) < 0) {
        snprintf(why, len, "ssh release: %s", strerror(errno));
        return -1;
    }
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0
             && strstr(out, "surel-tunnel released") != NULL;
    surel_strlcpy(why, ok ? out : spawn_status_text(status, st, sizeof(st)), len);
    why[strcspn(why, "\n")] = '\0';
    free(out);
    return ok ? 0 : -1;
}

/* Parse one /proc/net/tcp line: 0 if it is an established IPv4 connection. */
static int parse_tcp(const char *line, unsigned *la, unsigned *lp, unsigned *ra, unsigned *rp)
{
    unsigned state;
    if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", la, lp, ra, rp, &state) != 5)
        return -1;
    return state == 0x01 ? 0 : -1;
}

int tunnel_count(const char *text, const struct tunnel_conf *c)
{
    struct in_addr lo, dh;
    int n = 0;
    inet_pton(AF_INET, "127.0.0.1", &lo);
    if (inet_pton(AF_INET, c->deliver_host, &dh) != 1)
        dh.s_addr = lo.s_addr;
    for (const char *line = text; line != NULL && *line; ) {
        unsigned la, lp, ra, rp;
        if (parse_tcp(line, &la, &lp, &ra, &rp) == 0
            && ((la == lo.s_addr && lp == (unsigned)c->local_port)
                || (ra == dh.s_addr && rp == (unsigned)c->deliver_port)))
            n++;
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return n;
}

int tunnel_busy(const struct tunnel_conf *c)
{
    FILE *f = fopen("/proc/net/tcp", "re");
    char *text = NULL;
    size_t cap = 0;
    ssize_t r;
    if (f == NULL)
        return -1;
    r = getdelim(&text, &cap, '\0', f);
    fclose(f);
    int n = r > 0 ? tunnel_count(text, c) : 0;
    free(text);
    return n;
}

/* One "compress DIR: raw data R, compressed C" figure from ssh's log. */
static void stat_pair(const char *log, const char *dir, long long *raw, long long *comp)
{
    char key[40];
    const char *p = NULL, *q;
    snprintf(key, sizeof(key), "compress %s: raw data ", dir);
    for (q = log; q != NULL && (q = strstr(q, key)) != NULL; q += strlen(key))
        p = q;      /* the last one: the connection's total */
    if (p == NULL || sscanf(p + strlen(key), "%lld, compressed %lld", raw, comp) != 2)
        *raw = *comp = -1;
}

void tunnel_parse_stats(const char *log, struct tunnel_stats *s)
{
    stat_pair(log, "outgoing", &s->raw_out, &s->comp_out);
    stat_pair(log, "incoming", &s->raw_in, &s->comp_in);
}
