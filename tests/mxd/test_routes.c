/*
 * NAME
 *	test_routes - unit tests of the route table store and of the
 *	policy handler writing it, on real SQLite files
 * DESCRIPTION
 *	Each test makes a fresh table in a mkdtemp(3) directory.  The
 *	handler tests check what a school would notice: after an OK the
 *	route is already visible to another connection (as Postfix's
 *	proxymap would read it); a refused ETRN changes no route; repeated
 *	refusals lock the prober out, even for a valid request; the second
 *	flush is planned for the domain; an address that cannot be a route
 *	(loopback, unspecified, IPv4-mapped, ...) and a NUL byte in a
 *	request change no route.  Also the client cap of the descriptor
 *	limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "routes.h"
#include "server.h"

struct fixture {
    char dir[64], db[128];
    struct routes *rt;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    const char *s1[] = {"school.test", "school1.sch.id"}, *s2[] = {"x.test"};
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_routes.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/routes.db", f->dir);
    assert_int_equal(routes_open(f->db, ROUTES_WRITE | ROUTES_CREATE, &f->rt, err,
                                 sizeof(err)), 0);
    assert_int_equal(routes_school_add(f->rt, "school1", s1, 2, 1000), 0);
    assert_int_equal(routes_school_add(f->rt, "school2", s2, 1, 1000), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char path[160];
    routes_close(f->rt);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s%s", f->db, sfx[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The route as a second, read-only connection sees it (like proxymap). */
static void transport_seen(const struct fixture *f, const char *domain, char *out, size_t len)
{
    struct routes *ro;
    char err[256];
    assert_int_equal(routes_open(f->db, ROUTES_READONLY, &ro, err, sizeof(err)), 0);
    assert_int_equal(routes_transport(ro, domain, out, len), 1);
    routes_close(ro);
}

static void test_schema_and_owner(void **state)
{
    struct fixture *f = *state;
    char login[64];
    assert_int_equal(routes_schema_version(f->rt), ROUTES_SCHEMA_VERSION);
    assert_int_equal(routes_owner(f->rt, "school1.sch.id", login, sizeof(login)), 1);
    assert_string_equal(login, "school1");
    assert_int_equal(routes_owner(f->rt, "nobody.test", login, sizeof(login)), 0);
}

static void test_add_conflicts_change_nothing(void **state)
{
    struct fixture *f = *state;
    const char *steal[] = {"new.test", "school.test"}, *bad[] = {"Bad Domain"};
    char login[64];
    long long s, d;
    assert_int_equal(routes_school_add(f->rt, "school2", steal, 2, 1000), ROUTES_EEXIST);
    assert_non_null(strstr(routes_errmsg(f->rt), "school1"));
    assert_int_equal(routes_owner(f->rt, "new.test", login, sizeof(login)), 0); /* all or nothing */
    assert_int_equal(routes_school_add(f->rt, "school3", bad, 1, 1000), ROUTES_EINVAL);
    assert_int_equal(routes_school_add(f->rt, "Bad Login", steal, 1, 1000), ROUTES_EINVAL);
    assert_int_equal(routes_count(f->rt, &s, &d), 0);
    assert_int_equal(s, 2);
    assert_int_equal(d, 3);
    /* adding a domain the school already owns is no error: re-running is harmless */
    assert_int_equal(routes_school_add(f->rt, "school2", (const char *[]){"x.test"}, 1, 1000), 0);
}

static void test_route_fresh_then_expired(void **state)
{
    struct fixture *f = *state;
    char out[128];
    long long now = (long long)time(NULL);
    transport_seen(f, "school.test", out, sizeof(out));
    assert_string_equal(out, "surel-offline:");
    assert_int_equal(routes_set_route(f->rt, "school1", "192.0.2.10", now, 600), 0);
    transport_seen(f, "school1.sch.id", out, sizeof(out));  /* every domain of the school */
    assert_string_equal(out, "surel:[192.0.2.10]");
    assert_int_equal(routes_set_route(f->rt, "school1", "198.51.100.10", now - 700, 600), 0);
    transport_seen(f, "school.test", out, sizeof(out));
    assert_string_equal(out, "surel-offline:");
    assert_int_equal(routes_set_route(f->rt, "school1", "not-an-ip", now, 600), ROUTES_EINVAL);
    assert_int_equal(routes_set_route(f->rt, "ghost", "192.0.2.10", now, 600), ROUTES_ENOENT);
}

