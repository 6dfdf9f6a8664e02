/*
 * NAME
 *	surel-collect 8
 * SUMMARY
 *	collect the school's mail from its hosting mailboxes into its Postfix
 * SYNOPSIS
 *	surel-collect [--config FILE] [--mailbox NAME]... [--sendmail PATH]
 *		[--postfix-config DIR]
 * DESCRIPTION
 *	dialctl runs it in collect mode once the link is up (after the
 *	outbound flush); an administrator may run it by hand.  For each
 *	[collect.NAME] section of surel.ini (or only those named with
 *	--mailbox) it logs in, lists the messages, hands each one to the
 *	school's smtpd at [collect] deliver_to for its recovered recipients
 *	and deletes it on the server (collect.h says what becomes of each
 *	message).  Log lines go to standard error; at the end one line of
 *	figures goes to standard output, for dialctl's ledger:
 *
 *	mailboxes=N listed=N delivered=N duplicates=N postmaster=N
 *	refused=N later=N too_big=N loops=N deleted=N bytes=N failed=N
 *
 *	bytes is what came from the hosting; failed the mailboxes whose
 *	pass ended early.  See surel-collect(8).
 * DIAGNOSTICS
 *	sysexits: 0 every mailbox collected; 75 one or more ended early
 *	(the link, the hosting, a temporary refusal: the rest waits for
 *	the next session); 64 usage; 73 the store cannot be opened; 78 a
 *	setting is wrong (named with its file, section and key).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "collect.h"
#include "config.h"
#include "log.h"
#include "util.h"

#define BOXES_MAX 16

struct opts {
    const char *config, *sendmail, *postfix_config;
    const char *only[BOXES_MAX];
    int n_only;
};

struct box_set {
    struct box box[BOXES_MAX];
    char password[BOXES_MAX][256];
    char header_buf[BOXES_MAX][256];
    int n;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: surel-collect [--config FILE] [--mailbox NAME]... [--sendmail PATH]\n"
               "                     [--postfix-config DIR]\n"
               "  --config FILE          surel.ini (default %s)\n"
               "  --mailbox NAME         only [collect.NAME] (repeatable; default: all)\n"
               "  --sendmail PATH        sendmail for the notices (default /usr/sbin/sendmail)\n"
               "  --postfix-config DIR   Postfix's configuration directory for sendmail -C\n"
               "  -h, --help             this text\n"
               "See surel-collect(8).\n", SUREL_DEFAULT_CONFIG);
}

/* Options into o; exits on a usage error. */
static void parse(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"config", required_argument, NULL, 'c'}, {"mailbox", required_argument, NULL, 'm'},
        {"sendmail", required_argument, NULL, 's'},
        {"postfix-config", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    o->config = SUREL_DEFAULT_CONFIG;
    o->sendmail = "/usr/sbin/sendmail";
    while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 's': o->sendmail = optarg; break;
        case 'p': o->postfix_config = optarg; break;
        case 'm':
            if (o->n_only == BOXES_MAX)
                surel_fatal(EX_USAGE, "at most %d --mailbox", BOXES_MAX);
            o->only[o->n_only++] = optarg;
            break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(EX_USAGE);
        }
    }
    if (optind != argc) {
        usage(stderr);
        exit(EX_USAGE);
    }
}

/* The first line of a root-only password file; exits 78 when it is not that. */
static void read_password(const struct surel_config *cfg, const char *sec, char *out,
                          size_t len)
{
    const char *path = surel_config_str(cfg, sec, "password_file");
    struct stat st;
    FILE *f;
    if (path == NULL)
        surel_fatal(EX_CONFIG, "%s: [%s] password_file is missing", surel_config_path(cfg), sec);
    if ((f = fopen(path, "re")) == NULL || fstat(fileno(f), &st) < 0)
        surel_fatal(EX_CONFIG, "%s: [%s] password_file %s cannot be read", surel_config_path(cfg),
                    sec, path);
    if (st.st_mode & 077) {
        fclose(f);
        surel_fatal(EX_CONFIG, "%s: [%s] password_file %s is readable by others (chmod 600 it)",
                    surel_config_path(cfg), sec, path);
    }
    if (fgets(out, (int)len, f) == NULL)
        *out = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (*out == '\0')
        surel_fatal(EX_CONFIG, "%s: [%s] password_file %s is empty", surel_config_path(cfg), sec,
                    path);
}

/* An address of the school from a login or an address; exits 78 when it is not one. */
static void school_address(const struct surel_config *cfg, const char *sec, const char *key,
                           const char *word, const char *domain, char *out, size_t len)
{
    const char *doms[] = {domain, NULL};
    const char *none[] = {NULL};
    struct recover_rule rule = {none, doms, NULL, 0};
    struct recipients r;
    char a[ADDRESS_MAX + 1];
    if (strchr(word, '@') == NULL)
        snprintf(a, sizeof(a), "%s@%s", word, domain);
    else
        surel_strlcpy(a, word, sizeof(a));
    memset(&r, 0, sizeof(r));
    if (recipients_parse(a, &rule, &r) != 1)
        surel_fatal(EX_CONFIG, "%s: [%s] %s: '%s' is not a login or an address of %s",
                    surel_config_path(cfg), sec, key, word, domain);
    surel_strlcpy(out, r.addr[0], len);
}

