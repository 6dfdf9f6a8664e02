/*
 * NAME
 *	dialctl-hook 8
 * SUMMARY
 *	pppd's ip-up and ip-down script: tells dialctl the link's state
 * SYNOPSIS
 *	dialctl-hook interface tty speed local-address remote-address ipparam
 * DESCRIPTION
 *	dialctl starts pppd with "ip-up-script" and "ip-down-script" set
 *	to this program and "ipparam" set to its control socket.  pppd
 *	runs it with its usual arguments and environment.  Without
 *	CONNECT_TIME in the environment it is ip-up and reports
 *	"hook up IF TTY SPEED LOCAL REMOTE"; with it, it is ip-down and
 *	reports "hook down CONNECT_TIME BYTES_SENT BYTES_RCVD".  On a "pty"
 *	link (a 3G/4G modem driven through a pty, or a test) pppd passes an
 *	empty tty argument: it is reported as "-".
 *
 *	Standard output and error are /dev/null under pppd: failures go to
 *	syslog.
 * DIAGNOSTICS
 *	Exit 0 when dialctl took the report, 64 on bad arguments, 69 when
 *	dialctl could not be reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "control.h"
#include "log.h"

/* A pppd number from the environment, or 0. */
static long long env_number(const char *name)
{
    const char *v = getenv(name);
    return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* 1 if s is a single word that fits the protocol. */
static int word_ok(const char *s)
{
    return *s != '\0' && strlen(s) < 64 && strpbrk(s, " \t\r\n") == NULL;
}

int main(int argc, char **argv)
{
    char line[512], err[512], *reply;
    surel_log_open("dialctl-hook", SUREL_LOG_SYSLOG, NULL);
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        puts("usage: dialctl-hook IFACE TTY SPEED LOCAL REMOTE SOCKET (run by pppd)");
        return EX_OK;
    }
    if (argc < 7 || argv[6][0] != '/') {
        surel_error("usage: dialctl-hook IFACE TTY SPEED LOCAL REMOTE SOCKET (run by pppd)");
        return EX_USAGE;
    }
    const char *tty = argv[2][0] != '\0' ? argv[2] : "-";   /* pppd on a pty link */
    for (int i = 1; i <= 5; i++)
        if (!word_ok(i == 2 ? tty : argv[i])) {
            surel_error("argument %d is not a single word", i);
            return EX_USAGE;
        }
    if (getenv("CONNECT_TIME") == NULL)
        snprintf(line, sizeof(line), "hook up %s %s %s %s %s", argv[1], tty, argv[3],
                 argv[4], argv[5]);
    else
        snprintf(line, sizeof(line), "hook down %lld %lld %lld", env_number("CONNECT_TIME"),
                 env_number("BYTES_SENT"), env_number("BYTES_RCVD"));
    if (control_request(argv[6], line, &reply, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_UNAVAILABLE;
    }
    int ok = strncmp(reply, "ok", 2) == 0;
    if (!ok)
        surel_error("dialctl: %s", reply);
    free(reply);
    return ok ? EX_OK : EX_UNAVAILABLE;
}
