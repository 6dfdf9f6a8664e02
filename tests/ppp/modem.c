/*
 * NAME
 *	surel-test-modem 1
 * SUMMARY
 *	a Hayes modem on a pty, for the tests: chat dials it, pppd talks
 *	through it to the ISP's pppd
 * SYNOPSIS
 *	surel-test-modem [options] LINK -- COMMAND [ARG...]
 *
 *	--speed N		the speed in "CONNECT N" (default 48000)
 *	--dial-delay SECS	seconds (may be fractional) from ATD to its
 *				result (default 1)
 *	--rate BYTES		in data mode at most BYTES bytes a second
 *				each way (default 0: no limit; 7000 is 56k)
 *	--plan FILE		each ATD takes FILE's first line as its
 *				outcome and removes it; missing or empty: CONNECT
 *	--number NUM		only ATD to NUM connects, others: NO ANSWER
 *	--apn APN		only with AT+CGDCONT's APN set to APN does
 *				ATD connect, otherwise: NO CARRIER
 *	--log FILE		append one line per event
 *	--pid-file FILE		write the pid once LINK is ready
 *	-h, --help
 * DESCRIPTION
 *	Makes a pty and points the symbolic link LINK at its slave (a
 *	symlink to a temporary name, renamed over LINK).  The caller (pppd
 *	with LINK as its device and chat as its connect script) opens LINK
 *	and finds a modem in command mode: lines of AT commands ended by
 *	CR (LF ignored), echoed while E1, several basic commands a line
 *	(E V Q X L M H Z O I &x Sn=v), extended ones (+...; AT+CGDCONT
 *	records the APN, its third field), results "\r\nOK\r\n" (V1) or
 *	"0\r" (V0).  Lines not starting with AT are ignored; a line longer
 *	than 256 bytes gives ERROR.  ATD dials: after --dial-delay the
 *	outcome is sent (any input during the delay aborts the dial with
 *	NO CARRIER).  The outcome comes from --plan, then --number and
 *	--apn may turn a CONNECT into NO ANSWER or NO CARRIER; SILENT sends
 *	nothing at all.  Other outcomes than CONNECT leave the modem in
 *	command mode on the same pty.
 *
 *	While in command mode the emulator holds a slave fd of its own,
 *	so that the master does not report a hang-up while nobody has the
 *	line open.  On CONNECT it starts COMMAND (execvp, no shell) with
 *	standard input and output one end of a socketpair, closes its own
 *	slave fd and relays bytes between the line and COMMAND, at most
 *	--rate bytes a second each way (a token bucket, burst 64 bytes).
 *	The call ends three ways:
 *
 *	- COMMAND exits: NO CARRIER to the caller, hang-up "command-exited";
 *	- SIGUSR1 (the line drops): COMMAND is killed (SIGKILL), NO
 *	  CARRIER, hang-up "line-dropped";
 *	- the caller closes the line (pppd exits, the master reports
 *	  POLLHUP or EIO: DTR dropped): COMMAND gets SIGTERM, SIGKILL
 *	  after 5 s, hang-up "caller-closed";
 *	- "+++" between 1 s of silence before and after it (the pluses still
 *	  reach COMMAND) gives OK and command mode with the call held: ATO
 *	  goes back to data mode (CONNECT), ATH stops COMMAND (SIGTERM),
 *	  answers OK and hangs up ("ath").
 *
 *	A hang-up makes a new pty, points LINK at it and only then closes
 *	the old master, so that whoever still holds the old slave sees a
 *	hang-up (EOF, EIO, POLLHUP: pppd's "Modem hangup").  Before that
 *	the emulator waits (up to 2 s) until the caller has read the NO
 *	CARRIER.  The modem's settings (E1 V1 Q0, no APN) are reset.
 *
 *	--log lines: "< LINE" for each command line received (non-printable
 *	bytes as '?'), "> RESULT" for each result code sent, "connect",
 *	"hangup REASON".  SIGTERM or SIGINT end the emulator: COMMAND is
 *	stopped, LINK removed if it still points at the pty, the pid file
 *	removed, exit 0.
 * DIAGNOSTICS
 *	Messages on standard error, prefixed "surel-test-modem: ".  Exit 0
 *	after SIGTERM or SIGINT, 64 on bad usage, 71 on a system error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROG "surel-test-modem"
#define LINE_CAP 256            /* a longer command line gives ERROR */
#define BUF_CAP 16384           /* bytes waiting for the line or COMMAND */
#define RATED_CAP 1024          /* ... when --rate limits them */
#define ECHO_ROOM 1024          /* echo only while this much is free */
#define BURST 64.0              /* the token bucket's depth */
#define DRAIN_MIN 0.1           /* before the caller's queue is trusted */
#define DRAIN_MAX 2.0           /* the caller gets this long to read NO CARRIER */
#define STOP_WAIT 5.0           /* SIGTERM, then SIGKILL after this */
#define GUARD 1.0               /* the silence before and after "+++" */

