/*
 * NAME
 *	message 3h
 * SUMMARY
 *	what surel-collect reads in a collected message's header
 * SYNOPSIS
 *	#include "message.h"
 *
 *	size_t	message_to_lf(char *msg, size_t len);
 *	size_t	message_header_len(const char *msg, size_t len);
 *	int	message_header(const char *msg, size_t len, const char *name,
 *				int before_received, char *out, size_t outlen);
 *	size_t	message_header_next(const char *msg, size_t len, size_t from,
 *				const char *name, int before_received, char *out,
 *				size_t outlen);
 *	void	message_digest(const char *msg, size_t len, char out[65]);
 * DESCRIPTION
 *	A message is held in memory with LF line ends: message_to_lf()
 *	turns CRLF into LF in place and returns the new length (a lone CR
 *	stays).  The header block ends at the first empty line, or at the
 *	end of a message that has none (message_header_len()).
 *
 *	message_header() copies the topmost header NAME (case-insensitive),
 *	unfolded (continuation lines joined with one space) and trimmed, to
 *	out; with before_received non-zero it counts only a header above the
 *	first Received: line: what a hosting adds when it delivers (Return-
 *	Path, Envelope-To, X-Original-To, Delivered-To) sits there, while
 *	the same names written by a sender sit below the hosting's own
 *	Received: lines.  A first Received: line "with LMTP" (the hosting's last,
 *	local hop into the mailbox: Dovecot's LMTP writes its own Return-
 *	Path, Delivered-To and Received above Exim's Envelope-to) does not
 *	end that block.  A value longer than outlen is cut.
 *
 *	message_header_next() is message_header() from offset from (a
 *	field's start, 0 for the first) and returns the offset after the
 *	field it found, for the next call; 0 when there is none.
 *
 *	message_digest() is the SHA-256 of the message, in hexadecimal.
 * DIAGNOSTICS
 *	message_header() returns 1 when found, 0 when not.
 */
#ifndef COLLECT_MESSAGE_H
#define COLLECT_MESSAGE_H

#include <stddef.h>

size_t message_to_lf(char *msg, size_t len);
size_t message_header_len(const char *msg, size_t len);
int message_header(const char *msg, size_t len, const char *name, int before_received, char *out,
                   size_t outlen);
size_t message_header_next(const char *msg, size_t len, size_t from, const char *name,
                           int before_received, char *out, size_t outlen);
void message_digest(const char *msg, size_t len, char out[65]);

#endif
