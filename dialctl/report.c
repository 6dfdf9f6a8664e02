/*
 * NAME
 *	report 3
 * SUMMARY
 *	"dialctl report" and "dialctl log"
 * SYNOPSIS
 *	See report.h.
 * DESCRIPTION
 *	MB are 1,048,576 bytes, as the tariff counts them.  Rupiah per
 *	student is the month's cost divided by the active students.
 * DIAGNOSTICS
 *	See report.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "i18n.h"
#include "ledger.h"
#include "log.h"
#include "report.h"
#include "report_chart.h"
#include "roster.h"
#include "rupiah.h"
#include "triggers.h"
#include "util.h"

/* One row: sessions, minutes, MB, Rupiah ("Rp 12.450"). */
static void row(FILE *out, const char *label, const struct ledger_sum *s)
{
    char rp[RUPIAH_LEN];
    fprintf(out, "%-12s %8lld %8lld %9.2f %14s\n", label, s->sessions,
            (s->billed_seconds + 59) / 60,
            (double)(s->bytes_sent + s->bytes_rcvd) / TARIFF_MB,
            rupiah_format(s->cost, rp, sizeof(rp)));
}

/* ledger_days() callback. */
static int day_row(const char *day, const struct ledger_sum *s, void *ctx)
{
    row(ctx, day, s);
    return 0;
}

/* What the ssh mode's compression saved, when sessions know it. */
static void saved(const struct ledger_sum *s, FILE *out)
{
    if (s->payload_bytes <= 0)
        return;
    fprintf(out, _("ssh compression: %.2f MB of mail carried as %.2f MB, %.2f MB saved (%.0f%%)\n"),
            (double)s->payload_bytes / TARIFF_MB, (double)s->wire_bytes / TARIFF_MB,
            (double)(s->payload_bytes - s->wire_bytes) / TARIFF_MB,
            100.0 * (double)(s->payload_bytes - s->wire_bytes) / (double)s->payload_bytes);
}

/* Active students in the roster, or -1 if it cannot be read. */
long long report_students(const struct conf *c)
{
    struct roster *r;
    struct roster_filter f = {NULL, ROLE_STUDENT, STATUS_ACTIVE};
    long long n = -1;
    char err[512];
    if (roster_open(c->roster_db, NULL, ROSTER_READONLY, &r, err, sizeof(err)) < 0) {
        surel_warn("roster: %s", err);
        return -1;
    }
    if (roster_count(r, &f, &n) < 0) {
        surel_warn("roster: %s", roster_errmsg(r));
        n = -1;
    }
    roster_close(r);
    return n;
}

/* Per-student cost and the budget lines. */
static void footer(const struct conf *c, const struct ledger_sum *sum, long long now,
                   long long from, long long to, FILE *out)
{
    long long n = report_students(c);
    char rp[RUPIAH_LEN], left[RUPIAH_LEN];
    if (n > 0)
        fprintf(out, _("students: %lld active; %s per student this month\n"), n,
                rupiah_format(rupiah_share(sum->cost, n), rp, sizeof(rp)));
    else
        fputs(n == 0 ? _("students: none active in the roster\n")
                     : _("students: roster unreadable\n"), out);
    if (now < from || now >= to)
        return;
    struct budget_used u = {sum->cost, sum->billed_seconds};
    if (c->budget.money >= 0)
        fprintf(out, _("budget: %s a month, %s left\n"),
                rupiah_format(c->budget.money, rp, sizeof(rp)),
                rupiah_format(budget_money_left(&c->budget, &u), left, sizeof(left)));
    if (c->budget.minutes >= 0)
        fprintf(out, _("budget: %lld minutes a month, %lld left\n"), c->budget.minutes,
                budget_seconds_left(&c->budget, &u) / 60);
    if (c->budget.money < 0 && c->budget.minutes < 0)
        fputs(_("budget: no cap\n"), out);
}

