/*
 * NAME
 *	inject 3
 * SUMMARY
 *	hand one message to this side's Postfix over SMTP, with its envelope
 * SYNOPSIS
 *	See inject.h.
 * DESCRIPTION
 *	The server's answers reach libcurl's debug callback, one line at a
 *	time (CURLINFO_HEADER_IN); the last 4xx or 5xx one is kept for the
 *	reason of a refusal (after it libcurl may say QUIT and read 221).
 * DIAGNOSTICS
 *	See inject.h.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "inject.h"
#include "util.h"

struct upload {
    const char *p;
    size_t left;
};

/* libcurl's read callback: the next piece of the message. */
static size_t read_msg(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(buf, u->p, k);
    u->p += k, u->left -= k;
    return k;
}

/* libcurl's debug callback: keep the server's last refusal (4xx, 5xx; libcurl
   hands a refused RCPT's answer to no other callback, and QUITs after it). */
static int keep_answer(CURL *c, curl_infotype type, char *buf, size_t n, void *arg)
{
    struct inject *in = arg;
    (void)c;
    if (type != CURLINFO_HEADER_IN || n == 0 || (buf[0] != '4' && buf[0] != '5'))
        return 0;
    size_t k = n < sizeof(in->last) - 1 ? n : sizeof(in->last) - 1;
    memcpy(in->last, buf, k);
    in->last[k] = '\0';
    in->last[strcspn(in->last, "\r\n")] = '\0';
    return 0;
}

int inject_open(struct inject *in, const char *host_port, const char *helo, char *err, size_t len)
{
    memset(in, 0, sizeof(*in));
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if ((in->curl = curl_easy_init()) == NULL) {
        snprintf(err, len, "libcurl cannot start");
        return -1;
    }
    snprintf(in->url, sizeof(in->url), "smtp://%s/%s", host_port, helo);
    return 0;
}

/* The reason of a failed transfer: the server's answer, else libcurl's words. */
static void explain(struct inject *in, CURLcode rc, const char *errbuf)
{
    if (*in->last >= '4' && *in->last <= '5')
        surel_strlcpy(in->why, in->last, sizeof(in->why));
    else
        snprintf(in->why, sizeof(in->why), "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
}

enum inject_result inject_send(struct inject *in, const char *sender, const char *rcpt,
                               const char *msg, size_t len)
{
    CURL *c = in->curl;
    char from[600], to[600], errbuf[CURL_ERROR_SIZE] = "";
    struct upload u = {msg, len};
    struct curl_slist *rcpts;
    snprintf(from, sizeof(from), "<%s>", sender);
    snprintf(to, sizeof(to), "<%s>", rcpt);
    if ((rcpts = curl_slist_append(NULL, to)) == NULL) {
        surel_strlcpy(in->why, "out of memory", sizeof(in->why));
        return INJECT_LATER;
    }
    *in->last = *in->why = '\0';
    curl_easy_setopt(c, CURLOPT_URL, in->url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_msg);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_CRLF, 1L);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, keep_answer);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, in);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(rcpts);
    if (rc == CURLE_OK)
        return INJECT_OK;
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    explain(in, rc, errbuf);
    return code >= 500 && code <= 599 ? INJECT_REFUSED : INJECT_LATER;
}

void inject_close(struct inject *in)
{
    if (in->curl != NULL)
        curl_easy_cleanup(in->curl);
    in->curl = NULL;
    curl_global_cleanup();
}
