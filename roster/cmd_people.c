/*
 * NAME
 *	cmd_people 3
 * SUMMARY
 *	surel-roster init, list, show, add, suspend, activate, graduate, move
 * DESCRIPTION
 *	Each command checks all of its input before it writes anything, and
 *	writes in one transaction: a command that names one unknown user
 *	changes nobody.  Logins are accepted as typed ("Budi",
 *	"budi@school") and mean the username.
 * DIAGNOSTICS
 *	64 usage, 65 bad data, 67 unknown user, 74 database error.
 */
#include <csv.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "i18n.h"
#include "import.h"
#include "names.h"
#include "util.h"

int cmd_init(struct cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("init", _("takes no arguments"));
    const char *db = c->db_path ? c->db_path : surel_config_str(c->cfg, "roster", "db");
    char dir[4096];
    surel_strlcpy(dir, db, sizeof(dir));
    char *slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        if (surel_mkdirs(dir, 0755) < 0) {
            fprintf(stderr, _("surel-roster: cannot create %s\n"), dir);
            return EX_CANTCREAT;
        }
    }
    int rc = cli_open(c, ROSTER_WRITE | ROSTER_CREATE | ROSTER_CREDENTIALS);
    if (rc != 0)
        return rc;
    printf(_("roster ready: %s (schema version %d), credentials %s\n"), c->db_path,
           roster_schema_version(c->r), c->cred_path);
    return 0;
}

/* Resolve a login as typed to a stored person: 1, 0 (printed), or <0. */
static int find_person(struct cli *c, const char *login, struct roster_person *p)
{
    char name[ROSTER_USERNAME_MAX];
    int rc = 0;
    if (surel_login_normalize(login, surel_config_str(c->cfg, "school", "domain"), name,
                              sizeof(name)) == 0)
        rc = roster_find_username(c->r, name, p);
    if (rc == 0)
        fprintf(stderr, _("surel-roster: no such user: %s\n"), login);
    else if (rc < 0)
        cli_db_error(c, login);
    return rc;
}

/* Output of list: one writer per format. */
struct list_out {
    const char *format;
    long long n;
};

/* A CSV field, quoted by libcsv only when it has to be. */
static void csv_put(FILE *fp, const char *s)
{
    if (strpbrk(s, ",\"\r\n") != NULL || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' ')))
        csv_fwrite(fp, s, strlen(s));
    else
        fputs(s, fp);
}

/* A JSON string with the escapes JSON needs. */
static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static int list_one(const struct roster_person *p, void *ctx)
{
    struct list_out *o = ctx;
    const char *f[7] = {p->username, p->full_name, roster_role_name(p->role), p->class_name,
                        roster_status_name(p->status), p->nisn, p->mailbox};
    static const char *const keys[7] = {"username", "full_name", "role", "class", "status",
                                        "nisn", "mailbox"};
    if (strcmp(o->format, "csv") == 0) {
        for (int i = 0; i < 7; i++) {
            csv_put(stdout, f[i]);
            putchar(i < 6 ? ',' : '\n');
        }
    } else if (strcmp(o->format, "json") == 0) {
        printf("%s\n  {", o->n ? "," : "");
        for (int i = 0; i < 7; i++) {
            printf("%s\"%s\": ", i ? ", " : "", keys[i]);
            json_string(f[i]);
        }
        putchar('}');
    } else {
        printf("%-24s %-32s %-8s %-10s %s\n", p->username, p->full_name, f[2],
               p->class_name[0] ? p->class_name : "-", f[4]);
    }
    o->n++;
    return 0;
}

int cmd_list(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"class", required_argument, NULL, 'c'}, {"role", required_argument, NULL, 'r'},
        {"status", required_argument, NULL, 's'}, {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0}};
    struct roster_filter f = {NULL, -1, -1};
    struct list_out o = {"table", 0};
    char cls[ROSTER_CLASS_MAX];
    int ch, rc;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'c' && surel_class_normalize(optarg, cls, sizeof(cls)) == 0)
            f.class_name = cls;
        else if (ch == 'r' && (f.role = roster_role_parse(optarg)) >= 0)
            continue;
        else if (ch == 's' && (f.status = roster_status_parse(optarg)) >= 0)
            continue;
        else if (ch == 'f' && (!strcmp(optarg, "table") || !strcmp(optarg, "csv")
                               || !strcmp(optarg, "json")))
            o.format = optarg;
        else if (ch != 'c' || f.class_name == NULL)
            return cli_usage("list", _("bad option or value%s%s"), optarg ? ": " : "",
                             optarg ? optarg : "");
    }
    if (optind != argc)
        return cli_usage("list", _("unexpected argument '%s'"), argv[optind]);
    if ((rc = cli_open(c, ROSTER_READONLY)) != 0)
        return rc;
    if (strcmp(o.format, "csv") == 0)
        puts("username,full_name,role,class,status,nisn,mailbox");
    else if (strcmp(o.format, "json") == 0)
        putchar('[');
    else
        printf("%-24s %-32s %-8s %-10s %s\n", _("USERNAME"), _("NAME"), _("ROLE"), _("CLASS"),
               _("STATUS"));
    if (roster_each(c->r, &f, list_one, &o) < 0)
        return cli_db_error(c, "list");
    if (strcmp(o.format, "json") == 0)
        printf("%s]\n", o.n ? "\n" : "");
    return 0;
}

