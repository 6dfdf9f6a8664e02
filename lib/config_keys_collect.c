/*
 * NAME
 *	config_keys_collect 3
 * SUMMARY
 *	surel.ini keys of dialctl's "collect" mode: [collect], [collect.NAME]
 * DESCRIPTION
 *	With [dial] mode = collect the school's outbound mail is relayed
 *	through the hosting's SMTP with login, as in etrn mode ([etrn]'s
 *	smarthost credentials in Postfix), and its inbound mail is
 *	collected by surel-collect from one or more mailboxes at the
 *	hosting, one [collect.NAME] section each: a catch-all (the whole
 *	domain in one box; each message's envelope recipient recovered
 *	from the headers the hosting adds) or a person's own box (all of
 *	it for [collect.NAME] deliver).  See surel-collect(8).
 */
#include "config.h"

const struct surel_cfg_key surel_cfg_collect_keys[] = {
    {"collect", "program", CFG_PATH, "/usr/libexec/surel/surel-collect", 0, 0, NULL, NULL,
     "the surel-collect program"},
    {"collect", "deliver_to", CFG_STRING, "127.0.0.1:10026", 0, 0, NULL, NULL,
     "the school's smtpd (address:port) that takes the collected mail: checked like mail from outside, relays nothing"},
    {"collect", "postmaster", CFG_STRING, NULL, 0, 0, NULL, NULL,
     "who gets mail whose recipient cannot be told (a login or an address of the school's domain)"},
    {"collect", "state", CFG_PATH, "/var/lib/surel/collect.db", 0, 0, NULL, NULL,
     "what was delivered already, so that nothing is delivered twice (SQLite)"},
    {"collect", "idle", CFG_DURATION, "2m", 10, 3600, NULL, NULL,
     "a mailbox that sends nothing for this long is left (the mail stays for next time)"},
    {"collect", "attempts", CFG_INT, "3", 1, 20, NULL, NULL,
     "collections per link connection (the first and the retries after a broken one)"},
    {"collect.*", "url", CFG_STRING, NULL, 0, 0, NULL, NULL,
     "the mailbox: imaps://HOST[:PORT]/FOLDER or pop3s://HOST[:PORT] (imap:// and pop3:// only with STARTTLS)"},
    {"collect.*", "user", CFG_STRING, NULL, 0, 0, NULL, NULL,
     "its login at the hosting"},
    {"collect.*", "password_file", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "its password: the first line of this file (root only)"},
    {"collect.*", "kind", CFG_ENUM, "catchall", 0, 0, "catchall|person", NULL,
     "catchall: the whole domain lands here, recipients from the headers; person: all of it for deliver"},
    {"collect.*", "deliver", CFG_LIST, NULL, 0, 0, NULL, NULL,
     "kind person: the local recipient(s), logins or addresses of the school's domain"},
    {"collect.*", "headers", CFG_LIST, "Envelope-To X-Original-To Delivered-To", 0, 0, NULL, NULL,
     "kind catchall: the headers that name the envelope recipient, in the order they are trusted (the topmost of each)"},
    {"collect.*", "to_cc", CFG_BOOL, "no", 0, 0, NULL, NULL,
     "kind catchall: when no such header names a school address, use To and Cc (Bcc recipients are then lost to the postmaster)"},
    {"collect.*", "order", CFG_ENUM, "oldest", 0, 0, "oldest|newest|smallest", NULL,
     "which messages first, should the session end early"},
    {"collect.*", "max_size", CFG_SIZE, "5M", 0, 1LL << 31, NULL, NULL,
     "larger messages stay on the server and the recipient gets a notice (0: no limit)"},
    {"collect.*", "retention", CFG_DURATION, "30d", 86400, 3650LL * 86400, NULL, NULL,
     "how long a delivered message is remembered (longer than it may stay on the server)"},
    {"collect.*", "ca_file", CFG_PATH, NULL, 0, 0, NULL, NULL,
     "the CA certificates that sign the hosting's certificate, if not the system's"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
