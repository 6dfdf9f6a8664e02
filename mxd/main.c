/*
 * NAME
 *	surel-mxd 8
 * SUMMARY
 *	ETRN policy service and route table of an ISP's MX
 * SYNOPSIS
 *	surel-mxd [-c FILE] [--db PATH] [-f] [-v] [serve]
 *	surel-mxd [-c FILE] [--db PATH] init [--owner USER]
 *	surel-mxd [-c FILE] [--db PATH] add-school LOGIN DOMAIN...
 *	surel-mxd [-c FILE] [--db PATH] remove-school LOGIN
 *	surel-mxd [-c FILE] [--db PATH] import [FILE]
 *	surel-mxd [-c FILE] [--db PATH] pin LOGIN FINGERPRINT|none
 *	surel-mxd [-c FILE] [--db PATH] list [--csv]
 *	surel-mxd [-c FILE] [--db PATH] route DOMAIN
 *	surel-mxd [-c FILE] paths
 * DESCRIPTION
 *	serve (the default) listens on [mxd] socket as a Postfix policy
 *	service for smtpd_etrn_restrictions, drops to [mxd] user and
 *	records each school's dial-in address as its route (server.h).
 *	The other commands manage the route table (routes.h) for
 *	surel-setup-isp(8) and the administrator.  See surel-mxd(8).
 * DIAGNOSTICS
 *	Exit status per sysexits.h: EX_USAGE for bad arguments, EX_CONFIG
 *	for a bad surel.ini, EX_DATAERR for a refused change (a domain that
 *	belongs to another school, a malformed login), EX_NOINPUT for an
 *	unknown school or domain, EX_SOFTWARE/EX_OSERR for store and system
 *	failures.  Messages name what was wrong.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "routes.h"
#include "server.h"
#include "util.h"

struct options {
    const char *config, *db;
    int foreground, verbose;
};

/* Print the usage summary to f. */
static void usage(FILE *f)
{
    fputs("usage: surel-mxd [-c FILE] [--db PATH] [-f] [-v] [COMMAND]\n"
          "commands:\n"
          "  serve                      run the ETRN policy service (default)\n"
          "  init [--owner USER]        create or upgrade the route table\n"
          "  add-school LOGIN DOMAIN... add a school (or domains to it)\n"
          "  remove-school LOGIN        remove a school and its domains\n"
          "  import [FILE]              add schools, one 'LOGIN DOMAIN...' a line (all or nothing)\n"
          "  pin LOGIN FINGERPRINT|none route LOGIN through its TLS-pinned transport surel-LOGIN\n"
          "  list [--csv]               schools, domains, current routes\n"
          "  route DOMAIN               what Postfix's transport lookup answers now\n"
          "  paths                      print db= and socket= from the configuration\n"
          "options:\n"
          "  -c, --config FILE  surel.ini (default " SUREL_DEFAULT_CONFIG ")\n"
          "      --db PATH      route table instead of [mxd] db\n"
          "  -f, --foreground   log to stderr\n"
          "  -v, --verbose      debug messages\n"
          "  -h, --help         this text\n", f);
}

/* Parse options; returns the index of the command word. */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'D'},
        {"foreground", no_argument, NULL, 'f'}, {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "+c:fvh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': o->config = optarg; break;
        case 'D': o->db = optarg; break;
        case 'f': o->foreground = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); exit(EX_OK);
        default: usage(stderr); exit(EX_USAGE);
        }
    }
    return optind;
}

/* Open the route table or exit with a message. */
static struct routes *open_routes(const char *db, int flags)
{
    struct routes *rt;
    char err[512];
    int rc = routes_open(db, flags, &rt, err, sizeof(err));
    if (rc < 0)
        surel_fatal(rc == ROUTES_ESCHEMA ? EX_DATAERR : EX_NOINPUT, "%s", err);
    return rt;
}

/* Exit status for a ROUTES_E* code. */
static int exit_code(int rc)
{
    switch (rc) {
    case ROUTES_EEXIST: case ROUTES_EINVAL: return EX_DATAERR;
    case ROUTES_ENOENT: return EX_NOINPUT;
    case ROUTES_EBUSY: return EX_TEMPFAIL;
    default: return EX_SOFTWARE;
    }
}

