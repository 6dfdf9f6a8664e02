/*
 * NAME
 *	report_chart 3
 * SUMMARY
 *	"dialctl report [--chart FILE]": the month as a chart, by gnuplot
 * SYNOPSIS
 *	See report_chart.h.
 * DESCRIPTION
 *	The ledger is read through lib/ledger (ledger_days(), as the text
 *	report does); gnuplot gets one script on standard input with the
 *	days in a datablock, and the Rupiah tick labels made here
 *	("Rp 5.000"), so the axis reads the Indonesian way whatever
 *	gnuplot's locale.  gnuplot is chosen over drawing with cairo
 *	because its SVG keeps text as <text> (cairo's SVG draws glyphs as
 *	paths); it is a separate program, so it is started with an
 *	argument vector (spawn_fds()) and its output lands in a temporary
 *	file that is renamed into place only when it succeeded.
 * DIAGNOSTICS
 *	See report_chart.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "report.h"
#include "report_chart.h"
#include "run.h"
#include "rupiah.h"
#include "triggers.h"
#include "util.h"

#define CHART_SVG 1
#define CHART_PNG 2

static const char *const month_names[12] = {
    /* TRANSLATORS: the months, as in "Link costs for November 2026". */
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December")};

/* What the chart shows: Rupiah per day of one month. */
struct month_costs {
    long long cost[32];         /* [1..days] */
    int days;
    long long total;
};

const char *report_month_label(long long from, char *buf, size_t len)
{
    time_t t = (time_t)from;
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(buf, len, "%s %d", _(month_names[tm.tm_mon]), tm.tm_year + 1900);
    return buf;
}

/* CHART_SVG or CHART_PNG from the file name's ending, 0 for anything else. */
static int chart_kind(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0)
        return CHART_SVG;
    if (n > 4 && strcasecmp(path + n - 4, ".png") == 0)
        return CHART_PNG;
    return 0;
}

/* ledger_days() callback: the day's Rupiah into its slot. */
static int day_cost(const char *day, const struct ledger_sum *s, void *ctx)
{
    struct month_costs *m = ctx;
    int d = atoi(day + 8);              /* "YYYY-MM-DD" */
    if (strlen(day) == 10 && d >= 1 && d <= m->days)
        m->cost[d] += s->cost;
    return 0;
}

