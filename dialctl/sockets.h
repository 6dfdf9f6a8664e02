/*
 * NAME
 *	sockets 3h
 * SUMMARY
 *	TCP sessions that use the link's address, from /proc/net/tcp
 * SYNOPSIS
 *	#include "sockets.h"
 *
 *	int	tcp_parse(const char *proc_net_tcp, const char *local_addr,
 *				struct tcp_peers *peers);
 *	int	tcp_sessions(const char *local_addr, struct tcp_peers *peers);
 * DESCRIPTION
 *	A TCP session crosses the link when its local address is the
 *	link's address: SMTP either way, POP3/IMAP, anything.  Listening
 *	sockets and connections in TIME_WAIT or CLOSE do not count.  The
 *	remote addresses are kept (up to TCP_PEERS_MAX) so that the
 *	session can count the messages that arrived from them, and each
 *	connection (up to TCP_SESSIONS_MAX) so that connections that were
 *	open when the link was lost can be told from new ones
 *	(tcp_new_sessions()): after a re-dial they may be dead, half-open
 *	with no peer left, and must not keep the link up by themselves.
 *	tcp_parse() is a pure function; tcp_sessions() reads the
 *	network namespace's /proc/net/tcp.
 * DIAGNOSTICS
 *	-1 if the file cannot be read or local_addr is not IPv4.
 */
#ifndef DIALCTL_SOCKETS_H
#define DIALCTL_SOCKETS_H

#define TCP_PEERS_MAX 16
#define TCP_SESSIONS_MAX 64

/* One connection: local port, remote address and port. */
struct tcp_conn {
    unsigned lport, raddr, rport;
};

struct tcp_peers {
    int sessions;
    int npeers;
    char peer[TCP_PEERS_MAX][16];   /* dotted IPv4 */
    int nconns;
    struct tcp_conn conn[TCP_SESSIONS_MAX];
};

/* Sessions in now that are not in the list old (e.g. from before a lost link). */
int tcp_new_sessions(const struct tcp_peers *now, const struct tcp_conn *old, int nold);

int tcp_parse(const char *proc_net_tcp, const char *local_addr, struct tcp_peers *peers);
int tcp_sessions(const char *local_addr, struct tcp_peers *peers);

#endif
