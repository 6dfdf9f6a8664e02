/*
 * NAME
 *	authdb_roster 8
 * SUMMARY
 *	Dovecot auth driver "roster": passdb, userdb and iteration over the surel roster
 * SYNOPSIS
 *	passdb {
 *	  driver = roster
 *	  args = [blocking=yes|no] [/etc/surel/surel.ini]
 *	}
 *	userdb {
 *	  driver = roster
 *	  args = [blocking=yes|no] [/etc/surel/surel.ini]
 *	}
 * DESCRIPTION
 *	Built as libauthdb_roster.so and installed into Dovecot's auth module
 *	directory; Dovecot loads it when a passdb or userdb names the
 *	driver "roster".  Only authdb_roster_init, authdb_roster_deinit and
 *	authdb_roster_version are exported: everything else, including the
 *	copy of libsurel linked in, is hidden, because the auth process
 *	exports thousands of names that would otherwise interpose.
 *
 *	passdb: the login is normalised (roster_auth.c: "Budi",
 *	"budi@DOMAIN" -> "budi") and the canonical name is set as the
 *	request's user.  Active people are checked against their stored
 *	crypt(3) hash through Dovecot's own password-scheme code
 *	(auth_request_password_verify, default scheme CRYPT, or the hash's
 *	{SCHEME} prefix), so every scheme Dovecot knows works, and the hash
 *	is handed to Dovecot as the "password" field so its auth cache can
 *	verify later logins.  Suspended and graduated people are refused as
 *	USER_DISABLED (the auth log says why when auth_verbose is on; the
 *	client sees the ordinary failure); unknown logins are USER_UNKNOWN.
 *	Credential lookups (CRAM-MD5 and friends, "doveadm auth lookup") go
 *	through passdb_handle_credentials().
 *
 *	userdb: uid and gid of [mail] user, home = [mail] root "/" mailbox,
 *	mail = maildir:~/Maildir, quota_rule = *:storage=SIZE from [quota]
 *	ROLE or the person's own quota.  Every person is found, whatever
 *	their status, so that mail kept for suspended or graduated people
 *	stays reachable to delivery and doveadm.  Iteration lists everyone
 *	("doveadm user '*'", "doveadm -A").
 *
 *	Blocking.  The driver is blocking by default (blocking=yes): Dovecot
 *	runs its lookups in auth worker processes, as Dovecot's own sql
 *	driver does for SQLite.  Password hashes are deliberately slow
 *	(yescrypt costs about 18 ms here) and a SQLite read may wait for a
 *	writer's lock; done in the single main auth process either would
 *	stall every other login, LMTP delivery and doveadm request, and use
 *	one core.  Workers spread them over all cores.  They run as root,
 *	which also reads the roster's WAL files whoever owns them;
 *	blocking=no runs lookups in the main process as user dovecot, which
 *	then needs read access to both files and their -wal/-shm files.
 *
 *	The database is opened read-only at the first lookup in each process
 *	and kept open: WAL readers see every committed change at once, so a
 *	change made with surel-roster holds at the next login that does not
 *	come from Dovecot's auth cache.
 * DIAGNOSTICS
 *	A bad configuration (unknown key, missing [school] domain, unknown
 *	[mail] user) or an unknown arg stops the auth process with a fatal
 *	message naming it; Dovecot logs it at the first login.  A roster
 *	that cannot be read makes the lookup an internal failure (the client
 *	sees a temporary failure) with the reason in the auth log.  No
 *	password or hash is ever logged.
 */
#include "auth-common.h"
#include "module-dir.h"
#include "auth-cache.h"
#include "passdb.h"
#include "userdb.h"
#include "password-scheme.h"

#include "roster_auth.h"

#define ROSTER_EXPORT __attribute__((visibility("default")))
#define ROSTER_DEFAULT_INI "/etc/surel/surel.ini"

struct roster_passdb_module {
    struct passdb_module module;
    struct rauth *rauth;
};

struct roster_userdb_module {
    struct userdb_module module;
    struct rauth *rauth;
};

struct roster_userdb_iterate_context {
    struct userdb_iterate_context ctx;
    struct rauth_names names;
    size_t next;
};

extern ROSTER_EXPORT const char *authdb_roster_version;
ROSTER_EXPORT void authdb_roster_init(struct module *module);
ROSTER_EXPORT void authdb_roster_deinit(void);

ROSTER_EXPORT const char *authdb_roster_version = DOVECOT_ABI_VERSION;