int report_print(const struct conf *c, const char *month, FILE *out)
{
    struct ledger *l;
    struct ledger_sum sum;
    long long from, to, now = surel_now();
    char err[512], label[64], title[160];
    if (month == NULL) {
        month_bounds(now, &from, &to);
    } else if (month_parse(month, &from, &to) < 0) {
        surel_error("--month: '%s' is not YYYY-MM", month);
        return EX_USAGE;
    }
    report_month_label(from, label, sizeof(label));
    if (ledger_open(c->ledger, LEDGER_READONLY, &l, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_NOINPUT;
    }
    snprintf(title, sizeof(title), _("Link costs for %s"), label);
    fprintf(out, "%s\n", title);
    fprintf(out, "%-12s %8s %8s %9s %14s\n", _("day"), _("sessions"), _("minutes"), "MB",
            "Rupiah");
    int rc = ledger_days(l, from, to, day_row, out);
    if (rc == 0)
        rc = ledger_total(l, from, to, &sum);
    if (rc == 0) {
        row(out, _("total"), &sum);
        saved(&sum, out);
        footer(c, &sum, now, from, to, out);
    } else {
        surel_error("%s", ledger_errmsg(l));
    }
    ledger_close(l);
    return rc == 0 ? EX_OK : EX_SOFTWARE;
}

struct log_line {
    long long when;
    char text[1200];
};

struct log_lines {
    struct log_line *v;
    int n, cap;
};

/* Add one line to the list. */
static struct log_line *add_line(struct log_lines *ll, long long when)
{
    if (ll->n == ll->cap) {
        int cap = ll->cap ? ll->cap * 2 : 32;
        struct log_line *v = realloc(ll->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        ll->v = v, ll->cap = cap;
    }
    ll->v[ll->n].when = when;
    return &ll->v[ll->n++];
}

/* ledger_events() callback. */
static int event_line(long long when, const char *kind, const char *text, void *ctx)
{
    struct log_line *l = add_line(ctx, when);
    if (l != NULL)
        snprintf(l->text, sizeof(l->text), "%s: %s", kind, text);
    return 0;
}

/* A count for the log: "?" when unknown. */
static const char *count(long long n, char *buf, size_t len)
{
    if (n < 0)
        return "?";
    snprintf(buf, len, "%lld", n);
    return buf;
}

/* ledger_sessions() callback. */
static int session_line(const struct ledger_session *s, void *ctx)
{
    struct log_line *l = add_line(ctx, s->started);
    char out[24], in[24];
    if (l == NULL)
        return 0;
    snprintf(l->text, sizeof(l->text),
             "session %lld (%s): %d attempt(s), %lld s dialling, %lld s up, %lld s billed, "
             "%lld bytes out, %lld in, messages %s out, %s in, Rp %lld; ETRN %s%s%s",
             s->id, s->trigger, s->attempts, s->dial_seconds, s->up_seconds, s->billed_seconds,
             s->bytes_sent, s->bytes_rcvd, count(s->msgs_out, out, sizeof(out)),
             count(s->msgs_in, in, sizeof(in)), s->cost,
             *s->etrn ? s->etrn : "not sent", *s->errors ? "; errors: " : "", s->errors);
    return 0;
}

/* qsort by time. */
static int by_time(const void *a, const void *b)
{
    const struct log_line *x = a, *y = b;
    return (x->when > y->when) - (x->when < y->when);
}

int log_print(const struct conf *c, int limit, FILE *out)
{
    struct ledger *l;
    struct log_lines ll = {NULL, 0, 0};
    char err[512], t[32];
    if (ledger_open(c->ledger, LEDGER_READONLY, &l, err, sizeof(err)) < 0) {
        surel_error("%s", err);
        return EX_NOINPUT;
    }
    int rc = ledger_events(l, limit, event_line, &ll);
    if (rc == 0)
        rc = ledger_sessions(l, limit, session_line, &ll);
    if (rc < 0)
        surel_error("%s", ledger_errmsg(l));
    qsort(ll.v, (size_t)ll.n, sizeof(*ll.v), by_time);
    for (int i = ll.n > limit ? ll.n - limit : 0; i < ll.n; i++) {
        time_t w = (time_t)ll.v[i].when;
        strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", localtime(&w));
        fprintf(out, "%s %s\n", t, ll.v[i].text);
    }
    free(ll.v);
    ledger_close(l);
    return rc == 0 ? EX_OK : EX_SOFTWARE;
}
