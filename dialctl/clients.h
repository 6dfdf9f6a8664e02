/*
 * NAME
 *	clients 3h
 * SUMMARY
 *	the control socket's clients, served without ever waiting on one
 * SYNOPSIS
 *	#include "clients.h"
 *
 *	void	clients_init(struct clients *t, int max, long long deadline_ms);
 *	struct client *clients_add(struct clients *t, int fd,
 *				const struct client_peer *who, long long now_ms,
 *				struct client *evicted);
 *	int	client_take(struct client *c, const char *data, size_t n);
 *	int	client_set_reply(struct client *c, const char *text,
 *				long long now_ms, long long deadline_ms);
 *	int	client_wrote(struct client *c, size_t n);
 *	void	client_release(struct client *c);
 *	int	clients_timeout(const struct clients *t, long long now_ms,
 *				int most_ms);
 *	struct client *clients_expired(struct clients *t, long long now_ms);
 *	int	clients_count(const struct clients *t);
 *
 *	void	clients_accept(struct clients *t, int listen_fd, long long now_ms);
 *	int	clients_poll_set(const struct clients *t, struct pollfd *p,
 *				int *slot);
 *	struct client *clients_io(struct clients *t, int slot, short revents,
 *				long long now_ms);
 *	void	clients_answer(struct clients *t, struct client *c,
 *				const char *text, long long now_ms);
 *	void	clients_expire(struct clients *t, long long now_ms);
 *	void	clients_close_all(struct clients *t);
 * DESCRIPTION
 *	A table of at most max (<= CLIENTS_MAX) connected clients, each with
 *	its own request buffer, reply buffer and deadline: the daemon puts
 *	every client's socket in its poll set and only ever reads or writes
 *	what is ready, so a slow, silent or hostile client delays nothing.
 *	A client has deadline_ms from its connection to send its request
 *	line, and deadline_ms again to read the reply; then it is dropped.
 *	When the table is full, a new client takes the place of the oldest
 *	one, which is dropped (a flood of silent clients cannot lock out
 *	"dialctl status").
 *
 *	The first group is pure bookkeeping, without I/O (unit-tested):
 *	clients_add() takes a free slot, or the oldest client's, copying
 *	the evicted one into *evicted (fd >= 0 then: the caller closes it
 *	and frees it with client_release()).  client_take() appends bytes
 *	to the request: 1 when a whole line is there (in c->line, without
 *	its newline), 0 for more, -1 for a line longer than CLIENT_LINE - 1
 *	bytes or one holding a NUL.  client_set_reply() turns the client to
 *	writing text; client_wrote() counts written bytes, 1 when all went.
 *	clients_timeout() is the poll timeout up to the next deadline (at
 *	most most_ms); clients_expired() is a client past its deadline.
 *
 *	The second group does the non-blocking I/O on the sockets and logs
 *	every client it drops (who, and why; drops at the cap one line a
 *	second at most, with a count of the others).  clients_accept()
 *	takes the waiting connections (CLIENTS_ACCEPT_BATCH at most, the
 *	rest wait in the listen queue) with their peer credentials
 *	(SO_PEERCRED);
 *	clients_poll_set() fills p[] with one entry per client (slot[i]
 *	names its table slot) and returns how many; clients_io() reads or
 *	writes what poll() said is ready and returns the client when its
 *	request is complete; the caller then answers with clients_answer(),
 *	which writes what it can at once and keeps the rest for later.
 *	clients_expire() drops the clients past their deadline.
 * DIAGNOSTICS
 *	client_set_reply() returns -1 when out of memory.  The I/O functions
 *	handle their errors themselves: the client concerned is dropped and
 *	the log says why; the daemon goes on.
 */
#ifndef DIALCTL_CLIENTS_H
#define DIALCTL_CLIENTS_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#define CLIENTS_MAX 32              /* clients connected at once, at most */
#define CLIENTS_ACCEPT_BATCH 8      /* connections taken per poll() round */
#define CLIENT_LINE 512             /* a request line, with its NUL */
#define CLIENT_DEADLINE_MS 5000     /* to send the request; again to read the reply */

struct client_peer {
    uid_t uid;
    gid_t gid;
    pid_t pid;
};

enum client_phase { CLIENT_READING, CLIENT_WRITING };

struct client {
    int fd;                         /* -1: a free slot */
    struct client_peer who;
    long long since_ms, deadline_ms;
    enum client_phase phase;
    char line[CLIENT_LINE];
    size_t nline;
    char *out;                      /* allocated: the reply */
    size_t nout, done;
};

struct clients {
    struct client c[CLIENTS_MAX];
    int max;
    long long deadline_ms;
    long long cap_logged_ms;        /* the last "dropped at the cap" line */
    int cap_unlogged;               /* dropped at the cap since, not logged */
};

void clients_init(struct clients *t, int max, long long deadline_ms);
struct client *clients_add(struct clients *t, int fd, const struct client_peer *who,
                           long long now_ms, struct client *evicted);
int client_take(struct client *c, const char *data, size_t n);
int client_set_reply(struct client *c, const char *text, long long now_ms, long long deadline_ms);
int client_wrote(struct client *c, size_t n);
void client_release(struct client *c);
int clients_timeout(const struct clients *t, long long now_ms, int most_ms);
struct client *clients_expired(struct clients *t, long long now_ms);
int clients_count(const struct clients *t);

void clients_accept(struct clients *t, int listen_fd, long long now_ms);
int clients_poll_set(const struct clients *t, struct pollfd *p, int *slot);
struct client *clients_io(struct clients *t, int slot, short revents, long long now_ms);
void clients_answer(struct clients *t, struct client *c, const char *text, long long now_ms);
void clients_expire(struct clients *t, long long now_ms);
void clients_close_all(struct clients *t);

#endif