struct opts {
    long speed;
    double dial_delay;
    long rate;
    const char *plan, *number, *apn, *log, *pid_file, *link;
    char **command;
};

struct buf {
    char d[BUF_CAP];
    size_t len;
};

struct bucket {
    double rate, tokens, last;  /* rate 0: no limit */
};

enum mode { COMMAND_MODE, DIALLING, DATA_MODE, DRAINING };

struct modem {
    struct opts o;
    int sigfd, master, slave, drain_fd, sock;
    char slave_path[128];
    enum mode mode;
    char line[LINE_CAP];
    size_t line_len;
    int line_long, echo, verbose, quiet, sock_eof;
    int held, plus;             /* a call held in command mode; "+++" so far */
    double last_in;             /* data mode: when the caller last sent a byte */
    char apn[128], outcome[16];
    double deadline, drain_start;
    const char *reason;         /* DRAINING: the hang-up's reason */
    pid_t child;
    struct buf to_line, to_cmd;
    struct bucket down, up;     /* COMMAND -> caller, caller -> COMMAND */
    FILE *log;
};

static struct modem *the_modem; /* for cleanup on a fatal error */

static void cleanup(struct modem *m);
static void stop_child(struct modem *m, int sig);
static void drain_then_hangup(struct modem *m, const char *reason, const char *last);
static void caller_closed(struct modem *m);
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void log_event(struct modem *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A message on standard error. */
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A system call failed where the emulator cannot go on: clean up, exit 71. */
static void fatal(const char *what)
{
    say("%s: %s", what, strerror(errno));
    if (the_modem != NULL)
        cleanup(the_modem);
    exit(EX_OSERR);
}

/* Bad usage: say why, exit 64. */
static void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(PROG ": ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (try --help)\n", stderr);
    va_end(ap);
    exit(EX_USAGE);
}

/* Seconds on CLOCK_MONOTONIC. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One event in the --log file, flushed at once (tests poll it). */
static void log_event(struct modem *m, const char *fmt, ...)
{
    va_list ap;
    if (m->log == NULL)
        return;
    va_start(ap, fmt);
    vfprintf(m->log, fmt, ap);
    va_end(ap);
    fputc('\n', m->log);
    if (fflush(m->log) != 0)
        say("%s: %s", m->o.log, strerror(errno));
}

/* Append n bytes to b if they fit; 0 if they do not (they are dropped). */
static int buf_add(struct buf *b, const char *d, size_t n)
{
    if (n > BUF_CAP - b->len)
        return 0;
    memcpy(b->d + b->len, d, n);
    b->len += n;
    return 1;
}

/* Drop the first n bytes of b. */
static void buf_take(struct buf *b, size_t n)
{
    memmove(b->d, b->d + n, b->len - n);
    b->len -= n;
}

/* Tokens for the time since the last fill, up to the burst. */
static void bucket_fill(struct bucket *k, double now)
{
    if (k->rate <= 0)
        return;
    k->tokens += (now - k->last) * k->rate;
    if (k->tokens > BURST)
        k->tokens = BURST;
    k->last = now;
}

/* How many of want bytes the bucket lets through now. */
static size_t bucket_allow(const struct bucket *k, size_t want)
{
    if (k->rate <= 0 || k->tokens >= (double)want)
        return want;
    return k->tokens < 1 ? 0 : (size_t)k->tokens;
}

/* Seconds until the bucket lets one byte through. */
static double bucket_wait(const struct bucket *k)
{
    return k->rate <= 0 || k->tokens >= 1 ? 0 : (1 - k->tokens) / k->rate;
}

/* fd non-blocking; 0 or -1. */
static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A new pty: master (non-blocking) and our own raw slave fd; 0 or -1. */
static int pty_open(struct modem *m, int *master, int *slave)
{
    struct termios t;
    *slave = -1;
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0)
        return -1;
    if (grantpt(*master) < 0 || unlockpt(*master) < 0 || set_nonblock(*master) < 0 ||
        ptsname_r(*master, m->slave_path, sizeof(m->slave_path)) != 0)
        goto fail;
    *slave = open(m->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (*slave < 0 || tcgetattr(*slave, &t) < 0)
        goto fail;
    cfmakeraw(&t);
    if (tcsetattr(*slave, TCSANOW, &t) < 0)
        goto fail;
    return 0;
fail:;
    int e = errno;
    close(*master);
    if (*slave >= 0)
        close(*slave);
    errno = e;
    return -1;
}

