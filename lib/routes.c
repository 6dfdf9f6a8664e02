/*
 * NAME
 *	routes 3
 * SUMMARY
 *	the ISP's route table: schools, their domains, current addresses
 * DESCRIPTION
 *	See routes.h.  migrations[i] takes the file from version i to
 *	i + 1.  Statements are prepared once and kept in a small cache keyed
 *	by the address of their SQL text, because surel-mxd runs the owner
 *	lookup and the route update for every ETRN.
 * DIAGNOSTICS
 *	routes_open() fills err and returns a negative ROUTES_E* code.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "routes.h"
#include "util.h"

#define ROUTES_STMT_CACHE 16

struct routes {
    sqlite3 *db;
    int flags;
    char errmsg[512];
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[ROUTES_STMT_CACHE];
};

/* Version i -> i + 1. */
static const char *const migrations[] = {
    /* 0 -> 1: the first release. */
    "CREATE TABLE school ("
    "  login TEXT PRIMARY KEY,"
    "  address TEXT,"
    "  updated INTEGER,"
    "  expires INTEGER,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE school_domain ("
    "  domain TEXT PRIMARY KEY,"
    "  login TEXT NOT NULL REFERENCES school(login) ON DELETE CASCADE);"
    "CREATE INDEX school_domain_login ON school_domain(login);"
    /* What Postfix's sqlite:/pgsql: maps read: the interface. */
    "CREATE VIEW postfix_relay_domain(domain) AS SELECT domain FROM school_domain;"
    "CREATE VIEW postfix_transport(domain, transport) AS"
    "  SELECT d.domain, CASE WHEN s.address IS NOT NULL"
    "    AND s.expires > CAST(strftime('%s','now') AS INTEGER)"
    "    THEN 'surel:[' || s.address || ']' ELSE 'surel-offline:' END"
    "  FROM school_domain d JOIN school s ON s.login = d.login;",
    /* 1 -> 2: a school may pin its TLS certificate; it then has its own
     * transport surel-LOGIN (master.cf, by surel-setup-isp) that checks it,
     * so a route that outlived the session cannot deliver to a stranger. */
    "ALTER TABLE school ADD COLUMN tls_fingerprint TEXT;"
    "DROP VIEW postfix_transport;"
    "CREATE VIEW postfix_transport(domain, transport) AS"
    "  SELECT d.domain, CASE WHEN s.address IS NOT NULL"
    "    AND s.expires > CAST(strftime('%s','now') AS INTEGER)"
    "    THEN CASE WHEN s.tls_fingerprint IS NOT NULL THEN 'surel-' || s.login ELSE 'surel' END"
    "      || ':[' || s.address || ']' ELSE 'surel-offline:' END"
    "  FROM school_domain d JOIN school s ON s.login = d.login;",
};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Record an SQLite failure in errmsg and map it to a ROUTES_E* code. */
static int fail(struct routes *rt, int rc, const char *what)
{
    int busy = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    snprintf(rt->errmsg, sizeof(rt->errmsg), "%s: %s", what,
             busy ? "the route table is locked by another program; try again"
                  : sqlite3_errmsg(rt->db));
    return busy ? ROUTES_EBUSY : ROUTES_EDB;
}

/* Run SQL without results. */
static int exec_sql(struct routes *rt, const char *sql)
{
    int rc = sqlite3_exec(rt->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(rt, rc, "route table");
}

/* A reset prepared statement for sql, from the cache. */
static sqlite3_stmt *stmt(struct routes *rt, const char *sql)
{
    int i;
    for (i = 0; i < ROUTES_STMT_CACHE && rt->cache[i].sql != NULL; i++) {
        if (rt->cache[i].sql == sql) {
            sqlite3_reset(rt->cache[i].stmt);
            sqlite3_clear_bindings(rt->cache[i].stmt);
            return rt->cache[i].stmt;
        }
    }
    if (i == ROUTES_STMT_CACHE) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "route table: statement cache full");
        return NULL;
    }
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v3(rt->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        fail(rt, rc, "route table");
        return NULL;
    }
    rt->cache[i].sql = sql;
    rt->cache[i].stmt = st;
    return st;
}

