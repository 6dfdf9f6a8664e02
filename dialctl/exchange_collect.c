/*
 * NAME
 *	exchange_collect 3
 * SUMMARY
 *	the "collect" mode: the hosting's SMTP out, its mailboxes in
 * SYNOPSIS
 *	See exchange.h.
 * DESCRIPTION
 *	For a school whose only Internet mail is a hosting mailbox.  The
 *	school's Postfix relays outbound mail through the hosting's SMTP
 *	with login, as in etrn mode; there is no ETRN.
 *
 *	start	runs postqueue -f (the outbound mail leaves first), then
 *		starts surel-collect ([collect] program) as a child; the
 *		daemon's loop never waits for it.
 *	check	reaps the child: its figures line goes to the log and the
 *		ledger.  A collection that ended early (exit 75: the link,
 *		the hosting, a temporary refusal) is started again after
 *		15 s, doubled each time, at most [collect] attempts per link
 *		connection; what was handed over is not handed over again.
 *	busy	1 while the child runs or a retry is pending: the drain
 *		rule does not hang up while mail is being collected.
 *	finished  1 once a collection completed: with the outbound queue
 *		empty and no SMTP session on the link, the session hangs up
 *		without a quiet grace.
 *	messages  in: what surel-collect handed to Postfix; out: -1, for
 *		the session to count from the queue as in etrn mode.
 *	stop	ends a running child (SIGTERM).
 * DIAGNOSTICS
 *	surel-collect's own log lines are on dialctl's standard error; a
 *	failed collection is also kept in the result's errors for the ledger.
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
#include "exchange_collect.h"
#include "log.h"
#include "queue.h"
#include "run.h"
#include "util.h"

#define FIRST_PAUSE 15

static struct {
    int tries, finished, figures_fd, have;
    pid_t pid;
    long long next_try;
    long long delivered, refused, bytes;
} st = {.figures_fd = -1};

/* The number after "name=" in a figures line; 0 if absent. */
static long long figure(const char *line, const char *name)
{
    char key[32];
    snprintf(key, sizeof(key), "%s=", name);
    for (const char *p = strstr(line, key); p != NULL; p = strstr(p + 1, key))
        if (p == line || p[-1] == ' ')
            return atoll(p + strlen(key));
    return 0;
}