/* Point LINK at the current slave atomically (symlink to a temp name, rename). */
static int link_point(struct modem *m)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", m->o.link, (long)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    unlink(tmp);
    if (symlink(m->slave_path, tmp) < 0)
        return -1;
    if (rename(tmp, m->o.link) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* The modem's settings after a reset (ATZ, a hang-up). */
static void modem_defaults(struct modem *m)
{
    m->echo = 1;
    m->verbose = 1;
    m->quiet = 0;
    m->apn[0] = '\0';
}

/* The numeric (V0) form of a result. */
static int result_number(const char *r)
{
    static const struct { const char *text; int n; } codes[] = {
        {"OK", 0}, {"CONNECT", 1}, {"NO CARRIER", 3}, {"ERROR", 4},
        {"NO DIALTONE", 6}, {"BUSY", 7}, {"NO ANSWER", 8},
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(codes[i].text, r) == 0)
            return codes[i].n;
    return 4;
}

/* Send a result code to the caller (unless Q1) and log it. */
static void result(struct modem *m, const char *r)
{
    char text[64], out[80];
    int n;
    if (m->quiet)
        return;
    if (strcmp(r, "CONNECT") == 0)
        snprintf(text, sizeof(text), "CONNECT %ld", m->o.speed);
    else
        snprintf(text, sizeof(text), "%s", r);
    if (m->verbose)
        n = snprintf(out, sizeof(out), "\r\n%s\r\n", text);
    else
        n = snprintf(out, sizeof(out), "%d\r", result_number(r));
    if (!buf_add(&m->to_line, out, (size_t)n))
        say("the caller reads nothing: result %s dropped", text);
    log_event(m, "> %s", text);
}

/* Optional decimal digits at *s (skipped); their value, or 0. */
static long skip_number(const char **s)
{
    long v = 0;
    while (isdigit((unsigned char)**s) && v < 100000)
        v = v * 10 + (*(*s)++ - '0');
    while (isdigit((unsigned char)**s))
        (*s)++;
    return v;
}

/* Copy s without T, P, blanks and '-', for comparing dialled numbers. */
static void dial_digits(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s != '\0' && n + 1 < size; s++)
        if (strchr("TtPp -", *s) == NULL)
            out[n++] = *s;
    out[n] = '\0';
}

/* The APN of "+CGDCONT=cid,"type","apn",...": the third field, unquoted. */
static void cgdcont_apn(struct modem *m, const char *args)
{
    int field = 0, quoted = 0;
    size_t n = 0;
    for (const char *p = args; *p != '\0' && !(*p == ';' && !quoted); p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            field++;
        else if (field == 2 && n + 1 < sizeof(m->apn))
            m->apn[n++] = *p;
    }
    m->apn[n] = '\0';
}

/* An extended command at s (after '+'); returns where the next one starts. */
static const char *extended(struct modem *m, const char *s)
{
    int quoted = 0;
    if (strncasecmp(s, "CGDCONT=", 8) == 0)
        cgdcont_apn(m, s + 8);
    for (; *s != '\0' && !(*s == ';' && !quoted); s++)
        if (*s == '"')
            quoted = !quoted;
    return *s == ';' ? s + 1 : s;
}

/* A plan line: one of the outcomes, or NULL. */
static const char *plan_outcome(const char *line)
{
    static const char *const known[] = {"CONNECT", "BUSY", "NO CARRIER", "NO DIALTONE",
                                        "NO ANSWER", "ERROR", "SILENT"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(known[i], line) == 0)
            return known[i];
    return NULL;
}

/* Write the rest of the plan back (temp file + rename); 0 or -1. */
static int plan_rewrite(const char *path, const char *rest, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *f = fopen(tmp, "we");
    if (f == NULL)
        return -1;
    size_t w = fwrite(rest, 1, len, f);
    if (fclose(f) != 0 || w != len || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e != 0 ? e : EIO;
        return -1;
    }
    return 0;
}

/* The next outcome from --plan into out (CONNECT when there is none). */
static void plan_next(struct modem *m, char *out, size_t size)
{
    char data[65536];
    snprintf(out, size, "CONNECT");
    if (m->o.plan == NULL)
        return;
    FILE *f = fopen(m->o.plan, "re");
    if (f == NULL) {
        if (errno != ENOENT)
            say("%s: %s (dialling CONNECT)", m->o.plan, strerror(errno));
        return;
    }
    size_t len = fread(data, 1, sizeof(data) - 1, f);
    fclose(f);
    data[len] = '\0';
    char *nl = strchr(data, '\n');
    size_t first = nl != NULL ? (size_t)(nl - data) : len;
    size_t next = nl != NULL ? first + 1 : len;
    data[first] = '\0';
    if (first > 0 && data[first - 1] == '\r')
        data[first - 1] = '\0';
    if (len == 0)
        return;
    const char *o = data[0] == '\0' ? "CONNECT" : plan_outcome(data);
    if (o == NULL) {
        say("%s: unknown outcome '%s' (dialling ERROR)", m->o.plan, data);
        o = "ERROR";
    }
    snprintf(out, size, "%s", o);
    if (plan_rewrite(m->o.plan, data + next, len - next) < 0)
        say("%s: cannot rewrite: %s", m->o.plan, strerror(errno));
}