/* Step a statement that returns no rows we need; map errors. */
static int step_done(struct routes *rt, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_CONSTRAINT) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "%s: %s", what, sqlite3_errmsg(rt->db));
        return ROUTES_EEXIST;
    }
    return fail(rt, rc, what);
}

int routes_schema_version(struct routes *rt)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(rt->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Bring the schema up to date, or check that it is, for a reader. */
static int migrate(struct routes *rt, const char *path)
{
    int v = routes_schema_version(rt);
    if (v < 0)
        return fail(rt, sqlite3_errcode(rt->db), path);
    if (v > NELEM(migrations)) {
        snprintf(rt->errmsg, sizeof(rt->errmsg),
                 "%s: schema version %d is newer than this surel knows (%d)", path, v,
                 NELEM(migrations));
        return ROUTES_ESCHEMA;
    }
    if (v == NELEM(migrations))
        return 0;
    if (!(rt->flags & ROUTES_WRITE) || (v == 0 && !(rt->flags & ROUTES_CREATE))) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), v == 0
                 ? "%s: not a route table yet; run 'surel-mxd init'"
                 : "%s: old schema; run 'surel-mxd init' to upgrade it", path);
        return ROUTES_ESCHEMA;
    }
    char sql[64];
    int rc = exec_sql(rt, "BEGIN IMMEDIATE");
    for (; rc == 0 && v < NELEM(migrations); v++) {
        rc = exec_sql(rt, migrations[v]);
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        if (rc == 0)
            rc = exec_sql(rt, sql);
    }
    if (rc == 0)
        rc = exec_sql(rt, "COMMIT");
    else
        sqlite3_exec(rt->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Create the file with mode 0644 (Postfix must read it) if it is missing. */
static int precreate(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Open the file and set the connection up; 0 or ROUTES_EDB with err. */
static int open_db(struct routes *rt, const char *path, char *err, size_t errlen)
{
    int write = rt->flags & ROUTES_WRITE, one = 1;
    if (write && (rt->flags & ROUTES_CREATE) && access(path, F_OK) != 0
        && precreate(path, err, errlen) < 0)
        return ROUTES_EDB;
    if (access(path, write ? R_OK | W_OK : R_OK) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return ROUTES_EDB;
    }
    if (sqlite3_open_v2(path, &rt->db, write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, rt->db ? sqlite3_errmsg(rt->db) : "out of memory");
        return ROUTES_EDB;
    }
    sqlite3_extended_result_codes(rt->db, 0);
    sqlite3_busy_timeout(rt->db, 2000);
    if (exec_sql(rt, "PRAGMA foreign_keys = ON") < 0)
        return ROUTES_EDB;
    if (write) {
        /* NORMAL: a commit is visible to readers at once and survives a
         * crash of surel-mxd; a power cut may lose the last routes, which
         * the schools' next ETRN rewrites. */
        if (exec_sql(rt, "PRAGMA journal_mode = WAL") < 0
            || exec_sql(rt, "PRAGMA synchronous = NORMAL") < 0)
            return ROUTES_EDB;
        sqlite3_file_control(rt->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
    }
    return 0;
}

int routes_open(const char *path, int flags, struct routes **rp, char *err, size_t errlen)
{
    struct routes *rt = calloc(1, sizeof(*rt));
    int rc;
    *rp = NULL;
    if (rt == NULL) {
        snprintf(err, errlen, "out of memory");
        return ROUTES_EDB;
    }
    rt->flags = flags;
    err[0] = '\0';
    rc = open_db(rt, path, err, errlen);
    if (rc == 0)
        rc = migrate(rt, path);
    if (rc < 0) {
        if (rt->errmsg[0] != '\0')
            snprintf(err, errlen, "%s", rt->errmsg);
        routes_close(rt);
        return rc;
    }
    *rp = rt;
    return 0;
}

void routes_close(struct routes *rt)
{
    if (rt == NULL)
        return;
    for (int i = 0; i < ROUTES_STMT_CACHE && rt->cache[i].sql != NULL; i++)
        sqlite3_finalize(rt->cache[i].stmt);
    sqlite3_close(rt->db);
    free(rt);
}

const char *routes_errmsg(const struct routes *rt)
{
    return rt->errmsg;
}

void routes_set_busy_timeout(struct routes *rt, int ms)
{
    sqlite3_busy_timeout(rt->db, ms);
}

int routes_login_valid(const char *login)
{
    size_t n = strlen(login);
    if (n == 0 || n >= ROUTES_LOGIN_MAX || !(islower((unsigned char)login[0])
                                             || isdigit((unsigned char)login[0])))
        return 0;
    for (const char *p = login; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("._-", *p))
            return 0;
    return 1;
}

int routes_address_valid(const char *address)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return strlen(address) < ROUTES_ADDRESS_MAX
        && (inet_pton(AF_INET, address, buf) == 1 || inet_pton(AF_INET6, address, buf) == 1);
}

/* Why an IPv4 address (network order) cannot be a route, or NULL. */
static const char *ipv4_refusal(const unsigned char a[4])
{
    if (a[0] == 0)
        return "unspecified (0.0.0.0/8)";
    if (a[0] == 127)
        return "loopback (127.0.0.0/8)";
    if (a[0] == 169 && a[1] == 254)
        return "link-local (169.254.0.0/16)";
    if (a[0] >= 224 && a[0] <= 239)
        return "multicast (224.0.0.0/4)";
    if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
        return "broadcast (255.255.255.255)";
    if (a[0] >= 240)
        return "reserved (240.0.0.0/4)";
    return NULL;
}

/* Why an IPv6 address cannot be a route, or NULL. */
static const char *ipv6_refusal(const struct in6_addr *a)
{
    static const unsigned char zero12[12] = {0};
    if (IN6_IS_ADDR_UNSPECIFIED(a))
        return "unspecified (::)";
    if (IN6_IS_ADDR_LOOPBACK(a))
        return "loopback (::1)";
    if (IN6_IS_ADDR_V4MAPPED(a))
        return "IPv4-mapped IPv6 (::ffff:0:0/96; smtpd reports the IPv4 address itself)";
    if (memcmp(a->s6_addr, zero12, sizeof(zero12)) == 0)
        return "IPv4-compatible IPv6 (::/96, deprecated)";
    if (IN6_IS_ADDR_LINKLOCAL(a))
        return "link-local (fe80::/10)";
    if (IN6_IS_ADDR_MULTICAST(a))
        return "multicast (ff00::/8)";
    return NULL;
}

const char *routes_address_refusal(const char *address)
{
    unsigned char v4[4];
    struct in6_addr v6;
    if (strlen(address) >= ROUTES_ADDRESS_MAX)
        return "not an IP address (too long)";
    if (inet_pton(AF_INET, address, v4) == 1)
        return ipv4_refusal(v4);
    if (inet_pton(AF_INET6, address, &v6) == 1)
        return ipv6_refusal(&v6);
    return "not an IP address";
}

/* Insert the school row if missing, then each domain, inside a transaction. */
static int add_rows(struct routes *rt, const char *login, const char *const *domains,
                    int ndomains, long long now)
{
    static const char ins_school[] =
        "INSERT INTO school(login, created) VALUES (?1, ?2) ON CONFLICT(login) DO NOTHING";
    static const char ins_domain[] =
        "INSERT INTO school_domain(domain, login) VALUES (?1, ?2)";
    static const char owner_of[] = "SELECT login FROM school_domain WHERE domain = ?1";
    sqlite3_stmt *st = stmt(rt, ins_school);
    int rc;
    if (st == NULL)
        return ROUTES_EDB;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = step_done(rt, st, login)) < 0)
        return rc;
    for (int i = 0; i < ndomains; i++) {
        char owner[ROUTES_LOGIN_MAX];
        if ((st = stmt(rt, owner_of)) == NULL)
            return ROUTES_EDB;
        sqlite3_bind_text(st, 1, domains[i], -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            surel_strlcpy(owner, (const char *)sqlite3_column_text(st, 0), sizeof(owner));
            sqlite3_reset(st);
            if (strcmp(owner, login) == 0)
                continue;
            snprintf(rt->errmsg, sizeof(rt->errmsg), "%s already belongs to school %s",
                     domains[i], owner);
            return ROUTES_EEXIST;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(rt, rc, domains[i]);
        if ((st = stmt(rt, ins_domain)) == NULL)
            return ROUTES_EDB;
        sqlite3_bind_text(st, 1, domains[i], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, login, -1, SQLITE_TRANSIENT);
        if ((rc = step_done(rt, st, domains[i])) < 0)
            return rc;
    }
    return 0;
}

int routes_school_add(struct routes *rt, const char *login, const char *const *domains,
                      int ndomains, long long now)
{
    int rc;
    if (!routes_login_valid(login)) {
        snprintf(rt->errmsg, sizeof(rt->errmsg),
                 "'%s': a login is lower-case letters, digits, '.', '_' or '-'", login);
        return ROUTES_EINVAL;
    }
    for (int i = 0; i < ndomains; i++) {
        if (!surel_domain_valid(domains[i])) {
            snprintf(rt->errmsg, sizeof(rt->errmsg),
                     "'%s' is not a lower-case domain name", domains[i]);
            return ROUTES_EINVAL;
        }
    }
    int own_tx = sqlite3_get_autocommit(rt->db);
    if (own_tx && (rc = exec_sql(rt, "BEGIN IMMEDIATE")) < 0)
        return rc;
    rc = add_rows(rt, login, domains, ndomains, now);
    if (own_tx && rc == 0)
        rc = exec_sql(rt, "COMMIT");
    if (own_tx && rc < 0)
        sqlite3_exec(rt->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int routes_begin(struct routes *rt)
{
    return exec_sql(rt, "BEGIN IMMEDIATE");
}

int routes_commit(struct routes *rt)
{
    return exec_sql(rt, "COMMIT");
}

void routes_rollback(struct routes *rt)
{
    if (!sqlite3_get_autocommit(rt->db))
        sqlite3_exec(rt->db, "ROLLBACK", NULL, NULL, NULL);
}

int routes_school_remove(struct routes *rt, const char *login)
{
    static const char del[] = "DELETE FROM school WHERE login = ?1";
    sqlite3_stmt *st = stmt(rt, del);
    int rc;
    if (st == NULL)
        return ROUTES_EDB;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    if ((rc = step_done(rt, st, login)) < 0)
        return rc;
    if (sqlite3_changes(rt->db) == 0) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "no school with login '%s'", login);
        return ROUTES_ENOENT;
    }
    return 0;
}

/* Run a one-text-column lookup keyed by key; 1 with out filled, 0, or < 0. */
static int lookup_text(struct routes *rt, const char *sql, const char *key, char *out,
                       size_t len)
{
    sqlite3_stmt *st = stmt(rt, sql);
    int rc;
    if (st == NULL)
        return ROUTES_EDB;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        surel_strlcpy(out, v ? (const char *)v : "", len);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(rt, rc, key);
}

int routes_owner(struct routes *rt, const char *domain, char *login, size_t len)
{
    static const char sql[] = "SELECT login FROM school_domain WHERE domain = ?1";
    return lookup_text(rt, sql, domain, login, len);
}

int routes_transport(struct routes *rt, const char *domain, char *out, size_t len)
{
    static const char sql[] = "SELECT transport FROM postfix_transport WHERE domain = ?1";
    return lookup_text(rt, sql, domain, out, len);
}

int routes_set_route(struct routes *rt, const char *login, const char *address,
                     long long now, long long ttl)
{
    static const char upd[] =
        "UPDATE school SET address = ?2, updated = ?3, expires = ?4 WHERE login = ?1";
    sqlite3_stmt *st;
    int rc;
    const char *why = routes_address_refusal(address);
    if (why != NULL) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "'%.64s' cannot be a route: %s", address, why);
        return ROUTES_EINVAL;
    }
    if ((st = stmt(rt, upd)) == NULL)
        return ROUTES_EDB;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, now + ttl);
    /* Autocommit: the row is durable in the WAL when step returns. */
    if ((rc = step_done(rt, st, login)) < 0)
        return rc;
    if (sqlite3_changes(rt->db) == 0) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "no school with login '%s'", login);
        return ROUTES_ENOENT;
    }
    return 0;
}

