/*
 * NAME
 *	flush 3
 * SUMMARY
 *	surel-mxd: the second "postqueue -s DOMAIN" after an accepted ETRN
 * DESCRIPTION
 *	See flush.h.  An unsorted array: it holds the schools that said
 *	ETRN in the last flush_again seconds, a handful even at a large ISP.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flush.h"
#include "log.h"
#include "util.h"

int mxd_flushq_schedule(struct mxd_flushq *q, const char *domain, long long due)
{
    for (int i = 0; i < q->n; i++) {
        if (strcmp(q->v[i].domain, domain) == 0) {
            if (due > q->v[i].due)
                q->v[i].due = due;
            return 0;
        }
    }
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 16;
        struct mxd_flush *v = realloc(q->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return -1;
        q->v = v;
        q->cap = cap;
    }
    surel_strlcpy(q->v[q->n].domain, domain, sizeof(q->v[q->n].domain));
    q->v[q->n].due = due;
    q->n++;
    return 0;
}

long long mxd_flushq_next(const struct mxd_flushq *q)
{
    long long next = -1;
    for (int i = 0; i < q->n; i++)
        if (next < 0 || q->v[i].due < next)
            next = q->v[i].due;
    return next;
}

int mxd_flushq_pop(struct mxd_flushq *q, long long now, char *domain, size_t len)
{
    for (int i = 0; i < q->n; i++) {
        if (q->v[i].due <= now) {
            surel_strlcpy(domain, q->v[i].domain, len);
            q->v[i] = q->v[--q->n];
            return 1;
        }
    }
    return 0;
}

void mxd_flushq_free(struct mxd_flushq *q)
{
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

pid_t mxd_postqueue_spawn(const char *postqueue, const char *config_dir, const char *domain)
{
    char *argv[6], *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int i = 0, rc;
    pid_t pid;
    argv[i++] = (char *)"postqueue";
    if (config_dir != NULL && *config_dir != '\0') {
        argv[i++] = (char *)"-c";
        argv[i++] = (char *)config_dir;
    }
    argv[i++] = (char *)"-s";
    argv[i++] = (char *)domain;
    argv[i] = NULL;
    rc = posix_spawn(&pid, postqueue, NULL, NULL, argv, envp);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

/* Run postqueue -s for one domain and log how it ended. */
static void helper_flush(const char *postqueue, const char *config_dir, const char *domain)
{
    int status;
    pid_t pid = mxd_postqueue_spawn(postqueue, config_dir, domain);
    if (pid < 0) {
        surel_error("second flush of %s: %s: %s", domain, postqueue, strerror(errno));
        return;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        surel_info("second flush of %s: postqueue -s done", domain);
    else
        surel_warn("second flush of %s: postqueue -s failed with status %d", domain,
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The helper's life: read domains from fd until EOF, flush each. */
static _Noreturn void helper_main(int fd, const char *postqueue, const char *config_dir)
{
    char line[300];
    FILE *in = fdopen(fd, "r");
    if (in == NULL)
        _exit(1);
    while (fgets(line, sizeof(line), in) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (surel_domain_valid(line))
            helper_flush(postqueue, config_dir, line);
        else
            surel_warn("flush helper: ignoring '%s', not a domain name", line);
    }
    fclose(in);
    _exit(0);
}

int mxd_flush_helper_start(uid_t uid, gid_t gid, const char *postqueue, const char *config_dir,
                           int close_fd, pid_t *pid)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    *pid = fork();
    if (*pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (*pid == 0) {
        close(p[1]);
        if (close_fd >= 0)
            close(close_fd);
        signal(SIGTERM, SIG_DFL);
        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)) {
            surel_error("flush helper: cannot become uid %d: %s", (int)uid, strerror(errno));
            _exit(1);
        }
        helper_main(p[0], postqueue, config_dir);
    }
    close(p[0]);
    return p[1];
}

int mxd_flush_helper_request(int fd, const char *domain)
{
    char line[300];
    int n = snprintf(line, sizeof(line), "%s\n", domain);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    return write(fd, line, (size_t)n) == n ? 0 : -1;
}