int cmd_show(struct cli *c, int argc, char **argv)
{
    struct roster_person p;
    char hash[ROSTER_HASH_MAX], list[64];
    int rc;
    if (argc != 2)
        return cli_usage("show", _("needs one USER"));
    if ((rc = cli_open(c, ROSTER_READONLY | ROSTER_CREDENTIALS)) != 0
        && (rc = cli_open(c, ROSTER_READONLY)) != 0)
        return rc;
    if ((rc = find_person(c, argv[1], &p)) <= 0)
        return rc == 0 ? EX_NOUSER : EX_IOERR;
    const char *domain = surel_config_str(c->cfg, "school", "domain");
    printf("username:  %s\naddress:   %s%s%s\nname:      %s\nrole:      %s\n", p.username,
           p.username, domain ? "@" : "", domain ? domain : "", p.full_name,
           roster_role_name(p.role));
    if (p.class_name[0]) {
        roster_class_list(p.class_name, list, sizeof(list));
        printf("class:     %s (list %s)\n", p.class_name, list);
    }
    printf("status:    %s\nnisn:      %s\ngender:    %s\nmailbox:   %s/%s\n",
           roster_status_name(p.status), p.nisn[0] ? p.nisn : "-", p.gender[0] ? p.gender : "-",
           surel_config_str(c->cfg, "mail", "root"), p.mailbox);
    rc = roster_get_hash(c->r, p.username, hash, sizeof(hash));
    printf("password:  %s\n", rc > 0 ? "set" : rc == 0 ? "none (see 'passwd')" : "unknown");
    explicit_bzero(hash, sizeof(hash));
    return 0;
}

int cmd_add(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'}, {"role", required_argument, NULL, 'r'},
        {"class", required_argument, NULL, 'c'}, {"nisn", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0}};
    const char *fields[COL_COUNT] = {"", "", "", "", ""};
    int ch, rc;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': fields[COL_NAME] = optarg; break;
        case 'r': fields[COL_ROLE] = optarg; break;
        case 'c': fields[COL_CLASS] = optarg; break;
        case 'i': fields[COL_NISN] = optarg; break;
        default: return cli_usage("add", _("bad option"));
        }
    }
    if (optind != argc || !*fields[COL_NAME])
        return cli_usage("add", _("needs --name \"Full Name\" and no other arguments"));
    /* The same checks as a row of a class list. */
    struct csv_row row = {1, COL_COUNT, (char **)fields, NULL};
    int col[COL_COUNT] = {COL_NAME, COL_CLASS, COL_NISN, COL_GENDER, COL_ROLE};
    struct import_row in;
    char err[512];
    if (import_read_row(&row, col, ROLE_STUDENT, NULL, &in, err, sizeof(err)) < 0) {
        fprintf(stderr, _("surel-roster: add: %s\n"), err + 8);
        return EX_DATAERR;
    }
    if ((rc = cli_open(c, ROSTER_WRITE)) != 0)
        return rc;
    struct roster_person p = {.external_mail = -1, .quota_mb = -1, .status = STATUS_ACTIVE,
                              .role = in.role};
    surel_strlcpy(p.full_name, in.full_name, sizeof(p.full_name));
    surel_strlcpy(p.class_name, in.class_name, sizeof(p.class_name));
    surel_strlcpy(p.nisn, in.nisn, sizeof(p.nisn));
    if (in.nisn[0] && roster_find_nisn(c->r, in.nisn, NULL) == 1) {
        fprintf(stderr, _("surel-roster: add: NISN %s is already in the roster\n"), in.nisn);
        return EX_DATAERR;
    }
    if (roster_begin(c->r) < 0 || import_allocate_username(c->r, &p) < 0
        || roster_insert(c->r, &p) < 0 || roster_commit(c->r) < 0)
        return cli_db_error(c, "add");
    puts(p.username);
    fprintf(stderr, _("surel-roster: %s has no password yet; give one with 'surel-roster passwd"
            " %s'\n"), p.username, p.username);
    return 0;
}

