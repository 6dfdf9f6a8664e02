/*
 * NAME
 *	hash_pool 3
 * SUMMARY
 *	make and hash many passwords on every core
 * DESCRIPTION
 *	See hash_pool.h.  Workers take the next job index from a shared
 *	counter; libcrypt's crypt_rn() is reentrant.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "hash_pool.h"
#include "i18n.h"

#define HASH_POOL_MAX_THREADS 64

struct pool {
    const char *scheme;
    struct hash_job *jobs;
    int n;
    int progress;
    atomic_int next;
    atomic_int done;
    atomic_int failed;
};

/* Worker: hash jobs until none are left. */
static void *worker(void *arg)
{
    struct pool *pool = arg;
    int i;
    while ((i = atomic_fetch_add(&pool->next, 1)) < pool->n) {
        struct hash_job *job = &pool->jobs[i];
        if ((job->password[0] == '\0'
             && surel_password_generate(job->password, sizeof(job->password)) < 0)
            || surel_password_hash(pool->scheme, job->password, job->hash, sizeof(job->hash)) < 0) {
            job->hash[0] = '\0';
            atomic_store(&pool->failed, 1);
        }
        int done = atomic_fetch_add(&pool->done, 1) + 1;
        if (pool->progress && (done % 8 == 0 || done == pool->n)) {
            fputc('\r', stderr);
            fprintf(stderr, _("hashing passwords: %d/%d"), done, pool->n);
        }
    }
    return NULL;
}

int hash_pool_run(const char *scheme, struct hash_job *jobs, int n, int progress)
{
    struct pool pool = {.scheme = scheme, .jobs = jobs, .n = n, .progress = progress};
    pthread_t threads[HASH_POOL_MAX_THREADS];
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = cpus < 1 ? 1 : cpus > HASH_POOL_MAX_THREADS ? HASH_POOL_MAX_THREADS : (int)cpus;
    int started = 0;
    if (n <= 0)
        return 0;
    if (nthreads > n)
        nthreads = n;
    for (; started < nthreads; started++)
        if (pthread_create(&threads[started], NULL, worker, &pool) != 0)
            break;
    if (started == 0)
        worker(&pool);          /* no threads to be had: do it here */
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (progress)
        fputc('\n', stderr);
    return atomic_load(&pool.failed) ? -1 : 0;
}
