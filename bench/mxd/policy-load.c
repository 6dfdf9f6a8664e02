/*
 * NAME
 *	policy-load - drive surel-mxd over its socket with the policy protocol
 * SYNOPSIS
 *	policy-load SOCKET SCHOOLS REQUESTS accept|refuse CONNECTIONS
 * DESCRIPTION
 *	Opens CONNECTIONS unix-socket connections to surel-mxd (as that many
 *	smtpd processes would) and sends REQUESTS ETRN policy requests in
 *	all, each connection waiting for the answer before its next request,
 *	exactly as smtpd does.  Schools are named school%05d with domain
 *	school%05d.sch.id, SCHOOLS of them.
 *
 *	accept: each request is a school's login for its own domain, from
 *	a documentation address: surel-mxd writes a route for each.
 *	refuse: each request is a school's login for another school's
 *	domain: one lookup, no write.
 *
 *	Prints "mode=M requests=N connections=C seconds=S per_second=R
 *	ok=A reject=B other=O" on one line.  Not part of the build: the
 *	benchmark script compiles it.
 * DIAGNOSTICS
 *	Exit 1 when a connection fails or an answer is malformed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct worker {
    const char *sock;
    int schools, requests, accept, id;
    long ok, reject, other;
    int failed;
};

/* One request block for school i (own domain) or its neighbour's domain. */
static int make_request(char *out, size_t len, int i, int schools, int accept)
{
    int dom = accept ? i : (i + 1) % schools;
    return snprintf(out, len,
                    "request=smtpd_access_policy\nprotocol_state=ETRN\nprotocol_name=ESMTP\n"
                    "client_address=198.51.100.%d\nclient_name=unknown\n"
                    "etrn_domain=school%05d.sch.id\nsasl_method=PLAIN\n"
                    "sasl_username=school%05d\nsasl_sender=\npolicy_context=\n\n",
                    1 + i % 250, dom, i);
}

/* Read one answer block ("...\n\n") into buf; 0 or -1. */
static int read_answer(int fd, char *buf, size_t len)
{
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\n\n") != NULL)
            return 0;
    }
    return -1;
}

/* Connect to the policy socket. */
static int connect_sock(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror(path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* One connection's share of the requests. */
static void *run(void *arg)
{
    struct worker *w = arg;
    char req[512], ans[512];
    int fd = connect_sock(w->sock);
    if (fd < 0) {
        w->failed = 1;
        return NULL;
    }
    for (int k = 0; k < w->requests; k++) {
        int i = (w->id * 7919 + k * 104729) % w->schools;
        int n = make_request(req, sizeof(req), i, w->schools, w->accept);
        if (write(fd, req, (size_t)n) != n || read_answer(fd, ans, sizeof(ans)) < 0) {
            w->failed = 1;
            break;
        }
        if (strcmp(ans, "action=OK\n\n") == 0)
            w->ok++;
        else if (strncmp(ans, "action=REJECT", 13) == 0)
            w->reject++;
        else
            w->other++;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: policy-load SOCKET SCHOOLS REQUESTS accept|refuse CONNECTIONS\n");
        return 2;
    }
    int schools = atoi(argv[2]), requests = atoi(argv[3]), conns = atoi(argv[5]);
    int accept = strcmp(argv[4], "accept") == 0, failed = 0;
    long ok = 0, reject = 0, other = 0;
    struct worker *w = calloc((size_t)conns, sizeof(*w));
    pthread_t *t = calloc((size_t)conns, sizeof(*t));
    struct timespec a, b;
    if (schools < 2 || requests < 1 || conns < 1 || w == NULL || t == NULL)
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int c = 0; c < conns; c++) {
        w[c] = (struct worker){argv[1], schools, requests / conns, accept, c, 0, 0, 0, 0};
        pthread_create(&t[c], NULL, run, &w[c]);
    }
    for (int c = 0; c < conns; c++) {
        pthread_join(t[c], NULL);
        ok += w[c].ok;
        reject += w[c].reject;
        other += w[c].other;
        failed |= w[c].failed;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    long n = ok + reject + other;
    printf("mode=%s requests=%ld connections=%d seconds=%.3f per_second=%.0f ok=%ld reject=%ld "
           "other=%ld\n", argv[4], n, conns, s, (double)n / s, ok, reject, other);
    free(w);
    free(t);
    return failed ? 1 : 0;
}