static int people_push(const struct roster_person *p, void *ctx)
{
    struct people *ps = ctx;
    if (ps->n == ps->cap) {
        int cap = ps->cap ? ps->cap * 2 : 32;
        struct roster_person *grown = realloc(ps->p, (size_t)cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        ps->p = grown;
        ps->cap = cap;
    }
    ps->p[ps->n++] = *p;
    return 0;
}

/* Fill ps from names or a class; prints and returns an exit status on error. */
int cli_collect_people(struct cli *c, const char *cmd, const char *class_name, int nusers,
                       char **users, struct people *ps)
{
    struct roster_person p;
    memset(ps, 0, sizeof(*ps));
    if ((class_name == NULL) == (nusers == 0))
        return cli_usage(cmd, _("needs USER... or --class C (not both)"));
    if (class_name != NULL) {
        char cls[ROSTER_CLASS_MAX];
        struct roster_filter f = {cls, -1, -1};
        if (surel_class_normalize(class_name, cls, sizeof(cls)) < 0)
            return cli_usage(cmd, _("class '%s' is not usable"), class_name);
        if (roster_each(c->r, &f, people_push, ps) != 0)
            return cli_db_error(c, cmd);
        if (ps->n == 0) {
            fprintf(stderr, _("surel-roster: %s: nobody in class %s\n"), cmd, cls);
            return EX_DATAERR;
        }
        return 0;
    }
    for (int i = 0; i < nusers; i++) {
        int rc = find_person(c, users[i], &p);
        if (rc <= 0) {
            free(ps->p);
            ps->p = NULL;
            return rc == 0 ? EX_NOUSER : EX_IOERR;
        }
        if (people_push(&p, ps) < 0)
            return EX_OSERR;
    }
    return 0;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"class", required_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    const char *cmd = argv[0], *cls = NULL;
    enum roster_status to = !strcmp(cmd, "suspend") ? STATUS_SUSPENDED
                          : !strcmp(cmd, "graduate") ? STATUS_GRADUATED : STATUS_ACTIVE;
    struct people ps;
    int ch, rc, changed = 0;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (ch == 'c')
            cls = optarg;
        else
            return cli_usage(cmd, _("bad option"));
    if ((rc = cli_open(c, ROSTER_WRITE)) != 0)
        return rc;
    if (roster_begin(c->r) < 0)
        return cli_db_error(c, cmd);
    if ((rc = cli_collect_people(c, cmd, cls, argc - optind, argv + optind, &ps)) != 0) {
        roster_rollback(c->r);
        return rc;
    }
    for (int i = 0; i < ps.n && rc == 0; i++) {
        if (ps.p[i].status == to)
            continue;
        ps.p[i].status = to;
        if (roster_update(c->r, &ps.p[i]) < 0)
            rc = cli_db_error(c, ps.p[i].username);
        changed++;
    }
    if (rc == 0 && roster_commit(c->r) < 0)
        rc = cli_db_error(c, cmd);
    if (rc != 0)
        roster_rollback(c->r);
    else
        printf(to == STATUS_SUSPENDED ? _("%s: %d changed, %d already suspended\n")
               : to == STATUS_GRADUATED ? _("%s: %d changed, %d already graduated\n")
                                        : _("%s: %d changed, %d already active\n"),
               cmd, changed, ps.n - changed);
    free(ps.p);
    return rc;
}

int cmd_move(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"class", required_argument, NULL, 'c'},
                                         {"to", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    char from[ROSTER_CLASS_MAX] = "", to[ROSTER_CLASS_MAX] = "";
    int ch, rc;
    struct people ps = {0};
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *dst = ch == 'c' ? from : ch == 't' ? to : NULL;
        if (dst == NULL || surel_class_normalize(optarg, dst, ROSTER_CLASS_MAX) < 0)
            return cli_usage("move", _("bad option or class '%s'"), optarg ? optarg : "");
    }
    if (!from[0] || !to[0] || optind != argc)
        return cli_usage("move", _("needs --class FROM --to TO"));
    if ((rc = cli_open(c, ROSTER_WRITE)) != 0)
        return rc;
    struct roster_filter f = {from, ROLE_STUDENT, -1};
    if (roster_begin(c->r) < 0 || roster_each(c->r, &f, people_push, &ps) != 0)
        return cli_db_error(c, "move");
    for (int i = 0; i < ps.n && rc == 0; i++) {
        surel_strlcpy(ps.p[i].class_name, to, sizeof(ps.p[i].class_name));
        if (roster_update(c->r, &ps.p[i]) < 0)
            rc = cli_db_error(c, ps.p[i].username);
    }
    if (rc == 0 && roster_commit(c->r) < 0)
        rc = cli_db_error(c, "move");
    if (rc != 0)
        roster_rollback(c->r);
    else if (ps.n == 0)
        fprintf(stderr, _("surel-roster: move: nobody in class %s\n"), from);
    else
        printf(ngettext("moved %d person from %s to %s\n", "moved %d people from %s to %s\n",
                        (unsigned long)ps.n), ps.n, from, to);
    free(ps.p);
    return rc != 0 ? rc : ps.n == 0 ? EX_DATAERR : 0;
}
