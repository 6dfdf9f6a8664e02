/*
 * NAME
 *	surel-roster 8
 * SUMMARY
 *	the administrator's tool for the school's roster
 * SYNOPSIS
 *	surel-roster [--config FILE] [--db PATH] [-v] COMMAND [ARGS]
 * DESCRIPTION
 *	This file parses the global options, loads surel.ini, and hands the
 *	rest of the command line to one cmd_*() function.  The commands and
 *	their flags are a stable contract for scripts: see usage() and the
 *	man page surel-roster(8).
 * DIAGNOSTICS
 *	Exit status from sysexits(3): 0 success, 64 usage, 65 bad data,
 *	66 missing input, 67 unknown user, 74 I/O or database error,
 *	75 database busy (try again), 78 bad configuration.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "log.h"
#include "util.h"

/* --help: the commands and options, in the reader's language. */
static void usage(FILE *fp)
{
    fprintf(fp, _(
        "usage: surel-roster [--config FILE] [--db PATH] [-v] COMMAND [ARGS]\n"
        "\n"
        "Commands:\n"
        "  init                                create the roster (or upgrade its schema)\n"
        "  import [--role student|teacher|staff] [--class C] [--sync | --sync-school [--force]]\n"
        "         [--dry-run] [--slips FILE] FILE\n"
        "                                      add and update people from a class list\n"
        "                                      (CSV, or .xlsx such as Dapodik's);\n"
        "                                      --sync-school: the file is the whole school\n"
        "  list [--class C] [--role R] [--status S] [--format table|csv|json]\n"
        "  show USER\n"
        "  add --name \"Full Name\" [--role R] [--class C] [--nisn N]\n"
        "  passwd (USER... | --class C) [--generate [--slips FILE] | --stdin]\n"
        "  suspend | activate | graduate (USER... | --class C)\n"
        "  move --class FROM --to TO\n"
        "  group list [NAME]\n"
        "  group add NAME [--description TEXT] [--send-as] [USER...]\n"
        "  group remove NAME [USER...]\n"
        "  check                               is the roster sound? (puts back -wal/-shm)\n"
        "  paths                               where the roster and credentials files are\n"
        "\n"
        "Options:\n"
        "  --config FILE   configuration (default %s)\n"
        "  --db PATH       roster database (default: [roster] db); the credentials\n"
        "                  file is [roster] credentials, else credentials.db beside it\n"
        "  -v, --verbose   say more, including timings\n"
        "  -h, --help      this text\n"
        "\n"
        "Exit status: 0 ok, 64 usage, 65 bad data, 66 no input, 67 no such user,\n"
        "74 I/O or database error, 75 roster busy, 78 bad configuration.\n"), SUREL_DEFAULT_CONFIG);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "surel-roster: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, _("\nTry 'surel-roster --help'.\n"));
    return EX_USAGE;
}

int cli_db_error(struct cli *c, const char *what)
{
    fprintf(stderr, "surel-roster: %s: %s\n", what, c->r ? roster_errmsg(c->r) : "no roster");
    return strstr(c->r ? roster_errmsg(c->r) : "", "locked") ? EX_TEMPFAIL : EX_IOERR;
}

int cli_paths(struct cli *c)
{
    if (c->db_path == c->db_buf)
        return 0;                       /* already done */
    if (surel_roster_paths(c->cfg, c->db_path, c->db_buf, sizeof(c->db_buf), c->cred_path,
                           sizeof(c->cred_path)) < 0) {
        fprintf(stderr, _("surel-roster: %s: [roster] db or credentials is too long\n"),
                surel_config_path(c->cfg));
        return EX_CONFIG;
    }
    c->db_path = c->db_buf;
    return 0;
}

int cli_open(struct cli *c, int flags)
{
    char err[1024];
    int status = cli_paths(c);
    if (status != 0)
        return status;
    int rc = roster_open(c->db_path, c->cred_path, flags, &c->r, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "surel-roster: %s\n", err);
        return rc == ROSTER_EBUSY ? EX_TEMPFAIL : rc == ROSTER_ESCHEMA ? EX_DATAERR : EX_IOERR;
    }
    roster_set_busy_timeout(c->r, (int)surel_config_int(c->cfg, "roster", "busy_timeout") * 1000);
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(struct cli *, int, char **);
} commands[] = {
    {"init", cmd_init}, {"import", cmd_import}, {"list", cmd_list}, {"show", cmd_show},
    {"add", cmd_add}, {"passwd", cmd_passwd}, {"suspend", cmd_status},
    {"activate", cmd_status}, {"graduate", cmd_status}, {"move", cmd_move},
    {"group", cmd_group}, {"check", cmd_check}, {"paths", cmd_paths},
};

/* Parse the global options; returns the index of the command word. */
static int parse_globals(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "+c:d:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': c->config_path = optarg; break;
        case 'd': c->db_path = optarg; break;
        case 'v': c->verbose = 1; break;
        case 'h': usage(stdout); exit(0);
        case 'V': puts("surel-roster " SUREL_VERSION); exit(0);
        default: usage(stderr); exit(EX_USAGE);
        }
    }
    return optind;
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    char err[1024];
    surel_i18n_init();
    surel_log_open("surel-roster", SUREL_LOG_STDERR, NULL);
    int first = parse_globals(&c, argc, argv);
    if (first >= argc) {
        usage(stderr);
        return EX_USAGE;
    }
    int explicit_config = c.config_path != NULL;
    if (!explicit_config)
        c.config_path = SUREL_DEFAULT_CONFIG;
    c.cfg = surel_config_load(c.config_path, explicit_config, err, sizeof(err));
    if (c.cfg == NULL) {
        fprintf(stderr, "surel-roster: %s\n", err);
        return EX_CONFIG;
    }
    surel_log_verbose(c.verbose);
    int status = -1;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[first], commands[i].name) == 0) {
            optind = 0;         /* GNU getopt: start afresh */
            status = commands[i].fn(&c, argc - first, argv + first);
            break;
        }
    if (status < 0)
        status = cli_usage(argv[first], _("unknown command"));
    roster_close(c.r);
    surel_config_free(c.cfg);
    return status;
}
