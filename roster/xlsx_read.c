/*
 * NAME
 *	xlsx_read 3
 * SUMMARY
 *	the first sheet of an .xlsx workbook as rows of text
 * DESCRIPTION
 *	See xlsx_read.h.  The container is libzip's (opened from the bytes
 *	already read, so the file is read once), the XML libxml2's DOM
 *	parser with XML_PARSE_NONET and without entity substitution.  Parts
 *	are matched by their local element names, so both the transitional
 *	and the strict OOXML namespaces are read.
 * FAILURE MODES
 *	Every part's buffer and document is freed before the next is read;
 *	on any error the rows built so far, the shared strings and the style
 *	table are freed and t is left empty.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

#include "i18n.h"
#include "util.h"
#include "xlsx_read.h"

#define XLSX_PART_MAX (32L * 1024 * 1024)  /* uncompressed bytes of one part */
#define XLSX_CELLS_MAX (4L * 1000 * 1000)   /* cells kept from the sheet */
#define XLSX_COLS_MAX 16384                 /* A .. XFD */
#define XLSX_ROWS_MAX 1048576

struct xlsx {
    const char *name;       /* the file, for messages */
    zip_t *zip;
    char **strings;         /* shared strings */
    long nstrings;
    unsigned char *date_xf; /* per cell style: 1 if its number format is a date */
    long nxf;
    int date1904;
    long cells;
    char sheet_path[512], strings_path[512], styles_path[512];
    char *sheet;
    size_t sheetlen;
    char *err;
    size_t errlen;
};

/* True if n is an element with this local name, whatever its namespace. */
static int is_el(const xmlNode *n, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

/* The first child element of parent (or following sibling of n) named local. */
static xmlNode *next_el(xmlNode *n, const char *local)
{
    for (; n != NULL; n = n->next)
        if (is_el(n, local))
            return n;
    return NULL;
}

static xmlNode *first_el(xmlNode *parent, const char *local)
{
    return parent ? next_el(parent->children, local) : NULL;
}

/* Copy attribute name (any namespace) into out; 1 if present. */
static int attr(xmlNode *n, const char *name, char *out, size_t len)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (v == NULL) {
        out[0] = '\0';
        return 0;
    }
    surel_strlcpy(out, (const char *)v, len);
    xmlFree(v);
    return 1;
}

/* Read one part of the zip: 0 read, 1 absent, -1 error (err set). */
static int part_read(struct xlsx *x, const char *path, char **buf, size_t *len)
{
    zip_stat_t st;
    zip_stat_init(&st);
    *buf = NULL;
    if (zip_stat(x->zip, path, ZIP_FL_NOCASE, &st) < 0)
        return 1;
    if (!(st.valid & ZIP_STAT_SIZE) || st.size > (zip_uint64_t)XLSX_PART_MAX) {
        snprintf(x->err, x->errlen, _("%s: %s is larger than %ld MB"), x->name, path,
                 XLSX_PART_MAX >> 20);
        return -1;
    }
    zip_file_t *f = zip_fopen(x->zip, path, ZIP_FL_NOCASE);
    char *b = malloc((size_t)st.size + 1);
    zip_int64_t got = 0, n = 1;
    while (f != NULL && b != NULL && (zip_uint64_t)got < st.size && n > 0)
        got += n = zip_fread(f, b + got, st.size - (zip_uint64_t)got);
    if (f == NULL || b == NULL || n < 0 || (zip_uint64_t)got != st.size) {
        snprintf(x->err, x->errlen, "%s: %s: %s", x->name, path,
                 b == NULL ? "out of memory" : f == NULL ? zip_strerror(x->zip)
                 : "damaged (cannot be decompressed)");
        if (f != NULL)
            zip_fclose(f);
        free(b);
        return -1;
    }
    zip_fclose(f);
    b[got] = '\0';
    *buf = b;
    *len = (size_t)got;
    return 0;
}

