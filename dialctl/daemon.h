/*
 * NAME
 *	daemon 3h
 * SUMMARY
 *	the dialctl daemon: triggers, sessions, control socket, signals
 * SYNOPSIS
 *	#include "daemon.h"
 *
 *	int	daemon_run(const char *config_path);
 * DESCRIPTION
 *	Runs in the foreground (for systemd) until SIGTERM or SIGINT:
 *	takes the lock ([dial] lock), opens the ledger, listens on the
 *	control socket, and once a second either drives the current
 *	session or checks the triggers (schedule, queue size and age,
 *	retry of a failed session).  A trigger that would break the
 *	budget is refused and logged (ledger event "refused").  SIGTERM
 *	hangs up first and records the session; SIGHUP reloads surel.ini
 *	(at once when idle, else when the session ends; a bad file keeps
 *	the old settings and says why).
 * DIAGNOSTICS
 *	Returns a sysexits code.
 */
#ifndef DIALCTL_DAEMON_H
#define DIALCTL_DAEMON_H

int daemon_run(const char *config_path);

#endif
