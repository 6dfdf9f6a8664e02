/*
 * NAME
 *	run 3h
 * SUMMARY
 *	run a program with an argument vector (posix_spawn), never a shell
 * SYNOPSIS
 *	#include "run.h"
 *
 *	pid_t	spawn_program(char *const argv[], int out_fd);
 *	pid_t	spawn_fds(char *const argv[], int in_fd, int out_fd, int err_fd);
 *	int	spawn_capture(char *const argv[], int timeout, char **out,
 *				int *status);
 * DESCRIPTION
 *	spawn_program() starts argv[0] (an absolute path) with standard
 *	input from /dev/null and standard output and error on out_fd (or
 *	/dev/null when out_fd is -1), and returns its pid.  The caller
 *	reaps it.  spawn_fds() is the same with each of the three standard
 *	descriptors given (-1: /dev/null).  Both give the child an empty
 *	signal mask and SIGPIPE's default action (the daemon blocks and
 *	ignores them).
 *
 *	spawn_capture() runs argv[0], collects its standard output (at
 *	most 64 MB) into a NUL-terminated malloc'd *out, waits at most
 *	timeout seconds, then kills it, and stores the wait status.
 * DIAGNOSTICS
 *	-1 with errno set; spawn_capture() also returns -1 on a timeout
 *	(errno ETIMEDOUT), with *out freed and set to NULL.
 */
#ifndef DIALCTL_RUN_H
#define DIALCTL_RUN_H

#include <sys/types.h>

pid_t spawn_program(char *const argv[], int out_fd);
pid_t spawn_fds(char *const argv[], int in_fd, int out_fd, int err_fd);
int spawn_capture(char *const argv[], int timeout, char **out, int *status);
/* A wait status as words for the log: "exit 3", "signal 15". */
const char *spawn_status_text(int status, char *buf, unsigned len);

#endif
