/*
 * NAME
 *	log 3
 * SUMMARY
 *	messages for administrators, on stderr, syslog or a file
 * DESCRIPTION
 *	See log.h.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "util.h"

static struct {
    char ident[64];
    enum surel_log_target target;
    FILE *file;
    int verbose;
    pthread_mutex_t lock;
} logger = {"surel", SUREL_LOG_STDERR, NULL, 0, PTHREAD_MUTEX_INITIALIZER};

void surel_log_open(const char *ident, enum surel_log_target target, const char *path)
{
    surel_log_close();
    surel_strlcpy(logger.ident, ident, sizeof(logger.ident));
    logger.target = target;
    if (target == SUREL_LOG_SYSLOG) {
        openlog(logger.ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
    } else if (target == SUREL_LOG_FILE) {
        logger.file = path != NULL ? fopen(path, "ae") : NULL;
        if (logger.file == NULL) {
            logger.target = SUREL_LOG_STDERR;
            fprintf(stderr, "%s: warning: cannot open log file %s; logging to stderr\n",
                    logger.ident, path ? path : "(none)");
        } else {
            setvbuf(logger.file, NULL, _IOLBF, 0);
        }
    }
}

void surel_log_close(void)
{
    if (logger.target == SUREL_LOG_SYSLOG)
        closelog();
    if (logger.file != NULL)
        fclose(logger.file);
    logger.file = NULL;
    logger.target = SUREL_LOG_STDERR;
}

void surel_log_verbose(int on)
{
    logger.verbose = on;
}

/* Write one message at a syslog priority to the chosen target. */
static void vlog(int prio, const char *fmt, va_list ap)
{
    static const char *prefix[] = {
        [LOG_ERR] = "error: ", [LOG_WARNING] = "warning: ",
        [LOG_INFO] = "", [LOG_DEBUG] = "debug: ", [LOG_CRIT] = "fatal: "};
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (logger.target == SUREL_LOG_SYSLOG) {
        syslog(prio, "%s%s", prefix[prio] ? prefix[prio] : "", msg);
        return;
    }
    pthread_mutex_lock(&logger.lock);
    if (logger.target == SUREL_LOG_FILE) {
        char stamp[32];
        struct tm tm;
        time_t now = time(NULL);
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
        fprintf(logger.file, "%s %s: %s%s\n", stamp, logger.ident,
                prefix[prio] ? prefix[prio] : "", msg);
    } else {
        fprintf(stderr, "%s: %s%s\n", logger.ident, prefix[prio] ? prefix[prio] : "", msg);
    }
    pthread_mutex_unlock(&logger.lock);
}

#define DEFINE_LOGGER(fn, prio)                 \
    void fn(const char *fmt, ...)               \
    {                                           \
        va_list ap;                             \
        va_start(ap, fmt);                      \
        vlog(prio, fmt, ap);                    \
        va_end(ap);                             \
    }

DEFINE_LOGGER(surel_info, LOG_INFO)
DEFINE_LOGGER(surel_warn, LOG_WARNING)
DEFINE_LOGGER(surel_error, LOG_ERR)

void surel_debug(const char *fmt, ...)
{
    va_list ap;
    if (!logger.verbose)
        return;
    va_start(ap, fmt);
    vlog(LOG_DEBUG, fmt, ap);
    va_end(ap);
}

void surel_fatal(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LOG_CRIT, fmt, ap);
    va_end(ap);
    exit(status);
}
