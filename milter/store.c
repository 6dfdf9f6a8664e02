/*
 * NAME
 *	store 3
 * SUMMARY
 *	surel-milter's access to the roster and its usage counters
 * DESCRIPTION
 *	See store.h.  The paths are copied at store_init(); the handles are
 *	opened lazily under the mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "usage.h"
#include "util.h"

static struct {
    pthread_mutex_t lock;
    char roster_db[1024];
    char usage_db[1024];
    int busy_ms;
    struct roster *roster;
    struct usage *usage;
} st = {.lock = PTHREAD_MUTEX_INITIALIZER};

void store_init(const char *roster_db, const char *usage_db, int busy_ms)
{
    surel_strlcpy(st.roster_db, roster_db, sizeof(st.roster_db));
    surel_strlcpy(st.usage_db, usage_db, sizeof(st.usage_db));
    st.busy_ms = busy_ms > 0 ? busy_ms : 5000;
}

/* The roster handle, opened read-only if needed (lock held). */
static struct roster *roster_handle(void)
{
    char err[512];
    if (st.roster == NULL) {
        if (roster_open(st.roster_db, NULL, ROSTER_READONLY, &st.roster, err, sizeof(err)) < 0) {
            surel_warn("cannot read the roster: %s", err);
            return NULL;
        }
        roster_set_busy_timeout(st.roster, st.busy_ms);
    }
    return st.roster;
}

/* Drop the roster handle after an error, so the next call reopens it. */
static void roster_failed(const char *what)
{
    surel_warn("roster %s failed: %s", what, roster_errmsg(st.roster));
    roster_close(st.roster);
    st.roster = NULL;
}

/* The usage handle, opened (and created) if needed (lock held). */
static struct usage *usage_handle(void)
{
    char err[512];
    if (st.usage == NULL
        && usage_open(st.usage_db, USAGE_WRITE | USAGE_CREATE, &st.usage, err, sizeof(err)) < 0) {
        surel_warn("cannot open the usage counters: %s", err);
        return NULL;
    }
    return st.usage;
}

/* Drop the usage handle after an error. */
static void usage_failed(const char *what)
{
    surel_warn("usage %s failed: %s", what, usage_errmsg(st.usage));
    usage_close(st.usage);
    st.usage = NULL;
}

int store_person(const char *username, struct roster_person *p)
{
    int rc = -1;
    pthread_mutex_lock(&st.lock);
    if (roster_handle() != NULL) {
        rc = roster_find_username(st.roster, username, p);
        if (rc < 0) {
            roster_failed("lookup");
            rc = -1;
        }
    }
    pthread_mutex_unlock(&st.lock);
    return rc;
}

int store_may_send_as(const char *username, const char *group)
{
    int rc = -1;
    pthread_mutex_lock(&st.lock);
    if (roster_handle() != NULL) {
        rc = roster_may_send_as(st.roster, username, group);
        if (rc < 0) {
            roster_failed("send-as lookup");
            rc = -1;
        }
    }
    pthread_mutex_unlock(&st.lock);
    return rc;
}

int store_usage(const char *username, long long when, struct policy_usage *u)
{
    char day[16];
    struct usage_day d;
    int rc = -1;
    usage_day_of(when, day, sizeof(day));
    pthread_mutex_lock(&st.lock);
    if (usage_handle() != NULL) {
        rc = usage_get(st.usage, day, username, &d);
        if (rc < 0) {
            usage_failed("lookup");
            rc = -1;
        } else {
            u->messages = d.messages;
            u->recipients = d.recipients;
            u->bytes = d.bytes;
        }
    }
    pthread_mutex_unlock(&st.lock);
    return rc;
}

int store_count(const char *username, long long when, long long bytes, long long recipients)
{
    char day[16];
    int rc = -1;
    usage_day_of(when, day, sizeof(day));
    pthread_mutex_lock(&st.lock);
    if (usage_handle() != NULL) {
        rc = usage_add(st.usage, day, username, 1, bytes, recipients);
        if (rc < 0) {
            usage_failed("update");
            rc = -1;
        }
    }
    pthread_mutex_unlock(&st.lock);
    return rc;
}

void store_close(void)
{
    pthread_mutex_lock(&st.lock);
    roster_close(st.roster);
    usage_close(st.usage);
    st.roster = NULL;
    st.usage = NULL;
    pthread_mutex_unlock(&st.lock);
}
