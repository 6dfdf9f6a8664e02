/*
 * NAME
 *	cli 3h
 * SUMMARY
 *	what surel-roster's commands share
 * DESCRIPTION
 *	struct cli holds the parsed global options, the configuration and,
 *	once cli_open() has run, the roster.  Each command is a function
 *	cmd_NAME(struct cli *, argc, argv) returning a sysexits(3) status;
 *	argv[0] is the command's name.
 */
#ifndef SUREL_ROSTER_CLI_H
#define SUREL_ROSTER_CLI_H

#include <sysexits.h>

#include "config.h"
#include "roster.h"

struct cli {
    const char *config_path;
    const char *db_path;            /* --db, then (after cli_open) db_buf */
    char db_buf[4096];
    char cred_path[4096];
    int verbose;
    struct surel_config *cfg;
    struct roster *r;
};

/* The people a command names: USER... or everyone in --class. */
struct people {
    struct roster_person *p;
    int n, cap;
};

/* Fill ps from names or a class; prints and returns an exit status on error. */
int cli_collect_people(struct cli *c, const char *cmd, const char *class_name, int nusers,
                       char **users, struct people *ps);

/* Work out the roster's two paths (lib's rule) into db_path and cred_path. */
int cli_paths(struct cli *c);
/* Open the roster; with write set, also the credentials file. */
int cli_open(struct cli *c, int flags);
/* Map a roster error code to an exit status, after printing msg. */
int cli_db_error(struct cli *c, const char *what);
/* Print a usage error for a command and return EX_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_list(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_add(struct cli *c, int argc, char **argv);
int cmd_passwd(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_move(struct cli *c, int argc, char **argv);
int cmd_group(struct cli *c, int argc, char **argv);
int cmd_check(struct cli *c, int argc, char **argv);
int cmd_paths(struct cli *c, int argc, char **argv);

#endif