/* Parse one part as XML: the document, or NULL (err set unless absent and optional). */
static xmlDoc *part_xml(struct xlsx *x, const char *path, int required, int *absent)
{
    char *buf;
    size_t len;
    int rc = part_read(x, path, &buf, &len);
    *absent = rc == 1;
    if (rc == 1 && required)
        snprintf(x->err, x->errlen, _("%s: not an Excel workbook (it has no %s); save it as"
                 " .xlsx or as CSV"), x->name, path);
    if (rc != 0)
        return NULL;
    xmlDoc *doc = xmlReadMemory(buf, (int)len, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    free(buf);
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        const xmlError *e = xmlGetLastError();
        snprintf(x->err, x->errlen, _("%s: %s:%d: malformed XML: %s"), x->name, path,
                 e ? e->line : 0, e && e->message ? e->message : "no root element\n");
        x->err[strcspn(x->err, "\n")] = '\0';
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* A relationship's target as a path inside the zip (targets are relative to xl/). */
static void target_path(const char *target, char *out, size_t len)
{
    if (target[0] == '/')
        surel_strlcpy(out, target + 1, len);
    else
        snprintf(out, len, "xl/%s", target);
}

/* True if s ends with suffix. */
static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Find the sheet's, shared strings' and styles' parts through workbook.xml.rels. */
static int read_rels(struct xlsx *x, const char *sheet_rid)
{
    int absent;
    xmlDoc *doc = part_xml(x, "xl/_rels/workbook.xml.rels", 1, &absent);
    char id[128], type[512], target[400];
    if (doc == NULL)
        return -1;
    for (xmlNode *r = first_el(xmlDocGetRootElement(doc), "Relationship"); r != NULL;
         r = next_el(r->next, "Relationship")) {
        attr(r, "Id", id, sizeof(id));
        attr(r, "Type", type, sizeof(type));
        if (!attr(r, "Target", target, sizeof(target)))
            continue;
        if (strcmp(id, sheet_rid) == 0)
            target_path(target, x->sheet_path, sizeof(x->sheet_path));
        else if (ends_with(type, "/sharedStrings"))
            target_path(target, x->strings_path, sizeof(x->strings_path));
        else if (ends_with(type, "/styles"))
            target_path(target, x->styles_path, sizeof(x->styles_path));
    }
    xmlFreeDoc(doc);
    if (x->sheet_path[0] == '\0') {
        snprintf(x->err, x->errlen, _("%s: xl/_rels/workbook.xml.rels has no part for sheet"
                 " \"%s\" (relationship %s)"), x->name, x->sheet, sheet_rid);
        return -1;
    }
    return 0;
}

/* The first sheet's name and relationship from workbook.xml, and the date system. */
static int read_workbook(struct xlsx *x)
{
    int absent;
    char rid[128] = "", v[16];
    xmlDoc *doc = part_xml(x, "xl/workbook.xml", 1, &absent);
    if (doc == NULL)
        return -1;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *pr = first_el(root, "workbookPr");
    x->date1904 = pr && attr(pr, "date1904", v, sizeof(v)) && (!strcmp(v, "1") || !strcmp(v, "true"));
    xmlNode *sheet = first_el(first_el(root, "sheets"), "sheet");
    if (sheet != NULL) {
        attr(sheet, "name", x->sheet, x->sheetlen);
        attr(sheet, "id", rid, sizeof(rid));
    }
    xmlFreeDoc(doc);
    if (rid[0] == '\0') {
        snprintf(x->err, x->errlen, _("%s: xl/workbook.xml lists no sheet"), x->name);
        return -1;
    }
    return read_rels(x, rid);
}

/* Append text to a growing malloc'd string; -1 when out of memory. */
static int append(char **s, size_t *len, const char *text)
{
    size_t n = strlen(text);
    char *grown = realloc(*s, *len + n + 1);
    if (grown == NULL)
        return -1;
    memcpy(grown + *len, text, n + 1);
    *s = grown;
    *len += n;
    return 0;
}

/* Append the text of element t (a <t>) to s. */
static int append_t(char **s, size_t *len, xmlNode *t)
{
    xmlChar *c = xmlNodeGetContent(t);
    int rc = append(s, len, c ? (const char *)c : "");
    xmlFree(c);
    return rc;
}

/* The text of a string item (<si> or <is>): plain, or rich runs joined; phonetics left out. */
static char *string_item(xmlNode *si)
{
    char *s = NULL;
    size_t len = 0;
    if (append(&s, &len, "") < 0)
        return NULL;
    for (xmlNode *n = si ? si->children : NULL; n != NULL; n = n->next) {
        if (is_el(n, "t") && append_t(&s, &len, n) < 0)
            goto oom;
        for (xmlNode *t = is_el(n, "r") ? first_el(n, "t") : NULL; t; t = next_el(t->next, "t"))
            if (append_t(&s, &len, t) < 0)
                goto oom;
    }
    return s;
oom:
    free(s);
    return NULL;
}

/* Load the shared strings, if the workbook has any. */
static int read_strings(struct xlsx *x)
{
    int absent;
    if (x->strings_path[0] == '\0')
        surel_strlcpy(x->strings_path, "xl/sharedStrings.xml", sizeof(x->strings_path));
    xmlDoc *doc = part_xml(x, x->strings_path, 0, &absent);
    if (doc == NULL)
        return absent ? 0 : -1;
    long n = 0;
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *si = first_el(root, "si"); si != NULL; si = next_el(si->next, "si"))
        n++;
    x->strings = calloc((size_t)(n ? n : 1), sizeof(char *));
    for (xmlNode *si = first_el(root, "si"); si != NULL && x->strings; si = next_el(si->next, "si")) {
        if ((x->strings[x->nstrings] = string_item(si)) == NULL)
            break;
        x->nstrings++;
    }
    xmlFreeDoc(doc);
    if (x->strings == NULL || x->nstrings != n) {
        snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
        return -1;
    }
    return 0;
}

/* True for a number format code that shows a date (d or y outside quotes and brackets). */
static int date_code(const char *code)
{
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            p = strchr(p + 1, '"');
            if (p == NULL)
                return 0;
        } else if (*p == '[') {
            p = strchr(p, ']');
            if (p == NULL)
                return 0;
        } else if ((*p == '\\' || *p == '_' || *p == '*') && p[1]) {
            p++;
        } else if (strchr("dDyY", *p)) {
            return 1;
        }
    }
    return 0;
}