/* Parse "[blocking=yes|no] [PATH]": fatal on anything else, as Dovecot's drivers do. */
static const char *parse_args(const char *args, bool *blocking)
{
    const char *const *arg = t_strsplit_spaces(args, " ");
    const char *ini = ROSTER_DEFAULT_INI;
    *blocking = TRUE;
    for (; *arg != NULL; arg++) {
        if (str_begins(*arg, "blocking=")) {
            const char *v = *arg + 9;
            if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
                i_fatal("roster: blocking=%s: expected yes or no", v);
            *blocking = strcmp(v, "yes") == 0;
        } else if (**arg == '/' && strchr(*arg, '=') == NULL) {
            ini = *arg;
        } else {
            i_fatal("roster: unknown argument '%s' (expected blocking=yes|no and a path)",
                    *arg);
        }
    }
    return ini;
}

/* Load surel.ini for one passdb or userdb instance; fatal if it is wrong. */
static struct rauth *load_rauth(const char *args, bool credentials, bool *blocking)
{
    char err[1024];
    const char *ini = parse_args(args, blocking);
    struct rauth *a = rauth_new(ini, credentials ? 1 : 0, err, sizeof(err));
    if (a == NULL)
        i_fatal("roster: %s", err);
    return a;
}

/* passdb preinit: read the configuration, choose blocking, scheme and cache key. */
static struct passdb_module *roster_passdb_preinit(pool_t pool, const char *args)
{
    struct roster_passdb_module *m = p_new(pool, struct roster_passdb_module, 1);
    bool blocking;
    m->rauth = load_rauth(args, TRUE, &blocking);
    m->module.blocking = blocking;
    m->module.default_pass_scheme = "CRYPT";
    m->module.default_cache_key = auth_cache_parse_key(pool, "%u");
    return &m->module;
}

/* passdb deinit: close the roster. */
static void roster_passdb_deinit(struct passdb_module *module)
{
    struct roster_passdb_module *m = (struct roster_passdb_module *)module;
    rauth_free(m->rauth);
    m->rauth = NULL;
}

/* Look the login up; on success *hash_r and *scheme_r hold the stored hash. */
static enum passdb_result passdb_find(struct auth_request *req, const char **hash_r,
                                      const char **scheme_r)
{
    struct roster_passdb_module *m = (struct roster_passdb_module *)req->passdb->passdb;
    struct rauth_user u;
    char err[1024];
    int rc = rauth_lookup(m->rauth, req->fields.user, &u, err, sizeof(err));
    if (rc == RAUTH_ERROR) {
        e_error(authdb_event(req), "roster: %s", err);
        return PASSDB_RESULT_INTERNAL_FAILURE;
    }
    if (rc == RAUTH_UNKNOWN) {
        e_info(authdb_event(req), "unknown user");
        return PASSDB_RESULT_USER_UNKNOWN;
    }
    if (strcmp(u.username, req->fields.user) != 0)
        auth_request_set_field(req, "user", u.username, NULL);
    if (u.status != STATUS_ACTIVE) {
        e_info(authdb_event(req), "account is %s in the roster: login refused",
               roster_status_name(u.status));
        return PASSDB_RESULT_USER_DISABLED;
    }
    if (u.hash[0] == '\0') {
        e_info(authdb_event(req), "no password set in the roster: login refused");
        return PASSDB_RESULT_USER_DISABLED;
    }
    const char *hash = t_strdup(u.hash);
    const char *scheme = password_get_scheme(&hash);
    *scheme_r = scheme != NULL ? scheme : m->module.default_pass_scheme;
    *hash_r = hash;
    explicit_bzero(u.hash, sizeof(u.hash));
    return PASSDB_RESULT_OK;
}

/* passdb: check a plaintext password with Dovecot's own scheme code. */
static void roster_verify_plain(struct auth_request *req, const char *password,
                                verify_plain_callback_t *callback)
{
    const char *hash, *scheme;
    enum passdb_result result = passdb_find(req, &hash, &scheme);
    if (result != PASSDB_RESULT_OK) {
        callback(result, req);
        return;
    }
    /* Stored first, so that the auth cache can verify later logins itself. */
    auth_request_set_field(req, "password", hash, scheme);
    int ret = auth_request_password_verify(req, password, hash, scheme, AUTH_SUBSYS_DB);
    callback(ret > 0 ? PASSDB_RESULT_OK : ret == 0 ? PASSDB_RESULT_PASSWORD_MISMATCH
                                                   : PASSDB_RESULT_INTERNAL_FAILURE, req);
}

/* passdb: hand the stored hash over for non-plaintext mechanisms. */
static void roster_lookup_credentials(struct auth_request *req,
                                      lookup_credentials_callback_t *callback)
{
    const char *hash = NULL, *scheme = NULL;
    enum passdb_result result = passdb_find(req, &hash, &scheme);
    passdb_handle_credentials(result, hash, scheme, callback, req);
}