/* chown the table and its -wal/-shm files to user (the daemon writes them). */
static void chown_db(const char *db, const char *user)
{
    struct passwd *pw = getpwnam(user);
    char path[4200];
    if (pw == NULL)
        surel_fatal(EX_NOUSER, "init --owner: no such user '%s'", user);
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", db, suffix[i]);
        if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
            surel_fatal(EX_NOPERM, "chown %s: %s", path, strerror(errno));
    }
}

/* init: create the table (and its persistent -wal/-shm), optionally chown. */
static int cmd_init(const char *db, int argc, char **argv)
{
    const char *owner = NULL;
    if (argc == 3 && strcmp(argv[1], "--owner") == 0)
        owner = argv[2];
    else if (argc != 1)
        surel_fatal(EX_USAGE, "usage: surel-mxd init [--owner USER]");
    struct routes *rt = open_routes(db, ROUTES_WRITE | ROUTES_CREATE);
    long long s, d;
    int rc = routes_count(rt, &s, &d);
    routes_close(rt);
    if (rc < 0)
        surel_fatal(EX_SOFTWARE, "%s: cannot read the new table", db);
    if (owner != NULL)
        chown_db(db, owner);
    printf("%s: route table ready (schema %d), %lld schools, %lld domains\n", db,
           ROUTES_SCHEMA_VERSION, s, d);
    return EX_OK;
}

