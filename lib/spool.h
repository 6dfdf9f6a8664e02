/*
 * NAME
 *	spool 3h
 * SUMMARY
 *	the batch spool: mail held durably for the other side
 * SYNOPSIS
 *	#include "spool.h"
 *
 *	int	spool_open(struct spool *s, const char *dir, int create,
 *				char *err, size_t len);
 *	int	spool_store(const struct spool *s, int fd, const char *sender,
 *				const char *rcpt, char *id, char *err, size_t len);
 *	int	spool_list(const struct spool *s, struct spool_ids *ids);
 *	int	spool_read(const struct spool *s, const char *id, char **buf,
 *				size_t *len);
 *	int	spool_remove(const struct spool *s, const char *id);
 *	int	spool_seen(const struct spool *s, const char *id);
 *	int	spool_mark_seen(const struct spool *s, const char *id);
 *	void	spool_prune_seen(const struct spool *s, long long now,
 *				long long keep);
 *	int	spool_id_valid(const char *id);
 *	int	spool_parse(const char *buf, size_t len,
 *				struct spool_entry *e);
 * DESCRIPTION
 *	A spool directory holds three directories: tmp/ (a message being
 *	written), new/ (messages complete on disk, one recipient each) and
 *	seen/ (the ids of messages received from the other side and
 *	queued here, so that a message sent again after a cut is not
 *	delivered twice).  An id is the arrival time (ten digits), a dash
 *	and 24 random hex digits: names sort by arrival, and an id from the
 *	other side is checked against that form before it names a file.
 *
 *	spool_store() copies fd to tmp/ID, prefixed by the envelope
 *	("surel-batch 1", "from SENDER", "to RCPT", an empty line),
 *	flushes it to disk, renames it into new/ and flushes new/: only
 *	then is the message the spool's (Postfix may forget it).
 *	spool_list() gives new/'s ids in arrival order (free with
 *	spool_ids_free()).  spool_parse() splits a stored message into
 *	its envelope and its content (pointers into buf).
 * DIAGNOSTICS
 *	-1 with errno set (and err filled where there is one); a full disk
 *	is ENOSPC, and nothing is left in new/.  spool_seen() is 1 or 0.
 *	spool_parse() returns -1 for anything but the form above.
 */
#ifndef SUREL_SPOOL_H
#define SUREL_SPOOL_H

#include <limits.h>
#include <stddef.h>

#define SPOOL_ID_LEN 35         /* 10 digits, '-', 24 hex */
#define SPOOL_ADDR_MAX 512      /* an envelope address, as Postfix's limits allow */

struct spool {
    char dir[PATH_MAX - 64];
};

struct spool_ids {
    char (*id)[SPOOL_ID_LEN + 1];
    size_t n;
};

struct spool_entry {
    char sender[SPOOL_ADDR_MAX + 1];
    char rcpt[SPOOL_ADDR_MAX + 1];
    const char *body;
    size_t body_len;
};

int spool_open(struct spool *s, const char *dir, int create, char *err, size_t len);
int spool_store(const struct spool *s, int fd, const char *sender, const char *rcpt, char *id,
                char *err, size_t len);
int spool_list(const struct spool *s, struct spool_ids *ids);
void spool_ids_free(struct spool_ids *ids);
int spool_read(const struct spool *s, const char *id, char **buf, size_t *len);
int spool_remove(const struct spool *s, const char *id);
int spool_seen(const struct spool *s, const char *id);
int spool_mark_seen(const struct spool *s, const char *id);
void spool_prune_seen(const struct spool *s, long long now, long long keep);
int spool_id_valid(const char *id);
int spool_parse(const char *buf, size_t len, struct spool_entry *e);
/* An envelope address fit for a spool line: no control characters, not too long. */
int spool_addr_valid(const char *addr);

#endif
