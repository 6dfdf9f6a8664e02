/*
 * NAME
 *	surel-milter 8
 * SUMMARY
 *	the school's mail policy, enforced inside Postfix
 * SYNOPSIS
 *	surel-milter [--config FILE] [--foreground] [--check] [--verbose]
 * DESCRIPTION
 *	Reads [school], [roster], [milter] and [policy] from surel.ini,
 *	answers refusals in [school] language (id or en, gettext),
 *	opens the listening socket ([milter] socket, libmilter notation)
 *	while still root, drops to [milter] user, detaches unless
 *	--foreground, and serves Postfix until SIGTERM (or SIGINT/SIGHUP:
 *	libmilter stops on all three, within about 5 seconds).  --check
 *	only checks the configuration.  See man/surel-milter.8.
 * DIAGNOSTICS
 *	Exit codes from sysexits.h: EX_USAGE for bad options, EX_CONFIG for
 *	a bad configuration, EX_NOUSER for a missing [milter] user, EX_OSERR
 *	when the socket cannot be opened or privileges cannot be dropped,
 *	EX_SOFTWARE when libmilter fails.  0 after a clean stop.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "i18n.h"
#include "log.h"
#include "milter.h"
#include "lookalike.h"
#include "rules.h"
#include "store.h"

struct options {
    const char *config;
    int foreground;
    int check;
    int verbose;
};

/* --help text. */
static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: surel-milter [--config FILE] [--foreground] [--check] [--verbose]\n"
            "\n"
            "Enforce the school's mail policy (surel.ini [policy]) inside Postfix.\n"
            "\n"
            "  -c, --config FILE  configuration file (default %s)\n"
            "  -f, --foreground   stay in the foreground and log to standard error\n"
            "  -n, --check        check the configuration and exit\n"
            "  -v, --verbose      debug messages, with each message's decision time\n"
            "  -h, --help         show this help\n"
            "\n"
            "See surel-milter(8).\n", SUREL_DEFAULT_CONFIG);
}

/* Parse the command line into o; exits on --help or a bad option. */
static void parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"foreground", no_argument, NULL, 'f'},
        {"check", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    o->config = SUREL_DEFAULT_CONFIG;
    while ((ch = getopt_long(argc, argv, "c:fnvh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'f': o->foreground = 1; break;
        case 'n': o->check = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(EX_USAGE);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "surel-milter: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        exit(EX_USAGE);
    }
}

/* Where messages go: stderr in the foreground, else the file or syslog. */
static void open_log(const struct options *o, const struct milter_settings *ms)
{
    if (o->foreground)
        surel_log_open("surel-milter", SUREL_LOG_STDERR, NULL);
    else if (ms->log_file[0] != '\0')
        surel_log_open("surel-milter", SUREL_LOG_FILE, ms->log_file);
    else
        surel_log_open("surel-milter", SUREL_LOG_SYSLOG, NULL);
}

/* Become [milter] user for good (only when started as root). */
static void drop_privileges(const char *user)
{
    if (geteuid() != 0)
        return;
    if (user[0] == '\0')
        surel_fatal(EX_CONFIG, "[milter] user is empty: refusing to serve mail as root");
    struct passwd *pw = getpwnam(user);
    if (pw == NULL)
        surel_fatal(EX_NOUSER, "[milter] user '%s' does not exist; create it"
                    " (adduser --system %s)", user, user);
    if (initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
        surel_fatal(EX_OSERR, "cannot become user %s: %s", user, strerror(errno));
    if (setuid(0) == 0)
        surel_fatal(EX_OSERR, "could regain root after dropping to %s", user);
}

/* Refusals in the school's language ([school] language): the milter has
 * no reader's locale.  Before any thread starts (it sets LANGUAGE). */
static void choose_language(const struct surel_config *cfg)
{
    const char *lang = surel_config_str(cfg, "school", "language");
    surel_i18n_init();
    surel_i18n_daemon(lang, "replies");
}

/* Set up libmilter and open the socket (still as root). */
static void open_socket(const struct milter_settings *ms)
{
    if (smfi_setconn((char *)ms->socket) == MI_FAILURE)
        surel_fatal(EX_CONFIG, "[milter] socket '%s' is not a libmilter socket"
                    " (unix:/path or inet:PORT@HOST)", ms->socket);
    if (smfi_register(milter_desc) == MI_FAILURE)
        surel_fatal(EX_SOFTWARE, "smfi_register failed");
    smfi_settimeout((int)ms->timeout);
    umask(007);                         /* socket 0770: group postfix may connect */
    if (smfi_opensocket(1) == MI_FAILURE)
        surel_fatal(EX_OSERR, "cannot open the socket %s (does its directory exist,"
                    " and is it writable?)", ms->socket);
}

int main(int argc, char **argv)
{
    struct options o = {0};
    struct policy_rules pr;
    struct milter_settings ms;
    char err[1024];
    parse_args(argc, argv, &o);
    surel_log_open("surel-milter", SUREL_LOG_STDERR, NULL);
    struct surel_config *cfg = surel_config_load(o.config, 1, err, sizeof(err));
    if (cfg == NULL)
        surel_fatal(EX_CONFIG, "%s", err);
    if (rules_load(cfg, &pr, &ms, err, sizeof(err)) < 0)
        surel_fatal(EX_CONFIG, "%s", err);
    choose_language(cfg);
    surel_config_free(cfg);
    if (o.check) {
        printf("%s: configuration is valid\n", o.config);
        return 0;
    }
    open_log(&o, &ms);
    surel_log_verbose(o.verbose);
    open_socket(&ms);
    drop_privileges(ms.user);
    if (!o.foreground && daemon(0, 0) < 0)
        surel_fatal(EX_OSERR, "cannot detach: %s", strerror(errno));
    store_init(ms.roster_db, ms.usage_db, ms.busy_timeout_ms);
    milter_setup(&pr, o.verbose);
    if (lookalike_init() < 0)           /* before libmilter's threads */
        surel_fatal(EX_SOFTWARE, "cannot set up ICU's Unicode tables for lookalike domains");
    surel_info("listening on %s for %s (roster %s, usage %s)", ms.socket, pr.domain,
               ms.roster_db, ms.usage_db);
    int rc = smfi_main();
    store_close();
    surel_info("stopped");
    surel_log_close();
    return rc == MI_SUCCESS ? 0 : EX_SOFTWARE;
}
