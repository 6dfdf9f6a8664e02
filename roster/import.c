/*
 * NAME
 *	import 3
 * SUMMARY
 *	class lists into the roster: columns, rows, matching, changes
 * DESCRIPTION
 *	See import.h.  import_plan() writes as it goes, inside the caller's
 *	transaction: the caller commits, or rolls back for --dry-run.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "import.h"
#include "name_case.h"
#include "names.h"
#include "util.h"

/* Header words per column, compared after dropping case, blanks and punctuation. */
static const char *const column_words[COL_COUNT][8] = {
    [COL_NAME] = {"nama", "name", "namalengkap", "fullname", "namasiswa",
                  "namapesertadidik", "namaguru", NULL},
    [COL_CLASS] = {"kelas", "rombel", "class", "rombonganbelajar", "namarombel", "grade",
                   "rombelsaatini", NULL},
    [COL_NISN] = {"nisn", NULL},
    [COL_GENDER] = {"jk", "jeniskelamin", "gender", "sex", "lp", NULL},
    [COL_ROLE] = {"peran", "role", NULL},
};
static const char *const column_label[COL_COUNT] = {"name", "class", "NISN", "gender", "role"};

/* "Nama Lengkap" -> "namalengkap". */
static void header_key(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (; *in && o + 1 < len; in++)
        if (isalnum((unsigned char)*in))
            out[o++] = (char)tolower((unsigned char)*in);
    out[o] = '\0';
}

int import_map_header(const struct csv_row *header, int col[COL_COUNT], char *err, size_t errlen)
{
    char key[64];
    for (int c = 0; c < COL_COUNT; c++)
        col[c] = -1;
    for (int i = 0; i < header->nfields; i++) {
        header_key(header->fields[i], key, sizeof(key));
        for (int c = 0; c < COL_COUNT; c++) {
            for (int w = 0; column_words[c][w] != NULL; w++) {
                if (strcmp(key, column_words[c][w]) != 0)
                    continue;
                if (col[c] >= 0) {
                    snprintf(err, errlen, _("line %d: two %s columns: \"%s\" and \"%s\""),
                             header->line, column_label[c], header->fields[col[c]],
                             header->fields[i]);
                    return -1;
                }
                col[c] = i;
            }
        }
    }
    if (col[COL_NAME] < 0) {
        snprintf(err, errlen, _("line %d: no name column (a header such as Nama or Name)"),
                 header->line);
        return -1;
    }
    return 0;
}

/* Index of the row's first field that names the name column, or -1. */
static int name_field(const struct csv_row *row)
{
    char key[64];
    for (int i = 0; i < row->nfields; i++) {
        header_key(row->fields[i], key, sizeof(key));
        for (int w = 0; column_words[COL_NAME][w] != NULL; w++)
            if (strcmp(key, column_words[COL_NAME][w]) == 0)
                return i;
    }
    return -1;
}

/* The field i of a row, or "" past its end. */
static const char *cell(const struct csv_row *row, int i)
{
    return i < row->nfields ? row->fields[i] : "";
}

/* True if text is one of the header words of any column ("Nama", "NISN", ...). */
static int column_word(const char *text)
{
    char key[64];
    header_key(text, key, sizeof(key));
    for (int c = 0; c < COL_COUNT; c++)
        for (int w = 0; column_words[c][w] != NULL; w++)
            if (strcmp(key, column_words[c][w]) == 0)
                return 1;
    return 0;
}

/* Is sub the second row of a two-row header over top?  It follows at once, its
 * name cell is empty (or repeats the merged "Nama"), it has a cell under an
 * empty top cell (a group's sub-column), and a header word among its cells
 * (Dapodik's groups have Nama), so that a data row with an empty name is not
 * taken for one. */
static int second_header_row(const struct csv_row *top, const struct csv_row *sub, int name_col)
{
    const char *n = cell(sub, name_col);
    int under_group = 0, word = 0;
    if (sub->line != top->line + 1 || (*n && strcasecmp(n, cell(top, name_col)) != 0))
        return 0;
    for (int i = 0; i < sub->nfields; i++) {
        if (sub->fields[i][0] == '\0' || strcasecmp(sub->fields[i], cell(top, i)) == 0)
            continue;
        under_group |= *cell(top, i) == '\0';
        word |= column_word(sub->fields[i]);
    }
    return under_group && word;
}

/* One header from two rows: a single column is its top cell, a sub-column is
 * its group and its own name ("Data Ayah" + "Nama" -> "Data Ayah Nama"). */
