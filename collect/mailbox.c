/*
 * NAME
 *	mailbox 3
 * SUMMARY
 *	what POP3 and IMAP share: the URL, the connection, a transfer
 * SYNOPSIS
 *	See mailbox.h.
 * DESCRIPTION
 *	The URL is read with libcurl's own parser (curl_url) and refused
 *	unless it is one of the four schemes, has a host, no login or
 *	query in it and no control character.  libcurl keeps the one
 *	connection between transfers of the same easy handle.
 * DIAGNOSTICS
 *	See mailbox.h.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"
#include "util.h"

extern const struct mailbox_ops mailbox_pop3_ops, mailbox_imap_ops;

/* The protocol of a scheme and whether it is TLS from the start. */
static const struct mailbox_ops *ops_of(const char *scheme)
{
    if (strcmp(scheme, "pop3s") == 0 || strcmp(scheme, "pop3") == 0)
        return &mailbox_pop3_ops;
    if (strcmp(scheme, "imaps") == 0 || strcmp(scheme, "imap") == 0)
        return &mailbox_imap_ops;
    return NULL;
}

/* A part of a parsed URL, "" when absent; 0, or -1 when it does not fit. */
static int part(CURLU *u, CURLUPart what, unsigned flags, char *out, size_t len)
{
    char *v = NULL;
    *out = '\0';
    if (curl_url_get(u, what, &v, flags) != CURLUE_OK)
        return 0;
    int ok = strlen(v) < len;
    if (ok)
        surel_strlcpy(out, v, len);
    curl_free(v);
    return ok ? 0 : -1;
}

/* Parse and check url into m (base, folder); 0, or -1 with why. */
static int parse(struct mailbox *m, const char *url, char *why, size_t len)
{
    char scheme[16], host[200], user[8], query[8], path[200], raw[200], port[8];
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f) {
            snprintf(why, len, "the URL has a blank or a control character");
            return -1;
        }
    CURLU *u = curl_url();
    int bad = u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK
              || part(u, CURLUPART_SCHEME, 0, scheme, sizeof(scheme)) < 0
              || part(u, CURLUPART_HOST, 0, host, sizeof(host)) < 0
              || part(u, CURLUPART_USER, 0, user, sizeof(user)) < 0
              || part(u, CURLUPART_QUERY, 0, query, sizeof(query)) < 0
              || part(u, CURLUPART_PORT, 0, port, sizeof(port)) < 0
              || part(u, CURLUPART_PATH, CURLU_URLDECODE, path, sizeof(path)) < 0
              || part(u, CURLUPART_PATH, 0, raw, sizeof(raw)) < 0;
    curl_url_cleanup(u);
    if (bad || *host == '\0') {
        snprintf(why, len, "not a URL with a host (imaps://HOST/FOLDER or pop3s://HOST)");
        return -1;
    }
    if ((m->ops = ops_of(scheme)) == NULL) {
        snprintf(why, len, "the scheme must be imaps, pop3s, imap or pop3 (with STARTTLS), not %s",
                 scheme);
        return -1;
    }
    if (*user || *query || strchr(url, '#') != NULL || strchr(path, ';') != NULL) {
        snprintf(why, len, "the URL names only the server and folder (the login is in user)");
        return -1;
    }
    if (m->ops == &mailbox_pop3_ops && strcmp(path, "/") != 0 && *path) {
        snprintf(why, len, "a POP3 URL has no folder");
        return -1;
    }
    snprintf(m->base, sizeof(m->base), "%s://%s%s%s", scheme, host, *port ? ":" : "", port);
    const char *folder = *path && strcmp(path, "/") != 0 ? path + 1 : "INBOX";
    const char *folder_raw = *path && strcmp(path, "/") != 0 ? raw + 1 : "INBOX";
    if (strpbrk(folder, "\"\\") != NULL || (unsigned char)*folder < 0x21) {
        snprintf(why, len, "the folder name has a quote or a backslash");
        return -1;
    }
    surel_strlcpy(m->folder, folder, sizeof(m->folder));
    if ((size_t)snprintf(m->folder_url, sizeof(m->folder_url), "%s/%s", m->base, folder_raw)
        >= sizeof(m->folder_url)) {
        snprintf(why, len, "the URL is too long");
        return -1;
    }
    return 0;
}

int mailbox_url_check(const char *url, char *why, size_t len)
{
    struct mailbox m;
    memset(&m, 0, sizeof(m));
    return parse(&m, url, why, len);
}

