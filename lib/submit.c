/*
 * NAME
 *	submit 3
 * SUMMARY
 *	hand a delivery report to this side's Postfix through sendmail(1)
 * SYNOPSIS
 *	See submit.h.
 * DESCRIPTION
 *	posix_spawn with an argument vector; the message is written to a
 *	pipe, then the child is waited for.  SIGPIPE is ignored by the
 *	caller, so a sendmail that dies early is an EPIPE here.
 * DIAGNOSTICS
 *	See submit.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "submit.h"
#include "util.h"

extern char **environ;

int submit_report(const char *sendmail, const char *config, const char *rcpt, const char *msg,
                  size_t len, char *why, size_t wlen)
{
    char *argv[10];
    int n = 0, fds[2], status = 0;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    argv[n++] = (char *)sendmail;
    if (config != NULL) {
        argv[n++] = (char *)"-C";
        argv[n++] = (char *)config;
    }
    argv[n++] = (char *)"-i";
    argv[n++] = (char *)"-f";
    argv[n++] = (char *)"<>";
    argv[n++] = (char *)"--";
    argv[n++] = (char *)rcpt;
    argv[n] = NULL;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(why, wlen, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    int rc = posix_spawn(&pid, sendmail, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        snprintf(why, wlen, "%s: %s", sendmail, strerror(rc));
        return -1;
    }
    int wrote = surel_write_all(fds[1], msg, len);
    close(fds[1]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (wrote < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, wlen, "%s refused the report (status %d)", sendmail, status);
        return -1;
    }
    return 0;
}
