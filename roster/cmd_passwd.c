/*
 * NAME
 *	cmd_passwd 3
 * SUMMARY
 *	surel-roster passwd: set or generate passwords
 * SYNOPSIS
 *	surel-roster passwd (USER... | --class C) [--generate [--slips FILE] | --stdin]
 * DESCRIPTION
 *	--stdin reads one password line (one user only), for scripts.
 *	--generate makes easy-to-read passwords: written to --slips FILE,
 *	or printed as "USER PASSWORD" lines.  With neither, the password is
 *	asked for twice on the terminal, without echo.  Only hashes are
 *	stored.  Passwords shorter than 8 characters are refused.
 * DIAGNOSTICS
 *	64 usage, 65 a password too short or the two entries differ,
 *	67 unknown user, 74 database error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "hash_pool.h"
#include "i18n.h"
#include "slips.h"
#include "util.h"

/* Read one line without its newline; echo off when asked on a terminal. */
static int read_line(const char *prompt, char *buf, size_t len)
{
    struct termios old, quiet;
    int tty = isatty(0) && prompt != NULL;
    if (tty) {
        fputs(prompt, stderr);
        tcgetattr(0, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)len, stdin);
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (got == NULL)
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* The password the admin gives, on stdin or at the terminal. */
static int given_password(int from_stdin, char *pw, size_t len)
{
    char again[256];
    if (read_line(from_stdin ? NULL : _("New password: "), pw, len) < 0) {
        fprintf(stderr, _("surel-roster: passwd: no password given\n"));
        return EX_DATAERR;
    }
    if (strlen(pw) < SUREL_PASSWORD_MIN) {
        fprintf(stderr, _("surel-roster: passwd: a password needs at least %d characters\n"),
                SUREL_PASSWORD_MIN);
        return EX_DATAERR;
    }
    if (!from_stdin) {
        int same = read_line("Again: ", again, sizeof(again)) == 0 && strcmp(again, pw) == 0;
        explicit_bzero(again, sizeof(again));
        if (!same) {
            fprintf(stderr, _("surel-roster: passwd: the two passwords differ\n"));
            return EX_DATAERR;
        }
    }
    return 0;
}

/* Hash every job's password and store it, in one transaction. */
static int store_passwords(struct cli *c, struct hash_job *jobs, const struct people *ps,
                           const char *slips_path)
{
    char err[1024];
    struct slips *slips = NULL;
    int rc = 0;
    if (hash_pool_run(surel_config_str(c->cfg, "roster", "password_scheme"), jobs, ps->n,
                      isatty(2) && ps->n > 1) < 0) {
        fprintf(stderr, _("surel-roster: passwd: hashing failed\n"));
        return EX_SOFTWARE;
    }
    if (slips_path != NULL && (slips = slips_open(slips_path, surel_config_str(c->cfg, "school",
                                  "domain"), surel_config_str(c->cfg, "school", "name"), err,
                                  sizeof(err))) == NULL) {
        fprintf(stderr, "surel-roster: %s\n", err);
        return EX_CANTCREAT;
    }
    if (slips != NULL)
        slips_set_webmail(slips, surel_config_str(c->cfg, "school", "webmail"));
    if (roster_begin(c->r) < 0)
        rc = cli_db_error(c, "passwd");
    for (int i = 0; i < ps->n && rc == 0; i++) {
        if (roster_set_hash(c->r, jobs[i].username, jobs[i].hash) < 0)
            rc = cli_db_error(c, jobs[i].username);
        else if (slips != NULL && slips_add(slips, &ps->p[i], jobs[i].password) < 0)
            rc = EX_IOERR;
    }
    if (rc == 0 && roster_commit(c->r) < 0)
        rc = cli_db_error(c, "passwd");
    if (rc != 0) {
        roster_rollback(c->r);
        slips_discard(slips);
    } else if (slips != NULL && slips_commit(slips, err, sizeof(err)) < 0) {
        fprintf(stderr, "surel-roster: %s\n", err);
        rc = EX_IOERR;
    }
    return rc;
}

int cmd_passwd(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"generate", no_argument, NULL, 'g'}, {"stdin", no_argument, NULL, 's'},
        {"class", required_argument, NULL, 'c'}, {"slips", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    const char *cls = NULL, *slips = NULL;
    int ch, generate = 0, from_stdin = 0, rc;
    struct people ps;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'g': generate = 1; break;
        case 's': from_stdin = 1; break;
        case 'c': cls = optarg; break;
        case 'S': slips = optarg; break;
        default: return cli_usage("passwd", _("bad option"));
        }
    }
    if (generate && from_stdin)
        return cli_usage("passwd", _("--generate and --stdin exclude each other"));
    if (slips != NULL && !generate)
        return cli_usage("passwd", _("--slips goes with --generate"));
    if ((rc = cli_open(c, ROSTER_WRITE | ROSTER_CREDENTIALS)) != 0)
        return rc;
    if ((rc = cli_collect_people(c, "passwd", cls, argc - optind, argv + optind, &ps)) != 0)
        return rc;
    if (!generate && ps.n != 1) {
        free(ps.p);
        return cli_usage("passwd", _("only --generate sets passwords for several people"));
    }
    struct hash_job *jobs = calloc((size_t)ps.n, sizeof(*jobs));
    if (jobs == NULL) {
        free(ps.p);
        return EX_OSERR;
    }
    for (int i = 0; i < ps.n; i++)
        surel_strlcpy(jobs[i].username, ps.p[i].username, sizeof(jobs[i].username));
    if (!generate)
        rc = given_password(from_stdin, jobs[0].password, sizeof(jobs[0].password));
    if (rc == 0)
        rc = store_passwords(c, jobs, &ps, slips);
    for (int i = 0; i < ps.n && rc == 0 && generate && slips == NULL; i++)
        printf("%s %s\n", jobs[i].username, jobs[i].password);
    if (rc == 0 && (slips != NULL || !generate))
        printf(ngettext("passwd: %d password set\n", "passwd: %d passwords set\n",
                        (unsigned long)ps.n), ps.n);
    explicit_bzero(jobs, (size_t)ps.n * sizeof(*jobs));
    free(jobs);
    free(ps.p);
    return rc;
}
