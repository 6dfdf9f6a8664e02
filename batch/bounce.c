/*
 * NAME
 *	bounce 3
 * SUMMARY
 *	the delivery report for a message the other side refused
 * SYNOPSIS
 *	See bounce.h.
 * DESCRIPTION
 *	The enhanced status code is taken from the answer ("550 5.1.1
 *	..."), else 5.0.0.  The reason goes into headers and text with
 *	control characters replaced, so that an answer cannot add a header.
 * DIAGNOSTICS
 *	See bounce.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bounce.h"
#include "util.h"

/* The enhanced status code in an SMTP answer, e.g. "5.1.1"; "5.0.0" if none. */
static void status_of(const char *reason, char *out, size_t len)
{
    const char *p = strchr(reason, ' ');
    unsigned a, b, c;
    if (p != NULL && sscanf(p + 1, "%1u.%3u.%3u", &a, &b, &c) == 3 && a == 5)
        snprintf(out, len, "%u.%u.%u", a, b, c);
    else
        snprintf(out, len, "5.0.0");
}

/* The reason on one line of printable text. */
static void one_line(const char *in, char *out, size_t len)
{
    size_t i = 0;
    for (; *in && i + 1 < len; in++)
        out[i++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? ' ' : *in;
    out[i] = '\0';
}

/* The length of the message's header block (up to the empty line). */
static size_t header_len(const char *body, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (body[i] == '\n' && body[i + 1] == '\n')
            return i + 1;
    return len;
}

char *bounce_build(const struct spool_entry *e, const char *host, const char *reason,
                   size_t *len)
{
    char why[400], status[16], date[64], tag[17];
    unsigned char r[8] = {0};
    time_t now = time(NULL);
    struct tm tm;
    one_line(reason, why, sizeof(why));
    status_of(why, status, sizeof(status));
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
    if (getrandom(r, sizeof(r), 0) < 0)
        r[0] = (unsigned char)now;
    for (int i = 0; i < 8; i++)
        snprintf(tag + 2 * i, 3, "%02x", r[i]);
    size_t hl = header_len(e->body, e->body_len);
    size_t cap = hl + 8192;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    int n = snprintf(out, cap,
        "From: Mail Delivery System <MAILER-DAEMON@%s>\n"
        "To: <%s>\n"
        "Subject: Surat tidak terkirim / Undelivered Mail Returned to Sender\n"
        "Date: %s\n"
        "Message-ID: <%s.bounce@%s>\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"%s/%s\"\n"
        "\n"
        "--%s/%s\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "\n"
        "Surat Anda untuk <%s> tidak dapat diantar. Server tujuan menolaknya:\n"
        "Your message to <%s> could not be delivered. The receiving server refused it:\n"
        "\n    %s\n\n"
        "--%s/%s\n"
        "Content-Type: message/delivery-status\n"
        "\n"
        "Reporting-MTA: dns; %s\n"
        "\n"
        "Final-Recipient: rfc822; %s\n"
        "Action: failed\n"
        "Status: %s\n"
        "Diagnostic-Code: smtp; %s\n"
        "\n"
        "--%s/%s\n"
        "Content-Type: text/rfc822-headers\n"
        "\n",
        host, e->sender, date, tag, host, tag, host, tag, host, e->rcpt, e->rcpt, why, tag, host,
        host, e->rcpt, status, why, tag, host);
    if (n < 0 || (size_t)n >= cap - hl - 64) {
        free(out);
        return NULL;
    }
    memcpy(out + n, e->body, hl);
    n += (int)hl;
    n += snprintf(out + n, cap - (size_t)n, "\n--%s/%s--\n", tag, host);
    *len = (size_t)n;
    return out;
}
