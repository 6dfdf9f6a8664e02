/*
 * NAME
 *	ratelimit 3
 * SUMMARY
 *	surel-mxd: lock out addresses and logins after repeated refusals
 * DESCRIPTION
 *	See ratelimit.h.  A linear table: a few thousand entries are scanned
 *	faster than one SQLite lookup, and only refusals add entries.
 */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "util.h"

int mxd_rate_init(struct mxd_rate *rl, int cap, int max_failures, long long window,
                  long long lockout)
{
    memset(rl, 0, sizeof(*rl));
    rl->e = calloc((size_t)cap, sizeof(*rl->e));
    if (rl->e == NULL)
        return -1;
    rl->cap = cap;
    rl->max_failures = max_failures;
    rl->window = window;
    rl->lockout = lockout;
    return 0;
}

void mxd_rate_free(struct mxd_rate *rl)
{
    free(rl->e);
    rl->e = NULL;
    rl->n = rl->cap = 0;
}

/* The entry for key, or NULL. */
static struct mxd_rate_entry *find(struct mxd_rate *rl, const char *key)
{
    for (int i = 0; i < rl->n; i++)
        if (strcmp(rl->e[i].key, key) == 0)
            return &rl->e[i];
    return NULL;
}

int mxd_rate_locked(struct mxd_rate *rl, const char *key, long long now)
{
    struct mxd_rate_entry *e = find(rl, key);
    return e != NULL && e->locked_until > now;
}

/* The slot to reuse when the table is full: oldest unlocked, else soonest unlocking. */
static struct mxd_rate_entry *victim(struct mxd_rate *rl, long long now)
{
    struct mxd_rate_entry *best = NULL;
    for (int i = 0; i < rl->n; i++) {
        struct mxd_rate_entry *e = &rl->e[i];
        int e_locked = e->locked_until > now;
        if (best == NULL) {
            best = e;
            continue;
        }
        int b_locked = best->locked_until > now;
        if (b_locked && !e_locked)
            best = e;
        else if (b_locked == e_locked && (e_locked ? e->locked_until < best->locked_until
                                                   : e->last < best->last))
            best = e;
    }
    return best;
}

/* A fresh entry for key, made room for if needed. */
static struct mxd_rate_entry *add(struct mxd_rate *rl, const char *key, long long now)
{
    struct mxd_rate_entry *e = rl->n < rl->cap ? &rl->e[rl->n++] : victim(rl, now);
    memset(e, 0, sizeof(*e));
    surel_strlcpy(e->key, key, sizeof(e->key));
    e->window_start = now;
    return e;
}

int mxd_rate_fail(struct mxd_rate *rl, const char *key, long long now)
{
    struct mxd_rate_entry *e = find(rl, key);
    if (e == NULL)
        e = add(rl, key, now);
    if (now - e->window_start >= rl->window) {
        e->window_start = now;
        e->failures = 0;
    }
    e->last = now;
    if (++e->failures < rl->max_failures || e->locked_until > now)
        return 0;
    e->locked_until = now + rl->lockout;
    e->failures = 0;
    e->window_start = now;
    return 1;
}