/* libcurl's write callback: keep the data, within the limit. */
static size_t keep(char *data, size_t size, size_t n, void *arg)
{
    struct mailbox *m = arg;
    size_t k = size * n;
    m->bytes += (long long)k;
    if ((long long)(m->body_len + k) > m->limit)
        return 0;
    if (m->body_len + k + 1 > m->body_cap) {
        size_t cap = (m->body_len + k + 1) * 2;
        char *p = realloc(m->body, cap);
        if (p == NULL)
            return 0;
        m->body = p, m->body_cap = cap;
    }
    memcpy(m->body + m->body_len, data, k);
    m->body_len += k;
    m->body[m->body_len] = '\0';
    return k;
}

int mailbox_open(struct mailbox *m, const struct mailbox_conf *c, char *err, size_t len)
{
    memset(m, 0, sizeof(*m));
    if (parse(m, c->url, err, len) < 0)
        return -1;
    if ((m->curl = curl_easy_init()) == NULL) {
        snprintf(err, len, "libcurl cannot start");
        return -1;
    }
    CURL *h = m->curl;
    curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (c->ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->idle);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->idle);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, m);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps,pop3,pop3s");
    return 0;
}

int mailbox_transfer(struct mailbox *m, const char *url, const char *command, int nobody)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = m->curl;
    long connects = 0;
    m->body_len = 0;
    if (m->body != NULL)
        m->body[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, command);
    curl_easy_setopt(h, CURLOPT_NOBODY, (long)nobody);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    m->too_long = rc == CURLE_WRITE_ERROR && (long long)m->body_len + CURL_MAX_WRITE_SIZE > m->limit;
    if (rc != CURLE_OK) {
        snprintf(m->err, sizeof(m->err), "%s%s", *errbuf ? errbuf : curl_easy_strerror(rc),
                 m->too_long ? " (more than the message's listed size: it waits)" : "");
        return -1;
    }
    if (m->transfers++ > 0 && connects > 0 && m->ops == &mailbox_pop3_ops) {
        snprintf(m->err, sizeof(m->err), "the connection was lost and made again: POP3's"
                 " message numbers may have changed");
        return -1;
    }
    return 0;
}

int mailbox_list_add(struct mailbox_list *l, const struct mailbox_item *it)
{
    if ((l->n & (l->n - 1)) == 0) {     /* 0, 1, 2, 4...: grow */
        struct mailbox_item *p = realloc(l->item, (l->n ? l->n * 2 : 1) * sizeof(*p));
        if (p == NULL)
            return -1;
        l->item = p;
    }
    l->item[l->n] = *it;
    if (it->size < 0 || it->size > MAILBOX_SIZE_MAX)    /* a server's nonsense: "huge" */
        l->item[l->n].size = MAILBOX_SIZE_MAX;
    l->n++;
    return 0;
}

/* Order of UIDs, for the duplicate check. */
static int by_uid(const void *a, const void *b)
{
    return strcmp(((const struct mailbox_item *)a)->uid, ((const struct mailbox_item *)b)->uid);
}

/* The same UID twice in a listing: the server cannot be trusted with deletes. */
static int twice(struct mailbox *m, const struct mailbox_list *l)
{
    struct mailbox_item *c;
    int bad = 0;
    if (l->n < 2)
        return 0;
    if ((c = malloc(l->n * sizeof(*c))) == NULL) {
        snprintf(m->err, sizeof(m->err), "out of memory");
        return 1;
    }
    memcpy(c, l->item, l->n * sizeof(*c));
    qsort(c, l->n, sizeof(*c), by_uid);
    for (size_t i = 1; i < l->n && !bad; i++)
        if (strcmp(c[i - 1].uid, c[i].uid) == 0) {
            snprintf(m->err, sizeof(m->err), "the server lists UID %s twice", c[i].uid);
            bad = 1;
        }
    free(c);
    return bad;
}

int mailbox_list(struct mailbox *m, struct mailbox_list *out)
{
    memset(out, 0, sizeof(*out));
    m->limit = 16LL << 20;     /* some 200,000 messages' UIDL */
    if (m->ops->list(m, out) < 0 || twice(m, out)) {
        free(out->item);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    return 0;
}

int mailbox_fetch(struct mailbox *m, const struct mailbox_item *it, int header_only,
                  long long limit)
{
    m->limit = limit;
    return m->ops->fetch(m, it, header_only);
}

int mailbox_remove(struct mailbox *m, const struct mailbox_item *it)
{
    m->limit = 1 << 20;
    return m->ops->remove(m, it);
}

int mailbox_finish(struct mailbox *m)
{
    m->limit = 1 << 20;
    return m->ops->finish(m);
}

void mailbox_close(struct mailbox *m)
{
    if (m->curl != NULL)
        curl_easy_cleanup(m->curl);     /* POP3: QUIT, which deletes what DELE marked */
    free(m->body);
    m->curl = NULL, m->body = NULL;
}
