/*
 * NAME
 *	mailbox 3h
 * SUMMARY
 *	one mailbox at the hosting, over POP3 or IMAP with libcurl
 * SYNOPSIS
 *	#include "mailbox.h"
 *
 *	int	mailbox_url_check(const char *url, char *why, size_t len);
 *	int	mailbox_open(struct mailbox *m, const struct mailbox_conf *c,
 *				char *err, size_t len);
 *	int	mailbox_list(struct mailbox *m, struct mailbox_list *out);
 *	int	mailbox_fetch(struct mailbox *m, const struct mailbox_item *it,
 *				int header_only, long long limit);
 *	int	mailbox_remove(struct mailbox *m, const struct mailbox_item *it);
 *	int	mailbox_finish(struct mailbox *m);
 *	void	mailbox_close(struct mailbox *m);
 * DESCRIPTION
 *	A mailbox is its URL: imaps://HOST[:PORT]/FOLDER (FOLDER defaults
 *	to INBOX) or pop3s://HOST[:PORT]; imap:// and pop3:// are taken
 *	only with STARTTLS required.  The login is c->user and c->password;
 *	the server's certificate is checked against the system's CAs, or
 *	c->ca_file.  One connection carries the whole pass; a transfer that
 *	moves no byte for c->idle seconds fails.
 *
 *	Each protocol is a struct mailbox_ops (pop3.c, imap.c), as a
 *	Dovecot passdb is a module:
 *
 *	list	  every message's UID and size, in the server's order
 *		  (oldest first).  POP3: UIDL and LIST; IMAP: STATUS
 *		  (MESSAGES UIDVALIDITY) then FETCH 1:* (UID RFC822.SIZE);
 *		  the UID is "UIDVALIDITY/UID".
 *	fetch	  the message (or its header) into m->body, at most limit
 *		  bytes.  POP3: RETR or TOP n 0; IMAP: UID FETCH BODY[] or
 *		  BODY[HEADER] (libcurl's ;UID= and ;SECTION=HEADER).
 *	remove	  mark it for deletion.  POP3: DELE, done at QUIT; IMAP:
 *		  UID STORE +FLAGS.SILENT (\Deleted).
 *	finish	  make the deletions happen.  POP3: the QUIT of
 *		  mailbox_close(); IMAP: EXPUNGE.
 *
 *	POP3 names messages by their number in this connection: should
 *	libcurl have to connect again (the old connection died), the
 *	numbers may name other messages, and every later call fails.
 *
 *	m->bytes counts what came from the server.
 * DIAGNOSTICS
 *	0 on success, -1 with m->err saying what (the server's answer or
 *	libcurl's words).  mailbox_url_check() fills why.
 */
#ifndef COLLECT_MAILBOX_H
#define COLLECT_MAILBOX_H

#include <stddef.h>

struct mailbox_conf {
    const char *name;       /* the [collect.NAME] */
    const char *url, *user, *password, *ca_file;
    long idle;
};

struct mailbox_item {
    char uid[96];
    long long size;
    long seq;               /* POP3's message number; IMAP's UID */
};

struct mailbox_list {
    struct mailbox_item *item;
    size_t n;
};

struct mailbox;

struct mailbox_ops {
    const char *scheme;
    int (*list)(struct mailbox *m, struct mailbox_list *out);
    int (*fetch)(struct mailbox *m, const struct mailbox_item *it, int header_only);
    int (*remove)(struct mailbox *m, const struct mailbox_item *it);
    int (*finish)(struct mailbox *m);
};

struct mailbox {
    void *curl;
    const struct mailbox_ops *ops;
    char base[512];         /* scheme://host:port */
    char folder[256];       /* IMAP: the folder, decoded */
    char folder_url[512];   /* IMAP: base/folder, encoded as given */
    char *body;             /* the last transfer's data */
    size_t body_len, body_cap;
    long long limit;        /* most bytes a transfer may bring */
    long long bytes;        /* everything that came */
    int transfers;
    char err[400];
};

int mailbox_url_check(const char *url, char *why, size_t len);
int mailbox_open(struct mailbox *m, const struct mailbox_conf *c, char *err, size_t len);
int mailbox_list(struct mailbox *m, struct mailbox_list *out);
int mailbox_fetch(struct mailbox *m, const struct mailbox_item *it, int header_only,
                  long long limit);
int mailbox_remove(struct mailbox *m, const struct mailbox_item *it);
int mailbox_finish(struct mailbox *m);
void mailbox_close(struct mailbox *m);

/* For pop3.c and imap.c: one transfer on the connection; body in m->body. */
int mailbox_transfer(struct mailbox *m, const char *url, const char *command, int nobody);
int mailbox_list_add(struct mailbox_list *l, const struct mailbox_item *it);

#endif