/* True if number format id (with the workbook's own formats) shows a date. */
static int date_format(xmlNode *numfmts, long id)
{
    char v[32], code[256];
    if ((id >= 14 && id <= 17) || id == 22)     /* Excel's built-in date formats */
        return 1;
    for (xmlNode *f = first_el(numfmts, "numFmt"); f != NULL; f = next_el(f->next, "numFmt"))
        if (attr(f, "numFmtId", v, sizeof(v)) && atol(v) == id)
            return attr(f, "formatCode", code, sizeof(code)) && date_code(code);
    return 0;
}

/* Which cell styles show dates, from styles.xml. */
static int read_styles(struct xlsx *x)
{
    int absent;
    char v[32];
    if (x->styles_path[0] == '\0')
        surel_strlcpy(x->styles_path, "xl/styles.xml", sizeof(x->styles_path));
    xmlDoc *doc = part_xml(x, x->styles_path, 0, &absent);
    if (doc == NULL)
        return absent ? 0 : -1;
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *numfmts = first_el(root, "numFmts"), *xfs = first_el(root, "cellXfs");
    long n = 0;
    for (xmlNode *xf = first_el(xfs, "xf"); xf != NULL; xf = next_el(xf->next, "xf"))
        n++;
    x->date_xf = calloc((size_t)(n ? n : 1), 1);
    for (xmlNode *xf = first_el(xfs, "xf"); xf != NULL && x->date_xf; xf = next_el(xf->next, "xf")) {
        x->date_xf[x->nxf++] = attr(xf, "numFmtId", v, sizeof(v)) && date_format(numfmts, atol(v));
    }
    xmlFreeDoc(doc);
    if (x->date_xf == NULL) {
        snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
        return -1;
    }
    return 0;
}