int routes_fingerprint_valid(const char *fp)
{
    /* SHA-256: 32 bytes as XX:XX:...:XX, either case. */
    if (strlen(fp) != 32 * 3 - 1)
        return 0;
    for (int i = 0; fp[i]; i++)
        if (i % 3 == 2 ? fp[i] != ':' : !isxdigit((unsigned char)fp[i]))
            return 0;
    return 1;
}

int routes_set_fingerprint(struct routes *rt, const char *login, const char *fp)
{
    static const char upd[] = "UPDATE school SET tls_fingerprint = ?2 WHERE login = ?1";
    sqlite3_stmt *st;
    int rc;
    if (fp != NULL && !routes_fingerprint_valid(fp)) {
        snprintf(rt->errmsg, sizeof(rt->errmsg),
                 "'%s' is not a SHA-256 fingerprint (32 hex bytes separated by ':')", fp);
        return ROUTES_EINVAL;
    }
    if ((st = stmt(rt, upd)) == NULL)
        return ROUTES_EDB;
    sqlite3_bind_text(st, 1, login, -1, SQLITE_TRANSIENT);
    if (fp != NULL)
        sqlite3_bind_text(st, 2, fp, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    if ((rc = step_done(rt, st, login)) < 0)
        return rc;
    if (sqlite3_changes(rt->db) == 0) {
        snprintf(rt->errmsg, sizeof(rt->errmsg), "no school with login '%s'", login);
        return ROUTES_ENOENT;
    }
    return 0;
}

int routes_count(struct routes *rt, long long *schools, long long *domains)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM school), (SELECT count(*) FROM school_domain)";
    sqlite3_stmt *st = stmt(rt, sql);
    int rc;
    if (st == NULL)
        return ROUTES_EDB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *schools = sqlite3_column_int64(st, 0);
        *domains = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : fail(rt, rc, "count");
}