/* The child's one line of figures, added to the session's. */
static void read_figures(char *buf, size_t len)
{
    size_t got = 0;
    ssize_t r;
    while (st.figures_fd >= 0 && got + 1 < len
           && (r = read(st.figures_fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (st.figures_fd >= 0)
        close(st.figures_fd);
    st.figures_fd = -1;
    if (*buf == '\0')
        return;
    st.delivered += figure(buf, "delivered") + figure(buf, "postmaster");
    st.refused += figure(buf, "refused");
    st.bytes += figure(buf, "bytes");
    st.have = 1;
}

/* Start surel-collect; 0, or -1 (in r). */
static int spawn_collect(const struct conf *c, struct exchange_result *r)
{
    char *argv[8];
    int fds[2], n = 0;
    argv[n++] = (char *)surel_config_str(c->cfg, "collect", "program");
    argv[n++] = (char *)"--config";
    argv[n++] = (char *)c->path;
    if (c->postfix_config != NULL) {        /* where its notices go in */
        argv[n++] = (char *)"--postfix-config";
        argv[n++] = (char *)c->postfix_config;
    }
    argv[n] = NULL;
    st.tries++;
    if (pipe2(fds, O_CLOEXEC) < 0 || (st.pid = spawn_fds(argv, -1, fds[1], 2)) < 0) {
        char e[300];
        snprintf(e, sizeof(e), "cannot start %s: %s", argv[0], strerror(errno));
        surel_error("%s", e);
        exchange_note(r->errors, sizeof(r->errors), e);
        st.pid = 0;
        return -1;
    }
    close(fds[1]);
    st.figures_fd = fds[0];
    surel_info("collecting from the hosting (attempt %d of %lld, pid %d)", st.tries,
               surel_config_int(c->cfg, "collect", "attempts"), (int)st.pid);
    return 0;
}

static void collect_stop(const struct conf *c);

/* start: a new link connection: the outbound flush, then a collection. */
static int collect_start(const struct conf *c, struct exchange_result *r)
{
    char err[300];
    struct queue_cmd qc = {c->postqueue, c->postfix_config, 60};
    collect_stop(c);
    st.tries = st.finished = 0;
    st.next_try = 0;
    if (queue_flush(&qc, err, sizeof(err)) < 0) {
        surel_error("flush: %s", err);
        exchange_note(r->errors, sizeof(r->errors), err);
    }
    snprintf(r->reply, sizeof(r->reply), "collect started");
    return spawn_collect(c, r);
}

/* repeat: nothing to ask again; a collection takes what is there. */
static int collect_repeat(const struct conf *c, struct exchange_result *r)
{
    (void)c, (void)r;
    return 0;
}

/* The child ended: its figures, and whether to try again. */
static int reaped(const struct conf *c, long long now, int status, struct exchange_result *r)
{
    char line[1024], how[40], note[200];
    read_figures(line, sizeof(line));
    st.pid = 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        st.finished = 1;
        surel_info("collect complete: %s", line);
        snprintf(r->reply, sizeof(r->reply), "collect: %.240s", line);
        if (figure(line, "refused") > 0) {
            snprintf(note, sizeof(note), "%lld collected messages refused by Postfix wait at"
                     " the hosting", figure(line, "refused"));
            exchange_note(r->errors, sizeof(r->errors), note);
        }
        return 0;
    }
    snprintf(note, sizeof(note), "collection ended early (%s)",
             spawn_status_text(status, how, sizeof(how)));
    surel_warn("%s: %s", note, *line ? line : "no figures");
    exchange_note(r->errors, sizeof(r->errors), note);
    if (st.tries < surel_config_int(c->cfg, "collect", "attempts")) {
        long long pause = FIRST_PAUSE;
        for (int i = 1; i < st.tries; i++)
            pause *= 2;
        st.next_try = now + pause;
        surel_info("collect: next attempt in %lld s", pause);
    } else {
        surel_error("collect: no attempts left (%d); the mail waits at the hosting for the"
                    " next session", st.tries);
    }
    return -1;
}

static int collect_check(const struct conf *c, long long now, struct exchange_result *r)
{
    int status;
    if (st.pid > 0) {
        pid_t w = waitpid(st.pid, &status, WNOHANG);
        return w == st.pid ? reaped(c, now, status, r) : 0;
    }
    if (st.next_try == 0 || now < st.next_try)
        return 0;
    st.next_try = 0;
    return spawn_collect(c, r) < 0 ? -1 : 1;
}

static int collect_busy(const struct conf *c)
{
    (void)c;
    return st.pid > 0 || st.next_try != 0;
}

static int collect_finished(const struct conf *c)
{
    (void)c;
    return st.finished;
}

/* stop: end a running collection (what it handed over is remembered). */
static void collect_stop(const struct conf *c)
{
    char line[1024];
    int status = 0;
    (void)c;
    st.next_try = 0;
    if (st.pid <= 0)
        return;
    surel_info("ending the collection (pid %d)", (int)st.pid);
    kill(st.pid, SIGTERM);
    for (int i = 0; i < 30 && waitpid(st.pid, &status, WNOHANG) == 0; i++)
        usleep(100000);
    if (kill(st.pid, 0) == 0) {
        kill(st.pid, SIGKILL);
        waitpid(st.pid, &status, 0);
    }
    read_figures(line, sizeof(line));
    st.pid = 0;
}

/* In: what the collections handed over; out: counted by the session (-1). */
static int collect_messages(long long *out, long long *in)
{
    *out = -1;
    *in = st.delivered;
    int had = st.have;
    st.delivered = st.refused = st.bytes = 0;
    st.have = 0;
    return had ? 0 : -1;
}

static void collect_status(const struct conf *c, char *out, size_t len)
{
    const char *names[17];
    char list[300] = "";
    int n = surel_config_sections(c->cfg, "collect.*", names, 17);
    for (int i = 0; i < n && i < 16; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                 names[i] + strlen("collect."));
    snprintf(out, len, "mode: collect (%d mailbox%s at the hosting: %s)\n", n, n == 1 ? "" : "es",
             *list ? list : "none");
}

int exchange_collect_check(const struct surel_config *cfg, char *err, size_t len)
{
    const char *names[17];
    const char *pm = surel_config_str(cfg, "collect", "postmaster");
    int n = surel_config_sections(cfg, "collect.*", names, 17);
    if (pm == NULL || *pm == '\0') {
        snprintf(err, len, "%s: [collect] postmaster is missing: who gets mail whose recipient"
                 " cannot be told", surel_config_path(cfg));
        return -1;
    }
    if (n == 0) {
        snprintf(err, len, "%s: mode collect needs a [collect.NAME] mailbox (url, user,"
                 " password_file)", surel_config_path(cfg));
        return -1;
    }
    for (int i = 0; i < n && i < 17; i++)
        if (surel_config_str(cfg, names[i], "url") == NULL
            || surel_config_str(cfg, names[i], "user") == NULL
            || surel_config_str(cfg, names[i], "password_file") == NULL) {
            snprintf(err, len, "%s: [%s] needs url, user and password_file",
                     surel_config_path(cfg), names[i]);
            return -1;
        }
    return 0;
}

const struct exchange_ops exchange_collect_ops = {
    .name = "collect", .start = collect_start, .repeat = collect_repeat,
    .check = collect_check, .busy = collect_busy, .stop = collect_stop,
    .finished = collect_finished, .messages = collect_messages, .status = collect_status};
