/*
 * NAME
 *	queue 3h
 * SUMMARY
 *	what waits in Postfix's queue, from postqueue -j
 * SYNOPSIS
 *	#include "queue.h"
 *
 *	int	queue_parse(const char *json_lines, const char *const *local,
 *				struct queue_summary *q, char *why, size_t len);
 *	int	queue_read(const struct queue_cmd *c, const char *const *local,
 *				struct queue_summary *q, char *why, size_t len);
 *	int	queue_flush(const struct queue_cmd *c, char *why, size_t len);
 *	void	queue_summary_free(struct queue_summary *q);
 * DESCRIPTION
 *	dialctl never touches queue files: it runs postqueue(1) (with
 *	"-c DIR" for a Postfix instance with its own configuration
 *	directory) through execve and reads its output.
 *
 *	queue_parse() reads postqueue -j output (one JSON object per
 *	message) with jansson.  A message is outbound when one of its
 *	remaining recipients is in none of the local domains (NULL-ended
 *	list).  Outbound messages are counted by where they are:
 *
 *	waiting	  maildrop, incoming or active: being delivered now;
 *	held	  deferred with "deferred transport": held by
 *		  defer_transports until the next flush;
 *	failed	  deferred for another reason (e.g. a timeout on the link).
 *
 *	The queue ids of outbound messages are kept, so that the session
 *	can count the messages that left.
 *
 *	queue_flush() runs postqueue -f.
 * DIAGNOSTICS
 *	-1 and why on a line that is not JSON, or postqueue failing.
 */
#ifndef DIALCTL_QUEUE_H
#define DIALCTL_QUEUE_H

#include <stddef.h>

struct queue_summary {
    int total;              /* messages of any kind */
    int outbound;           /* messages with an outside recipient */
    int outbound_waiting;
    int outbound_held;
    int outbound_failed;
    long long oldest;       /* arrival time of the oldest outbound, 0 if none */
    char **ids;             /* queue ids of outbound messages */
    int nids;
};

struct queue_cmd {
    const char *postqueue;  /* /usr/sbin/postqueue */
    const char *config_dir; /* NULL or Postfix's -c directory */
    int timeout;            /* seconds */
};

int queue_parse(const char *json_lines, const char *const *local, struct queue_summary *q,
                char *why, size_t len);
int queue_read(const struct queue_cmd *c, const char *const *local, struct queue_summary *q,
               char *why, size_t len);
int queue_flush(const struct queue_cmd *c, char *why, size_t len);
void queue_summary_free(struct queue_summary *q);
/* 1 if id is among q's outbound ids. */
int queue_has_id(const struct queue_summary *q, const char *id);

#endif