/* add-school LOGIN DOMAIN...: all domains lower-cased first. */
static int cmd_add(const char *db, int argc, char **argv)
{
    if (argc < 3)
        surel_fatal(EX_USAGE, "usage: surel-mxd add-school LOGIN DOMAIN...");
    for (int i = 2; i < argc; i++)
        surel_lower(argv[i]);
    struct routes *rt = open_routes(db, ROUTES_WRITE);
    int rc = routes_school_add(rt, argv[1], (const char *const *)argv + 2, argc - 2,
                               surel_now());
    if (rc < 0) {
        surel_error("add-school %s: %s", argv[1], routes_errmsg(rt));
        routes_close(rt);
        return exit_code(rc);
    }
    routes_close(rt);
    printf("school %s:", argv[1]);
    for (int i = 2; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return EX_OK;
}

/* Add the school on one import line: 1 added, 0 blank or comment, or a ROUTES_E* code. */
static int import_line(struct routes *rt, char *line)
{
    char *words[64], *save = NULL;
    int n = 0;
    for (char *w = strtok_r(line, " \t\r\n,", &save); w != NULL && n < 64;
         w = strtok_r(NULL, " \t\r\n,", &save))
        words[n++] = w;
    if (n == 0 || words[0][0] == '#')
        return 0;
    if (n < 2)
        return ROUTES_EINVAL;
    for (int i = 1; i < n; i++)
        surel_lower(words[i]);
    int rc = routes_school_add(rt, words[0], (const char *const *)words + 1, n - 1, surel_now());
    return rc < 0 ? rc : 1;
}

/* import [FILE]: many schools in one transaction; a bad line imports nothing. */
static int cmd_import(const char *db, int argc, char **argv)
{
    FILE *in = argc == 2 && strcmp(argv[1], "-") != 0 ? fopen(argv[1], "re") : stdin;
    const char *name = argc == 2 ? argv[1] : "-";
    char line[8192];
    long lineno = 0, schools = 0;
    int rc = 0;
    if (argc > 2)
        surel_fatal(EX_USAGE, "usage: surel-mxd import [FILE]");
    if (in == NULL)
        surel_fatal(EX_NOINPUT, "%s: %s", name, strerror(errno));
    struct routes *rt = open_routes(db, ROUTES_WRITE);
    if ((rc = routes_begin(rt)) == 0) {
        while (rc == 0 && fgets(line, sizeof(line), in) != NULL) {
            lineno++;
            rc = import_line(rt, line);
            if (rc > 0) {
                schools++;
                rc = 0;
            }
        }
    }
    if (rc == 0)
        rc = routes_commit(rt);
    if (rc < 0) {
        surel_error("%s line %ld: %s; nothing imported", name, lineno,
                    rc == ROUTES_EINVAL && routes_errmsg(rt)[0] == '\0'
                        ? "expected LOGIN DOMAIN..." : routes_errmsg(rt));
        routes_rollback(rt);
    }
    routes_close(rt);
    if (in != stdin)
        fclose(in);
    if (rc == 0)
        printf("%ld schools imported\n", schools);
    return rc < 0 ? exit_code(rc) : EX_OK;
}

/* remove-school LOGIN. */
static int cmd_remove(const char *db, int argc, char **argv)
{
    if (argc != 2)
        surel_fatal(EX_USAGE, "usage: surel-mxd remove-school LOGIN");
    struct routes *rt = open_routes(db, ROUTES_WRITE);
    int rc = routes_school_remove(rt, argv[1]);
    if (rc < 0)
        surel_error("remove-school %s: %s", argv[1], routes_errmsg(rt));
    routes_close(rt);
    if (rc == 0)
        printf("school %s removed\n", argv[1]);
    return rc < 0 ? exit_code(rc) : EX_OK;
}

/* pin LOGIN FINGERPRINT|none: the school's certificate, checked by surel-LOGIN. */
static int cmd_pin(const char *db, int argc, char **argv)
{
    if (argc != 3)
        surel_fatal(EX_USAGE, "usage: surel-mxd pin LOGIN FINGERPRINT|none");
    const char *fp = strcmp(argv[2], "none") == 0 ? NULL : argv[2];
    struct routes *rt = open_routes(db, ROUTES_WRITE);
    int rc = routes_set_fingerprint(rt, argv[1], fp);
    if (rc < 0)
        surel_error("pin %s: %s", argv[1], routes_errmsg(rt));
    routes_close(rt);
    if (rc == 0)
        printf("school %s: routed through transport %s%s\n", argv[1], fp ? "surel-" : "surel",
               fp ? argv[1] : "");
    return rc < 0 ? exit_code(rc) : EX_OK;
}

/* Format a Unix time for list output, or "-". */
static void fmt_time(long long t, char *out, size_t len)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
        surel_strlcpy(out, "-", len);
    else
        strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One line of list output. */
static int print_school(const struct routes_school *s, void *ctx)
{
    int csv = *(int *)ctx;
    char upd[32], exp[32];
    fmt_time(s->updated, upd, sizeof(upd));
    fmt_time(s->expires, exp, sizeof(exp));
    if (csv)
        printf("%s,\"%s\",%s,%s,%s,%s\n", s->login, s->domains, s->address, upd, exp,
               s->fingerprint);
    else
        printf("%-16s %-15s %-20s %s\n", s->login, s->address[0] ? s->address : "-", exp,
               s->domains);
    return 0;
}

/* list [--csv]. */
static int cmd_list(const char *db, int argc, char **argv)
{
    int csv = argc == 2 && strcmp(argv[1], "--csv") == 0;
    if (argc > 2 || (argc == 2 && !csv))
        surel_fatal(EX_USAGE, "usage: surel-mxd list [--csv]");
    struct routes *rt = open_routes(db, ROUTES_READONLY);
    if (csv)
        printf("login,domains,address,updated,expires,tls_fingerprint\n");
    else
        printf("%-16s %-15s %-20s %s\n", "LOGIN", "ADDRESS", "ROUTE EXPIRES", "DOMAINS");
    int rc = routes_each(rt, print_school, &csv);
    if (rc < 0)
        surel_error("list: %s", routes_errmsg(rt));
    routes_close(rt);
    return rc < 0 ? exit_code(rc) : EX_OK;
}

/* route DOMAIN: the transport Postfix would use now. */
static int cmd_route(const char *db, int argc, char **argv)
{
    char out[256];
    if (argc != 2)
        surel_fatal(EX_USAGE, "usage: surel-mxd route DOMAIN");
    surel_lower(argv[1]);
    struct routes *rt = open_routes(db, ROUTES_READONLY);
    int rc = routes_transport(rt, argv[1], out, sizeof(out));
    if (rc < 0)
        surel_error("route %s: %s", argv[1], routes_errmsg(rt));
    else if (rc == 0)
        surel_error("route %s: not a school domain here", argv[1]);
    else
        printf("%s %s\n", argv[1], out);
    routes_close(rt);
    return rc < 0 ? exit_code(rc) : rc == 0 ? EX_NOINPUT : EX_OK;
}

/* Look up the daemon's user and the socket's group, or exit. */
static void lookup_ids(const struct surel_config *cfg, uid_t *uid, gid_t *gid, gid_t *sgid)
{
    const char *user = surel_config_str(cfg, "mxd", "user");
    const char *group = surel_config_str(cfg, "mxd", "socket_group");
    struct passwd *pw = getpwnam(user);
    struct group *gr = getgrnam(group);
    if (pw == NULL)
        surel_fatal(EX_NOUSER, "[mxd] user: no such user '%s'", user);
    if (gr == NULL)
        surel_fatal(EX_NOUSER, "[mxd] socket_group: no such group '%s'", group);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    *sgid = gr->gr_gid;
}

/* Become the daemon's user (when started as root), for good. */
static void drop_privileges(const char *user, uid_t uid, gid_t gid)
{
    if (geteuid() != 0)
        return;
    if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
        surel_fatal(EX_OSERR, "cannot become user %s: %s", user, strerror(errno));
    if (setuid(0) == 0)
        surel_fatal(EX_OSERR, "privileges were not dropped");
}

/* Check the durations that only make sense together. */
static void check_timing(const struct surel_config *cfg, long long ttl, long long again)
{
    if (again > 0 && again < 31)
        surel_warn("[mxd] flush_again = %llds is shorter than qmgr's 30 s resolution cache "
                   "(%s line %d); fine for tests only", again, surel_config_path(cfg),
                   surel_config_line(cfg, "mxd", "flush_again"));
    if (again >= ttl)
        surel_fatal(EX_CONFIG, "%s line %d: [mxd] route_ttl (%llds) must be longer than "
                    "flush_again (%llds)", surel_config_path(cfg),
                    surel_config_line(cfg, "mxd", "route_ttl"), ttl, again);
}

/* The client cap from the soft descriptor limit (systemd: LimitNOFILE). */
static int client_cap(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
        surel_warn("getrlimit(RLIMIT_NOFILE): %s; assuming 1024 descriptors", strerror(errno));
        rl.rlim_cur = 1024;
    }
    return mxd_client_cap(rl.rlim_cur == RLIM_INFINITY ? ~0ULL : (unsigned long long)rl.rlim_cur);
}