/* ATD: decide the outcome now, send it after the dial delay. */
static void dial(struct modem *m, const char *number)
{
    char got[64], want[64];
    plan_next(m, m->outcome, sizeof(m->outcome));
    if (strcmp(m->outcome, "CONNECT") == 0 && m->o.number != NULL) {
        dial_digits(number, got, sizeof(got));
        dial_digits(m->o.number, want, sizeof(want));
        if (strcmp(got, want) != 0)
            snprintf(m->outcome, sizeof(m->outcome), "NO ANSWER");
    }
    if (strcmp(m->outcome, "CONNECT") == 0 && m->o.apn != NULL && strcmp(m->apn, m->o.apn) != 0)
        snprintf(m->outcome, sizeof(m->outcome), "NO CARRIER");
    m->mode = DIALLING;
    m->deadline = now_s() + m->o.dial_delay;
}

/* One basic command c at *s (its argument skipped); 0 or -1 (ERROR). */
static int basic(struct modem *m, int c, const char **s)
{
    long v;
    switch (c) {
    case 'E': m->echo = skip_number(s) != 0; return 0;
    case 'V': m->verbose = skip_number(s) != 0; return 0;
    case 'Q': m->quiet = skip_number(s) != 0; return 0;
    case 'Z': skip_number(s); modem_defaults(m); return 0;
    case 'H': case 'X': case 'L': case 'M': case 'I': case 'B': case 'N':
    case 'W': case 'Y': case 'C':
        skip_number(s);
        return 0;
    case '&':
        if (!isalpha((unsigned char)**s))
            return -1;
        v = toupper((unsigned char)*(*s)++);
        skip_number(s);
        if (v == 'F')
            modem_defaults(m);
        return 0;
    case 'S':
        if (!isdigit((unsigned char)**s))
            return -1;
        skip_number(s);
        if (**s == '?') {
            (*s)++;
            return 0;
        }
        if (**s != '=')
            return -1;
        (*s)++;
        skip_number(s);
        return 0;
    default: return -1;
    }
}

/* ATO with a call held (after "+++"): back to data mode. */
static void resume(struct modem *m)
{
    double now = now_s();
    m->held = 0;
    m->plus = 0;
    m->last_in = now;
    result(m, "CONNECT");
    m->mode = DATA_MODE;
    m->down = (struct bucket){(double)m->o.rate, BURST, now};
    m->up = (struct bucket){(double)m->o.rate, BURST, now};
}

/* Run the commands after "AT"; the result (or none when dialling). */
static void at_commands(struct modem *m, const char *s)
{
    while (*s != '\0') {
        int c = toupper((unsigned char)*s++);
        if (c == ' ')
            continue;
        if (c == 'D' && !m->held) {
            dial(m, s);
            return;
        }
        if (c == 'H' && m->held) {      /* hang up the held call */
            stop_child(m, SIGTERM);
            drain_then_hangup(m, "ath", "OK");
            return;
        }
        if (c == 'O' && m->held) {
            resume(m);
            return;
        }
        if (c == 'O' || c == 'A' || c == 'D') {  /* no call held, nobody rings, busy */
            result(m, c == 'D' ? "ERROR" : "NO CARRIER");
            return;
        }
        if (c == '+') {
            s = extended(m, s);
            continue;
        }
        if (basic(m, c, &s) < 0) {
            result(m, "ERROR");
            return;
        }
    }
    result(m, "OK");
}

/* A whole command line arrived (CR): log it, run it if it starts with AT. */
static void command_line(struct modem *m)
{
    char shown[LINE_CAP];
    m->line[m->line_len] = '\0';
    for (size_t i = 0; i < m->line_len; i++)
        shown[i] = isprint((unsigned char)m->line[i]) ? m->line[i] : '?';
    shown[m->line_len] = '\0';
    if (m->line_long) {
        log_event(m, "< %s... (longer than %d bytes)", shown, LINE_CAP);
        result(m, "ERROR");
    } else if (m->line_len > 0) {
        log_event(m, "< %s", shown);
        if (m->line_len >= 2 && strncasecmp(m->line, "AT", 2) == 0)
            at_commands(m, m->line + 2);
    }
    m->line_len = 0;
    m->line_long = 0;
}

