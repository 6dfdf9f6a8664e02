/*
 * NAME
 *	run 3
 * SUMMARY
 *	run a program with an argument vector
 * SYNOPSIS
 *	See spawn.h.
 * DESCRIPTION
 *	posix_spawn() with file actions for the standard descriptors.
 *	The child inherits the environment.  spawn_capture() reads the
 *	pipe with poll() so that a program that hangs is killed.
 * DIAGNOSTICS
 *	See spawn.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

#define CAPTURE_MAX (64u << 20)

/* Start argv[0] with stdin, stdout and stderr on fds (-1: /dev/null). */
pid_t spawn_fds(char *const argv[], int in_fd, int out_fd, int err_fd)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, deflt;
    pid_t pid;
    int rc;
    /* The daemon blocks signals for its signalfd and ignores SIGPIPE: not the child. */
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &deflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}

pid_t spawn_program(char *const argv[], int out_fd)
{
    return spawn_fds(argv, -1, out_fd, out_fd);
}

/* Append what is readable on fd to *buf; 0 at EOF, 1 if more, -1 on error. */
static int read_some(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*cap - *len < 4097) {
        size_t ncap = *cap ? *cap * 2 : 8192;
        char *n = ncap <= CAPTURE_MAX ? realloc(*buf, ncap) : NULL;
        if (n == NULL)
            return -1;
        *buf = n, *cap = ncap;
    }
    ssize_t r = read(fd, *buf + *len, *cap - *len - 1);
    if (r < 0)
        return errno == EINTR ? 1 : -1;
    *len += (size_t)r;
    (*buf)[*len] = '\0';
    return r > 0;
}

int spawn_capture(char *const argv[], int timeout, char **out, int *status)
{
    int p[2], rc = 0;
    size_t len = 0, cap = 0;
    *out = NULL;
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = spawn_fds(argv, -1, p[1], -1);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    time_t end = time(NULL) + timeout;
    for (;;) {
        struct pollfd pfd = {p[0], POLLIN, 0};
        int left = (int)(end - time(NULL));
        if (left <= 0 || (poll(&pfd, 1, left * 1000) == 0)) {
            kill(pid, SIGKILL);
            rc = -1, errno = ETIMEDOUT;
            break;
        }
        int r = read_some(p[0], out, &len, &cap);
        if (r <= 0) {
            if (r < 0)
                kill(pid, SIGKILL), rc = -1;
            break;
        }
    }
    int saved = errno;
    close(p[0]);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    if (rc == 0 && *out == NULL)
        *out = strdup("");
    if (rc < 0 || *out == NULL) {
        free(*out);
        *out = NULL;
        errno = rc < 0 ? saved : ENOMEM;
        return -1;
    }
    return 0;
}

const char *spawn_status_text(int status, char *buf, unsigned len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "status %d", status);
    return buf;
}
