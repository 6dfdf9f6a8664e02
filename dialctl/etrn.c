/*
 * NAME
 *	etrn 3
 * SUMMARY
 *	ETRN to the ISP's MX through libcurl
 * SYNOPSIS
 *	See etrn.h.
 * DESCRIPTION
 *	libcurl passes the server's reply to a custom command through the
 *	write callback when it succeeds; on failure the code comes from
 *	CURLINFO_RESPONSE_CODE and the words from the error buffer.
 * DIAGNOSTICS
 *	See etrn.h.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "etrn.h"
#include "util.h"

int etrn_code_ok(long code)
{
    return code >= 250 && code <= 253;
}

/* Keep the first line of the server's reply. */
static size_t on_reply(char *data, size_t size, size_t n, void *ctx)
{
    struct etrn_result *r = ctx;
    size_t len = size * n, have = strlen(r->text), all = len;
    if (len > 4 && data[0] >= '2' && data[0] <= '5' && (data[3] == ' ' || data[3] == '-'))
        data += 4, len -= 4;        /* the code is kept in r->code */
    if (have == 0) {
        size_t k = len < sizeof(r->text) - 1 ? len : sizeof(r->text) - 1;
        memcpy(r->text, data, k);
        r->text[k] = '\0';
        r->text[strcspn(r->text, "\r\n")] = '\0';
    }
    return all;
}

/* Keep the server's last 4xx/5xx reply line, for the words of a refusal. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t len, void *ctx)
{
    char *last = ctx;
    (void)h;
    if (type != CURLINFO_HEADER_IN || len < 4 || (data[0] != '4' && data[0] != '5'))
        return 0;
    if (len > 255)
        len = 255;
    memcpy(last, data, len);
    last[len] = '\0';
    last[strcspn(last, "\r\n")] = '\0';
    return 0;
}

/* Set every option of one ETRN transfer. */
static void set_options(CURL *h, const struct etrn_conf *c, struct curl_slist *rcpt,
                        struct etrn_result *r, char *url, size_t urllen, char *errbuf, char *last)
{
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, last);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    snprintf(url, urllen, "smtp://%s/", c->host);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "ETRN");
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_reply);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout < 30 ? c->timeout : 30L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (c->tls > 0)
        curl_easy_setopt(h, CURLOPT_USE_SSL, c->tls == 2 ? (long)CURLUSESSL_ALL
                                                         : (long)CURLUSESSL_TRY);
    if (c->username != NULL && *c->username != '\0') {
        curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password != NULL ? c->password : "");
        curl_easy_setopt(h, CURLOPT_SASL_IR, 1L);
    }
}

int etrn_send(const struct etrn_conf *c, const char *domain, struct etrn_result *r)
{
    char url[512], errbuf[CURL_ERROR_SIZE] = "", last[256] = "";
    struct curl_slist *rcpt;
    CURL *h;
    memset(r, 0, sizeof(*r));
    if ((h = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, domain)) == NULL) {
        curl_easy_cleanup(h);
        snprintf(r->text, sizeof(r->text), "libcurl: out of memory");
        return -1;
    }
    set_options(h, c, rcpt, r, url, sizeof(url), errbuf, last);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->code);
    if (rc != CURLE_OK && r->code > 0 && strlen(last) > 4 && strtol(last, NULL, 10) == r->code)
        snprintf(r->text, sizeof(r->text), "%s", last + 4);     /* the server's words */
    else if (rc != CURLE_OK)
        snprintf(r->text, sizeof(r->text), "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
    else if (r->code == 0)
        r->code = 250;      /* libcurl only succeeds on a 2xx reply */
    r->ok = rc == CURLE_OK && etrn_code_ok(r->code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return r->ok ? 0 : -1;
}

/* Copy the value of "key=value" into out when the line starts with key=. */
static void take(const char *line, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) == 0 && line[k] == '=') {
        surel_strlcpy(out, line + k + 1, len);
        out[strcspn(out, "\r\n")] = '\0';
    }
}

int etrn_read_credentials(const char *path, char *user, size_t ulen, char *pass, size_t plen,
                          char *why, size_t wlen)
{
    struct stat st;
    char line[512];
    FILE *f = fopen(path, "re");
    *user = *pass = '\0';
    if (f == NULL) {
        snprintf(why, wlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0) {
        snprintf(why, wlen, "%s: readable by group or others; chmod 600 it", path);
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        take(line, "username", user, ulen);
        take(line, "password", pass, plen);
    }
    fclose(f);
    if (*user == '\0') {
        snprintf(why, wlen, "%s: no 'username=' line", path);
        return -1;
    }
    return 0;
}