/* userdb preinit: read the configuration (no credentials needed here). */
static struct userdb_module *roster_userdb_preinit(pool_t pool, const char *args)
{
    struct roster_userdb_module *m = p_new(pool, struct roster_userdb_module, 1);
    bool blocking;
    m->rauth = load_rauth(args, FALSE, &blocking);
    m->module.blocking = blocking;
    m->module.default_cache_key = auth_cache_parse_key(pool, "%u");
    return &m->module;
}

/* userdb deinit: close the roster. */
static void roster_userdb_deinit(struct userdb_module *module)
{
    struct roster_userdb_module *m = (struct roster_userdb_module *)module;
    rauth_free(m->rauth);
    m->rauth = NULL;
}

/* userdb: uid, gid, home, mail and quota rule of one person. */
static void roster_userdb_lookup(struct auth_request *req, userdb_callback_t *callback)
{
    struct roster_userdb_module *m = (struct roster_userdb_module *)req->userdb->userdb;
    struct rauth_user u;
    char err[1024], rule[64];
    int rc = rauth_lookup(m->rauth, req->fields.user, &u, err, sizeof(err));
    if (rc != RAUTH_FOUND) {
        if (rc == RAUTH_ERROR)
            e_error(authdb_event(req), "roster: %s", err);
        else
            e_info(authdb_event(req), "unknown user");
        callback(rc == RAUTH_ERROR ? USERDB_RESULT_INTERNAL_FAILURE
                                   : USERDB_RESULT_USER_UNKNOWN, req);
        return;
    }
    if (strcmp(u.username, req->fields.user) != 0)
        auth_request_set_userdb_field(req, "user", u.username);
    auth_request_set_userdb_field(req, "uid", dec2str(u.uid));
    auth_request_set_userdb_field(req, "gid", dec2str(u.gid));
    auth_request_set_userdb_field(req, "home", u.home);
    auth_request_set_userdb_field(req, "mail", "maildir:~/Maildir");
    rauth_quota_rule(u.quota_bytes, rule, sizeof(rule));
    auth_request_set_userdb_field(req, "quota_rule", rule);
    callback(USERDB_RESULT_OK, req);
}

/* Iteration: read every username now; iterate_next hands them out one by one. */
static struct userdb_iterate_context *
roster_iterate_init(struct auth_request *req, userdb_iter_callback_t *callback, void *context)
{
    struct roster_userdb_module *m = (struct roster_userdb_module *)req->userdb->userdb;
    struct roster_userdb_iterate_context *it = i_new(struct roster_userdb_iterate_context, 1);
    char err[1024];
    it->ctx.auth_request = req;
    it->ctx.callback = callback;
    it->ctx.context = context;
    if (rauth_names(m->rauth, &it->names, err, sizeof(err)) != RAUTH_FOUND) {
        e_error(authdb_event(req), "roster: %s", err);
        it->ctx.failed = TRUE;
    }
    return &it->ctx;
}

/* Exactly one callback per call: the next name, or NULL at the end. */
static void roster_iterate_next(struct userdb_iterate_context *ctx)
{
    struct roster_userdb_iterate_context *it = (struct roster_userdb_iterate_context *)ctx;
    if (ctx->failed || it->next >= it->names.count) {
        ctx->callback(NULL, ctx->context);      /* may free ctx: touch nothing after */
        return;
    }
    ctx->callback(it->names.names[it->next++], ctx->context);
}

/* End of iteration: free the names; -1 tells the worker the listing failed. */
static int roster_iterate_deinit(struct userdb_iterate_context *ctx)
{
    struct roster_userdb_iterate_context *it = (struct roster_userdb_iterate_context *)ctx;
    int ret = ctx->failed ? -1 : 0;
    rauth_names_free(&it->names);
    i_free(it);
    return ret;
}

static struct passdb_module_interface passdb_roster = {
    .name = "roster",
    .preinit = roster_passdb_preinit,
    .deinit = roster_passdb_deinit,
    .verify_plain = roster_verify_plain,
    .lookup_credentials = roster_lookup_credentials,
};

static struct userdb_module_interface userdb_roster = {
    .name = "roster",
    .preinit = roster_userdb_preinit,
    .deinit = roster_userdb_deinit,
    .lookup = roster_userdb_lookup,
    .iterate_init = roster_iterate_init,
    .iterate_next = roster_iterate_next,
    .iterate_deinit = roster_iterate_deinit,
};

/* Module entry point: register the passdb and userdb driver "roster". */
void authdb_roster_init(struct module *module ATTR_UNUSED)
{
    passdb_register_module(&passdb_roster);
    userdb_register_module(&userdb_roster);
}

/* Module exit point: unregister both. */
void authdb_roster_deinit(void)
{
    passdb_unregister_module(&passdb_roster);
    userdb_unregister_module(&userdb_roster);
}
