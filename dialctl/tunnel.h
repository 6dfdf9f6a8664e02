/*
 * NAME
 *	tunnel 3h
 * SUMMARY
 *	one compressed OpenSSH connection to the ISP with a forward each way
 * SYNOPSIS
 *	#include "tunnel.h"
 *
 *	int	tunnel_conf_load(const struct surel_config *cfg,
 *				struct tunnel_conf *c, char *err, size_t len);
 *	int	tunnel_argv(const struct tunnel_conf *c, const char *request,
 *				char **argv, int max, char *buf, size_t len);
 *	int	tunnel_open(struct tunnel *t, const struct tunnel_conf *c);
 *	int	tunnel_alive(struct tunnel *t);
 *	void	tunnel_close(struct tunnel *t);
 *	int	tunnel_release(const struct tunnel_conf *c, char *why, size_t len);
 *	int	tunnel_count(const char *proc_net_tcp, const struct tunnel_conf *c);
 *	int	tunnel_busy(const struct tunnel_conf *c);
 *	void	tunnel_parse_stats(const char *ssh_log, struct tunnel_stats *s);
 * DESCRIPTION
 *	The tunnel is OpenSSH's own ssh(1), started with posix_spawn and an
 *	argument vector (never a shell): key authentication only
 *	(BatchMode, IdentitiesOnly, strict host key checking against [ssh]
 *	known_hosts), -C, no control master, keepalives
 *	(ServerAliveInterval x ServerAliveCountMax), ExitOnForwardFailure,
 *	-L 127.0.0.1:local_port:127.0.0.1:isp_port and
 *	-R 127.0.0.1:remote_port:deliver_to, and the request "tunnel".
 *
 *	At the ISP the school's key may run nothing but surel-tunnel-gate,
 *	which prints "surel-tunnel ready LOGIN" when its session starts.
 *	sshd answers the forward requests before it opens the session, and
 *	ssh exits on a refused forward before it shows the session's
 *	output, so that line on ssh's standard output means both forwards
 *	are confirmed: tunnel_open() waits for it (at most connect_timeout)
 *	and returns 0, or -1 with t->why saying what ssh said.  t->stale is
 *	set when the remote forward was refused because its port is still
 *	held: usually the ISP's sshd still serving this school's previous
 *	connection, cut without a clean close.  tunnel_release() then asks
 *	the gate ("release") to drop that session at once.
 *
 *	tunnel_alive() is 1 while ssh runs; once it has ended it is reaped
 *	and t->why says how.  tunnel_close() ends the session cleanly (EOF
 *	on the gate's input, so the ISP's sshd closes at once and leaves no
 *	stale forward), waits a few seconds, then SIGTERM, then SIGKILL;
 *	it is safe on a closed tunnel.  ssh logs at DEBUG1 into an
 *	unlinked temporary file: at close, t->stats gets its compression
 *	figures (raw and compressed bytes each way).
 *
 *	tunnel_count() counts the SMTP sessions that use the tunnel, from
 *	/proc/net/tcp text: connections accepted on 127.0.0.1:local_port
 *	(outbound mail, ETRN) and connections to deliver_to (inbound mail;
 *	give the tunnel its own smtpd port so that nothing else is
 *	counted).  tunnel_busy() reads this namespace's /proc/net/tcp.
 * DIAGNOSTICS
 *	tunnel_conf_load(): -1 with err naming the missing key.
 *	tunnel_open(), tunnel_release(): -1 and the reason in why.
 */
#ifndef DIALCTL_TUNNEL_H
#define DIALCTL_TUNNEL_H

#include <stddef.h>
#include <sys/types.h>

struct surel_config;

#define TUNNEL_ARGV_MAX 64

struct tunnel_conf {
    const char *program, *host, *user, *identity, *known_hosts;
    int port, local_port, isp_port, remote_port;
    char deliver_host[64];
    int deliver_port;
    long connect_timeout, alive_interval;
    int alive_count, attempts, compression;
    long backoff;
};

struct tunnel_stats {
    long long raw_out, comp_out, raw_in, comp_in;   /* -1 when ssh did not say */
};

struct tunnel {
    pid_t pid;
    int in_fd, out_fd, log_fd;
    int stale;
    char why[300];
    struct tunnel_stats stats;
};

int tunnel_conf_load(const struct surel_config *cfg, struct tunnel_conf *c, char *err,
                     size_t len);
int tunnel_argv(const struct tunnel_conf *c, const char *request, char **argv, int max,
                char *buf, size_t len);
int tunnel_open(struct tunnel *t, const struct tunnel_conf *c);
int tunnel_alive(struct tunnel *t);
void tunnel_close(struct tunnel *t);
int tunnel_release(const struct tunnel_conf *c, char *why, size_t len);
int tunnel_count(const char *proc_net_tcp, const struct tunnel_conf *c);
int tunnel_busy(const struct tunnel_conf *c);
void tunnel_parse_stats(const char *ssh_log, struct tunnel_stats *s);
/* The last line ssh wrote that is not a debug line, for messages. */
void tunnel_last_words(const char *ssh_log, char *out, size_t len);

#endif