/* Fill ctx from the configuration and the opened table. */
static int setup_ctx(struct mxd_ctx *ctx, const struct surel_config *cfg, struct routes *rt)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->rt = rt;
    ctx->ttl = surel_config_int(cfg, "mxd", "route_ttl");
    ctx->flush_again = surel_config_int(cfg, "mxd", "flush_again");
    ctx->postqueue = surel_config_str(cfg, "mxd", "postqueue");
    ctx->config_dir = surel_config_str(cfg, "mxd", "postfix_config_dir");
    ctx->idle_timeout = surel_config_int(cfg, "mxd", "idle_timeout");
    ctx->max_clients = client_cap();
    check_timing(cfg, ctx->ttl, ctx->flush_again);
    return mxd_rate_init(&ctx->rate, 4096, (int)surel_config_int(cfg, "mxd", "max_failures"),
                         surel_config_int(cfg, "mxd", "failure_window"),
                         surel_config_int(cfg, "mxd", "lockout"));
}

/* As root: the helper that runs postqueue as [mxd] flush_user (flush.h). */
static int start_flush_helper(const struct surel_config *cfg, int lfd, pid_t *pid)
{
    const char *user = surel_config_str(cfg, "mxd", "flush_user");
    struct passwd *pw;
    *pid = -1;
    if (geteuid() != 0 || surel_config_int(cfg, "mxd", "flush_again") == 0)
        return -1;
    if ((pw = getpwnam(user)) == NULL)
        surel_fatal(EX_NOUSER, "[mxd] flush_user: no such user '%s'", user);
    int fd = mxd_flush_helper_start(pw->pw_uid, pw->pw_gid, surel_config_str(cfg, "mxd", "postqueue"),
                                    surel_config_str(cfg, "mxd", "postfix_config_dir"), lfd, pid);
    if (fd < 0)
        surel_fatal(EX_OSERR, "cannot start the flush helper: %s", strerror(errno));
    return fd;
}

