/*
 * NAME
 *	cmd_import 3
 * SUMMARY
 *	surel-roster import: a class list into the roster
 * SYNOPSIS
 *	surel-roster import [--role R] [--class C] [--sync | --sync-school [--force]]
 *		[--dry-run] [--slips FILE] FILE.csv|FILE.xlsx
 * DESCRIPTION
 *	The file is a CSV (UTF-8, Windows-1252 or UTF-16 text) or an .xlsx
 *	workbook, read by table_read(3); its header may sit below title
 *	lines and span two rows (Dapodik's export).  Only the name, class,
 *	NISN, gender and role columns are read: nothing else in the file
 *	(NIK, parents, addresses, phones, incomes) is kept, logged or
 *	printed.
 *	The whole file is read and checked before anything is written; the
 *	changes run in one transaction, so a bad file imports nothing and a
 *	dry run rolls back.  New accounts get generated passwords hashed on
 *	every core (only when --slips says where to write them; otherwise
 *	they get none and the summary says how to give them one).  The slips
 *	file is renamed into place only after the commit.
 *
 *	--sync graduates active people of the file's classes missing from
 *	it; --sync-school, for a list of the whole school (Dapodik's), every
 *	active student missing from it, whatever their class, and never a
 *	teacher or staff member.  It refuses (65, nothing written) when more
 *	than half of the active students would be graduated, since a list
 *	cut short looks just like that, unless --force; --dry-run shows the
 *	graduations first and ends with the same refusal.
 *
 *	Output: with --dry-run one line per change; always one summary line
 *	"added N, updated N, unchanged N, graduated N".
 * DIAGNOSTICS
 *	65 for bad data (the message names the line, for a workbook the
 *	sheet and row or cell), 66 for a missing
 *	file, 73 if the slips file cannot be made, 74 for database errors,
 *	75 if the roster stays locked.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hash_pool.h"
#include "i18n.h"
#include "import.h"
#include "names.h"
#include "slips.h"
#include "table_read.h"
#include "util.h"

struct import_opts {
    int role;
    const char *class_name;
    int sync, dry_run, force;        /* sync: enum import_sync */
    const char *slips;
    const char *file;
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int parse_opts(int argc, char **argv, struct import_opts *o)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'}, {"class", required_argument, NULL, 'c'},
        {"sync", no_argument, NULL, 's'}, {"sync-school", no_argument, NULL, 'W'},
        {"force", no_argument, NULL, 'f'}, {"dry-run", no_argument, NULL, 'n'},
        {"slips", required_argument, NULL, 'S'}, {NULL, 0, NULL, 0}};
    int ch;
    memset(o, 0, sizeof(*o));
    o->role = ROLE_STUDENT;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if ((o->role = roster_role_parse(optarg)) < 0)
                return cli_usage("import", _("unknown role '%s'"), optarg);
            break;
        case 'c': o->class_name = optarg; break;
        case 's':
        case 'W':
            if (o->sync != IMPORT_SYNC_NONE)
                return cli_usage("import", _("give --sync or --sync-school, once"));
            o->sync = ch == 's' ? IMPORT_SYNC_CLASSES : IMPORT_SYNC_SCHOOL;
            break;
        case 'f': o->force = 1; break;
        case 'n': o->dry_run = 1; break;
        case 'S': o->slips = optarg; break;
        default: return cli_usage("import", _("bad option"));
        }
    }
    if (optind != argc - 1)
        return cli_usage("import", _("needs exactly one FILE (.csv or .xlsx)"));
    if (o->sync == IMPORT_SYNC_SCHOOL && o->role != ROLE_STUDENT)
        return cli_usage("import", _("--sync-school takes the list of every student, not --role %s"),
                         roster_role_name((enum roster_role)o->role));
    if (o->force && o->sync != IMPORT_SYNC_SCHOOL)
        return cli_usage("import", _("--force only goes with --sync-school"));
    o->file = argv[optind];
    return 0;
}

/* "FILE:LINE: why" for errors that name a line (for a workbook "FILE: sheet
 * "S" row N: why"), else "FILE: why". */
static void print_error(const char *file, const char *sheet, const char *err)
{
    if (strncmp(err, "line ", 5) == 0 && sheet != NULL && sheet[0] != '\0')
        fprintf(stderr, _("surel-roster: %s: sheet \"%s\" row %s\n"), file, sheet, err + 5);
    else if (strncmp(err, "line ", 5) == 0)
        fprintf(stderr, "surel-roster: %s:%s\n", file, err + 5);
    else
        fprintf(stderr, "surel-roster: %s: %s\n", file, err);
}

