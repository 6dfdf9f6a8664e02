/*
 * NAME
 *	spool 3
 * SUMMARY
 *	the batch spool: mail held durably for the other side
 * SYNOPSIS
 *	See spool.h.
 * DESCRIPTION
 *	Durability follows Postfix's own rule for its queue files: the
 *	data is on disk (fsync) before the name appears (rename), and the
 *	directory is flushed after the rename.
 * DIAGNOSTICS
 *	See spool.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

#define HEADER "surel-batch 1\n"

static const char *const subdirs[] = {"tmp", "new", "seen"};

int spool_open(struct spool *s, const char *dir, int create, char *err, size_t len)
{
    char p[PATH_MAX];
    if (surel_strlcpy(s->dir, dir, sizeof(s->dir)) >= sizeof(s->dir)) {
        snprintf(err, len, "%s: path too long", dir);
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, subdirs[i]);
        if (create && mkdir(p, 0700) < 0 && errno != EEXIST && surel_mkdirs(p, 0700) < 0) {
            snprintf(err, len, "%s: cannot create: %s", p, strerror(errno));
            return -1;
        }
        struct stat st;
        if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, len, "%s: not a spool (%s)", dir, errno ? strerror(errno) : "no dir");
            return -1;
        }
    }
    return 0;
}

int spool_id_valid(const char *id)
{
    if (strlen(id) != SPOOL_ID_LEN || id[10] != '-')
        return 0;
    for (int i = 0; i < SPOOL_ID_LEN; i++)
        if (i != 10 && !(i < 10 ? (id[i] >= '0' && id[i] <= '9')
                                : ((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))))
            return 0;
    return 1;
}

int spool_addr_valid(const char *addr)
{
    if (strlen(addr) > SPOOL_ADDR_MAX)
        return 0;
    for (const unsigned char *c = (const unsigned char *)addr; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            return 0;
    return 1;
}

/* A new id: arrival time and 96 random bits. */
static int new_id(char *id)
{
    unsigned char r[12];
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return -1;
    int n = snprintf(id, SPOOL_ID_LEN + 1, "%010lld-", (long long)time(NULL) % 10000000000LL);
    for (int i = 0; i < 12; i++)
        n += snprintf(id + n, SPOOL_ID_LEN + 1 - (size_t)n, "%02x", r[i]);
    return 0;
}

/* fsync a directory, so that a rename or unlink in it is on disk. */
static int sync_dir(const struct spool *s, const char *sub)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", s->dir, sub);
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Write all of buf; -1 on error. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w, len -= (size_t)w;
    }
    return 0;
}

/* Copy in to out until end of file. */
static int copy_fd(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (write_all(out, buf, (size_t)r) < 0)
            return -1;
    }
}

/* The envelope lines and the content into an open file, flushed to disk. */
static int write_entry(int out, int in, const char *sender, const char *rcpt)
{
    char head[2 * SPOOL_ADDR_MAX + 64];
    int n = snprintf(head, sizeof(head), HEADER "from %s\nto %s\n\n", sender, rcpt);
    if (write_all(out, head, (size_t)n) < 0 || copy_fd(in, out) < 0 || fsync(out) < 0)
        return -1;
    return 0;
}

int spool_store(const struct spool *s, int fd, const char *sender, const char *rcpt, char *id,
                char *err, size_t len)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    if (new_id(id) < 0) {
        snprintf(err, len, "no random bytes for an id: %s", strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s/tmp/%s", s->dir, id);
    snprintf(dst, sizeof(dst), "%s/new/%s", s->dir, id);
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        snprintf(err, len, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_entry(out, fd, sender, rcpt);
    int saved = errno;
    if (close(out) < 0 && rc == 0)
        rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, dst) < 0)
        rc = -1, saved = errno;
    if (rc == 0 && sync_dir(s, "new") < 0) {
        saved = errno;
        unlink(dst);
        rc = -1;
    }
    if (rc < 0) {
        unlink(tmp);
        snprintf(err, len, "%s: %s", tmp, strerror(saved));
        errno = saved;
    }
    return rc;
}