/* Close the helper's pipe and give it a few seconds to finish, then stop it. */
static void stop_flush_helper(int fd, pid_t pid)
{
    if (fd < 0)
        return;
    close(fd);
    for (int i = 0; i < 50; i++) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return;
        usleep(100000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* serve: socket as root, then drop, then open the table and loop. */
static int cmd_serve(const struct surel_config *cfg, const char *db)
{
    const char *sock = surel_config_str(cfg, "mxd", "socket");
    const char *user = surel_config_str(cfg, "mxd", "user");
    struct mxd_ctx ctx;
    uid_t uid = geteuid();
    gid_t gid = getegid(), sgid = getegid();
    char err[512];
    if (geteuid() == 0)
        lookup_ids(cfg, &uid, &gid, &sgid);
    pid_t helper;
    int lfd = mxd_listen(sock, uid, sgid, err, sizeof(err));
    if (lfd < 0)
        surel_fatal(EX_OSERR, "cannot listen: %s", err);
    int flush_fd = start_flush_helper(cfg, lfd, &helper);
    drop_privileges(user, uid, gid);
    struct routes *rt = open_routes(db, ROUTES_WRITE);
    if (setup_ctx(&ctx, cfg, rt) < 0)
        surel_fatal(EX_OSERR, "out of memory");
    ctx.flush_fd = flush_fd;
    surel_info("listening on %s, route table %s, route ttl %llds, second flush after %llds, "
               "up to %d policy connections (descriptor limit minus %d), idle ones closed "
               "after %llds", sock, db, ctx.ttl, ctx.flush_again, ctx.max_clients,
               MXD_FD_RESERVE, ctx.idle_timeout);
    int rc = mxd_serve(lfd, &ctx);
    stop_flush_helper(flush_fd, helper);
    close(lfd);
    unlink(sock);               /* may fail after the drop: harmless, replaced at start */
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
    routes_close(rt);
    return rc == 0 ? EX_OK : EX_SOFTWARE;
}

/* Send logs where the configuration and -f say. */
static void open_log(const struct surel_config *cfg, const struct options *o)
{
    const char *file = surel_config_str(cfg, "mxd", "log_file");
    if (o->foreground)
        surel_log_open("surel-mxd", SUREL_LOG_STDERR, NULL);
    else if (file != NULL)
        surel_log_open("surel-mxd", SUREL_LOG_FILE, file);
    else
        surel_log_open("surel-mxd", SUREL_LOG_SYSLOG, NULL);
    surel_log_verbose(o->verbose);
}

/* Run an admin command; -1 if cmd is not one. */
static int run_admin(const char *cmd, const char *db, int argc, char **argv)
{
    if (strcmp(cmd, "init") == 0)
        return cmd_init(db, argc, argv);
    if (strcmp(cmd, "add-school") == 0)
        return cmd_add(db, argc, argv);
    if (strcmp(cmd, "remove-school") == 0)
        return cmd_remove(db, argc, argv);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(db, argc, argv);
    if (strcmp(cmd, "pin") == 0)
        return cmd_pin(db, argc, argv);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(db, argc, argv);
    if (strcmp(cmd, "route") == 0)
        return cmd_route(db, argc, argv);
    return -1;
}

int main(int argc, char **argv)
{
    struct options o = {SUREL_DEFAULT_CONFIG, NULL, 0, 0};
    char err[1024];
    int first = parse_options(argc, argv, &o);
    const char *cmd = first < argc ? argv[first] : "serve";
    surel_log_open("surel-mxd", SUREL_LOG_STDERR, NULL);
    struct surel_config *cfg = surel_config_load(o.config, 0, err, sizeof(err));
    if (cfg == NULL)
        surel_fatal(EX_CONFIG, "%s", err);
    const char *db = o.db ? o.db : surel_config_str(cfg, "mxd", "db");
    int rc;
    if (strcmp(cmd, "serve") == 0) {
        open_log(cfg, &o);
        rc = cmd_serve(cfg, db);
    } else if (strcmp(cmd, "paths") == 0) {
        printf("db=%s\nsocket=%s\nuser=%s\n", db, surel_config_str(cfg, "mxd", "socket"),
               surel_config_str(cfg, "mxd", "user"));
        rc = EX_OK;
    } else if ((rc = run_admin(cmd, db, argc - first, argv + first)) < 0) {
        surel_error("unknown command '%s'", cmd);
        usage(stderr);
        rc = EX_USAGE;
    }
    surel_config_free(cfg);
    surel_log_close();
    return rc;
}
