/*
 * NAME
 *	cmd_check 3
 * SUMMARY
 *	surel-roster check: is the roster sound, and can its readers open it?
 * SYNOPSIS
 *	surel-roster check
 *	surel-roster paths
 * DESCRIPTION
 *	Opens both files for writing, which puts back persistent -wal and
 *	-shm files that another program removed (the sqlite3 shell does, on
 *	close: Postfix's and Dovecot's read-only lookups then fail until a
 *	writer runs), checks both files with SQLite's quick_check, and
 *	counts the people who could log in but have no password hash (a
 *	finding, not damage: "add" leaves people so).  It prints one line
 *	per file and one for the passwords, and changes nothing else.
 *
 *	paths prints the two files every program reads, "db PATH" and
 *	"credentials PATH", by the one rule in lib/ (surel_roster_paths):
 *	surel-setup asks it rather than reading surel.ini itself.
 * DIAGNOSTICS
 *	0 the files are sound; 65 a file is damaged; 74 the checks could
 *	not run.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "i18n.h"

/* "present" when PATH-wal and PATH-shm exist, else which is missing. */
static const char *wal_files(const char *path, char *buf, size_t len)
{
    struct stat st;
    char f[4200];
    const char *missing = NULL;
    snprintf(f, sizeof(f), "%s-wal", path);
    if (stat(f, &st) < 0)
        missing = "-wal";
    snprintf(f, sizeof(f), "%s-shm", path);
    if (stat(f, &st) < 0)
        missing = missing ? "-wal and -shm" : "-shm";
    if (missing == NULL)
        return _("present");
    snprintf(buf, len, _("%s MISSING (read-only readers cannot open it)"), missing);
    return buf;
}

int cmd_check(struct cli *c, int argc, char **argv)
{
    struct roster_health h;
    char b1[96], b2[96];
    (void)argv;
    if (argc != 1)
        return cli_usage("check", _("takes no arguments"));
    int rc = cli_open(c, ROSTER_WRITE | ROSTER_CREDENTIALS);
    if (rc != 0)
        return rc;
    if (roster_check(c->r, &h) < 0)
        return cli_db_error(c, "check");
    printf(_("roster: %s: %s; wal files %s\n"), c->db_path,
           h.main_problem[0] ? h.main_problem : _("ok"), wal_files(c->db_path, b1, sizeof(b1)));
    printf(_("credentials: %s: %s; wal files %s\n"), c->cred_path,
           h.cred_problem[0] ? h.cred_problem : _("ok"), wal_files(c->cred_path, b2, sizeof(b2)));
    if (h.main_problem[0] || h.cred_problem[0]) {
        fprintf(stderr, _("surel-roster: check: a roster file is damaged: restore it from a "
                        "backup copy\n"));
        return EX_DATAERR;
    }
    if (h.without_hash > 0) {      /* a finding, not damage: "add" leaves people so */
        printf(ngettext("passwords: %lld active or suspended person has none, so cannot log in"
                        " (first: %s); give them one: surel-roster passwd %s --generate --slips"
                        " FILE\n",
                        "passwords: %lld active or suspended people have none, so cannot log in"
                        " (first: %s); give them one: surel-roster passwd %s --generate --slips"
                        " FILE\n", (unsigned long)h.without_hash),
               h.without_hash, h.first_without, h.first_without);
        return 0;
    }
    printf(_("passwords: every active or suspended person has one\n"));
    return 0;
}

/* surel-roster paths: the roster's two files, as every program finds them. */
int cmd_paths(struct cli *c, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("paths", _("takes no arguments"));
    int rc = cli_paths(c);
    if (rc == 0)
        printf("db %s\ncredentials %s\n", c->db_path, c->cred_path);
    return rc;
}
