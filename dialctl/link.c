/*
 * NAME
 *	link 3
 * SUMMARY
 *	the dial-up link: pppd through its documented interface
 * SYNOPSIS
 *	See link.h.
 * DESCRIPTION
 *	The exit codes are those of pppd(8), "EXIT STATUS".
 * DIAGNOSTICS
 *	See link.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "link.h"
#include "run.h"

pid_t link_dial(const struct link_conf *c)
{
    char *argv[] = {
        (char *)c->pppd, "call", (char *)c->peer, "nodetach",
        "linkname", (char *)c->linkname, "ipparam", (char *)c->socket,
        "ip-up-script", (char *)c->hook, "ip-down-script", (char *)c->hook, NULL
    };
    return spawn_program(argv, c->log_fd);
}

int link_hangup(pid_t pid)
{
    return pid > 0 ? kill(pid, SIGTERM) : (errno = ESRCH, -1);
}

/* Read one number from a sysfs file. */
static int read_number(const char *path, long long *v)
{
    FILE *f = fopen(path, "re");
    int ok = f != NULL && fscanf(f, "%lld", v) == 1;
    if (f != NULL)
        fclose(f);
    return ok ? 0 : -1;
}

int link_counters(const char *ifname, long long *tx, long long *rx)
{
    char path[256];
    if (ifname == NULL || *ifname == '\0' || strchr(ifname, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/tx_bytes", ifname);
    if (read_number(path, tx) < 0)
        return -1;
    snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/rx_bytes", ifname);
    return read_number(path, rx);
}

int link_iface_up(const char *ifname, char *addr, size_t len)
{
    struct ifaddrs *all, *a;
    int up = 0;
    if (addr != NULL && len > 0)
        *addr = '\0';
    if (getifaddrs(&all) < 0)
        return -1;
    for (a = all; a != NULL; a = a->ifa_next) {
        if (strcmp(a->ifa_name, ifname) != 0 || !(a->ifa_flags & IFF_UP)
            || a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
            continue;
        up = (a->ifa_flags & IFF_RUNNING) != 0;
        if (addr != NULL)
            inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, addr,
                      (socklen_t)len);
        break;
    }
    freeifaddrs(all);
    return up;
}

const char *link_exit_text(int code)
{
    static const char *const text[] = {
        "link ended normally", "fatal error", "error in options", "not run as root",
        "no PPP support in the kernel", "terminated by a signal", "serial port locked",
        "serial port could not be opened", "connect script (chat) failed",
        "pty command could not be run", "PPP negotiation failed",
        "peer failed to authenticate", "link idle", "connect time limit reached",
        "callback", "peer not responding to echo requests", "modem hung up",
        "serial loopback detected", "init script failed", "authentication to the peer failed",
    };
    return code >= 0 && code < (int)(sizeof(text) / sizeof(text[0])) ? text[code]
                                                                     : "unknown exit code";
}
