/*
 * NAME
 *	exchange_ssh 3h
 * SUMMARY
 *	the "ssh" mode of a session (see exchange.h and exchange_ssh.c)
 * SYNOPSIS
 *	#include "exchange_ssh.h"
 *
 *	extern const struct exchange_ops exchange_ssh_ops;
 *	int	exchange_ssh_check(const struct conf *c, long long now,
 *				struct exchange_result *r);
 *	int	exchange_ssh_busy(const struct conf *c);
 *	void	exchange_ssh_stop(const struct conf *c);
 *	int	exchange_ssh_bytes(long long *raw, long long *wire);
 * DESCRIPTION
 *	exchange_ssh_check() returns 0 when nothing changed, 1 when the
 *	tunnel was opened again and the mail exchanged once more (the
 *	answers are in r), -1 when that exchange failed.
 *	exchange_ssh_busy() is the number of SMTP sessions in the tunnel
 *	(plus one while a retry is pending).  exchange_ssh_stop() closes
 *	the tunnel cleanly.  exchange_ssh_bytes() gives the payload bytes
 *	the tunnels carried and what they took compressed, summed since its
 *	last call (it starts the sums again); -1 if ssh reported none.
 * DIAGNOSTICS
 *	See exchange_ssh.c.
 */
#ifndef DIALCTL_EXCHANGE_SSH_H
#define DIALCTL_EXCHANGE_SSH_H

#include "exchange.h"

extern const struct exchange_ops exchange_ssh_ops;

int exchange_ssh_check(const struct conf *c, long long now, struct exchange_result *r);
int exchange_ssh_busy(const struct conf *c);
void exchange_ssh_stop(const struct conf *c);
int exchange_ssh_bytes(long long *raw, long long *wire);

#endif
