/*
 * NAME
 *	log 3h
 * SUMMARY
 *	messages for administrators, on stderr, syslog or a file
 * SYNOPSIS
 *	#include "log.h"
 *
 *	void	surel_log_open(const char *ident, enum surel_log_target target,
 *				const char *path);
 *	void	surel_log_verbose(int on);
 *	void	surel_info(const char *fmt, ...);
 *	void	surel_warn(const char *fmt, ...);
 *	void	surel_error(const char *fmt, ...);
 *	void	surel_debug(const char *fmt, ...);
 *	_Noreturn void surel_fatal(int status, const char *fmt, ...);
 * DESCRIPTION
 *	surel_log_open() chooses where messages go: standard error (the
 *	default, for command-line tools and daemons in the foreground),
 *	syslog's mail facility, or a file opened for appending.  Every line
 *	starts with the program name; file lines also get a time stamp.
 *
 *	surel_fatal() logs and exits with the given status (sysexits.h).
 *	Debug messages are dropped unless surel_log_verbose(1) was called.
 *	All functions are safe to call from several threads.
 * DIAGNOSTICS
 *	A log file that cannot be opened falls back to standard error, with
 *	a warning there.
 */
#ifndef SUREL_LOG_H
#define SUREL_LOG_H

enum surel_log_target { SUREL_LOG_STDERR, SUREL_LOG_SYSLOG, SUREL_LOG_FILE };

void surel_log_open(const char *ident, enum surel_log_target target, const char *path);
void surel_log_close(void);
void surel_log_verbose(int on);
void surel_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void surel_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void surel_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void surel_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void surel_fatal(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
