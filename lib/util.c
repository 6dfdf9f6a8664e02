/*
 * NAME
 *	util 3
 * SUMMARY
 *	small string and file helpers
 * DESCRIPTION
 *	See util.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

size_t surel_strlcpy(char *dst, const char *src, size_t len)
{
    size_t n = strlen(src);
    if (len > 0) {
        size_t c = n < len - 1 ? n : len - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}

char *surel_trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

void surel_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

int surel_domain_valid(const char *d)
{
    size_t label = 0, n = strlen(d);
    if (n == 0 || n > 253)
        return 0;
    for (const char *p = d; *p; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-')
                return 0;
            label = 0;
        } else if (islower((unsigned char)*p) || isdigit((unsigned char)*p)
                   || (*p == '-' && label > 0)) {
            if (++label > 63)
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && d[n - 1] != '-';
}

long long surel_now(void)
{
    const char *fixed = getenv("SUREL_NOW");
    if (fixed != NULL && *fixed != '\0')
        return strtoll(fixed, NULL, 10);
    return (long long)time(NULL);
}

int surel_mkdirs(const char *path, unsigned mode)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int surel_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, len -= (size_t)w;
    }
    return 0;
}