/* One byte from the caller in command mode (or while dialling). */
static void command_byte(struct modem *m, char c)
{
    if (m->mode == DIALLING) {          /* a key pressed aborts the dial */
        m->mode = COMMAND_MODE;
        result(m, "NO CARRIER");
        return;
    }
    if (m->echo && m->to_line.len + ECHO_ROOM < BUF_CAP)
        buf_add(&m->to_line, &c, 1);
    if (c == '\r')
        command_line(m);
    else if ((c == '\b' || c == 0x7f) && m->line_len > 0)
        m->line_len--;
    else if (c != '\n' && m->line_len + 1 < LINE_CAP)
        m->line[m->line_len++] = c;
    else if (c != '\n')
        m->line_long = 1;
}

/* In the child: COMMAND with the socket as stdin and stdout. */
static void exec_command(struct modem *m, int fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0) {
        say("dup2: %s", strerror(errno));
        _exit(127);
    }
    close_range(3, ~0U, 0);
    execvp(m->o.command[0], m->o.command);
    say("%s: %s", m->o.command[0], strerror(errno));
    _exit(127);
}

/* Start COMMAND on a socketpair; 0 or -1 (said why). */
static int spawn(struct modem *m)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        say("socketpair: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    m->child = fork();
    if (m->child < 0) {
        say("fork: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (m->child == 0)
        exec_command(m, sv[1]);
    close(sv[1]);
    m->sock = sv[0];
    if (set_nonblock(m->sock) < 0)
        say("socket O_NONBLOCK: %s", strerror(errno));
    m->sock_eof = 0;
    return 0;
}

/* The dial delay is over: send the outcome; CONNECT starts the call. */
static void dial_done(struct modem *m)
{
    double now = now_s();
    m->mode = COMMAND_MODE;
    if (strcmp(m->outcome, "SILENT") == 0)
        return;
    if (strcmp(m->outcome, "CONNECT") != 0) {
        result(m, m->outcome);
        return;
    }
    if (spawn(m) < 0) {
        result(m, "NO CARRIER");
        return;
    }
    result(m, "CONNECT");
    log_event(m, "connect");
    close(m->slave);                    /* from now on POLLHUP: the caller closed */
    m->slave = -1;
    m->mode = DATA_MODE;
    m->to_cmd.len = 0;
    m->plus = 0;
    m->last_in = now;
    m->down = (struct bucket){(double)m->o.rate, BURST, now};
    m->up = (struct bucket){(double)m->o.rate, BURST, now};
}

/* Wait for COMMAND; after SIGTERM, SIGKILL it if it lingers past STOP_WAIT. */
static void stop_child(struct modem *m, int sig)
{
    if (m->child <= 0)
        return;
    kill(m->child, sig);
    double until = now_s() + STOP_WAIT;
    while (waitpid(m->child, NULL, WNOHANG) == 0) {
        if (now_s() >= until) {
            say("%s did not stop within %.0f s: SIGKILL", m->o.command[0], STOP_WAIT);
            kill(m->child, SIGKILL);
            while (waitpid(m->child, NULL, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    m->child = -1;
}

/* Hang up: a new pty, LINK re-pointed, then the old master closed. */
static void hangup(struct modem *m, const char *reason)
{
    int master, slave;
    if (m->sock >= 0)
        close(m->sock);
    m->sock = -1;
    if (m->drain_fd >= 0)
        close(m->drain_fd);
    m->drain_fd = -1;
    if (pty_open(m, &master, &slave) < 0)
        fatal("a new pty");
    if (link_point(m) < 0)
        fatal(m->o.link);
    close(m->master);
    if (m->slave >= 0)
        close(m->slave);
    m->master = master;
    m->slave = slave;
    log_event(m, "hangup %s", reason);
    m->mode = COMMAND_MODE;
    m->held = 0;
    m->to_line.len = m->to_cmd.len = 0;
    m->line_len = 0;
    m->line_long = 0;
    modem_defaults(m);
}

/* The call ends with last (NO CARRIER) to the caller: let them read it, hang up. */
static void drain_then_hangup(struct modem *m, const char *reason, const char *last)
{
    result(m, last);
    m->held = 0;
    m->mode = DRAINING;
    m->reason = reason;
    m->drain_start = now_s();
    m->deadline = m->drain_start + DRAIN_MAX;
    /* Our own look at the caller's input queue (FIONREAD): hold the slave. */
    m->drain_fd = open(m->slave_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

/* 1 when the caller has read everything sent (or had time enough to). */
static int drained(struct modem *m, double now)
{
    int queued = 0;
    if (m->to_line.len > 0)
        return now >= m->deadline;
    if (now >= m->deadline)
        return 1;
    if (now < m->drain_start + DRAIN_MIN)
        return 0;
    if (m->drain_fd < 0 || ioctl(m->drain_fd, FIONREAD, &queued) < 0)
        return now >= m->drain_start + 5 * DRAIN_MIN;
    return queued == 0;
}

/* COMMAND exited: what it still said goes to the caller, then NO CARRIER. */
static void command_exited(struct modem *m)
{
    ssize_t n;
    char tmp[4096];
    while (m->sock >= 0 && (n = read(m->sock, tmp, sizeof(tmp))) > 0)
        buf_add(&m->to_line, tmp, (size_t)n);
    drain_then_hangup(m, "command-exited", "NO CARRIER");
}

/* The caller closed the line (pppd exited, DTR dropped). */
static void caller_closed(struct modem *m)
{
    stop_child(m, SIGTERM);
    hangup(m, "caller-closed");
}

/* Signals (signalfd): 1 when the emulator is to exit. */
static int on_signals(struct modem *m)
{
    struct signalfd_siginfo si;
    int quit = 0;
    while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
            quit = 1;
        else if (si.ssi_signo == SIGUSR1 && (m->mode == DATA_MODE || m->held)) {
            stop_child(m, SIGKILL);
            m->to_line.len = 0;         /* what was on the line is lost */
            drain_then_hangup(m, "line-dropped", "NO CARRIER");
        } else if (si.ssi_signo == SIGCHLD && m->child > 0 &&
                   waitpid(m->child, NULL, WNOHANG) == m->child) {
            m->child = -1;
            if (m->mode == DATA_MODE || m->held)
                command_exited(m);
        }
    }
    return quit;
}

/* Count a "+++" that follows GUARD seconds of silence (it is still data). */
static void escape_watch(struct modem *m, const char *d, size_t n)
{
    double now = now_s();
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '+' && m->plus < 3 && (m->plus > 0 || now - m->last_in >= GUARD))
            m->plus++;
        else
            m->plus = 0;
        m->last_in = now;
    }
}

/* GUARD seconds of silence after "+++": OK, command mode, the call held. */
static void escape(struct modem *m)
{
    m->plus = 0;
    m->held = 1;
    m->mode = COMMAND_MODE;
    m->line_len = 0;
    m->line_long = 0;
    result(m, "OK");
}

/* Bytes from the line: commands, or data for COMMAND, or ignored. */
static void on_master_in(struct modem *m, short revents)
{
    char tmp[4096];
    size_t room = (m->o.rate > 0 ? RATED_CAP : BUF_CAP) - m->to_cmd.len;
    size_t want = m->mode == DATA_MODE ? (room < sizeof(tmp) ? room : sizeof(tmp)) : sizeof(tmp);
    if (want == 0) {                    /* COMMAND is slow; unless the caller left */
        if (revents & POLLHUP)
            caller_closed(m);
        return;
    }
    ssize_t n = read(m->master, tmp, want);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        if (n < 0 && errno != EIO)
            say("reading the line: %s", strerror(errno));
        if (m->mode == DATA_MODE || m->held)
            caller_closed(m);
        else if (m->mode != DRAINING)   /* someone hung up our own slave fd too */
            hangup(m, "caller-closed");
        return;
    }
    if (m->mode == DATA_MODE) {
        escape_watch(m, tmp, (size_t)n);
        buf_add(&m->to_cmd, tmp, (size_t)n);
    }
    else if (m->mode != DRAINING)
        for (ssize_t i = 0; i < n; i++)
            command_byte(m, tmp[i]);
}

/* Write what waits for the caller (within the rate in data mode). */
static void on_master_out(struct modem *m)
{
    size_t n = m->mode == DATA_MODE ? bucket_allow(&m->down, m->to_line.len) : m->to_line.len;
    if (n == 0)
        return;
    ssize_t w = write(m->master, m->to_line.d, n);
    if (w < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        if (m->mode == DATA_MODE) {
            caller_closed(m);
            return;
        }
        say("writing the line: %s", strerror(errno));
        m->to_line.len = 0;
        return;
    }
    if (m->mode == DATA_MODE && m->down.rate > 0)
        m->down.tokens -= (double)w;
    buf_take(&m->to_line, (size_t)w);
}

/* Bytes from COMMAND for the caller. */
static void on_sock_in(struct modem *m)
{
    char tmp[4096];
    size_t room = (m->o.rate > 0 ? RATED_CAP : BUF_CAP) - m->to_line.len;
    if (room > BUF_CAP)                 /* over the rated cap already */
        return;
    ssize_t n = read(m->sock, tmp, room < sizeof(tmp) ? room : sizeof(tmp));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {                       /* COMMAND closed its end: SIGCHLD follows */
        m->sock_eof = 1;
        return;
    }
    buf_add(&m->to_line, tmp, (size_t)n);
}

/* Write what waits for COMMAND (within the rate). */
static void on_sock_out(struct modem *m)
{
    size_t n = bucket_allow(&m->up, m->to_cmd.len);
    if (n == 0)
        return;
    ssize_t w = send(m->sock, m->to_cmd.d, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            m->to_cmd.len = 0;          /* COMMAND is gone: SIGCHLD follows */
            m->sock_eof = 1;
        }
        return;
    }
    if (m->up.rate > 0)
        m->up.tokens -= (double)w;
    buf_take(&m->to_cmd, (size_t)w);
}

/* The poll set and its timeout (seconds, -1: none) for the current mode. */
static int poll_setup(struct modem *m, struct pollfd *p, double now, double *timeout)
{
    int n = 2, data = m->mode == DATA_MODE;
    size_t cap = m->o.rate > 0 ? RATED_CAP : BUF_CAP;
    *timeout = -1;
    p[0] = (struct pollfd){m->sigfd, POLLIN, 0};
    p[1] = (struct pollfd){m->master, POLLIN, 0};
    if (data && m->to_cmd.len >= cap)
        p[1].events = 0;
    if (m->to_line.len > 0 && (!data || bucket_allow(&m->down, m->to_line.len) > 0))
        p[1].events |= POLLOUT;
    else if (data && m->to_line.len > 0)
        *timeout = bucket_wait(&m->down);
    if (data && m->sock >= 0) {
        p[2] = (struct pollfd){m->sock_eof ? -1 : m->sock, 0, 0};
        if (!m->sock_eof && m->to_line.len < cap)
            p[2].events |= POLLIN;
        if (m->to_cmd.len > 0 && bucket_allow(&m->up, m->to_cmd.len) > 0)
            p[2].events |= POLLOUT;
        else if (m->to_cmd.len > 0) {
            double w = bucket_wait(&m->up);
            *timeout = *timeout < 0 || w < *timeout ? w : *timeout;
        }
        n = 3;
    }
    if (data && m->plus == 3) {
        double w = m->last_in + GUARD - now;
        *timeout = *timeout < 0 || w < *timeout ? w : *timeout;
    }
    if (m->mode == DIALLING || m->mode == DRAINING) {
        double w = m->deadline - now;
        if (m->mode == DRAINING && w > 0.02)
            w = 0.02;                   /* look at the caller's queue again soon */
        *timeout = *timeout < 0 || w < *timeout ? w : *timeout;
    }
    if (*timeout >= 0 && *timeout < 0.001)
        *timeout = 0.001;
    return n;
}

/* One round of the loop: wait, then serve what is ready; 1 to exit. */
static int step(struct modem *m)
{
    struct pollfd p[3];
    double timeout, now = now_s();
    bucket_fill(&m->down, now);
    bucket_fill(&m->up, now);
    int n = poll_setup(m, p, now, &timeout);
    struct timespec ts = {(time_t)timeout, (long)((timeout - (double)(time_t)timeout) * 1e9)};
    if (ppoll(p, (nfds_t)n, timeout < 0 ? NULL : &ts, NULL) < 0) {
        if (errno == EINTR)
            return 0;
        fatal("poll");
    }
    if (p[0].revents & POLLIN && on_signals(m))
        return 1;
    enum mode before = m->mode;
    if (n == 3 && m->mode == DATA_MODE && p[2].revents & (POLLIN | POLLHUP | POLLERR))
        on_sock_in(m);
    if (n == 3 && m->mode == DATA_MODE && p[2].revents & POLLOUT)
        on_sock_out(m);
    if (m->mode == before && p[1].revents & POLLOUT)
        on_master_out(m);
    if (m->mode == before && p[1].revents & (POLLIN | POLLHUP | POLLERR))
        on_master_in(m, p[1].revents);
    if (m->mode == before && p[1].revents & POLLHUP && m->mode == DRAINING && m->drain_fd < 0)
        hangup(m, m->reason);           /* the caller left before reading NO CARRIER */
    now = now_s();
    if (m->mode == DIALLING && now >= m->deadline)
        dial_done(m);
    else if (m->mode == DATA_MODE && m->plus == 3 && now >= m->last_in + GUARD)
        escape(m);
    else if (m->mode == DRAINING && drained(m, now))
        hangup(m, m->reason);
    return 0;
}

/* Write the pid file (temp + rename, so a reader never sees it half-written). */
static void write_pid_file(struct modem *m)
{
    char tmp[PATH_MAX];
    if (m->o.pid_file == NULL)
        return;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", m->o.pid_file, (long)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        fatal(m->o.pid_file);
    }
    FILE *f = fopen(tmp, "we");
    if (f == NULL)
        fatal(tmp);
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, m->o.pid_file) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        fatal(m->o.pid_file);
    }
}