static int join_header(const struct csv_row *top, const struct csv_row *sub, struct csv_row *out)
{
    int n = top->nfields > sub->nfields ? top->nfields : sub->nfields;
    const char *group = "";
    memset(out, 0, sizeof(*out));
    out->line = top->line;
    if ((out->fields = calloc((size_t)(n ? n : 1), sizeof(char *))) == NULL)
        return -1;
    for (int i = 0; i < n; i++, out->nfields++) {
        const char *t = cell(top, i), *s = cell(sub, i);
        if (*t && (!*s || strcasecmp(s, t) == 0))
            group = "", s = "";
        else if (*t)
            group = t, t = "";
        if (asprintf(&out->fields[i], "%s%s%s%s", group, *t ? t : "",
                     *group && *s ? " " : "", s) < 0) {
            out->fields[i] = NULL;
            return -1;
        }
    }
    return 0;
}

/* Free a header made by join_header(). */
static void header_free(struct csv_row *row)
{
    for (int i = 0; i < row->nfields; i++)
        free(row->fields[i]);
    free(row->fields);
}

int import_find_header(const struct csv_table *t, int col[COL_COUNT], int *first_data,
                       char *err, size_t errlen)
{
    int h = 0, name_col = -1;
    for (; h < t->nrows && h < IMPORT_HEADER_SEARCH && name_col < 0; h++)
        name_col = name_field(&t->rows[h]);
    if (name_col < 0)                  /* no header: the first row says why */
        return import_map_header(&t->rows[0], col, err, errlen);
    h--;
    if (h + 1 >= t->nrows || !second_header_row(&t->rows[h], &t->rows[h + 1], name_col)) {
        *first_data = h + 1;
        return import_map_header(&t->rows[h], col, err, errlen);
    }
    struct csv_row joined;
    int rc = join_header(&t->rows[h], &t->rows[h + 1], &joined);
    if (rc < 0)
        snprintf(err, errlen, _("out of memory"));
    else
        rc = import_map_header(&joined, col, err, errlen);
    header_free(&joined);
    *first_data = h + 2;
    return rc;
}

/* The field of a column, or "" when the column or the field is absent. */
static const char *field(const struct csv_row *row, const int col[COL_COUNT], int c)
{
    return col[c] >= 0 && col[c] < row->nfields ? row->fields[col[c]] : "";
}

/* "L", "P" from the ways spreadsheets write it; NULL if unknown. */
static const char *gender_code(const char *s)
{
    static const char *const male[] = {"l", "laki-laki", "laki laki", "lk", "m", "male", NULL};
    static const char *const female[] = {"p", "perempuan", "pr", "f", "female", "w", NULL};
    for (int i = 0; male[i]; i++)
        if (strcasecmp(s, male[i]) == 0)
            return "L";
    for (int i = 0; female[i]; i++)
        if (strcasecmp(s, female[i]) == 0)
            return "P";
    return NULL;
}

/* Check the NISN: ten digits, as the national register issues them. */
static int nisn_valid(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return n == 10;
}

/* "Kelas 7A" -> "7A": Dapodik's Rombel often repeats the word. */
static const char *class_value(const char *v)
{
    if (strncasecmp(v, "kelas", 5) == 0 && (v[5] == ' ' || v[5] == '\t')) {
        v += 6;
        while (*v == ' ' || *v == '\t')
            v++;
    }
    return v;
}

/* "A".."XFD" for a 0-based column. */
static void column_letters(int c, char *out, size_t len)
{
    char tmp[8];
    int n = 0;
    size_t o = 0;
    for (c++; c > 0 && n < 7; c = (c - 1) / 26)
        tmp[n++] = (char)('A' + (c - 1) % 26);
    while (n > 0 && o + 1 < len)
        out[o++] = tmp[--n];
    out[o] = '\0';
}

/* A NISN a workbook stored as a number lost its leading zeros: 8 or 9 digits
 * get them back (a NISN is 10 digits); other lengths are refused, naming the
 * cell.  out is "" when the NISN is not a number cell. */