/* Read the month [from, to) from the ledger; a sysexits code. */
static int read_month(const struct conf *c, long long from, long long to, struct month_costs *m)
{
    struct ledger *l;
    char err[512];
    time_t last = (time_t)(to - 1);
    struct tm tm;
    memset(m, 0, sizeof(*m));
    localtime_r(&last, &tm);
    m->days = tm.tm_mday;
    if (ledger_open(c->ledger, LEDGER_READONLY, &l, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_NOINPUT;
    }
    int rc = ledger_days(l, from, to, day_cost, m);
    if (rc < 0)
        surel_error("%s", ledger_errmsg(l));
    ledger_close(l);
    for (int d = 1; d <= m->days; d++)
        m->total += m->cost[d];
    return rc < 0 ? EX_SOFTWARE : EX_OK;
}

/* A text as a gnuplot single-quoted string: ' doubled, control characters as spaces. */
static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else
            fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* A round step (1, 2 or 5 times a power of ten) that cuts top into at most five parts. */
static long long tick_step(long long top)
{
    long long step = 1;
    for (;;) {
        for (int k = 0; k < 3; k++) {
            long long s = step * (k == 0 ? 1 : k == 1 ? 2 : 5);
            if (top / s <= 5)
                return s;
        }
        step *= 10;
    }
}

/* The y axis: a range to a little above the highest bar or line, ticks as "Rp 5.000". */
static void y_axis(FILE *f, long long top)
{
    char rp[RUPIAH_LEN];
    long long step = tick_step(top > 0 ? top : 1000);
    long long end = ((top > 0 ? top : 1000) / step + 1) * step;
    fprintf(f, "set yrange [0:%lld]\nset ytics (", end);
    for (long long v = 0; v <= end; v += step) {
        gp_quote(f, rupiah_format(v, rp, sizeof(rp)));
        fprintf(f, " %lld%s", v, v + step <= end ? ", " : ")\n");
    }
}

/* The line under the title: the month's total and what it costs per active student. */
static void subtitle(const struct conf *c, const struct month_costs *m, char *buf, size_t len)
{
    char total[RUPIAH_LEN], per[RUPIAH_LEN];
    long long n = report_students(c);
    rupiah_format(m->total, total, sizeof(total));
    if (n > 0)
        snprintf(buf, len, _("Total %s; %s per student (%lld active)"), total,
                 rupiah_format(rupiah_share(m->total, n), per, sizeof(per)), n);
    else
        snprintf(buf, len, _("Total %s"), total);
}

/* The whole gnuplot script for the month, in a malloc'd string; NULL when out of memory. */
static char *chart_script(const struct conf *c, const struct month_costs *m, const char *title,
                          int kind, size_t *len)
{
    char *buf = NULL, sub[256], line[256], rp[RUPIAH_LEN];
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        return NULL;
    long long budget_day = c->budget.money >= 0 ? rupiah_share(c->budget.money, m->days) : -1;
    long long top = budget_day;
    for (int d = 1; d <= m->days; d++)
        top = m->cost[d] > top ? m->cost[d] : top;
    subtitle(c, m, sub, sizeof(sub));
    if (kind == CHART_SVG)
        fputs("set terminal svg size 960,540 dynamic noenhanced font 'DejaVu Sans,12' "
              "background rgb 'white'\n", f);
    else
        fputs("set terminal pngcairo size 960,540 noenhanced font 'DejaVu Sans,10' "
              "background rgb 'white'\n", f);
    fputs("set title ", f);
    gp_quote(f, title);
    fputs(" . \"\\n\" . ", f);
    gp_quote(f, sub);
    fputs(" font ',14'\nset xlabel ", f);
    gp_quote(f, _("day of the month"));
    fputs("\nset ylabel 'Rupiah'\n", f);
    fprintf(f, "set xrange [0.5:%d.5]\nset xtics 1,1,%d scale 0\n", m->days, m->days);
    y_axis(f, top);
    fputs("set grid ytics lc rgb '#dddddd'\nset border 3\nset tics nomirror\n"
          "set style fill solid 0.85 noborder\nset boxwidth 0.7 relative\n"
          "set key top left opaque box lc rgb '#bbbbbb'\n$costs << EOD\n", f);
    for (int d = 1; d <= m->days; d++)
        fprintf(f, "%d %lld\n", d, m->cost[d]);
    fputs("EOD\nplot $costs using 1:2 with boxes lc rgb '#2e86c1' title ", f);
    gp_quote(f, _("cost per day"));
    if (budget_day >= 0) {
        snprintf(line, sizeof(line), _("budget per day (%s a month)"),
                 rupiah_format(c->budget.money, rp, sizeof(rp)));
        fprintf(f, ", %lld with lines dt 2 lw 2 lc rgb '#c0392b' title ", budget_day);
        gp_quote(f, line);
    }
    fputc('\n', f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Run gnuplot with the script on its standard input and its output on out_fd; its status. */
static int run_gnuplot(const char *script, size_t len, int out_fd, int *status)
{
    char *argv[] = {SUREL_GNUPLOT, NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = spawn_fds(argv, p[0], out_fd, STDERR_FILENO);
    close(p[0]);
    if (pid < 0) {
        close(p[1]);
        return -1;
    }
    /* A gnuplot that dies early must not take dialctl with it (SIGPIPE). */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(p[1], script + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;                      /* gnuplot stopped reading: its status tells */
        off += (size_t)w;
    }
    close(p[1]);
    sigaction(SIGPIPE, &old, NULL);
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* Let gnuplot write the chart into a temporary file beside path, then rename it; sysexits. */
static int draw(const char *script, size_t len, const char *path)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16), how[64];
    int status, rc = EX_OK;
    struct stat st;
    if (tmp == NULL)
        return EX_OSERR;
    snprintf(tmp, n + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        surel_error("--chart %s: %s", path, strerror(errno));
        free(tmp);
        return EX_CANTCREAT;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) < 0 || run_gnuplot(script, len, fd, &status) < 0) {
        surel_error("--chart %s: %s: %s", path, SUREL_GNUPLOT, strerror(errno));
        rc = EX_OSERR;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        surel_error("--chart %s: %s failed (%s)", path, SUREL_GNUPLOT,
                    spawn_status_text(status, how, sizeof(how)));
        rc = EX_SOFTWARE;
    } else if (fstat(fd, &st) < 0 || st.st_size == 0) {
        surel_error("--chart %s: %s wrote nothing", path, SUREL_GNUPLOT);
        rc = EX_SOFTWARE;
    } else if (fsync(fd) < 0 || rename(tmp, path) < 0) {
        surel_error("--chart %s: %s", path, strerror(errno));
        rc = EX_CANTCREAT;
    }
    close(fd);
    if (rc != EX_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

int report_chart(const struct conf *c, const char *month, const char *path)
{
    struct month_costs m;
    long long from, to;
    char label[64], title[160];
    size_t len;
    int kind = chart_kind(path);
    if (kind == 0) {
        surel_error("--chart %s: the chart is FILE.svg or FILE.png", path);
        return EX_USAGE;
    }
    if (access(SUREL_GNUPLOT, X_OK) < 0) {
        surel_error("--chart %s: %s: %s (apt-get install gnuplot-nox)", path, SUREL_GNUPLOT,
                    strerror(errno));
        return EX_UNAVAILABLE;
    }
    if (month == NULL) {
        month_bounds(surel_now(), &from, &to);
    } else if (month_parse(month, &from, &to) < 0) {
        surel_error("--month: '%s' is not YYYY-MM", month);
        return EX_USAGE;
    }
    int rc = read_month(c, from, to, &m);
    if (rc != EX_OK)
        return rc;
    snprintf(title, sizeof(title), _("Link costs for %s"),
             report_month_label(from, label, sizeof(label)));
    char *script = chart_script(c, &m, title, kind, &len);
    if (script == NULL) {
        surel_error("--chart %s: out of memory", path);
        return EX_OSERR;
    }
    rc = draw(script, len, path);
    free(script);
    return rc;
}

int report_command(const struct conf *c, int argc, char **argv, FILE *out)
{
    const char *month = NULL, *chart = NULL;
    for (int i = 1; i < argc; i += 2) {
        int is_month = strcmp(argv[i], "--month") == 0;
        if (i + 1 >= argc || (!is_month && strcmp(argv[i], "--chart") != 0)) {
            surel_error("report: '%s': usage: report [--month YYYY-MM] [--chart FILE.svg|FILE.png]",
                        argv[i]);
            return EX_USAGE;
        }
        *(is_month ? &month : &chart) = argv[i + 1];
    }
    if (chart != NULL && chart_kind(chart) == 0) {
        surel_error("--chart %s: the chart is FILE.svg or FILE.png", chart);
        return EX_USAGE;
    }
    int rc = report_print(c, month, out);
    if (rc == EX_OK && chart != NULL)
        rc = report_chart(c, month, chart);
    return rc;
}
