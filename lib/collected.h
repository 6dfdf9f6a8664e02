/*
 * NAME
 *	collected 3h
 * SUMMARY
 *	what surel-collect delivered or announced, so nothing is delivered twice
 * SYNOPSIS
 *	#include "collected.h"
 *
 *	int	collected_open(const char *path, struct collected **cp,
 *				char *err, size_t len);
 *	void	collected_close(struct collected *c);
 *	int	collected_by_uid(struct collected *c, const char *mailbox,
 *				const char *uid);
 *	int	collected_by_message(struct collected *c, const char *mailbox,
 *				const char *message_id, const char *digest);
 *	int	collected_add(struct collected *c, const char *mailbox,
 *				const char *uid, const char *message_id,
 *				const char *digest, int what, long long now);
 *	int	collected_expire(struct collected *c, const char *mailbox,
 *				long long before);
 *	int	collected_rcpt_done(struct collected *c, const char *mailbox,
 *				const char *uid, const char *rcpt);
 *	int	collected_rcpt_add(struct collected *c, const char *mailbox,
 *				const char *uid, const char *rcpt, long long now);
 *	const char *collected_errmsg(const struct collected *c);
 * DESCRIPTION
 *	One SQLite file ([collect] state, default /var/lib/surel/collect.db),
 *	root's, written by surel-collect alone.  A row says that the message
 *	with this UID (POP3's UIDL, IMAP's UIDVALIDITY/UID) in this mailbox
 *	was delivered (COLLECTED_DELIVERED) or left on the server with a
 *	notice to its recipient (COLLECTED_NOTICED) or because the school's
 *	Postfix refused it (COLLECTED_REFUSED), when, and its
 *	Message-ID and content digest, which recognise the same message
 *	under a new UID (a mailbox rebuilt at the hosting).
 *
 *	Each row is committed (synchronous=FULL) before the message is
 *	deleted on the server: a session cut between the delivery and the
 *	delete finds the row next time, and the message is deleted then
 *	without a second delivery.
 *
 *	collected_by_uid() and collected_by_message() return 0 (not known),
 *	COLLECTED_DELIVERED, COLLECTED_NOTICED or COLLECTED_REFUSED; collected_by_message()
 *	with an empty Message-ID knows nothing.  collected_add() replaces a
 *	row of the same UID.  collected_expire() forgets the mailbox's rows
 *	older than before (its retention).
 *
 *	A message for several recipients is handed over one recipient at a
 *	time: collected_rcpt_add() records each one as the school's Postfix
 *	took it, and collected_rcpt_done() says 1 for those, so that a
 *	session cut half-way through a message's recipients goes on next
 *	time with the others only.
 * DIAGNOSTICS
 *	-1 on a database error, collected_errmsg() says which; collected_open()
 *	fills err and stores NULL.
 */
#ifndef SUREL_COLLECTED_H
#define SUREL_COLLECTED_H

#include <stddef.h>

#define COLLECTED_DELIVERED 1
#define COLLECTED_NOTICED   2
#define COLLECTED_REFUSED   3

struct collected;

int collected_open(const char *path, struct collected **cp, char *err, size_t len);
void collected_close(struct collected *c);
int collected_by_uid(struct collected *c, const char *mailbox, const char *uid);
int collected_by_message(struct collected *c, const char *mailbox, const char *message_id,
                         const char *digest);
int collected_add(struct collected *c, const char *mailbox, const char *uid,
                  const char *message_id, const char *digest, int what, long long now);
int collected_expire(struct collected *c, const char *mailbox, long long before);
int collected_rcpt_done(struct collected *c, const char *mailbox, const char *uid,
                        const char *rcpt);
int collected_rcpt_add(struct collected *c, const char *mailbox, const char *uid,
                       const char *rcpt, long long now);
const char *collected_errmsg(const struct collected *c);

#endif
