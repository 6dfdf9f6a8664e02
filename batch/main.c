/*
 * NAME
 *	surel-batch 8
 * SUMMARY
 *	dialctl's "batch" mode: a spool, and one compressed exchange each way
 * SYNOPSIS
 *	surel-batch spool (--spool DIR | --spool-root DIR --school LOGIN)
 *		[-f SENDER | --sender=SENDER] -- RECIPIENT...
 *	surel-batch exchange --spool DIR --deliver-to HOST:PORT [OPTIONS]
 *		-- PROGRAM ARG...
 *	surel-batch serve --spool-root DIR --deliver-to HOST:PORT [OPTIONS]
 *		LOGIN
 * DESCRIPTION
 *	spool	Postfix's pipe(8) transport: stores the message on standard
 *		input once per recipient (spool.h), durably, then exits 0;
 *		Postfix forgets it only then.  Exit 75 (Postfix defers and
 *		retries) when it cannot be stored, a full disk included.
 *	exchange  the school's side of a session: starts PROGRAM (dialctl
 *		gives ssh to the ISP with the request "batch") and runs the
 *		exchange (peer.h) over its standard input and output.  Prints
 *		one line of figures on standard output for dialctl.
 *	serve	the ISP's side: the forced command of a school's key; runs
 *		the exchange over its own standard input and output with the
 *		spool DIR/LOGIN.  LOGIN comes from authorized_keys; the
 *		school's request (SSH_ORIGINAL_COMMAND) may only be "batch".
 *
 *	Options: --host NAME (EHLO and reports; default the host name),
 *	--level N (zstd 1-19, default 19), --idle S (default 120),
 *	--max-message BYTES (default 52428800).
 * DIAGNOSTICS
 *	sysexits: 0; 64 usage; 65 a malformed address (spool: Postfix
 *	bounces it); 75 a temporary failure (spool not writable, the link
 *	cut, the other side broke off); 78 a bad spool directory.
 *	exchange and spool log to standard error, serve to syslog (mail).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "peer.h"
#include "spool.h"
#include "util.h"

extern char **environ;

static volatile int stopping;    /* SIGTERM, SIGINT, SIGHUP: end the exchange now */

/* The signal handler: the exchange's loop sees the flag (poll returns EINTR). */
static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Stop cleanly on the usual signals; ignore SIGPIPE (a write error says it). */
static void handle_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

struct opts {
    const char *spool, *root, *school, *sender, *deliver_to;
    char host[256];
    int level;
    long idle;
    long long max_message;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: surel-batch spool (--spool DIR | --spool-root DIR --school LOGIN)"
            " [-f SENDER] -- RECIPIENT...\n"
            "       surel-batch exchange --spool DIR --deliver-to HOST:PORT [OPTIONS]"
            " -- PROGRAM ARG...\n"
            "       surel-batch serve --spool-root DIR --deliver-to HOST:PORT [OPTIONS] LOGIN\n"
            "options: --host NAME  --level 1-19  --idle SECONDS  --max-message BYTES\n"
            "See surel-batch(8).\n");
}

/* Refuse a school's request: on standard error (its ssh shows it) and in the log. */
__attribute__((format(printf, 2, 3))) static _Noreturn void refuse(int code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "surel-batch: %s\n", msg);
    surel_fatal(code, "%s", msg);
}

/* A school's login, as surel-setup-isp gives them. */
static int login_valid(const char *s)
{
    regex_t re;
    if (regcomp(&re, "^[a-z0-9][a-z0-9._-]{0,62}$", REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    int ok = regexec(&re, s, 0, NULL, 0) == 0 && strstr(s, "..") == NULL;
    regfree(&re);
    return ok;
}

/* A number option within [lo, hi], or exit 64. */
static long long number(const char *name, const char *v, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || n < lo || n > hi)
        surel_fatal(EX_USAGE, "--%s: '%s' is not a number from %lld to %lld", name, v, lo, hi);
    return n;
}

/* Parse the options shared by the three commands; returns optind. */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"spool", 1, 0, 's'}, {"spool-root", 1, 0, 'r'}, {"school", 1, 0, 'S'},
        {"deliver-to", 1, 0, 'd'}, {"sender", 1, 0, 'f'}, {"host", 1, 0, 'H'}, {"level", 1, 0, 'l'},
        {"idle", 1, 0, 'i'}, {"max-message", 1, 0, 'm'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    o->level = 19, o->idle = 120, o->max_message = 52428800;
    if (gethostname(o->host, sizeof(o->host) - 1) < 0)
        surel_strlcpy(o->host, "localhost", sizeof(o->host));
    while ((c = getopt_long(argc, argv, "+f:h", longs, NULL)) != -1) {
        switch (c) {
        case 's': o->spool = optarg; break;
        case 'r': o->root = optarg; break;
        case 'S': o->school = optarg; break;
        case 'd': o->deliver_to = optarg; break;
        case 'f': o->sender = optarg; break;
        case 'H': surel_strlcpy(o->host, optarg, sizeof(o->host)); break;
        case 'l': o->level = (int)number("level", optarg, 1, 19); break;
        case 'i': o->idle = (long)number("idle", optarg, 1, 86400); break;
        case 'm': o->max_message = number("max-message", optarg, 1024, 1LL << 40); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(EX_USAGE);
        }
    }
    return optind;
}