/* Stop COMMAND, remove LINK (if still ours) and the pid file, close everything. */
static void cleanup(struct modem *m)
{
    char target[sizeof(m->slave_path)];
    stop_child(m, SIGTERM);
    ssize_t n = m->o.link != NULL ? readlink(m->o.link, target, sizeof(target) - 1) : -1;
    if (n > 0) {
        target[n] = '\0';
        if (strcmp(target, m->slave_path) == 0)
            unlink(m->o.link);
    }
    if (m->o.pid_file != NULL)
        unlink(m->o.pid_file);
    int *fds[] = {&m->sock, &m->drain_fd, &m->slave, &m->master, &m->sigfd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    if (m->log != NULL)
        fclose(m->log);
    m->log = NULL;
}

/* --help's text. */
static void usage(FILE *to)
{
    fputs("usage: " PROG " [options] LINK -- COMMAND [ARG...]\n"
          "  --speed N          the speed in \"CONNECT N\" (default 48000)\n"
          "  --dial-delay SECS  seconds from ATD to its result (default 1)\n"
          "  --rate BYTES       data mode: at most BYTES bytes a second each way (0: no limit)\n"
          "  --plan FILE        each ATD takes FILE's first line as its outcome: CONNECT,\n"
          "                     BUSY, NO CARRIER, NO DIALTONE, NO ANSWER, ERROR, SILENT\n"
          "  --number NUM       only ATD to NUM connects (others: NO ANSWER)\n"
          "  --apn APN          only with AT+CGDCONT's APN set to APN does ATD connect\n"
          "  --log FILE         append one line per event\n"
          "  --pid-file FILE    write the pid once LINK is ready\n"
          "  -h, --help\n", to);
}

/* A number option's value in [0, max]; bad usage otherwise. */
static double number_arg(const char *opt, const char *arg, double max)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(v >= 0 && v <= max))
        usage_error("%s: not a number from 0 to %.0f: '%s'", opt, max, arg);
    return v;
}

