/*
 * NAME
 *	dialctl 8
 * SUMMARY
 *	dial-on-demand controller: daemon and command-line client
 * SYNOPSIS
 *	dialctl [--config FILE] [--verbose] [--log FILE] daemon
 *	dialctl [--config FILE] status | dial [--force] | hangup
 *	dialctl [--config FILE] report [--month YYYY-MM] [--chart FILE.svg|FILE.png]
 *	dialctl [--config FILE] log [-n N]
 * DESCRIPTION
 *	"daemon" runs the controller in the foreground (for systemd; see
 *	daemon.h).  status, dial and hangup talk to it over the control
 *	socket; report and log read the ledger directly.  See dialctl(8).
 * DIAGNOSTICS
 *	sysexits codes: 0 done, 64 usage, 69 the daemon refused or is not
 *	running, 78 bad configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "i18n.h"
#include "log.h"
#include "report.h"
#include "report_chart.h"

/* The --help text, in the reader's language. */
static void usage(FILE *out)
{
    fprintf(out, _("usage: dialctl [--config FILE] [--verbose] [--log FILE] COMMAND\n"
          "commands:\n"
          "  daemon                 run the controller in the foreground (systemd)\n"
          "  status                 state, link, queue, next trigger, month to date\n"
          "  dial [--force]         dial now (--force: even when the budget is spent)\n"
          "  hangup                 end the current session now\n"
          "  report [--month YYYY-MM] [--chart FILE.svg|FILE.png]\n"
          "                         minutes, MB, Rupiah per day and per student; the chart\n"
          "  log [-n N]             the last N sessions and decisions (default 20)\n"
          "options:\n"
          "  --config FILE          surel.ini (default %s)\n"
          "  --log FILE             daemon: log to FILE instead of standard error\n"
          "  --syslog               daemon: log to syslog (mail facility)\n"
          "  --verbose              also log each drain decision\n"
          "See dialctl(8).\n"), SUREL_DEFAULT_CONFIG);
}

/* Send one request to the daemon, print its answer; exit code. */
static int ask(const struct conf *c, const char *line)
{
    char *reply, err[512];
    if (control_request(c->socket, line, &reply, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_UNAVAILABLE;
    }
    int ok = strncmp(reply, "ok\n", 3) == 0;
    fputs(ok ? reply + 3 : reply, ok ? stdout : stderr);
    free(reply);
    return ok ? EX_OK : EX_UNAVAILABLE;
}

/* Run a client command with the configuration loaded. */
static int client(const char *config, int argc, char **argv)
{
    struct conf c;
    char err[512];
    const char *cmd = argv[0];
    int rc = EX_USAGE;
    if (conf_load(config, &c, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_CONFIG;
    }
    if (strcmp(cmd, "status") == 0 && argc == 1)
        rc = ask(&c, "status");
    else if (strcmp(cmd, "hangup") == 0 && argc == 1)
        rc = ask(&c, "hangup");
    else if (strcmp(cmd, "dial") == 0 && argc == 1)
        rc = ask(&c, "dial");
    else if (strcmp(cmd, "dial") == 0 && argc == 2 && strcmp(argv[1], "--force") == 0)
        rc = ask(&c, "dial force");
    else if (strcmp(cmd, "report") == 0)
        rc = report_command(&c, argc, argv, stdout);
    else if (strcmp(cmd, "log") == 0 && argc == 1)
        rc = log_print(&c, 20, stdout);
    else if (strcmp(cmd, "log") == 0 && argc == 3 && strcmp(argv[1], "-n") == 0 && atoi(argv[2]) > 0)
        rc = log_print(&c, atoi(argv[2]), stdout);
    else
        usage(stderr);
    conf_free(&c);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"log", required_argument, NULL, 'l'},
        {"syslog", no_argument, NULL, 's'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *config = SUREL_DEFAULT_CONFIG, *logfile = NULL;
    int opt, use_syslog = 0;
    surel_i18n_init();
    surel_log_open("dialctl", SUREL_LOG_STDERR, NULL);
    while ((opt = getopt_long(argc, argv, "+c:l:svh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'l': logfile = optarg; break;
        case 's': use_syslog = 1; break;
        case 'v': surel_log_verbose(1); break;
        case 'h': usage(stdout); return EX_OK;
        default: usage(stderr); return EX_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[optind], "daemon") == 0 && optind + 1 == argc) {
        if (logfile != NULL || use_syslog)
            surel_log_open("dialctl", use_syslog ? SUREL_LOG_SYSLOG : SUREL_LOG_FILE, logfile);
        return daemon_run(config);
    }
    return client(config, argc - optind, argv + optind);
}
