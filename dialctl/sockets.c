/*
 * NAME
 *	sockets 3
 * SUMMARY
 *	TCP sessions that use the link's address
 * SYNOPSIS
 *	See sockets.h.
 * DESCRIPTION
 *	/proc/net/tcp prints each address as the kernel's 32-bit
 *	network-order value in hexadecimal: read back into s_addr it is
 *	the address again.  States: 0A LISTEN, 06 TIME_WAIT, 07 CLOSE.
 * DIAGNOSTICS
 *	See sockets.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockets.h"

/* Add a remote address once. */
static void add_peer(struct tcp_peers *p, const char *addr)
{
    for (int i = 0; i < p->npeers; i++)
        if (strcmp(p->peer[i], addr) == 0)
            return;
    if (p->npeers < TCP_PEERS_MAX)
        snprintf(p->peer[p->npeers++], sizeof(p->peer[0]), "%s", addr);
}

int tcp_parse(const char *text, const char *local_addr, struct tcp_peers *p)
{
    struct in_addr want;
    memset(p, 0, sizeof(*p));
    if (inet_pton(AF_INET, local_addr, &want) != 1)
        return -1;
    for (const char *line = text; line != NULL && *line; ) {
        unsigned lhex, rhex, lport, rport, state;
        if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", &lhex, &lport, &rhex, &rport, &state) == 5
            && lhex == want.s_addr && state != 0x0A && state != 0x06 && state != 0x07) {
            struct in_addr r = {.s_addr = rhex};
            char buf[INET_ADDRSTRLEN];
            p->sessions++;
            add_peer(p, inet_ntop(AF_INET, &r, buf, sizeof(buf)));
            if (p->nconns < TCP_SESSIONS_MAX)
                p->conn[p->nconns++] = (struct tcp_conn){lport, rhex, rport};
        }
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return 0;
}

int tcp_new_sessions(const struct tcp_peers *now, const struct tcp_conn *old, int nold)
{
    int n = now->sessions - now->nconns;   /* beyond the list: count them */
    for (int i = 0; i < now->nconns; i++) {
        int seen = 0;
        for (int j = 0; j < nold && !seen; j++)
            seen = old[j].lport == now->conn[i].lport && old[j].raddr == now->conn[i].raddr
                   && old[j].rport == now->conn[i].rport;
        n += !seen;
    }
    return n;
}

int tcp_sessions(const char *local_addr, struct tcp_peers *p)
{
    FILE *f = fopen("/proc/net/tcp", "re");
    char *text = NULL;
    size_t cap = 0, len = 0, n;
    char buf[8192];
    if (f == NULL)
        return -1;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (len + n + 1 > cap) {
            char *t = realloc(text, cap = (len + n + 1) * 2);
            if (t == NULL) {
                free(text);
                fclose(f);
                return -1;
            }
            text = t;
        }
        memcpy(text + len, buf, n);
        len += n;
        text[len] = '\0';
    }
    fclose(f);
    int rc = tcp_parse(text != NULL ? text : "", local_addr, p);
    free(text);
    return rc;
}