/* Parse the command line into o; exits on bad usage or --help. */
static void parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"speed", required_argument, NULL, 's'}, {"dial-delay", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'}, {"plan", required_argument, NULL, 'p'},
        {"number", required_argument, NULL, 'n'}, {"apn", required_argument, NULL, 'a'},
        {"log", required_argument, NULL, 'l'}, {"pid-file", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int c;
    *o = (struct opts){.speed = 48000, .dial_delay = 1};
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", longs, NULL)) != -1) {
        switch (c) {
        case 's': o->speed = (long)number_arg("--speed", optarg, 1e9); break;
        case 'd': o->dial_delay = number_arg("--dial-delay", optarg, 3600); break;
        case 'r': o->rate = (long)number_arg("--rate", optarg, 1e9); break;
        case 'p': o->plan = optarg; break;
        case 'n': o->number = optarg; break;
        case 'a': o->apn = optarg; break;
        case 'l': o->log = optarg; break;
        case 'P': o->pid_file = optarg; break;
        case 'h': usage(stdout); exit(EX_OK);
        case ':': usage_error("option '%s' needs an argument", argv[optind - 1]); break;
        default: usage_error("unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (optind + 2 >= argc || strcmp(argv[optind + 1], "--") != 0)
        usage_error("expected LINK -- COMMAND [ARG...]");
    o->link = argv[optind];
    o->command = argv + optind + 2;
}

/* Signals through a signalfd: TERM, INT (exit), USR1 (line drop), CHLD. */
static int signals_open(void)
{
    sigset_t set;
    signal(SIGCHLD, SIG_DFL);           /* ignored, children would vanish unreported */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Standard input, output and error open (a closed one would be reused). */
static void std_fds_open(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            exit(EX_OSERR);
}

int main(int argc, char **argv)
{
    static struct modem m;
    std_fds_open();
    parse_args(argc, argv, &m.o);
    m.sigfd = m.master = m.slave = m.drain_fd = m.sock = -1;
    m.child = -1;
    the_modem = &m;
    modem_defaults(&m);
    if (m.o.log != NULL && (m.log = fopen(m.o.log, "ae")) == NULL)
        fatal(m.o.log);
    if ((m.sigfd = signals_open()) < 0)
        fatal("signalfd");
    if (pty_open(&m, &m.master, &m.slave) < 0)
        fatal("pty");
    if (link_point(&m) < 0)
        fatal(m.o.link);
    write_pid_file(&m);
    while (!step(&m))
        ;
    cleanup(&m);
    return EX_OK;
}