/* Copy one result row into s (domains points into the statement). */
static void read_school(sqlite3_stmt *st, struct routes_school *s)
{
    const unsigned char *addr = sqlite3_column_text(st, 1);
    const unsigned char *doms = sqlite3_column_text(st, 5);
    const unsigned char *fp = sqlite3_column_text(st, 6);
    surel_strlcpy(s->login, (const char *)sqlite3_column_text(st, 0), sizeof(s->login));
    surel_strlcpy(s->address, addr ? (const char *)addr : "", sizeof(s->address));
    s->updated = sqlite3_column_int64(st, 2);
    s->expires = sqlite3_column_int64(st, 3);
    s->created = sqlite3_column_int64(st, 4);
    s->domains = doms ? (const char *)doms : "";
    surel_strlcpy(s->fingerprint, fp ? (const char *)fp : "", sizeof(s->fingerprint));
}

int routes_each(struct routes *rt, routes_school_fn *fn, void *ctx)
{
    static const char sql[] =
        "SELECT s.login, s.address, s.updated, s.expires, s.created,"
        " (SELECT group_concat(domain, ',') FROM"
        "   (SELECT domain FROM school_domain d WHERE d.login = s.login ORDER BY domain)),"
        " s.tls_fingerprint FROM school s ORDER BY s.login";
    sqlite3_stmt *st = stmt(rt, sql);
    struct routes_school s;
    int rc = SQLITE_DONE, stop = 0;
    if (st == NULL)
        return ROUTES_EDB;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_school(st, &s);
        stop = fn(&s, ctx);
    }
    sqlite3_reset(st);
    if (stop || rc == SQLITE_DONE)
        return stop;
    return fail(rt, rc, "list");
}
