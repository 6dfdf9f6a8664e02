/*
 * NAME
 *	control 3h
 * SUMMARY
 *	the control socket: one request line, a reply, close
 * SYNOPSIS
 *	#include "control.h"
 *
 *	int	control_listen(const char *path, const char *group,
 *				char *err, size_t len);
 *	int	control_write(int client_fd, const char *text);
 *	int	control_request(const char *path, const char *line,
 *				char **reply, char *err, size_t len);
 * DESCRIPTION
 *	A unix stream socket, mode 0660 and owned by group (or 0600 when
 *	group is empty).  A client sends one line; the daemon answers with
 *	"ok" or "error: WHY" on the first line, then any text, and closes.
 *	Requests: "status", "dial", "dial force", "hangup", and from
 *	dialctl-hook (root or dialctl's own user only) "hook up IF TTY
 *	SPEED LOCAL REMOTE" and "hook down CONNECT_TIME BYTES_SENT
 *	BYTES_RCVD".
 *
 *	control_listen() returns a non-blocking listening socket; the
 *	daemon serves its clients without waiting on any (clients.h): a
 *	client has 5 s to send its line and 5 s to read the answer, at most
 *	32 are connected at once (the oldest is dropped for a new one).
 *	Who may ask what is decided by the client's SO_PEERCRED: "dial
 *	force" (it passes the budget) from root only; anyone who may
 *	connect (root, [dial] socket_group) may ask the rest.
 *	control_write() writes all of text to a blocking socket.
 * DIAGNOSTICS
 *	-1 with err filled in (control_listen, control_request) or errno.
 */
#ifndef DIALCTL_CONTROL_H
#define DIALCTL_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

int control_listen(const char *path, const char *group, char *err, size_t len);
int control_write(int client_fd, const char *text);
int control_request(const char *path, const char *line, char **reply, char *err, size_t len);

#endif
