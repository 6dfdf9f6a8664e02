/*
 * NAME
 *	message 3
 * SUMMARY
 *	header access on a collected message (see message.h)
 * DESCRIPTION
 *	Header lines are walked one field at a time: a field is its first
 *	line and the continuation lines (starting with a blank) after it.
 *	Only the header block is read; nothing is allocated.
 * DIAGNOSTICS
 *	None: a malformed header reads as absent.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "message.h"

size_t message_to_lf(char *msg, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
            continue;
        msg[o++] = msg[i];
    }
    return o;
}

size_t message_header_len(const char *msg, size_t len)
{
    if (len > 0 && msg[0] == '\n')
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (msg[i] == '\n' && msg[i + 1] == '\n')
            return i + 1;
    return len;
}

/* The end of the field that starts at p (after its last continuation line). */
static const char *field_end(const char *p, const char *end)
{
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return end;
        p = nl + 1;
        if (p >= end || (*p != ' ' && *p != '\t'))
            return p;
    }
}

/* Whether the field at p is named name ("Name:"). */
static int field_is(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - p) > n && strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* A Received: field of the hosting's own last, local hop into the mailbox
   (Dovecot's LMTP writes it above what the MX added): "... with LMTP ...". */
static int lmtp_hop(const char *p, const char *end)
{
    for (const char *q = p; q + 9 < end; q++)
        if ((q[0] == ' ' || q[0] == '\t' || q[0] == '\n') && strncasecmp(q + 1, "with LMTP", 9) == 0
            && (q + 10 == end || strchr(" S\t\n;", q[10]) != NULL))
            return 1;
    return 0;
}

/* The field's value, unfolded and trimmed, into out. */
static void field_value(const char *p, const char *end, size_t namelen, char *out, size_t outlen)
{
    size_t o = 0;
    p += namelen + 1;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    for (; p < end && o + 1 < outlen; p++) {
        if (*p == '\n') {
            if (p + 1 < end)
                out[o++] = ' ';
            while (p + 1 < end && (p[1] == ' ' || p[1] == '\t'))
                p++;
            continue;
        }
        out[o++] = *p == '\t' ? ' ' : *p;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

size_t message_header_next(const char *msg, size_t len, size_t from, const char *name,
                           int before_received, char *out, size_t outlen)
{
    const char *end = msg + message_header_len(msg, len);
    *out = '\0';
    int received = 0;
    for (const char *p = msg + from; p < end;) {
        const char *next = field_end(p, end);
        if (before_received && field_is(p, next, "Received") && (received++ > 0 || !lmtp_hop(p, next)))
            return 0;           /* only the first Received may be the LMTP hop */
        if (field_is(p, next, name)) {
            field_value(p, next, strlen(name), out, outlen);
            return (size_t)(next - msg);
        }
        p = next;
    }
    return 0;
}

int message_header(const char *msg, size_t len, const char *name, int before_received, char *out,
                   size_t outlen)
{
    return message_header_next(msg, len, 0, name, before_received, out, outlen) > 0;
}

void message_digest(const char *msg, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (EVP_Digest(msg, len, md, &n, EVP_sha256(), NULL) != 1)
        n = 0;
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[n ? 64 : 0] = '\0';
}