/* qsort: ids in arrival order. */
static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int spool_list(const struct spool *s, struct spool_ids *ids)
{
    char p[PATH_MAX];
    size_t cap = 0;
    struct dirent *d;
    memset(ids, 0, sizeof(*ids));
    snprintf(p, sizeof(p), "%s/new", s->dir);
    DIR *dir = opendir(p);
    if (dir == NULL)
        return -1;
    while ((d = readdir(dir)) != NULL) {
        if (!spool_id_valid(d->d_name))
            continue;
        if (ids->n == cap) {
            cap = cap ? 2 * cap : 64;
            void *grown = realloc(ids->id, cap * sizeof(*ids->id));
            if (grown == NULL) {
                closedir(dir);
                spool_ids_free(ids);
                return -1;
            }
            ids->id = grown;
        }
        memcpy(ids->id[ids->n++], d->d_name, SPOOL_ID_LEN + 1);
    }
    closedir(dir);
    if (ids->n > 0)
        qsort(ids->id, ids->n, sizeof(*ids->id), by_name);
    return 0;
}

void spool_ids_free(struct spool_ids *ids)
{
    free(ids->id);
    memset(ids, 0, sizeof(*ids));
}

int spool_read(const struct spool *s, const char *id, char **buf, size_t *len)
{
    char p[PATH_MAX];
    struct stat st;
    *buf = NULL;
    snprintf(p, sizeof(p), "%s/new/%s", s->dir, id);
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || (*buf = malloc((size_t)st.st_size + 1)) == NULL) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        free(*buf);
        *buf = NULL;
        errno = EIO;
        return -1;
    }
    (*buf)[got] = '\0';
    *len = got;
    return 0;
}

int spool_remove(const struct spool *s, const char *id)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/new/%s", s->dir, id);
    if (unlink(p) < 0 && errno != ENOENT)
        return -1;
    return sync_dir(s, "new");
}

int spool_seen(const struct spool *s, const char *id)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/seen/%s", s->dir, id);
    return access(p, F_OK) == 0;
}

int spool_mark_seen(const struct spool *s, const char *id)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/seen/%s", s->dir, id);
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    return sync_dir(s, "seen");
}

void spool_prune_seen(const struct spool *s, long long now, long long keep)
{
    char p[PATH_MAX];
    struct dirent *d;
    struct stat st;
    snprintf(p, sizeof(p), "%s/seen", s->dir);
    DIR *dir = opendir(p);
    if (dir == NULL)
        return;
    while ((d = readdir(dir)) != NULL)
        if (spool_id_valid(d->d_name) && fstatat(dirfd(dir), d->d_name, &st, 0) == 0
            && now - (long long)st.st_mtime > keep)
            unlinkat(dirfd(dir), d->d_name, 0);
    closedir(dir);
}

/* Copy the value of line "KEY VALUE" at *p into out; advance *p past it. */
static int take_line(const char **p, const char *end, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (nl == NULL || (size_t)(nl - *p) < k || memcmp(*p, key, k) != 0
        || (size_t)(nl - *p - (long)k) >= len)
        return -1;
    memcpy(out, *p + k, (size_t)(nl - *p) - k);
    out[nl - *p - (long)k] = '\0';
    *p = nl + 1;
    return spool_addr_valid(out) ? 0 : -1;
}

int spool_parse(const char *buf, size_t len, struct spool_entry *e)
{
    const char *p = buf, *end = buf + len;
    size_t h = strlen(HEADER);
    if (len < h || memcmp(buf, HEADER, h) != 0)
        return -1;
    p += h;
    if (take_line(&p, end, "from ", e->sender, sizeof(e->sender)) < 0
        || take_line(&p, end, "to ", e->rcpt, sizeof(e->rcpt)) < 0 || *e->rcpt == '\0'
        || p >= end || *p != '\n')
        return -1;
    e->body = p + 1;
    e->body_len = (size_t)(end - p - 1);
    return 0;
}