static int nisn_from_number(const struct csv_row *row, const int col[COL_COUNT], char *out,
                            size_t len, char *err, size_t errlen)
{
    int c = col[COL_NISN];
    out[0] = '\0';
    if (row->numeric == NULL || c < 0 || c >= row->nfields || !row->numeric[c])
        return 0;
    const char *v = row->fields[c];
    size_t n = strlen(v);
    if (n >= 8 && n <= 10 && strspn(v, "0123456789") == n) {
        snprintf(out, len, "%.*s%s", (int)(10 - n), "00", v);
        return 0;
    }
    char letters[8];
    column_letters(c, letters, sizeof(letters));
    snprintf(err, errlen, _("line %d: NISN %s in cell %s%d is a number of %zu digits, not a"
             " NISN (10 digits); format the column as text and type it again"), row->line, v,
             letters, row->line, n);
    return -1;
}

int import_read_row(const struct csv_row *row, const int col[COL_COUNT], int default_role,
                    const char *default_class, struct import_row *out, char *err, size_t errlen)
{
    const char *v;
    char why[160];
    memset(out, 0, sizeof(*out));
    out->line = row->line;
    if (surel_name_check(field(row, col, COL_NAME), why, sizeof(why)) < 0) {
        snprintf(err, errlen, "line %d: %s", row->line, why);
        return -1;
    }
    size_t need = surel_name_normalize(field(row, col, COL_NAME), out->full_name,
                                       sizeof(out->full_name));
    if (need >= sizeof(out->full_name)) {
        char start[48];                 /* cut at a character, like the name itself */
        surel_name_normalize(out->full_name, start, sizeof(start));
        snprintf(err, errlen, _("line %d: the name \"%s...\" is too long (%zu bytes of UTF-8;"
                 " at most %zu)"), row->line, start, need, sizeof(out->full_name) - 1);
        return -1;
    }
    name_case_fix(out->full_name);
    surel_name_key(out->full_name, out->name_key, sizeof(out->name_key));
    if (out->full_name[0] == '\0') {
        snprintf(err, errlen, _("line %d: the name is empty"), row->line);
        return -1;
    }
    v = field(row, col, COL_ROLE);
    int role = *v ? roster_role_parse(v) : default_role;
    if (role < 0) {
        snprintf(err, errlen, _("line %d: unknown role \"%s\" (siswa, guru, staf, admin)"),
                 row->line, v);
        return -1;
    }
    out->role = (enum roster_role)role;
    v = class_value(field(row, col, COL_CLASS));
    if (*v == '\0' && default_class != NULL)
        v = default_class;
    if (out->role == ROLE_STUDENT) {
        if (*v == '\0') {
            snprintf(err, errlen, _("line %d: no class for student \"%s\" (add a Kelas column"
                     " or use --class)"), row->line, out->full_name);
            return -1;
        }
        if (surel_class_normalize(v, out->class_name, sizeof(out->class_name)) < 0) {
            snprintf(err, errlen, _("line %d: class \"%s\" is not usable (letters, digits and"
                     " '-', at most 16)"), row->line, v);
            return -1;
        }
    }
    char nisn[ROSTER_NISN_MAX];
    if (nisn_from_number(row, col, nisn, sizeof(nisn), err, errlen) < 0)
        return -1;
    v = nisn[0] ? nisn : field(row, col, COL_NISN);
    if (*v != '\0' && !nisn_valid(v)) {
        snprintf(err, errlen, _("line %d: NISN \"%s\" is not 10 digits (did the spreadsheet"
                 " drop leading zeros? format the column as text)"), row->line, v);
        return -1;
    }
    surel_strlcpy(out->nisn, v, sizeof(out->nisn));
    v = field(row, col, COL_GENDER);
    if (*v != '\0') {
        const char *g = gender_code(v);
        if (g == NULL) {
            snprintf(err, errlen, _("line %d: gender \"%s\" is not L or P"), row->line, v);
            return -1;
        }
        surel_strlcpy(out->gender, g, sizeof(out->gender));
    }
    return 0;
}

/* Out of memory in the per-import tables (not a roster error). */
#define IMPORT_ENOMEM (-100)

/* A small hash table from a text key to two numbers: the per-import lookups (people
 * matched, rows per name, the next username suffix) in memory, so that no step of an
 * import grows with the square of the file. */
struct smap_entry {
    char *key;
    long long a, b;
};

struct smap {
    struct smap_entry *e;
    size_t cap, n;
};

/* FNV-1a of a string. */
static size_t smap_hash(const char *s)
{
    unsigned long long h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

/* Double the table (at least 64 slots); -1 if out of memory. */
static int smap_grow(struct smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct smap_entry *e = calloc(cap, sizeof(*e));
    if (e == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->e[i].key == NULL)
            continue;
        size_t j = smap_hash(m->e[i].key) & (cap - 1);
        while (e[j].key != NULL)
            j = (j + 1) & (cap - 1);
        e[j] = m->e[i];
    }
    free(m->e);
    m->e = e;
    m->cap = cap;
    return 0;
}