/* The header names of a box, in order; exits 78 on a bad one. */
static void box_headers(const struct surel_config *cfg, const char *sec, struct box *b,
                        char *buf, size_t len)
{
    char *save = NULL;
    int n = 0;
    surel_strlcpy(buf, surel_config_str(cfg, sec, "headers"), len);
    for (char *w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
        if (n == BOX_HEADERS || strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-") != strlen(w))
            surel_fatal(EX_CONFIG, "%s: [%s] headers: '%s' is not a header name (or more than %d)",
                        surel_config_path(cfg), sec, w, BOX_HEADERS);
        b->headers[n++] = w;
    }
    b->headers[n] = NULL;
}

/* The person box's recipients; exits 78 without any. */
static void box_deliver(const struct surel_config *cfg, const char *sec, const char *domain,
                        struct box *b)
{
    const char *list = surel_config_str(cfg, sec, "deliver");
    char buf[1024], *save = NULL;
    if (list == NULL || *list == '\0')
        surel_fatal(EX_CONFIG, "%s: [%s] kind = person needs deliver (the local recipient)",
                    surel_config_path(cfg), sec);
    surel_strlcpy(buf, list, sizeof(buf));
    for (char *w = strtok_r(buf, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
        if (b->deliver.n == RECIPIENTS_MAX)
            surel_fatal(EX_CONFIG, "%s: [%s] deliver: more than %d", surel_config_path(cfg), sec,
                        RECIPIENTS_MAX);
        school_address(cfg, sec, "deliver", w, domain, b->deliver.addr[b->deliver.n],
                       sizeof(b->deliver.addr[0]));
        b->deliver.n++;
    }
}

/* One [collect.NAME] section into b; exits 78 on a bad setting. */
static void load_box(const struct surel_config *cfg, const char *sec, const char *domain,
                     long idle, struct box_set *set)
{
    struct box *b = &set->box[set->n];
    char why[300];
    const char *url = surel_config_str(cfg, sec, "url"), *user = surel_config_str(cfg, sec, "user");
    memset(b, 0, sizeof(*b));
    b->mc.name = sec + strlen("collect.");
    if (url == NULL || user == NULL || *user == '\0')
        surel_fatal(EX_CONFIG, "%s: [%s] needs url and user", surel_config_path(cfg), sec);
    if (mailbox_url_check(url, why, sizeof(why)) < 0)
        surel_fatal(EX_CONFIG, "%s:%d: [%s] url: %s", surel_config_path(cfg),
                    surel_config_line(cfg, sec, "url"), sec, why);
    read_password(cfg, sec, set->password[set->n], sizeof(set->password[0]));
    b->mc.url = url, b->mc.user = user, b->mc.password = set->password[set->n];
    b->mc.ca_file = surel_config_str(cfg, sec, "ca_file");
    b->mc.idle = idle;
    b->kind = strcmp(surel_config_str(cfg, sec, "kind"), "person") == 0 ? BOX_PERSON : BOX_CATCHALL;
    const char *order = surel_config_str(cfg, sec, "order");
    b->order = strcmp(order, "newest") == 0 ? ORDER_NEWEST
               : strcmp(order, "smallest") == 0 ? ORDER_SMALLEST : ORDER_OLDEST;
    box_headers(cfg, sec, b, set->header_buf[set->n], sizeof(set->header_buf[0]));
    if (b->kind == BOX_PERSON)
        box_deliver(cfg, sec, domain, b);
    const char *at = strrchr(user, '@');
    if (at != NULL && strcasecmp(at + 1, domain) == 0)
        surel_strlcpy(b->own, user, sizeof(b->own));
    b->to_cc = surel_config_bool(cfg, sec, "to_cc");
    b->max_size = surel_config_int(cfg, sec, "max_size");
    b->retention = surel_config_int(cfg, sec, "retention");
    set->n++;
}

/* Whether the box is one the options ask for. */
static int wanted(const struct opts *o, const char *name)
{
    if (o->n_only == 0)
        return 1;
    for (int i = 0; i < o->n_only; i++)
        if (strcmp(o->only[i], name) == 0)
            return 1;
    return 0;
}

/* Every [collect.NAME] asked for; exits 78 when there is none. */
static void load_boxes(const struct surel_config *cfg, const struct opts *o, const char *domain,
                       struct box_set *set)
{
    const char *names[BOXES_MAX + 1];
    int n = surel_config_sections(cfg, "collect.*", names, BOXES_MAX + 1);
    long idle = (long)surel_config_int(cfg, "collect", "idle");
    if (n > BOXES_MAX)
        surel_fatal(EX_CONFIG, "%s: more than %d [collect.NAME] mailboxes",
                    surel_config_path(cfg), BOXES_MAX);
    for (int i = 0; i < n; i++)
        if (wanted(o, names[i] + strlen("collect.")))
            load_box(cfg, names[i], domain, idle, set);
    for (int i = 0; i < o->n_only; i++) {
        int found = 0;
        for (int k = 0; k < set->n; k++)
            found |= strcmp(set->box[k].mc.name, o->only[i]) == 0;
        if (!found)
            surel_fatal(EX_CONFIG, "%s: no [collect.%s]", surel_config_path(cfg), o->only[i]);
    }
    if (set->n == 0)
        surel_fatal(EX_CONFIG, "%s: no mailbox to collect from ([collect.NAME] with url, user"
                    " and password_file)", surel_config_path(cfg));
}

/* One mailbox's pass: open, collect, forget old rows; 0 or -1. */
static int run_box(struct pass *p, struct box *b)
{
    char err[400];
    long long bytes_before = 0;
    if (mailbox_open(&p->m, &b->mc, err, sizeof(err)) < 0) {
        surel_error("%s: %s", b->mc.name, err);
        return -1;
    }
    int rc = collect_box(p, b);
    p->fig.bytes += p->m.bytes - bytes_before;
    mailbox_close(&p->m);
    if (collected_expire(p->store, b->mc.name, p->now - b->retention) < 0)
        surel_warn("%s: old entries stay in the store: %s", b->mc.name,
                   collected_errmsg(p->store));
    return rc;
}

/* The figures line for dialctl. */
static void print_figures(int boxes, const struct figures *f)
{
    printf("mailboxes=%d listed=%lld delivered=%lld duplicates=%lld postmaster=%lld refused=%lld"
           " later=%lld too_big=%lld loops=%lld deleted=%lld bytes=%lld failed=%lld\n",
           boxes, f->listed, f->delivered, f->duplicates, f->postmaster, f->refused, f->later,
           f->too_big, f->loops, f->deleted, f->bytes, f->failed);
    fflush(stdout);
}

/* The pass's fixed parts: domain, postmaster, store, smtpd; exits on failure. */
static void open_pass(const struct surel_config *cfg, const struct opts *o, struct pass *p)
{
    char err[400];
    const char *pm = surel_config_str(cfg, "collect", "postmaster");
    p->domain = surel_config_str(cfg, "school", "domain");
    if (p->domain == NULL)
        surel_fatal(EX_CONFIG, "%s: [school] domain is missing", surel_config_path(cfg));
    p->domains[0] = p->domain;
    if (pm == NULL || *pm == '\0')
        surel_fatal(EX_CONFIG, "%s: [collect] postmaster is missing: who gets mail whose"
                    " recipient cannot be told", surel_config_path(cfg));
    school_address(cfg, "collect", "postmaster", pm, p->domain, p->postmaster,
                   sizeof(p->postmaster));
    p->sendmail = o->sendmail, p->postfix_config = o->postfix_config;
    p->now = surel_now();
    if (collected_open(surel_config_str(cfg, "collect", "state"), &p->store, err,
                       sizeof(err)) < 0)
        surel_fatal(EX_CANTCREAT, "[collect] state: %s", err);
    if (inject_open(&p->smtp, surel_config_str(cfg, "collect", "deliver_to"), "surel-collect",
                    err, sizeof(err)) < 0)
        surel_fatal(EX_SOFTWARE, "%s", err);
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct pass p;
    static struct box_set set;
    char err[400];
    surel_log_open("surel-collect", SUREL_LOG_STDERR, NULL);
    parse(argc, argv, &o);
    struct surel_config *cfg = surel_config_load(o.config, 1, err, sizeof(err));
    if (cfg == NULL)
        surel_fatal(EX_CONFIG, "%s", err);
    memset(&p, 0, sizeof(p));
    load_boxes(cfg, &o, surel_config_str(cfg, "school", "domain") ? surel_config_str(cfg, "school", "domain") : "", &set);
    open_pass(cfg, &o, &p);
    for (int i = 0; i < set.n; i++)
        if (run_box(&p, &set.box[i]) < 0)
            p.fig.failed++;
    print_figures(set.n, &p.fig);
    surel_info("collected from %d mailboxes: %lld delivered, %lld refused (they stay), %lld"
               " failed", set.n, p.fig.delivered, p.fig.refused, p.fig.failed);
    inject_close(&p.smtp);
    collected_close(p.store);
    memset(set.password, 0, sizeof(set.password));
    surel_config_free(cfg);
    return p.fig.failed > 0 ? EX_TEMPFAIL : 0;
}