/* "AB12" -> column 27 (0-based 27), row 12; 0 on success. */
static int cell_ref(const char *ref, int *col, long *row)
{
    long c = 0, r = 0;
    const char *p = ref;
    for (; isalpha((unsigned char)*p) && c <= XLSX_COLS_MAX; p++)
        c = c * 26 + (toupper((unsigned char)*p) - 'A' + 1);
    for (; isdigit((unsigned char)*p) && r <= XLSX_ROWS_MAX; p++)
        r = r * 10 + (*p - '0');
    if (c < 1 || c > XLSX_COLS_MAX || r < 1 || r > XLSX_ROWS_MAX || *p != '\0')
        return -1;
    *col = (int)c - 1;
    *row = r;
    return 0;
}

/* Column 27 -> "AB". */
static void col_name(int col, char *out, size_t len)
{
    char tmp[8];
    int n = 0;
    for (col++; col > 0 && n < 7; col = (col - 1) / 26)
        tmp[n++] = (char)('A' + (col - 1) % 26);
    size_t o = 0;
    while (n > 0 && o + 1 < len)
        out[o++] = tmp[--n];
    out[o] = '\0';
}

/* Days since 1970-01-01 -> civil date (Hinnant's algorithm). */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* A serial date as YYYY-MM-DD; 1900 system with Excel's 29 Feb 1900, or 1904. */
static void serial_date(double v, int date1904, char *out, size_t len)
{
    long serial = (long)floor(v), days;
    int y, m, d;
    if (date1904)
        days = serial - 24107;          /* 1904-01-01 is 1970-01-01 minus 24107 days */
    else
        days = serial - 25569 + (serial < 61);  /* serial 25569 is 1970-01-01 */
    civil_from_days(days, &y, &m, &d);
    snprintf(out, len, "%04d-%02d-%02d", y, m, d);
}

/* A number cell's text: its digits, or a date; -1 if v is not a number. */
static int number_text(const char *v, int date, int date1904, char *out, size_t len)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == v || *end != '\0' || !isfinite(d))
        return -1;
    if (date && d >= 1 && d < 2958466)          /* up to 9999-12-31 */
        serial_date(d, date1904, out, len);
    else if (d == floor(d) && fabs(d) < 1e17)
        snprintf(out, len, "%.0f", d);
    else
        snprintf(out, len, "%.15g", d);
    return 0;
}

/* The text of one cell, malloc'd; *numeric set for numbers; NULL with err set. */
static char *cell_text(struct xlsx *x, xmlNode *c, const char *ref, int *numeric)
{
    char type[16], style[16], num[64];
    attr(c, "t", type, sizeof(type));
    int xf = attr(c, "s", style, sizeof(style)) ? atoi(style) : 0;
    xmlNode *vn = first_el(c, "v");
    xmlChar *v = vn ? xmlNodeGetContent(vn) : NULL;
    const char *vs = v ? (const char *)v : "";
    char *out = NULL;
    *numeric = 0;
    if (strcmp(type, "inlineStr") == 0) {
        out = string_item(first_el(c, "is"));
    } else if (strcmp(type, "s") == 0) {
        char *end;
        long i = strtol(vs, &end, 10);
        if (end == vs || *end || i < 0 || i >= x->nstrings)
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\" cell %s: shared string %s does not"
                     " exist"), x->name, x->sheet, ref, vs);
        else
            out = strdup(x->strings[i]);
    } else if (strcmp(type, "b") == 0) {
        out = strdup(strcmp(vs, "1") == 0 ? "TRUE" : "FALSE");
    } else if (type[0] == '\0' || strcmp(type, "n") == 0) {
        int date = xf >= 0 && xf < x->nxf && x->date_xf[xf];
        if (*vs == '\0')
            out = strdup("");
        else if (number_text(vs, date, x->date1904, num, sizeof(num)) < 0)
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\" cell %s: its number cannot be read"),
                     x->name, x->sheet, ref);   /* not quoted: it may be a NIK */
        else if ((out = strdup(num)) != NULL)
            *numeric = !date;
    } else {                            /* str (formula), e (error), d (ISO date) */
        out = strdup(vs);
    }
    xmlFree(v);
    if (out == NULL && x->err[0] == '\0')
        snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
    return out;
}