static void test_grouped_writes_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    const char *a[] = {"a.test"}, *b[] = {"b.test"};
    char login[64];
    assert_int_equal(routes_begin(f->rt), 0);
    assert_int_equal(routes_school_add(f->rt, "school3", a, 1, 1000), 0);
    assert_int_equal(routes_school_add(f->rt, "school4", b, 1, 1000), 0);
    routes_rollback(f->rt);
    assert_int_equal(routes_owner(f->rt, "a.test", login, sizeof(login)), 0);
    assert_int_equal(routes_begin(f->rt), 0);
    assert_int_equal(routes_school_add(f->rt, "school3", a, 1, 1000), 0);
    assert_int_equal(routes_commit(f->rt), 0);
    assert_int_equal(routes_owner(f->rt, "a.test", login, sizeof(login)), 1);
}

static void test_pinned_school_gets_its_own_transport(void **state)
{
    struct fixture *f = *state;
    char out[128], fp[100] = "";
    for (int i = 0; i < 32; i++)
        strcat(fp, i ? ":a9" : "A9");
    assert_int_equal(routes_set_route(f->rt, "school1", "192.0.2.10", (long long)time(NULL), 600),
                     0);
    assert_int_equal(routes_set_fingerprint(f->rt, "school1", fp), 0);
    transport_seen(f, "school.test", out, sizeof(out));
    assert_string_equal(out, "surel-school1:[192.0.2.10]");
    assert_int_equal(routes_set_fingerprint(f->rt, "school1", NULL), 0);
    transport_seen(f, "school.test", out, sizeof(out));
    assert_string_equal(out, "surel:[192.0.2.10]");
    assert_int_equal(routes_set_fingerprint(f->rt, "school1", "AB:CD"), ROUTES_EINVAL);
    fp[4] = 'x';
    assert_false(routes_fingerprint_valid(fp));
    assert_int_equal(routes_set_fingerprint(f->rt, "ghost", NULL), ROUTES_ENOENT);
}

static void test_remove(void **state)
{
    struct fixture *f = *state;
    char login[64];
    assert_int_equal(routes_school_remove(f->rt, "school1"), 0);
    assert_int_equal(routes_owner(f->rt, "school.test", login, sizeof(login)), 0);
    assert_int_equal(routes_school_remove(f->rt, "school1"), ROUTES_ENOENT);
}

static void test_readonly_open_refuses_missing_schema(void **state)
{
    struct fixture *f = *state;
    struct routes *rt;
    char path[160], err[256];
    (void)f;
    snprintf(path, sizeof(path), "%s/empty.db", f->dir);
    fclose(fopen(path, "w"));
    assert_int_equal(routes_open(path, ROUTES_READONLY, &rt, err, sizeof(err)), ROUTES_ESCHEMA);
    assert_non_null(strstr(err, "surel-mxd init"));
    assert_null(rt);
    unlink(path);
}

/* A policy block as smtpd sends it at ETRN. */
static size_t etrn_block(char *out, size_t len, const char *login, const char *domain,
                         const char *addr)
{
    return (size_t)snprintf(out, len,
                            "request=smtpd_access_policy\nprotocol_state=ETRN\n"
                            "client_address=%s\netrn_domain=%s\nsasl_method=%s\n"
                            "sasl_username=%s\n\n",
                            addr, domain, *login ? "PLAIN" : "", login);
}

/* A handler context over the fixture's table. */
static void ctx_init(struct mxd_ctx *ctx, struct fixture *f)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->rt = f->rt;
    ctx->ttl = 600;
    ctx->flush_again = 35;
    ctx->flush_fd = -1;
    assert_int_equal(mxd_rate_init(&ctx->rate, 64, 3, 600, 900), 0);
}

static void test_handle_accept_commits_before_ok(void **state)
{
    struct fixture *f = *state;
    struct mxd_ctx ctx;
    char req[512], out[256], route[128];
    long long now = (long long)time(NULL);
    ctx_init(&ctx, f);
    size_t n = etrn_block(req, sizeof(req), "school1", "SCHOOL.test", "192.0.2.10");
    assert_true(mxd_handle(&ctx, req, n, now, out, sizeof(out)) > 0);
    assert_string_equal(out, "action=OK\n\n");
    transport_seen(f, "school.test", route, sizeof(route));
    assert_string_equal(route, "surel:[192.0.2.10]");
    assert_int_equal(mxd_flushq_next(&ctx.flushq), now + 35);
    char dom[256];
    assert_int_equal(mxd_flushq_pop(&ctx.flushq, now + 35, dom, sizeof(dom)), 1);
    assert_string_equal(dom, "school.test");
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
}

