/*
 * NAME
 *	notice 3
 * SUMMARY
 *	the notice for a message left at the hosting because it is too big
 * SYNOPSIS
 *	See collect.h.
 * DESCRIPTION
 *	In Indonesian, then English, like surel-batch's delivery reports:
 *	who wrote, the subject, the size and the limit, and what to do
 *	(ask the school's mail administrator, or read it at the hosting's
 *	webmail).  Values from the message's header are put on one line
 *	with control characters replaced and cut to 200 bytes, so that a
 *	header cannot add one to the notice.  From the school's
 *	MAILER-DAEMON, with the empty envelope sender and
 *	"Auto-Submitted: auto-generated".
 * DIAGNOSTICS
 *	-1 when memory runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "collect.h"
#include "message.h"
#include "util.h"

/* A header's value on one printable line, "?" when absent. */
static void field(const char *header, size_t hlen, const char *name, char *out, size_t len)
{
    char v[1000];
    if (!message_header(header, hlen, name, 0, v, sizeof(v)))
        surel_strlcpy(v, "?", sizeof(v));
    size_t i = 0;
    for (const char *c = v; *c && i + 1 < len && i < 200; c++)
        out[i++] = ((unsigned char)*c < 0x20 || *c == 0x7f) ? ' ' : *c;
    out[i] = '\0';
}

/* A size in words: "7.3 MB", "512 KB". */
static void human(long long n, char *out, size_t len)
{
    if (n >= 1048576)
        snprintf(out, len, "%.1f MB", (double)n / 1048576.0);
    else
        snprintf(out, len, "%lld KB", (n + 1023) / 1024);
}

int notice_build(const struct pass *p, const struct box *b, const char *rcpt, const char *header,
                 size_t hlen, long long size, char **out, size_t *outlen)
{
    char from[210], subject[210], sz[32], limit[32], date[64], tag[17];
    unsigned char r[8] = {0};
    time_t now = (time_t)p->now;
    struct tm tm;
    field(header, hlen, "From", from, sizeof(from));
    field(header, hlen, "Subject", subject, sizeof(subject));
    human(size, sz, sizeof(sz));
    human(b->max_size, limit, sizeof(limit));
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        memset(r, 0x5a, sizeof(r));
    for (int i = 0; i < 8; i++)
        snprintf(tag + 2 * i, 3, "%02x", r[i]);
    char *text = NULL;
    int n = asprintf(&text,
        "From: Server surat sekolah <MAILER-DAEMON@%s>\nTo: <%s>\n"
        "Subject: Surat untuk Anda menunggu di hosting (terlalu besar) / A message for you"
        " waits at the hosting (too big)\n"
        "Date: %s\nMessage-ID: <%lld.%s@%s>\nAuto-Submitted: auto-generated\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "Sebuah surat untuk Anda lebih besar dari batas yang boleh diambil lewat sambungan"
        " sekolah, jadi surat itu masih ada di kotak surat \"%s\" di hosting.\n\n"
        "  Dari:   %s\n  Subjek: %s\n  Ukuran: %s (batas: %s)\n\n"
        "Mintalah pengelola surel sekolah untuk mengambilnya, atau bacalah lewat webmail"
        " hosting.\n\n-- \n"
        "A message for you is larger than what the school's link may collect, so it stays in"
        " the mailbox \"%s\" at the hosting.\n\n"
        "  From:    %s\n  Subject: %s\n  Size:    %s (limit: %s)\n\n"
        "Ask the school's mail administrator to collect it, or read it in the hosting's"
        " webmail.\n",
        p->domain, rcpt, date, (long long)now, tag, p->domain, b->mc.name, from, subject, sz, limit,
        b->mc.name, from, subject, sz, limit);
    if (n < 0)
        return -1;
    *out = text;
    *outlen = (size_t)n;
    return 0;
}