/* Put value into column col of row, filling the gap with empty fields. */
static int row_put(struct xlsx *x, struct csv_row *row, int col, char *value, int numeric)
{
    if (col >= row->nfields) {
        if (x->cells + (col + 1 - row->nfields) > XLSX_CELLS_MAX) {
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\" has more than %ld cells"), x->name,
                     x->sheet, XLSX_CELLS_MAX);
            return -1;
        }
        char **f = realloc(row->fields, (size_t)(col + 1) * sizeof(char *));
        if (f != NULL)
            row->fields = f;
        unsigned char *nm = f ? realloc(row->numeric, (size_t)(col + 1)) : NULL;
        if (nm != NULL)
            row->numeric = nm;
        for (; nm != NULL && row->nfields <= col; row->nfields++, x->cells++) {
            if ((row->fields[row->nfields] = strdup("")) == NULL)
                break;
            row->numeric[row->nfields] = 0;
        }
        if (row->nfields <= col) {
            snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
            return -1;
        }
    }
    char *trimmed = surel_trim(value);
    memmove(value, trimmed, strlen(trimmed) + 1);
    free(row->fields[col]);
    row->fields[col] = value;
    row->numeric[col] = (unsigned char)numeric;
    return 0;
}

/* Free one row's fields. */
static void row_clear(struct csv_row *row)
{
    for (int i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
    free(row->numeric);
    memset(row, 0, sizeof(*row));
}

/* True if every field of the row is blank. */
static int row_blank(const struct csv_row *row)
{
    for (int i = 0; i < row->nfields; i++)
        if (row->fields[i][0] != '\0')
            return 0;
    return 1;
}

/* Read one <row> into out: its cells, by their references. */
static int read_row(struct xlsx *x, xmlNode *rn, long line, struct csv_row *out)
{
    char ref[32], name[8];
    int col = -1;
    long r;
    memset(out, 0, sizeof(*out));
    out->line = (int)line;
    for (xmlNode *c = first_el(rn, "c"); c != NULL; c = next_el(c->next, "c")) {
        int numeric;
        if (attr(c, "r", ref, sizeof(ref))) {
            if (cell_ref(ref, &col, &r) < 0 || r != line) {
                snprintf(x->err, x->errlen, _("%s: sheet \"%s\" row %ld: bad cell reference"
                         " \"%s\""), x->name, x->sheet, line, ref);
                return -1;
            }
        } else if (++col >= XLSX_COLS_MAX) {
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\" row %ld: more than %d columns"),
                     x->name, x->sheet, line, XLSX_COLS_MAX);
            return -1;
        } else {
            col_name(col, name, sizeof(name));
            snprintf(ref, sizeof(ref), "%s%ld", name, line);
        }
        char *text = cell_text(x, c, ref, &numeric);
        if (text == NULL)
            return -1;
        if (row_put(x, out, col, text, numeric) < 0) {
            free(text);
            return -1;
        }
    }
    return 0;
}

/* Append a non-blank row to the table (the table takes it). */
static int table_add(struct xlsx *x, struct csv_table *t, struct csv_row *row)
{
    if (row_blank(row)) {
        x->cells -= row->nfields;
        row_clear(row);
        return 0;
    }
    struct csv_row *grown = realloc(t->rows, (size_t)(t->nrows + 1) * sizeof(*grown));
    if (grown == NULL) {
        snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
        return -1;
    }
    t->rows = grown;
    t->rows[t->nrows++] = *row;
    memset(row, 0, sizeof(*row));
    return 0;
}