/* The spool of the options: --spool, or --spool-root and a school's login. */
static void open_spool(const struct opts *o, const char *school, struct spool *s)
{
    char dir[PATH_MAX], err[PATH_MAX + 100];
    if (o->spool != NULL)
        surel_strlcpy(dir, o->spool, sizeof(dir));
    else if (o->root != NULL && school != NULL && login_valid(school))
        snprintf(dir, sizeof(dir), "%s/%s", o->root, school);
    else if (school != NULL && !login_valid(school))
        surel_fatal(EX_USAGE, "'%s' is not a school login", school);
    else
        surel_fatal(EX_USAGE, "which spool? give --spool DIR, or --spool-root DIR and a login");
    if (spool_open(s, dir, 1, err, sizeof(err)) < 0)
        surel_fatal(errno == ENOENT || errno == ENOTDIR ? EX_CONFIG : EX_TEMPFAIL, "%s", err);
}

/* The message as a file we can read once per recipient: stdin if it seeks, else a copy. */
static int seekable_input(const struct spool *s)
{
    char buf[65536];
    if (lseek(0, 0, SEEK_CUR) >= 0)
        return 0;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s/tmp", s->dir);
    int fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    for (ssize_t r; (r = read(0, buf, sizeof(buf))) != 0;) {
        if ((r < 0 && errno != EINTR) || (r > 0 && write(fd, buf, (size_t)r) != r)) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

/* spool: one stored copy per recipient; all or none. */
static int cmd_spool(const struct opts *o, int n, char **rcpt)
{
    struct spool s;
    char ids[64][SPOOL_ID_LEN + 1], err[PATH_MAX + 200];
    const char *sender = o->sender != NULL ? o->sender : "";
    if (n < 1 || n > 64)
        surel_fatal(EX_USAGE, "give 1 to 64 recipients (set the transport's recipient limit)");
    for (int i = -1; i < n; i++)
        if (!spool_addr_valid(i < 0 ? sender : rcpt[i]) || (i >= 0 && *rcpt[i] == '\0'))
            surel_fatal(EX_DATAERR, "'%.80s': not an envelope address", i < 0 ? sender : rcpt[i]);
    open_spool(o, o->school, &s);
    int in = n > 1 ? seekable_input(&s) : 0;
    if (in < 0)
        surel_fatal(EX_TEMPFAIL, "cannot keep the message for %d recipients: %s", n,
                    strerror(errno));
    for (int i = 0; i < n; i++) {
        if ((n > 1 && lseek(in, 0, SEEK_SET) < 0)
            || spool_store(&s, in, sender, rcpt[i], ids[i], err, sizeof(err)) < 0) {
            for (int k = 0; k < i; k++)
                spool_remove(&s, ids[k]);
            surel_fatal(EX_TEMPFAIL, "cannot store the message for <%s>: %s", rcpt[i], err);
        }
        surel_info("%s: from=<%s> to=<%s>: stored", ids[i], sender, rcpt[i]);
    }
    if (in > 0)
        close(in);
    return 0;
}

/* The figures of an exchange, one line, for dialctl and the log. */
static void print_stats(FILE *f, const struct peer_stats *s)
{
    fprintf(f,
            "sent=%lld delivered=%lld refused=%lld later=%lld received=%lld queued=%lld "
            "duplicates=%lld rejected=%lld deferred=%lld bounces=%lld payload_out=%lld "
            "wire_out=%lld payload_in=%lld wire_in=%lld\n",
            s->sent, s->delivered, s->refused, s->later, s->received, s->queued, s->duplicates,
            s->rejected, s->deferred, s->bounces, s->payload_out, s->wire_out, s->payload_in,
            s->wire_in);
}

/* Run the exchange over in/out; log and print the figures. */
static int run_peer(const struct opts *o, const struct spool *s, int in, int out, FILE *figures)
{
    struct peer_opts po = {in,       out,         s,      o->deliver_to, o->host,
                           o->level, o->max_message, o->idle, &stopping};
    struct peer_stats st;
    char err[400];
    if (o->deliver_to == NULL)
        surel_fatal(EX_USAGE, "--deliver-to HOST:PORT is needed");
    int rc = peer_run(&po, &st, err, sizeof(err));
    if (rc < 0)
        surel_error("exchange broken off: %s", err);
    surel_info("exchange %s: %lld sent (%lld delivered, %lld refused, %lld later), %lld "
               "received (%lld queued, %lld duplicates, %lld refused, %lld deferred)",
               rc == 0 ? "complete" : "incomplete", st.sent, st.delivered, st.refused, st.later,
               st.received, st.queued, st.duplicates, st.rejected, st.deferred);
    if (figures != NULL)
        print_stats(figures, &st);
    return rc == 0 ? 0 : EX_TEMPFAIL;
}

/* Start argv with its standard input and output on pipes of ours. */
static pid_t start_program(char **argv, int *to, int *from)
{
    int a[2], b[2];
    pid_t pid;
    posix_spawn_file_actions_t fa;
    if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
        surel_fatal(EX_OSERR, "pipe: %s", strerror(errno));
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, a[0], 0);
    posix_spawn_file_actions_adddup2(&fa, b[1], 1);
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(a[0]), close(b[1]);
    if (rc != 0)
        surel_fatal(EX_UNAVAILABLE, "%s: %s", argv[0], strerror(rc));
    *to = a[1], *from = b[0];
    return pid;
}

/* Wait up to 10 s for the program, then end it. */
static void reap(pid_t pid)
{
    int status;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
}

static int cmd_exchange(const struct opts *o, char **argv)
{
    struct spool s;
    int to, from;
    if (argv[0] == NULL || argv[0][0] != '/')
        surel_fatal(EX_USAGE, "exchange: give the program to run (an absolute path) after --");
    open_spool(o, NULL, &s);
    pid_t pid = start_program(argv, &to, &from);
    int rc = run_peer(o, &s, from, to, stdout);
    close(to), close(from);
    if (stopping)
        kill(pid, SIGTERM);
    reap(pid);
    return rc;
}

static int cmd_serve(const struct opts *o, int n, char **argv)
{
    struct spool s;
    const char *req = getenv("SSH_ORIGINAL_COMMAND");
    if (n != 1)
        refuse(EX_USAGE, "serve: give the school's LOGIN (from authorized_keys)");
    if (req != NULL && *req != '\0' && strcmp(req, "batch") != 0)
        refuse(EX_USAGE, "only 'batch' is allowed here, not '%.60s'", req);
    if (o->spool != NULL)
        refuse(EX_USAGE, "serve takes --spool-root DIR and the login, not --spool");
    if (!login_valid(argv[0]))
        refuse(EX_USAGE, "'%.60s' is not a school login", argv[0]);
    open_spool(o, argv[0], &s);
    surel_info("%s: exchange starts", argv[0]);
    return run_peer(o, &s, 0, 1, NULL);
}

int main(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof(o));
    handle_signals();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EX_USAGE : 0;
    }
    const char *cmd = argv[1];
    int serve = strcmp(cmd, "serve") == 0;
    surel_log_open("surel-batch", serve ? SUREL_LOG_SYSLOG : SUREL_LOG_STDERR, NULL);
    int i = parse(argc - 1, argv + 1, &o) + 1;
    if (strcmp(cmd, "spool") == 0)
        return cmd_spool(&o, argc - i, argv + i);
    if (strcmp(cmd, "exchange") == 0)
        return cmd_exchange(&o, argv + i);
    if (serve)
        return cmd_serve(&o, argc - i, argv + i);
    usage(stderr);
    return EX_USAGE;
}