/* Read and check every row; the first bad one stops the import. */
static int read_rows(const struct import_opts *o, struct import_row **rowsp, int *nrows,
                     struct table_source *src)
{
    struct csv_table t;
    char err[1024];
    int col[COL_COUNT], first = 1;
    if (table_read(o->file, &t, src, err, sizeof(err)) < 0) {
        fprintf(stderr, "surel-roster: %s\n", err);
        return access(o->file, R_OK) == 0 ? EX_DATAERR : EX_NOINPUT;
    }
    struct import_row *rows = calloc((size_t)t.nrows, sizeof(*rows));
    int rc = rows == NULL ? -1 : import_find_header(&t, col, &first, err, sizeof(err));
    for (int i = first; i < t.nrows && rc == 0; i++)
        rc = import_read_row(&t.rows[i], col, o->role, o->class_name, &rows[i - first],
                             err, sizeof(err));
    *nrows = t.nrows > first ? t.nrows - first : 0;
    csv_table_free(&t);
    if (rc < 0) {
        print_error(o->file, src->sheet, rows ? err : "out of memory");
        free(rows);
        return EX_DATAERR;
    }
    *rowsp = rows;
    return 0;
}

/* Print what a dry run would do, one line per change. */
static void print_changes(const struct import_plan *plan)
{
    for (int i = 0; i < plan->nchanges; i++) {
        const struct import_change *ch = &plan->changes[i];
        const struct roster_person *a = &ch->after, *b = &ch->before;
        switch (ch->kind) {
        case IMPORT_ADD:
            printf("add %s (%s%s%s)\n", a->username, a->full_name, a->class_name[0] ? ", " : "",
                   a->class_name);
            break;
        case IMPORT_UPDATE:
            printf("update %s:", a->username);
            if (strcmp(a->class_name, b->class_name))
                printf(" class %s -> %s", b->class_name[0] ? b->class_name : "-", a->class_name);
            if (strcmp(a->full_name, b->full_name))
                printf(" name \"%s\" -> \"%s\"", b->full_name, a->full_name);
            if (a->status != b->status)
                printf(" status %s -> %s", roster_status_name(b->status),
                       roster_status_name(a->status));
            if (strcmp(a->nisn, b->nisn) || strcmp(a->gender, b->gender) || a->role != b->role)
                printf(" details");
            putchar('\n');
            break;
        case IMPORT_GRADUATE:
            printf("graduate %s (%s, %s)\n", a->username, a->full_name, a->class_name);
            break;
        default:
            break;
        }
    }
}

/* Hash passwords for the new accounts and write them and the slips. */
static int give_passwords(struct cli *c, const struct import_plan *plan, struct slips *slips)
{
    int n = plan->counts[IMPORT_ADD], k = 0, rc = 0;
    struct hash_job *jobs = calloc((size_t)(n ? n : 1), sizeof(*jobs));
    if (jobs == NULL)
        return EX_OSERR;
    for (int i = 0; i < plan->nchanges; i++)
        if (plan->changes[i].kind == IMPORT_ADD)
            surel_strlcpy(jobs[k++].username, plan->changes[i].after.username,
                          sizeof(jobs[0].username));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (hash_pool_run(surel_config_str(c->cfg, "roster", "password_scheme"), jobs, n,
                      isatty(2)) < 0) {
        fprintf(stderr, _("surel-roster: hashing a password failed\n"));
        rc = EX_SOFTWARE;
    }
    if (c->verbose)
        fprintf(stderr, _("surel-roster: hashed %d passwords in %.3f s\n"), n, seconds_since(&t0));
    for (int i = 0, j = 0; i < plan->nchanges && rc == 0; i++) {
        if (plan->changes[i].kind != IMPORT_ADD)
            continue;
        if (roster_set_hash(c->r, jobs[j].username, jobs[j].hash) < 0)
            rc = cli_db_error(c, jobs[j].username);
        else if (slips_add(slips, &plan->changes[i].after, jobs[j].password) < 0)
            rc = EX_IOERR;
        j++;
    }
    explicit_bzero(jobs, (size_t)(n ? n : 1) * sizeof(*jobs));
    free(jobs);
    return rc;
}

/* How many students are active before the import: what --sync-school's guard weighs. */
static int active_students(struct cli *c, long long *n)
{
    struct roster_filter f = {NULL, ROLE_STUDENT, STATUS_ACTIVE};
    return roster_count(c->r, &f, n);
}

/* A whole-school list cut short would graduate half the school: refuse when more than half
 * of the active students would go, unless --force; 0 or EX_DATAERR. */
static int guard_sync_school(const struct import_opts *o, int graduating, long long students)
{
    if (graduating == 0 || (long long)graduating * 2 <= students)
        return 0;
    fprintf(stderr, _("surel-roster: %s: --sync-school would graduate %d of the %lld active"
            " students (%lld%%), more than half; a list cut short does this.  Check that the"
            " file lists the whole school (--dry-run shows who would go), then add --force"
            " if it is right\n"), o->file, graduating, students,
            students ? (long long)graduating * 100 / students : 100);
    return EX_DATAERR;
}

