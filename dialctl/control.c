/*
 * NAME
 *	control 3
 * SUMMARY
 *	the control socket
 * SYNOPSIS
 *	See control.h.
 * DESCRIPTION
 *	The daemon holds its lock before it calls control_listen(), so a
 *	socket file left by a crash can be removed safely.  The daemon
 *	serves the clients itself (clients.h).
 * DIAGNOSTICS
 *	See control.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "i18n.h"
#include "util.h"

/* Fill a sockaddr_un; -1 if the path is too long. */
static int make_addr(const char *path, struct sockaddr_un *a)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(a->sun_path, path);
    return 0;
}

/* Give the socket to its group, or keep it to root. */
static int set_access(const char *path, const char *group, char *err, size_t len)
{
    if (group == NULL || *group == '\0')
        return chmod(path, 0600) == 0 ? 0 : (snprintf(err, len, "%s: %m", path), -1);
    struct group *g = getgrnam(group);
    if (g == NULL) {
        snprintf(err, len, "[dial] socket_group: no group '%s'", group);
        return -1;
    }
    if (chown(path, (uid_t)-1, g->gr_gid) < 0 || chmod(path, 0660) < 0) {
        snprintf(err, len, "%s: %m", path);
        return -1;
    }
    return 0;
}

int control_listen(const char *path, const char *group, char *err, size_t len)
{
    struct sockaddr_un a;
    char dir[4096];
    int fd;
    surel_strlcpy(dir, path, sizeof(dir));
    if (strrchr(dir, '/') != NULL && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
        surel_mkdirs(dir, 0755);
    }
    if (make_addr(path, &a) < 0 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
        snprintf(err, len, "%s: %m", path);
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
        snprintf(err, len, "%s: %m", path);
        close(fd);
        return -1;
    }
    if (set_access(path, group, err, len) < 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

int control_write(int fd, const char *text)
{
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

int control_request(const char *path, const char *line, char **reply, char *err, size_t len)
{
    struct sockaddr_un a;
    char buf[4096];
    size_t n = 0, cap = 0;
    ssize_t r;
    int fd;
    *reply = NULL;
    if (make_addr(path, &a) < 0 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
        || (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && (close(fd), 1))) {
        snprintf(err, len, _("%s: %m (is the dialctl daemon running?)"), path);
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s\n", line);
    if (control_write(fd, buf) < 0) {
        snprintf(err, len, "%s: %m", path);
        close(fd);
        return -1;
    }
    while ((r = read(fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR)) {
        if (r < 0)
            continue;
        if (n + (size_t)r + 1 > cap) {
            char *t = realloc(*reply, cap = (n + (size_t)r + 1) * 2);
            if (t == NULL)
                break;
            *reply = t;
        }
        memcpy(*reply + n, buf, (size_t)r);
        n += (size_t)r;
        (*reply)[n] = '\0';
    }
    close(fd);
    if (*reply == NULL) {
        snprintf(err, len, _("%s: no answer from the daemon"), path);
        return -1;
    }
    return 0;
}
