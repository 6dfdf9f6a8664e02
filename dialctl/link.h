/*
 * NAME
 *	link 3h
 * SUMMARY
 *	the dial-up link: pppd through its documented interface
 * SYNOPSIS
 *	#include "link.h"
 *
 *	pid_t	link_dial(const struct link_conf *c);
 *	int	link_hangup(pid_t pid);
 *	int	link_counters(const char *ifname, long long *tx, long long *rx);
 *	int	link_iface_up(const char *ifname, char *addr, size_t len);
 *	const char *link_exit_text(int code);
 * DESCRIPTION
 *	link_dial() starts "pppd call PEER nodetach linkname NAME ipparam
 *	SOCKET ip-up-script HOOK ip-down-script HOOK" with posix_spawn.
 *	pppd runs HOOK (dialctl-hook) with its usual arguments (interface,
 *	tty, speed, local address, remote address, ipparam) and environment
 *	(CONNECT_TIME, BYTES_SENT, BYTES_RCVD on the way down); the hook
 *	reports to the control socket named by ipparam.  pppd stays in the
 *	foreground (nodetach), so its exit is the end of the link, and its
 *	exit code says why (link_exit_text()).
 *
 *	link_hangup() sends SIGTERM (pppd terminates the link, runs
 *	ip-down and exits 5).
 *
 *	link_counters() reads /sys/class/net/IF/statistics/{tx,rx}_bytes.
 *	link_iface_up() is 1 if the interface exists and is up, and gives
 *	its first IPv4 address.
 * DIAGNOSTICS
 *	-1 with errno set.
 */
#ifndef DIALCTL_LINK_H
#define DIALCTL_LINK_H

#include <stddef.h>
#include <sys/types.h>

struct link_conf {
    const char *pppd;
    const char *peer;
    const char *linkname;
    const char *hook;
    const char *socket;     /* passed as ipparam */
    int log_fd;             /* pppd's output goes here, or -1 */
};

pid_t link_dial(const struct link_conf *c);
int link_hangup(pid_t pid);
int link_counters(const char *ifname, long long *tx, long long *rx);
int link_iface_up(const char *ifname, char *addr, size_t len);
const char *link_exit_text(int code);

#endif