/* Plan, apply and commit (or roll back) inside one transaction. */
static int run_import(struct cli *c, const struct import_opts *o, const struct import_row *rows,
                      int nrows, const struct table_source *src)
{
    struct import_plan plan;
    struct slips *slips = NULL;
    char err[1024];
    int rc, refused;
    long long students = 0;
    if (roster_begin(c->r) < 0)
        return cli_db_error(c, "import");
    if (o->sync == IMPORT_SYNC_SCHOOL && active_students(c, &students) < 0) {
        roster_rollback(c->r);
        return cli_db_error(c, "import");
    }
    if (import_plan(c->r, rows, nrows, o->sync, &plan, err, sizeof(err)) < 0) {
        roster_rollback(c->r);
        print_error(o->file, src->sheet, err);
        import_plan_free(&plan);
        return strstr(err, "locked") ? EX_TEMPFAIL : strncmp(err, "line ", 5) ? EX_IOERR : EX_DATAERR;
    }
    rc = refused = 0;
    if (o->dry_run)
        print_changes(&plan);
    if (o->sync == IMPORT_SYNC_SCHOOL && !o->force)
        rc = refused = guard_sync_school(o, plan.counts[IMPORT_GRADUATE], students);
    if (rc == 0 && !o->dry_run && o->slips != NULL && plan.counts[IMPORT_ADD] > 0) {
        slips = slips_open(o->slips, surel_config_str(c->cfg, "school", "domain"),
                           surel_config_str(c->cfg, "school", "name"), err, sizeof(err));
        if (slips == NULL) {
            fprintf(stderr, "surel-roster: %s\n", err);
            rc = EX_CANTCREAT;
        } else {
            slips_set_webmail(slips, surel_config_str(c->cfg, "school", "webmail"));
            rc = give_passwords(c, &plan, slips);
        }
    }
    if (rc == 0 && !o->dry_run && roster_commit(c->r) < 0)
        rc = cli_db_error(c, "import");
    if (rc != 0 || o->dry_run) {
        roster_rollback(c->r);
        slips_discard(slips);
    } else if (slips != NULL && slips_commit(slips, err, sizeof(err)) < 0) {
        fprintf(stderr, "surel-roster: %s\n", err);
        rc = EX_IOERR;
    }
    if (rc == 0 || (refused && o->dry_run)) {     /* a dry run says what it saw, even then */
        printf(o->dry_run ? _("added %d, updated %d, unchanged %d, graduated %d (dry run: "
                              "nothing changed)\n")
                          : _("added %d, updated %d, unchanged %d, graduated %d\n"),
               plan.counts[IMPORT_ADD], plan.counts[IMPORT_UPDATE],
               plan.counts[IMPORT_UNCHANGED], plan.counts[IMPORT_GRADUATE]);
        if (!o->dry_run && o->slips == NULL && plan.counts[IMPORT_ADD] > 0)
            fprintf(stderr, _("surel-roster: the %d new accounts have no password yet; give them"
                    " one with 'surel-roster passwd --generate --slips FILE USER...' (or"
                    " --class C)\n"), plan.counts[IMPORT_ADD]);
    }
    import_plan_free(&plan);
    return rc;
}

int cmd_import(struct cli *c, int argc, char **argv)
{
    struct import_opts o;
    struct import_row *rows = NULL;
    struct table_source src;
    int nrows = 0, rc;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((rc = parse_opts(argc, argv, &o)) != 0)
        return rc;
    if (o.class_name != NULL) {
        char norm[ROSTER_CLASS_MAX];
        if (surel_class_normalize(o.class_name, norm, sizeof(norm)) < 0)
            return cli_usage("import", _("class '%s' is not usable"), o.class_name);
    }
    if ((rc = read_rows(&o, &rows, &nrows, &src)) != 0)
        return rc;
    if (c->verbose)
        fprintf(stderr, _("surel-roster: %s read as %s%s%s%s\n"), o.file, src.form,
                strcmp(src.form, "csv") == 0 ? " in " : ", sheet \"",
                strcmp(src.form, "csv") == 0 ? src.encoding : src.sheet,
                strcmp(src.form, "csv") == 0 ? "" : "\"");
    if ((rc = cli_open(c, ROSTER_WRITE | ROSTER_CREDENTIALS)) == 0)
        rc = run_import(c, &o, rows, nrows, &src);
    if (c->verbose)
        fprintf(stderr, _("surel-roster: import of %d rows took %.3f s\n"), nrows, seconds_since(&t0));
    free(rows);
    return rc;
}
