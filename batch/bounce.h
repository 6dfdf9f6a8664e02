/*
 * NAME
 *	bounce 3h
 * SUMMARY
 *	the delivery report for a message the other side refused
 * SYNOPSIS
 *	#include "bounce.h"
 *
 *	char	*bounce_build(const struct spool_entry *e, const char *host,
 *				const char *reason, size_t *len);
 * DESCRIPTION
 *	A message the other side's Postfix refused for good (a 5xx answer)
 *	goes back to its sender from the side that accepted it, as Postfix
 *	itself would report it: a multipart/report (RFC 3464) with a
 *	short explanation in Indonesian and English, the delivery status
 *	(the recipient, 5.x.x from the answer, the answer itself) and the
 *	refused message's headers.  It is sent with the empty sender <>,
 *	so that it can never bounce in turn.  A message with an empty
 *	sender is not reported (it was a report itself).
 * DIAGNOSTICS
 *	NULL when memory runs out.  The result is malloc'd.
 */
#ifndef BATCH_BOUNCE_H
#define BATCH_BOUNCE_H

#include <stddef.h>

#include "spool.h"

char *bounce_build(const struct spool_entry *e, const char *host, const char *reason,
                   size_t *len);

#endif