/* The entry of key; with create a new one (a = b = 0) if absent.  NULL: absent, or out of memory. */
static struct smap_entry *smap_get(struct smap *m, const char *key, int create)
{
    if (create && (m->n + 1) * 2 > m->cap && smap_grow(m) < 0)
        return NULL;
    if (m->cap == 0)
        return NULL;
    size_t j = smap_hash(key) & (m->cap - 1);
    for (; m->e[j].key != NULL; j = (j + 1) & (m->cap - 1))
        if (strcmp(m->e[j].key, key) == 0)
            return &m->e[j];
    if (!create || (m->e[j].key = strdup(key)) == NULL)
        return NULL;
    m->e[j].a = m->e[j].b = 0;
    m->n++;
    return &m->e[j];
}

/* Free the keys and the table. */
static void smap_free(struct smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->e[i].key);
    free(m->e);
    memset(m, 0, sizeof(*m));
}

/* What one import keeps in memory while it matches and adds. */
struct import_state {
    long long max_id;       /* people above it were added by this import */
    struct smap matched;    /* ids ("%lld") of people a row stands for */
    struct smap groups;     /* role, class, name key: b = id of the last stored match, -1 none */
    struct smap usernames;  /* username base: a = the next suffix worth trying */
};

/* Give p the first free username of its base; cache (may be NULL) remembers, per base,
 * the suffixes already found taken in this transaction, so that the n-th "Budi" costs
 * one probe, not n.  Nothing is freed inside a transaction, so the result is the same
 * first free name as without the cache: stable and deterministic. */
static int allocate_username(struct roster *r, struct smap *cache, struct roster_person *p)
{
    char base[ROSTER_USERNAME_MAX], name[ROSTER_USERNAME_MAX];
    surel_username_base(p->full_name, base, sizeof(base));
    struct smap_entry *e = cache != NULL ? smap_get(cache, base, 1) : NULL;
    if (cache != NULL && e == NULL)
        return IMPORT_ENOMEM;
    for (long long n = e != NULL && e->a > 1 ? e->a : 1;; n++) {
        if (n == 1)
            surel_strlcpy(name, base, sizeof(name));
        else
            snprintf(name, sizeof(name), "%.*s%lld", SUREL_USERNAME_BASE_MAX, base, n);
        int taken = surel_username_reserved(name) ? 1 : roster_name_taken(r, name);
        if (taken < 0)
            return taken;
        if (!taken) {
            if (e != NULL)
                e->a = n + 1;
            break;
        }
    }
    surel_strlcpy(p->username, name, sizeof(p->username));
    surel_strlcpy(p->mailbox, name, sizeof(p->mailbox));
    return 0;
}

int import_allocate_username(struct roster *r, struct roster_person *p)
{
    return allocate_username(r, NULL, p);
}

/* 1 if a row already stands for the person with this id. */
static int is_matched(struct import_state *st, long long id)
{
    char key[32];
    snprintf(key, sizeof(key), "%lld", id);
    return smap_get(&st->matched, key, 0) != NULL;
}

/* Remember that a row stands for this person; -1 if out of memory. */
static int set_matched(struct import_state *st, long long id)
{
    char key[32];
    snprintf(key, sizeof(key), "%lld", id);
    return smap_get(&st->matched, key, 1) != NULL ? 0 : -1;
}