static void test_handle_refusals_change_nothing_and_lock_out(void **state)
{
    struct fixture *f = *state;
    struct mxd_ctx ctx;
    char req[512], out[256], route[128];
    long long now = (long long)time(NULL);
    ctx_init(&ctx, f);
    size_t n = etrn_block(req, sizeof(req), "school1", "school.test", "192.0.2.10");
    mxd_handle(&ctx, req, n, now, out, sizeof(out));
    /* another school's login, then no AUTH, from the outsider's address */
    n = etrn_block(req, sizeof(req), "school2", "school.test", "203.0.113.30");
    mxd_handle(&ctx, req, n, now, out, sizeof(out));
    assert_string_equal(out, "action=REJECT not authorized to flush this domain\n\n");
    n = etrn_block(req, sizeof(req), "", "school.test", "203.0.113.30");
    mxd_handle(&ctx, req, n, now, out, sizeof(out));
    assert_string_equal(out, "action=REJECT authentication required\n\n");
    transport_seen(f, "school.test", route, sizeof(route));
    assert_string_equal(route, "surel:[192.0.2.10]");
    /* the third refusal locks the address out: even school2's own domain is deferred */
    n = etrn_block(req, sizeof(req), "school2", "school.test", "203.0.113.30");
    mxd_handle(&ctx, req, n, now, out, sizeof(out));
    n = etrn_block(req, sizeof(req), "school2", "x.test", "203.0.113.30");
    mxd_handle(&ctx, req, n, now + 1, out, sizeof(out));
    assert_memory_equal(out, "action=450 4.7.1", 16);
    transport_seen(f, "x.test", route, sizeof(route));
    assert_string_equal(route, "surel-offline:");
    /* the school itself, from its own address, is not affected */
    n = etrn_block(req, sizeof(req), "school1", "school.test", "198.51.100.10");
    mxd_handle(&ctx, req, n, now + 1, out, sizeof(out));
    assert_string_equal(out, "action=OK\n\n");
    transport_seen(f, "school.test", route, sizeof(route));
    assert_string_equal(route, "surel:[198.51.100.10]");
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
}

static void test_handle_unwritable_table_is_451(void **state)
{
    struct fixture *f = *state;
    struct mxd_ctx ctx;
    struct routes *ro;
    char req[512], out[256], err[256];
    assert_int_equal(routes_open(f->db, ROUTES_READONLY, &ro, err, sizeof(err)), 0);
    ctx_init(&ctx, f);
    ctx.rt = ro;                  /* a table the handler cannot write */
    size_t n = etrn_block(req, sizeof(req), "school1", "school.test", "192.0.2.10");
    mxd_handle(&ctx, req, n, (long long)time(NULL), out, sizeof(out));
    assert_memory_equal(out, "action=451 ", 11);
    assert_int_equal(mxd_flushq_next(&ctx.flushq), -1);   /* nothing to flush */
    routes_close(ro);
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
}

