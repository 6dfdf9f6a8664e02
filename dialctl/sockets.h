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
 *	session can count the messages that arrived from them.
 *	tcp_parse() is a pure function; tcp_sessions() reads the
 *	network namespace's /proc/net/tcp.
 * DIAGNOSTICS
 *	-1 if the file cannot be read or local_addr is not IPv4.
 */
#ifndef DIALCTL_SOCKETS_H
#define DIALCTL_SOCKETS_H

#define TCP_PEERS_MAX 16

struct tcp_peers {
    int sessions;
    int npeers;
    char peer[TCP_PEERS_MAX][16];   /* dotted IPv4 */
};

int tcp_parse(const char *proc_net_tcp, const char *local_addr, struct tcp_peers *peers);
int tcp_sessions(const char *local_addr, struct tcp_peers *peers);

#endif
