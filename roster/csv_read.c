/*
 * NAME
 *	csv_read 3
 * SUMMARY
 *	read a spreadsheet's CSV export into rows, with line numbers
 * DESCRIPTION
 *	See csv_read.h.  libcsv is fed one line at a time so that the line
 *	a row starts on is known when its first field arrives.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_read.h"
#include "i18n.h"
#include "names.h"
#include "util.h"

#define CSV_MAX_LINE 16384          /* bytes; no class list has such a line */

/* State shared with libcsv's callbacks. */
struct parse_state {
    struct csv_table *t;
    struct csv_row cur;
    int line;           /* line being fed */
    int row_start;      /* line where the row being parsed began */
    int failed;
};

/* libcsv field callback: append one trimmed field to the current row. */
static void on_field(void *data, size_t len, void *ctx)
{
    struct parse_state *ps = ctx;
    char **grown = realloc(ps->cur.fields, (size_t)(ps->cur.nfields + 1) * sizeof(char *));
    char *copy = malloc(len + 1);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL)
            ps->cur.fields = grown;
        ps->failed = 1;
        return;
    }
    ps->cur.fields = grown;
    memcpy(copy, data ? data : "", len);
    copy[len] = '\0';
    char *trimmed = surel_trim(copy);
    memmove(copy, trimmed, strlen(trimmed) + 1);
    if (ps->cur.nfields == 0)
        ps->cur.line = ps->row_start;
    ps->cur.fields[ps->cur.nfields++] = copy;
}

static void row_free(struct csv_row *row)
{
    for (int i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
    free(row->numeric);
    memset(row, 0, sizeof(*row));
}

/* libcsv row callback: keep the row unless every field is blank. */
static void on_row(int c, void *ctx)
{
    struct parse_state *ps = ctx;
    int blank = 1;
    (void)c;
    for (int i = 0; i < ps->cur.nfields && blank; i++)
        blank = ps->cur.fields[i][0] == '\0';
    if (blank || ps->failed) {
        row_free(&ps->cur);
        return;
    }
    struct csv_row *grown = realloc(ps->t->rows, (size_t)(ps->t->nrows + 1) * sizeof(*grown));
    if (grown == NULL) {
        row_free(&ps->cur);
        ps->failed = 1;
        return;
    }
    ps->t->rows = grown;
    ps->t->rows[ps->t->nrows++] = ps->cur;
    memset(&ps->cur, 0, sizeof(ps->cur));
}

/* The delimiter most used outside quotes on the first DELIM_LINES non-blank
 * lines: title lines above a header (one cell, no delimiter) do not decide. */
#define DELIM_LINES 30
static char detect_delimiter(const char *data, size_t len)
{
    size_t counts[3] = {0, 0, 0};
    static const char cand[3] = {',', ';', '\t'};
    int quoted = 0, seen_text = 0, lines = 0;
    for (size_t i = 0; i < len && lines < DELIM_LINES; i++) {
        char c = data[i];
        if (c == '"')
            quoted = !quoted;
        if (!quoted && (c == '\n' || c == '\r') && seen_text) {
            lines++;
            seen_text = 0;
        }
        if (c != '\n' && c != '\r' && c != ' ')
            seen_text = 1;
        for (int k = 0; k < 3 && !quoted; k++)
            if (c == cand[k])
                counts[k]++;
    }
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (counts[k] > counts[best])
            best = k;
    return cand[best];
}

/* Name the first line that is too long or not valid UTF-8 (*too_long says which), or 0. */
static int first_bad_line(const char *data, size_t len, int *too_long)
{
    int line = 1;
    size_t start = 0;
    char buf[CSV_MAX_LINE + 1];
    *too_long = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && data[i] != '\n')
            continue;
        size_t n = i - start;
        if (n > CSV_MAX_LINE) {
            *too_long = 1;
            return line;                /* absurdly long for a class list */
        }
        memcpy(buf, data + start, n);
        buf[n] = '\0';
        if (memchr(data + start, '\0', i - start) != NULL || !surel_utf8_valid(buf))
            return line;
        line++;
        start = i + 1;
    }
    return 0;
}