/* Every spelling of an address that cannot be a route is refused, with the reason. */
static void test_address_refusal_table(void **state)
{
    static const struct {
        const char *addr, *why;     /* why: a word the reason must hold, NULL: accepted */
    } cases[] = {
        {"127.0.0.1", "loopback"},          {"127.1.2.3", "loopback"},
        {"::1", "loopback"},                {"0:0:0:0:0:0:0:1", "loopback"},
        {"::ffff:127.0.0.1", "IPv4-mapped"}, {"::ffff:198.51.100.7", "IPv4-mapped"},
        {"0:0:0:0:0:ffff:c633:6407", "IPv4-mapped"},
        {"0.0.0.0", "unspecified"},         {"0.1.2.3", "unspecified"},
        {"::", "unspecified"},              {"0:0:0:0:0:0:0:0", "unspecified"},
        {"::198.51.100.7", "IPv4-compatible"},
        {"169.254.10.1", "link-local"},     {"fe80::1", "link-local"},
        {"224.0.0.1", "multicast"},         {"239.255.255.250", "multicast"},
        {"ff02::1", "multicast"},           {"255.255.255.255", "broadcast"},
        {"240.0.0.1", "reserved"},          {"unknown", "not an IP address"},
        {"192.0.2.10", NULL},               {"198.51.100.7", NULL},
        {"203.0.113.30", NULL},             {"2001:db8::10", NULL},
        {"10.1.2.3", NULL},                 {"100.64.0.1", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *why = routes_address_refusal(cases[i].addr);
        if (cases[i].why == NULL) {
            if (why != NULL)
                fail_msg("%s refused (%s), expected accepted", cases[i].addr, why);
        } else if (why == NULL || strstr(why, cases[i].why) == NULL) {
            fail_msg("%s: expected refused as %s, got %s", cases[i].addr, cases[i].why,
                     why ? why : "accepted");
        }
    }
}

/* routes_set_route() itself refuses such an address and keeps the old route. */
static void test_set_route_refuses_loopback(void **state)
{
    struct fixture *f = *state;
    char route[128];
    long long now = (long long)time(NULL);
    assert_int_equal(routes_set_route(f->rt, "school1", "192.0.2.10", now, 600), 0);
    assert_int_equal(routes_set_route(f->rt, "school1", "::ffff:127.0.0.1", now, 600),
                     ROUTES_EINVAL);
    assert_non_null(strstr(routes_errmsg(f->rt), "IPv4-mapped"));
    assert_int_equal(routes_set_route(f->rt, "school1", "127.0.0.1", now, 600), ROUTES_EINVAL);
    assert_non_null(strstr(routes_errmsg(f->rt), "loopback"));
    transport_seen(f, "school.test", route, sizeof(route));
    assert_string_equal(route, "surel:[192.0.2.10]");
}

/* The owner's ETRN from loopback is refused by the handler; the route stays. */
static void test_handle_loopback_refused_route_unchanged(void **state)
{
    struct fixture *f = *state;
    struct mxd_ctx ctx;
    char req[512], out[256], route[128];
    long long now = (long long)time(NULL);
    const char *bad[] = {"127.0.0.1", "::1", "0.0.0.0", "::", "::ffff:198.51.100.7"};
    ctx_init(&ctx, f);
    size_t n = etrn_block(req, sizeof(req), "school1", "school.test", "192.0.2.10");
    mxd_handle(&ctx, req, n, now, out, sizeof(out));
    assert_string_equal(out, "action=OK\n\n");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        n = etrn_block(req, sizeof(req), "school1", "school.test", bad[i]);
        assert_true(mxd_handle(&ctx, req, n, now, out, sizeof(out)) > 0);
        assert_memory_equal(out, "action=REJECT ", 14);
        transport_seen(f, "school.test", route, sizeof(route));
        assert_string_equal(route, "surel:[192.0.2.10]");
    }
    assert_int_equal(ctx.refused, 5);
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
}

/* A NUL byte in a request closes the connection: mxd_handle() answers nothing. */
static void test_handle_nul_is_protocol_error(void **state)
{
    struct fixture *f = *state;
    struct mxd_ctx ctx;
    char req[512], out[256], route[128];
    ctx_init(&ctx, f);
    size_t n = etrn_block(req, sizeof(req), "school1", "school.test", "192.0.2.10");
    char *dom = strstr(req, "school.test");
    dom[6] = '\0';                 /* "school\0test": would look up "school" */
    assert_int_equal(mxd_handle(&ctx, req, n, (long long)time(NULL), out, sizeof(out)), 0);
    transport_seen(f, "school.test", route, sizeof(route));
    assert_string_equal(route, "surel-offline:");
    mxd_rate_free(&ctx.rate);
    mxd_flushq_free(&ctx.flushq);
}

/* The client cap leaves MXD_FD_RESERVE descriptors free, within sane bounds. */
static void test_client_cap(void **state)
{
    (void)state;
    assert_int_equal(mxd_client_cap(256), 256 - MXD_FD_RESERVE);
    assert_int_equal(mxd_client_cap(1024), 1024 - MXD_FD_RESERVE);
    assert_int_equal(mxd_client_cap(1056), 1024);      /* the systemd unit's LimitNOFILE */
    assert_int_equal(mxd_client_cap(40), 20);          /* small limits: half */
    assert_int_equal(mxd_client_cap(1), 1);
    assert_int_equal(mxd_client_cap(~0ULL), MXD_CLIENTS_CEILING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_and_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_conflicts_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_fresh_then_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grouped_writes_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pinned_school_gets_its_own_transport, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_readonly_open_refuses_missing_schema, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handle_accept_commits_before_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_refusals_change_nothing_and_lock_out, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handle_unwritable_table_is_451, setup, teardown),
        cmocka_unit_test(test_address_refusal_table),
        cmocka_unit_test_setup_teardown(test_set_route_refuses_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_loopback_refused_route_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handle_nul_is_protocol_error, setup, teardown),
        cmocka_unit_test(test_client_cap),
    };
    surel_log_open("test_routes", SUREL_LOG_STDERR, NULL);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