/* The index of the first row at or after sheet row line (rows are in order). */
static int row_index(const struct csv_table *t, long line)
{
    int lo = 0, hi = t->nrows;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (t->rows[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A value merged over rows r1..r2 of column col fills that column on the rows below. */
static int merge_down(struct xlsx *x, struct csv_table *t, int col, long r1, long r2)
{
    int i = row_index(t, r1);
    if (i >= t->nrows || t->rows[i].line != r1 || col >= t->rows[i].nfields
        || t->rows[i].fields[col][0] == '\0')
        return 0;
    const struct csv_row *top = &t->rows[i];
    for (int j = i + 1; j < t->nrows && t->rows[j].line <= r2; j++) {
        struct csv_row *row = &t->rows[j];
        if (col < row->nfields && row->fields[col][0] != '\0')
            continue;
        char *copy = strdup(top->fields[col]);
        if (copy == NULL || row_put(x, row, col, copy, top->numeric[col]) < 0) {
            if (copy == NULL)
                snprintf(x->err, x->errlen, _("%s: out of memory"), x->name);
            free(copy);
            return -1;
        }
    }
    return 0;
}

/* Apply <mergeCells>: values merged over several rows count on each of them. */
static int read_merges(struct xlsx *x, xmlNode *ws, struct csv_table *t)
{
    char ref[64];
    xmlNode *mc = first_el(ws, "mergeCells");
    for (xmlNode *m = first_el(mc, "mergeCell"); m != NULL; m = next_el(m->next, "mergeCell")) {
        int c1, c2;
        long r1, r2;
        char *colon;
        if (!attr(m, "ref", ref, sizeof(ref)) || (colon = strchr(ref, ':')) == NULL)
            continue;
        *colon = '\0';
        if (cell_ref(ref, &c1, &r1) < 0 || cell_ref(colon + 1, &c2, &r2) < 0) {
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\": bad merged range \"%s:%s\""),
                     x->name, x->sheet, ref, colon + 1);
            return -1;
        }
        if (r2 > r1 && merge_down(x, t, c1, r1, r2) < 0)
            return -1;
    }
    return 0;
}

/* Read the sheet's rows, then its merged cells. */
static int read_sheet(struct xlsx *x, struct csv_table *t)
{
    int absent, rc = 0;
    long line = 0;
    char v[32];
    struct csv_row row = {0};
    xmlDoc *doc = part_xml(x, x->sheet_path, 1, &absent);
    if (doc == NULL)
        return -1;
    xmlNode *ws = xmlDocGetRootElement(doc);
    for (xmlNode *rn = first_el(first_el(ws, "sheetData"), "row"); rn && rc == 0;
         rn = next_el(rn->next, "row")) {
        long prev = line;
        line = attr(rn, "r", v, sizeof(v)) ? atol(v) : line + 1;
        if (line <= prev || line > XLSX_ROWS_MAX) {
            snprintf(x->err, x->errlen, _("%s: sheet \"%s\": row %s comes after row %ld"),
                     x->name, x->sheet, v, prev);
            rc = -1;
        } else if ((rc = read_row(x, rn, line, &row)) == 0) {
            rc = table_add(x, t, &row);
        }
        row_clear(&row);
    }
    if (rc == 0)
        rc = read_merges(x, ws, t);
    xmlFreeDoc(doc);
    if (rc == 0 && t->nrows == 0) {
        snprintf(x->err, x->errlen, _("%s: sheet \"%s\" is empty"), x->name, x->sheet);
        rc = -1;
    }
    return rc;
}

/* Open the zip held in memory. */
static int open_zip(struct xlsx *x, const char *data, size_t len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (src != NULL && (x->zip = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL)
        zip_source_free(src);
    if (x->zip == NULL)
        snprintf(x->err, x->errlen, _("%s: not a readable .xlsx workbook (%s)"), x->name,
                 zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return x->zip ? 0 : -1;
}

int xlsx_parse(const char *name, const char *data, size_t len, struct csv_table *t, char *sheet,
               size_t sheetlen, char *err, size_t errlen)
{
    struct xlsx x = {.name = name, .sheet = sheet, .sheetlen = sheetlen, .err = err,
                     .errlen = errlen};
    int rc;
    memset(t, 0, sizeof(*t));
    sheet[0] = err[0] = '\0';
    xmlInitParser();
    rc = open_zip(&x, data, len);
    if (rc == 0)
        rc = read_workbook(&x);
    if (rc == 0)
        rc = read_strings(&x);
    if (rc == 0)
        rc = read_styles(&x);
    if (rc == 0)
        rc = read_sheet(&x, t);
    if (x.zip != NULL)
        zip_discard(x.zip);
    for (long i = 0; i < x.nstrings; i++)
        free(x.strings[i]);
    free(x.strings);
    free(x.date_xf);
    if (rc < 0)
        csv_table_free(t);
    return rc;
}