/* Where a quote goes wrong, after libcsv refused the text: the line, and why in *why. */
static int quote_problem(const char *d, size_t len, char delim, const char **why)
{
    int line = 1, open_line = 0, quoted = 0, at_start = 1;
    for (size_t i = 0; i < len; i++) {
        char c = d[i];
        if (quoted && c == '"' && i + 1 < len && d[i + 1] == '"') {
            i++;                                        /* "" inside quotes */
        } else if (quoted && c == '"') {
            size_t j = i + 1;
            while (j < len && (d[j] == ' ' || (d[j] == '\t' && delim != '\t')))
                j++;
            if (j < len && d[j] != delim && d[j] != '\n' && d[j] != '\r') {
                *why = open_line < line ? _("a quote opens here and is never closed")
                                        : _("a quote inside a quoted field must be doubled (\"\")");
                return open_line < line ? open_line : line;
            }
            quoted = at_start = 0;
        } else if (c == '\n') {
            line++;
            at_start = 1;               /* matters only outside quotes */
        } else if (quoted) {
            continue;
        } else if (c == delim) {
            at_start = 1;
        } else if (c == '"' && at_start) {
            quoted = 1;
            open_line = line;
        } else if (c == '"') {
            *why = "a quote in the middle of a field: put the whole field in quotes and"
                   " double the quote (\"\")";
            return line;
        } else if (c != ' ' && c != '\r') {
            at_start = 0;
        }
    }
    *why = _("a quote opens here and is never closed");
    return quoted ? open_line : 0;
}

/* Say what libcsv refused, at the line where the volunteer can mend it. */
static void parse_error(const char *name, const char *data, size_t len, char delim,
                        int fallback_line, const char *fallback, char *err, size_t errlen)
{
    const char *why = NULL;
    int line = quote_problem(data, len, delim, &why);
    if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", name, line, why);
    else
        snprintf(err, errlen, "%s:%d: %s", name, fallback_line, fallback);
}

int csv_table_parse(const char *name, const char *data, size_t len, struct csv_table *t,
                    char *err, size_t errlen)
{
    struct csv_parser p;
    struct parse_state ps = {.t = t, .line = 0};
    int bad, too_long;
    memset(t, 0, sizeof(*t));
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if ((bad = first_bad_line(data, len, &too_long)) != 0) {
        if (too_long)
            snprintf(err, errlen, _("%s:%d: line too long (more than %d bytes); is this a class"
                     " list?"), name, bad, CSV_MAX_LINE);
        else
            snprintf(err, errlen, _("%s:%d: not UTF-8 text; save the sheet as \"CSV UTF-8\""),
                     name, bad);
        return -1;
    }
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        snprintf(err, errlen, _("%s: out of memory"), name);
        return -1;
    }
    t->delimiter = detect_delimiter(data, len);
    csv_set_delim(&p, (unsigned char)t->delimiter);
    size_t pos = 0;
    while (pos < len && !ps.failed) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : len - pos;
        ps.line++;
        if (p.pstate == 0)              /* libcsv's ROW_NOT_BEGUN */
            ps.row_start = ps.line;
        if (csv_parse(&p, data + pos, n, on_field, on_row, &ps) != n) {
            parse_error(name, data, len, t->delimiter, ps.line, csv_strerror(csv_error(&p)),
                        err, errlen);
            ps.failed = 2;
        }
        pos += n;
    }
    if (!ps.failed && csv_fini(&p, on_field, on_row, &ps) != 0) {
        parse_error(name, data, len, t->delimiter, ps.row_start,
                    _("a quote opens here and is never closed"), err, errlen);
        ps.failed = 2;
    }
    csv_free(&p);
    row_free(&ps.cur);
    if (ps.failed == 1)
        snprintf(err, errlen, _("%s: out of memory"), name);
    if (!ps.failed && t->nrows == 0) {
        snprintf(err, errlen, _("%s: no rows; the file is empty"), name);
        ps.failed = 2;
    }
    if (ps.failed) {
        csv_table_free(t);
        return -1;
    }
    return 0;
}

void csv_table_free(struct csv_table *t)
{
    for (int i = 0; i < t->nrows; i++)
        row_free(&t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof(*t));
}
