/*
 * NAME
 *	queue 3
 * SUMMARY
 *	what waits in Postfix's queue, from postqueue -j
 * SYNOPSIS
 *	See queue.h.
 * DESCRIPTION
 *	Each line of postqueue -j is one JSON object with queue_name,
 *	queue_id, arrival_time and recipients[] (address, delay_reason).
 * DIAGNOSTICS
 *	See queue.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "queue.h"
#include "run.h"

/* 1 if address's domain is one of local (case-insensitive). */
static int is_local(const char *address, const char *const *local)
{
    const char *at = strrchr(address, '@');
    if (at == NULL)
        return 1;                   /* a bare local part stays here */
    for (int i = 0; local != NULL && local[i] != NULL; i++)
        if (strcasecmp(at + 1, local[i]) == 0)
            return 1;
    return 0;
}

/* 1 if one message has an outside recipient; *held: all of them held by defer_transports. */
static int classify(json_t *msg, const char *const *local, int *held)
{
    json_t *rcpts = json_object_get(msg, "recipients"), *r;
    size_t i;
    int outside = 0;
    *held = 1;
    json_array_foreach(rcpts, i, r) {
        const char *addr = json_string_value(json_object_get(r, "address"));
        const char *why = json_string_value(json_object_get(r, "delay_reason"));
        if (addr == NULL || is_local(addr, local))
            continue;
        outside = 1;
        if (why == NULL || strstr(why, "deferred transport") == NULL)
            *held = 0;
    }
    return outside;
}

/* Remember one outbound queue id. */
static int add_id(struct queue_summary *q, const char *id)
{
    char **n = realloc(q->ids, (size_t)(q->nids + 1) * sizeof(*n));
    if (n == NULL)
        return -1;
    q->ids = n;
    if ((q->ids[q->nids] = strdup(id != NULL ? id : "")) == NULL)
        return -1;
    q->nids++;
    return 0;
}

/* Count one message object into q. */
static int count_message(json_t *msg, const char *const *local, struct queue_summary *q)
{
    int held;
    const char *qname = json_string_value(json_object_get(msg, "queue_name"));
    json_t *at = json_object_get(msg, "arrival_time");
    q->total++;
    if (!classify(msg, local, &held))
        return 0;
    q->outbound++;
    if (qname != NULL && (strcmp(qname, "deferred") == 0 || strcmp(qname, "hold") == 0)) {
        if (held)
            q->outbound_held++;
        else
            q->outbound_failed++;
    } else {
        q->outbound_waiting++;
    }
    if (json_is_integer(at) && (q->oldest == 0 || json_integer_value(at) < q->oldest))
        q->oldest = json_integer_value(at);
    return add_id(q, json_string_value(json_object_get(msg, "queue_id")));
}

int queue_parse(const char *text, const char *const *local, struct queue_summary *q,
                char *why, size_t len)
{
    memset(q, 0, sizeof(*q));
    for (int lineno = 1; text != NULL && *text != '\0'; lineno++) {
        const char *nl = strchr(text, '\n');
        size_t n = nl != NULL ? (size_t)(nl - text) : strlen(text);
        if (n > 0) {
            json_error_t err;
            json_t *msg = json_loadb(text, n, 0, &err);
            int rc = json_is_object(msg) ? count_message(msg, local, q) : -1;
            json_decref(msg);
            if (rc < 0) {
                snprintf(why, len, "postqueue -j line %d: %s", lineno,
                         msg == NULL ? err.text : "not a message object");
                queue_summary_free(q);
                return -1;
            }
        }
        text += n + (nl != NULL);
    }
    return 0;
}

void queue_summary_free(struct queue_summary *q)
{
    for (int i = 0; i < q->nids; i++)
        free(q->ids[i]);
    free(q->ids);
    memset(q, 0, sizeof(*q));
}

int queue_has_id(const struct queue_summary *q, const char *id)
{
    for (int i = 0; i < q->nids; i++)
        if (strcmp(q->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Run postqueue with one option; its output in *out. */
static int run_postqueue(const struct queue_cmd *c, const char *opt, char **out,
                         char *why, size_t len)
{
    char *argv[5];
    int n = 0, status;
    char st[32];
    argv[n++] = (char *)c->postqueue;
    if (c->config_dir != NULL && *c->config_dir != '\0') {
        argv[n++] = "-c";
        argv[n++] = (char *)c->config_dir;
    }
    argv[n++] = (char *)opt;
    argv[n] = NULL;
    if (spawn_capture(argv, c->timeout, out, &status) < 0) {
        snprintf(why, len, "%s %s: %m", c->postqueue, opt);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, len, "%s %s: %s", c->postqueue, opt, spawn_status_text(status, st, sizeof(st)));
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int queue_read(const struct queue_cmd *c, const char *const *local, struct queue_summary *q,
               char *why, size_t len)
{
    char *out;
    memset(q, 0, sizeof(*q));
    if (run_postqueue(c, "-j", &out, why, len) < 0)
        return -1;
    int rc = queue_parse(out, local, q, why, len);
    free(out);
    return rc;
}

int queue_flush(const struct queue_cmd *c, char *why, size_t len)
{
    char *out;
    if (run_postqueue(c, "-f", &out, why, len) < 0)
        return -1;
    free(out);
    return 0;
}
