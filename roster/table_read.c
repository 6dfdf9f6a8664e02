/*
 * NAME
 *	table_read 3
 * SUMMARY
 *	read a class list as the school has it: CSV in the encodings Excel
 *	writes, or an .xlsx workbook
 * DESCRIPTION
 *	See table_read.h.  Conversion is glibc's iconv(3); the scan that
 *	chooses the encoding is done here, once over the bytes, because
 *	iconv cannot tell "not this encoding" from "damaged".
 * FAILURE MODES
 *	Every path frees what it allocated: the file buffer, the converted
 *	text, the iconv descriptor.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "i18n.h"
#include "table_read.h"
#include "xlsx_read.h"

#define TABLE_MAX_BYTES (64L * 1024 * 1024)

/* Length of the valid UTF-8 sequence at p (no overlongs, surrogates), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    unsigned cp;
    size_t n;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07u;
    else
        return 0;
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000
                                                                           || cp > 0x10FFFF)))
        return 0;
    return n;
}

/* What a scan of the bytes found. */
struct byte_scan {
    size_t first_bad;       /* offset of the first byte that is not UTF-8, or len */
    int multibyte;          /* a valid multi-byte UTF-8 sequence was seen */
    int has_nul;
    int undefined_1252;     /* one of 81 8D 8F 90 9D */
};

/* One pass over the text: UTF-8 validity and what rules out Windows-1252. */
static void scan_bytes(const unsigned char *p, size_t len, struct byte_scan *s)
{
    memset(s, 0, sizeof(*s));
    s->first_bad = len;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n = utf8_seq(p + i, len - i);
        s->has_nul |= c == 0;
        s->undefined_1252 |= c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D;
        if (n == 0) {
            if (s->first_bad == len)
                s->first_bad = i;
            i++;
            continue;
        }
        s->multibyte |= n > 1;
        i += n;
    }
}

/* 1-based line of byte offset off. */
static int line_at(const char *data, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* Convert with iconv; on bad input name the line reached in the output. */
static int convert(const char *name, const char *from, const char *data, size_t len,
                   char **out, size_t *outlen, char *err, size_t errlen)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) {
        snprintf(err, errlen, _("%s: cannot convert from %s: %s"), name, from, strerror(errno));
        return -1;
    }
    size_t cap = len * 3 + 16, left = cap;  /* 1 byte of 1252 or 2 of UTF-16: at most 3 */
    char *buf = malloc(cap + 1), *in = (char *)data, *o = buf;
    size_t inleft = len;
    int rc = 0;
    if (buf == NULL) {
        snprintf(err, errlen, _("%s: out of memory"), name);
        rc = -1;
    } else if (iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
        int line = line_at(buf, (size_t)(o - buf));
        snprintf(err, errlen, _("%s:%d: not %s text (%s); save the sheet as \"CSV UTF-8\""), name,
                 line, from, errno == E2BIG ? _("too large") : _("a broken character"));
        rc = -1;
    }
    iconv_close(cd);
    if (rc < 0) {
        free(buf);
        return -1;
    }
    *o = '\0';
    *out = buf;
    *outlen = (size_t)(o - buf);
    return 0;
}

int text_to_utf8(const char *name, const char *data, size_t len, char **out, size_t *outlen,
                 const char **encoding, char *err, size_t errlen)
{
    const unsigned char *p = (const unsigned char *)data;
    struct byte_scan s;
    *out = NULL;
    *outlen = len;
    if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
        *encoding = p[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
        return convert(name, *encoding, data + 2, len - 2, out, outlen, err, errlen);
    }
    scan_bytes(p, len, &s);
    if (!s.has_nul && s.first_bad == len) {
        *encoding = "UTF-8";
        return 0;
    }
    if (!s.has_nul && !s.multibyte && !s.undefined_1252) {
        *encoding = "WINDOWS-1252";
        return convert(name, *encoding, data, len, out, outlen, err, errlen);
    }
    size_t bad = s.first_bad;
    if (s.has_nul) {
        const char *nul = memchr(data, '\0', len);
        if ((size_t)(nul - data) < bad)
            bad = (size_t)(nul - data);
    }
    snprintf(err, errlen, _("%s:%d: not UTF-8 text (nor Windows-1252, nor UTF-16 with its byte"
             " order mark); save the sheet as \"CSV UTF-8\""), name, line_at(data, bad));
    return -1;
}

int table_parse(const char *name, const char *data, size_t len, struct csv_table *t,
                struct table_source *src, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    memset(src, 0, sizeof(*src));
    if (len >= 4 && memcmp(data, "PK\003\004", 4) == 0) {
        src->form = src->encoding = "xlsx";
        return xlsx_parse(name, data, len, t, src->sheet, sizeof(src->sheet), err, errlen);
    }
    if (len >= 4 && memcmp(data, "\xD0\xCF\x11\xE0", 4) == 0) {
        snprintf(err, errlen, _("%s: an old Excel .xls workbook; open it in Excel or LibreOffice"
                 " and save it as .xlsx or as CSV"), name);
        return -1;
    }
    char *text;
    size_t tlen;
    src->form = "csv";
    if (text_to_utf8(name, data, len, &text, &tlen, &src->encoding, err, errlen) < 0)
        return -1;
    int rc = csv_table_parse(name, text ? text : data, tlen, t, err, errlen);
    free(text);
    return rc;
}

int table_read(const char *path, struct csv_table *t, struct table_source *src, char *err,
               size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    memset(t, 0, sizeof(*t));
    memset(src, 0, sizeof(*src));
    if (fp == NULL || fstat(fileno(fp), &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    if (st.st_size > TABLE_MAX_BYTES) {
        snprintf(err, errlen, _("%s: larger than %ld MB; split it"), path, TABLE_MAX_BYTES >> 20);
        fclose(fp);
        return -1;
    }
    char *data = malloc((size_t)st.st_size + 1);
    size_t got = data ? fread(data, 1, (size_t)st.st_size, fp) : 0;
    int readerr = ferror(fp);
    fclose(fp);
    if (data == NULL || readerr || got != (size_t)st.st_size) {
        snprintf(err, errlen, "%s: %s", path, data ? "read error" : "out of memory");
        free(data);
        return -1;
    }
    data[got] = '\0';
    int rc = table_parse(path, data, got, t, src, err, errlen);
    free(data);
    return rc;
}
