/*
 * NAME
 *	flush 3
 * SUMMARY
 *	surel-mxd: the second "postqueue -s DOMAIN" after an accepted ETRN
 * DESCRIPTION
 *	See flush.h.  An unsorted array: it holds the schools that said
 *	ETRN in the last flush_again seconds, a handful even at a large ISP.
 */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>

#include "flush.h"
#include "util.h"

int mxd_flushq_schedule(struct mxd_flushq *q, const char *domain, long long due)
{
    for (int i = 0; i < q->n; i++) {
        if (strcmp(q->v[i].domain, domain) == 0) {
            if (due > q->v[i].due)
                q->v[i].due = due;
            return 0;
        }
    }
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 16;
        struct mxd_flush *v = realloc(q->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return -1;
        q->v = v;
        q->cap = cap;
    }
    surel_strlcpy(q->v[q->n].domain, domain, sizeof(q->v[q->n].domain));
    q->v[q->n].due = due;
    q->n++;
    return 0;
}

long long mxd_flushq_next(const struct mxd_flushq *q)
{
    long long next = -1;
    for (int i = 0; i < q->n; i++)
        if (next < 0 || q->v[i].due < next)
            next = q->v[i].due;
    return next;
}

int mxd_flushq_pop(struct mxd_flushq *q, long long now, char *domain, size_t len)
{
    for (int i = 0; i < q->n; i++) {
        if (q->v[i].due <= now) {
            surel_strlcpy(domain, q->v[i].domain, len);
            q->v[i] = q->v[--q->n];
            return 1;
        }
    }
    return 0;
}

void mxd_flushq_free(struct mxd_flushq *q)
{
    free(q->v);
    q->v = NULL;
    q->n = q->cap = 0;
}

pid_t mxd_postqueue_spawn(const char *postqueue, const char *config_dir, const char *domain)
{
    char *argv[6], *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int i = 0, rc;
    pid_t pid;
    argv[i++] = (char *)"postqueue";
    if (config_dir != NULL && *config_dir != '\0') {
        argv[i++] = (char *)"-c";
        argv[i++] = (char *)config_dir;
    }
    argv[i++] = (char *)"-s";
    argv[i++] = (char *)domain;
    argv[i] = NULL;
    rc = posix_spawn(&pid, postqueue, NULL, NULL, argv, envp);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return pid;
}