/* Append a change to the plan. */
static int plan_add(struct import_plan *plan, enum import_kind kind, int line,
                    const struct roster_person *before, const struct roster_person *after)
{
    if (plan->nchanges == plan->cap) {
        int cap = plan->cap ? plan->cap * 2 : 64;
        struct import_change *grown = realloc(plan->changes, (size_t)cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        plan->changes = grown;
        plan->cap = cap;
    }
    struct import_change *c = &plan->changes[plan->nchanges++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->line = line;
    if (before != NULL)
        c->before = *before;
    c->after = *after;
    plan->counts[kind]++;
    return 0;
}

/* "ROLE<US>CLASS<US>NAMEKEY": the people a row without NISN may stand for. */
static void group_key(const struct import_row *row, char *out, size_t len)
{
    snprintf(out, len, "%d\x1f%s\x1f%s", (int)row->role, row->class_name, row->name_key);
}

/* Find the stored person a row stands for: 1 found, 0 new, <0 error.  The n-th row of a
 * name in a class (without NISN) stands for the n-th such stored person by id: each
 * group remembers the last id it was given and asks for the next. */
static int match_row(struct roster *r, const struct import_row *row, struct import_state *st,
                     struct roster_person *p)
{
    char key[ROSTER_NAME_MAX + ROSTER_CLASS_MAX + 16];
    int rc;
    if (row->nisn[0]) {
        rc = roster_find_nisn(r, row->nisn, p);
        if (rc != 0)
            return rc;
        rc = roster_find_name_class(r, row->full_name, row->class_name, (int)row->role, 0, p);
        if (rc == 1 && (p->nisn[0] || p->id > st->max_id || is_matched(st, p->id)))
            rc = 0;
        return rc;
    }
    group_key(row, key, sizeof(key));
    struct smap_entry *g = smap_get(&st->groups, key, 1);
    if (g == NULL)
        return IMPORT_ENOMEM;
    if (g->b < 0)
        return 0;                       /* earlier rows took every such person */
    rc = roster_find_name_class(r, row->full_name, row->class_name, (int)row->role, g->b, p);
    if (rc < 0)
        return rc;
    g->b = rc == 1 ? p->id : -1;
    if (rc == 1 && (p->id > st->max_id || is_matched(st, p->id)))
        rc = 0;
    return rc;
}

/* The person as the row says they are now: moved, renamed, back from graduation. */
static void row_update(const struct import_row *row, struct roster_person *p)
{
    surel_strlcpy(p->full_name, row->full_name, sizeof(p->full_name));
    p->role = row->role;
    surel_strlcpy(p->class_name, row->class_name, sizeof(p->class_name));
    if (row->nisn[0])
        surel_strlcpy(p->nisn, row->nisn, sizeof(p->nisn));
    if (row->gender[0])
        surel_strlcpy(p->gender, row->gender, sizeof(p->gender));
    if (p->status == STATUS_GRADUATED)
        p->status = STATUS_ACTIVE;
}

/* True if the stored fields differ. */
static int person_differs(const struct roster_person *a, const struct roster_person *b)
{
    return strcmp(a->full_name, b->full_name) || a->role != b->role
           || strcmp(a->class_name, b->class_name) || strcmp(a->nisn, b->nisn)
           || strcmp(a->gender, b->gender) || a->status != b->status;
}

/* Process one row: add, update or leave alone. */
static int import_one(struct roster *r, const struct import_row *row, struct import_state *st,
                      struct import_plan *plan, char *err, size_t errlen)
{
    struct roster_person before, after;
    int rc = match_row(r, row, st, &before);
    if (rc == IMPORT_ENOMEM)
        goto oom;
    if (rc < 0)
        goto db_error;
    if (rc == 1) {
        after = before;
        row_update(row, &after);
        if (set_matched(st, before.id) < 0)
            goto oom;
        if (!person_differs(&before, &after))
            return plan_add(plan, IMPORT_UNCHANGED, row->line, &before, &after) < 0 ? -1 : 0;
        if ((rc = roster_update(r, &after)) < 0)
            goto db_error;
        return plan_add(plan, IMPORT_UPDATE, row->line, &before, &after) < 0 ? -1 : 0;
    }
    memset(&after, 0, sizeof(after));
    after.external_mail = -1;
    after.quota_mb = -1;
    after.status = STATUS_ACTIVE;
    row_update(row, &after);
    if ((rc = allocate_username(r, &st->usernames, &after)) == IMPORT_ENOMEM)
        goto oom;
    if (rc < 0 || (rc = roster_insert(r, &after)) < 0)
        goto db_error;
    if (set_matched(st, after.id) < 0 || plan_add(plan, IMPORT_ADD, row->line, NULL, &after) < 0)
        goto oom;
    return 0;
db_error:
    snprintf(err, errlen, "line %d: %s", row->line, roster_errmsg(r));
    return rc;
oom:
    snprintf(err, errlen, _("out of memory"));
    return -1;
}

/* Collects the active people a sync looks at who no row stands for. */
struct sync_scan {
    struct import_state *st;
    struct roster_person *missing;
    int n, cap, failed;
};

static int collect_missing(const struct roster_person *p, void *ctx)
{
    struct sync_scan *s = ctx;
    if (p->id > s->st->max_id || is_matched(s->st, p->id))
        return 0;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        struct roster_person *grown = realloc(s->missing, (size_t)cap * sizeof(*grown));
        if (grown == NULL) {
            s->failed = 1;
            return 1;
        }
        s->missing = grown;
        s->cap = cap;
    }
    s->missing[s->n++] = *p;
    return 0;
}

/* Visit the active people the sync covers: every student for IMPORT_SYNC_SCHOOL, else
 * those of the file's classes (and classless roles), each class and role once. */
static int scan_sync(struct roster *r, const struct import_row *rows, int nrows, int sync,
                     struct sync_scan *s)
{
    struct smap seen = {0};
    char key[ROSTER_CLASS_MAX + 16];
    int rc = 0;
    if (sync == IMPORT_SYNC_SCHOOL) {
        struct roster_filter f = {NULL, ROLE_STUDENT, STATUS_ACTIVE};
        return roster_each(r, &f, collect_missing, s);
    }
    for (int i = 0; i < nrows && rc == 0 && !s->failed; i++) {
        snprintf(key, sizeof(key), "%d\x1f%s", (int)rows[i].role, rows[i].class_name);
        if (smap_get(&seen, key, 0) != NULL)
            continue;
        if (smap_get(&seen, key, 1) == NULL) {
            s->failed = 1;
            break;
        }
        struct roster_filter f = {rows[i].class_name[0] ? rows[i].class_name : NULL,
                                  (int)rows[i].role, STATUS_ACTIVE};
        rc = roster_each(r, &f, collect_missing, s);
    }
    smap_free(&seen);
    return rc;
}

/* Graduate the active people the sync covers who are not in the file. */
static int sync_missing(struct roster *r, const struct import_row *rows, int nrows, int sync,
                        struct import_state *st, struct import_plan *plan,
                        char *err, size_t errlen)
{
    struct sync_scan s = {.st = st};
    int rc = scan_sync(r, rows, nrows, sync, &s);
    for (int i = 0; i < s.n && rc == 0 && !s.failed; i++) {
        struct roster_person after = s.missing[i];
        after.status = STATUS_GRADUATED;
        if ((rc = roster_update(r, &after)) == 0 && plan_add(plan, IMPORT_GRADUATE, 0,
                                                              &s.missing[i], &after) < 0)
            s.failed = 1;
    }
    if (rc < 0 || s.failed)
        snprintf(err, errlen, "%s", s.failed ? "out of memory" : roster_errmsg(r));
    free(s.missing);
    return rc < 0 ? rc : s.failed ? -1 : 0;
}

/* Two rows with one NISN are one person twice: refuse, naming both lines. */
static int check_duplicate_nisn(const struct import_row *rows, int nrows, char *err, size_t errlen)
{
    struct smap seen = {0};
    int rc = 0;
    for (int i = 0; i < nrows && rc == 0; i++) {
        if (!rows[i].nisn[0])
            continue;
        struct smap_entry *e = smap_get(&seen, rows[i].nisn, 0);
        if (e != NULL) {
            snprintf(err, errlen, _("line %d: NISN %s is also on line %d"), rows[i].line,
                     rows[i].nisn, (int)e->a);
            rc = -1;
        } else if ((e = smap_get(&seen, rows[i].nisn, 1)) == NULL) {
            snprintf(err, errlen, _("out of memory"));
            rc = -1;
        } else {
            e->a = rows[i].line;
        }
    }
    smap_free(&seen);
    return rc;
}

int import_plan(struct roster *r, const struct import_row *rows, int nrows, int sync,
                struct import_plan *plan, char *err, size_t errlen)
{
    struct import_state st;
    int rc;
    memset(plan, 0, sizeof(*plan));
    memset(&st, 0, sizeof(st));
    if (check_duplicate_nisn(rows, nrows, err, errlen) < 0)
        return -1;
    if ((rc = roster_max_id(r, &st.max_id)) < 0) {
        snprintf(err, errlen, "%s", roster_errmsg(r));
        return rc;
    }
    for (int i = 0; i < nrows && rc == 0; i++)
        rc = import_one(r, &rows[i], &st, plan, err, errlen);
    if (rc == 0 && sync != IMPORT_SYNC_NONE)
        rc = sync_missing(r, rows, nrows, sync, &st, plan, err, errlen);
    smap_free(&st.matched);
    smap_free(&st.groups);
    smap_free(&st.usernames);
    return rc;
}

void import_plan_free(struct import_plan *plan)
{
    free(plan->changes);
    memset(plan, 0, sizeof(*plan));
}
