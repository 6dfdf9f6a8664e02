/*
 * NAME
 *	policy 3
 * SUMMARY
 *	surel-mxd: Postfix policy requests at ETRN and the decision on them
 * DESCRIPTION
 *	See policy.h.  Pure functions: no I/O, no clock, no globals.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "routes.h"
#include "util.h"

/* Copy value into a field of size len, or mark the request overlong. */
static void set_field(struct mxd_request *req, char *field, size_t len,
                      const char *value, size_t vlen)
{
    if (vlen >= len) {
        req->overlong = 1;
        vlen = len - 1;
    }
    memcpy(field, value, vlen);
    field[vlen] = '\0';
}

/* Store one "name=value" attribute if it is one we need. */
static void set_attr(struct mxd_request *req, const char *name, size_t nlen,
                     const char *value, size_t vlen)
{
    static const struct {
        const char *name;
        size_t off, len;
    } attrs[] = {
        {"request", offsetof(struct mxd_request, request), sizeof(req->request)},
        {"protocol_state", offsetof(struct mxd_request, protocol_state),
         sizeof(req->protocol_state)},
        {"client_address", offsetof(struct mxd_request, client_address),
         sizeof(req->client_address)},
        {"sasl_username", offsetof(struct mxd_request, sasl_username),
         sizeof(req->sasl_username)},
        {"etrn_domain", offsetof(struct mxd_request, etrn_domain), sizeof(req->etrn_domain)},
    };
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        if (strlen(attrs[i].name) == nlen && memcmp(attrs[i].name, name, nlen) == 0) {
            set_field(req, (char *)req + attrs[i].off, attrs[i].len, value, vlen);
            return;
        }
    }
}

/* Refuse the line p..eol if it holds a NUL: C strings would cut it short. */
static int line_has_nul(struct mxd_request *req, const char *p, const char *eq,
                        const char *eol, int lineno)
{
    const char *nul = memchr(p, '\0', (size_t)(eol - p));
    if (nul == NULL)
        return 0;
    if (eq == NULL || nul < eq)
        snprintf(req->error, sizeof(req->error), "line %d: NUL byte in an attribute name",
                 lineno);
    else
        snprintf(req->error, sizeof(req->error), "line %d: NUL byte in the value of '%.*s'",
                 lineno, (int)(eq - p < 40 ? eq - p : 40), p);
    return 1;
}

int mxd_request_parse(const char *block, size_t len, struct mxd_request *req)
{
    const char *p = block, *end = block + len;
    int lineno = 0;
    memset(req, 0, sizeof(*req));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        lineno++;
        if (eol == p)
            break;                          /* the empty line ends the block */
        const char *eq = memchr(p, '=', (size_t)(eol - p));
        if (line_has_nul(req, p, eq, eol, lineno))
            return -1;
        if (eq == NULL || eq == p) {
            snprintf(req->error, sizeof(req->error), "line %d: not a name=value attribute",
                     lineno);
            return -1;
        }
        set_attr(req, p, (size_t)(eq - p), eq + 1, (size_t)(eol - eq - 1));
        p = nl ? nl + 1 : end;
    }
    surel_lower(req->etrn_domain);
    return 0;
}

enum mxd_verdict mxd_decide(const struct mxd_request *req, int locked_out,
                            mxd_owner_fn *owner, void *ctx)
{
    char login[ROUTES_LOGIN_MAX];
    int rc;
    if (strcmp(req->request, "smtpd_access_policy") != 0)
        return MXD_BADREQUEST;
    if (strcmp(req->protocol_state, "ETRN") != 0)
        return MXD_DUNNO;
    if (locked_out)
        return MXD_LOCKEDOUT;
    if (req->sasl_username[0] == '\0')
        return MXD_NOAUTH;
    if (req->overlong || !surel_domain_valid(req->etrn_domain)
        || !routes_address_valid(req->client_address))
        return MXD_BADREQUEST;
    rc = owner(req->etrn_domain, login, sizeof(login), ctx);
    if (rc < 0)
        return MXD_TEMPFAIL;
    if (rc == 0 || strcmp(login, req->sasl_username) != 0)
        return MXD_NOTOWNER;
    if (routes_address_refusal(req->client_address) != NULL)
        return MXD_BADADDRESS;
    return MXD_ACCEPT;
}

size_t mxd_response(enum mxd_verdict v, char *out, size_t len)
{
    static const char *const action[] = {
        [MXD_DUNNO] = "DUNNO",
        [MXD_ACCEPT] = "OK",
        [MXD_NOAUTH] = "REJECT authentication required",
        [MXD_BADREQUEST] = "REJECT malformed ETRN request",
        [MXD_NOTOWNER] = "REJECT not authorized to flush this domain",
        [MXD_LOCKEDOUT] = "450 4.7.1 too many refused ETRN attempts; try again later",
        [MXD_TEMPFAIL] = "451 4.3.0 route table unavailable; try again later",
        [MXD_BADADDRESS] = "REJECT this client address cannot be a mail route",
    };
    int n = snprintf(out, len, "action=%s\n\n", action[v]);
    return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

const char *mxd_verdict_name(enum mxd_verdict v)
{
    static const char *const names[] = {
        [MXD_DUNNO] = "not an ETRN, no opinion", [MXD_ACCEPT] = "accepted",
        [MXD_NOAUTH] = "refused: no AUTH", [MXD_BADREQUEST] = "refused: malformed",
        [MXD_NOTOWNER] = "refused: login does not own the domain",
        [MXD_LOCKEDOUT] = "deferred: locked out after repeated refusals",
        [MXD_TEMPFAIL] = "deferred: route table unavailable",
        [MXD_BADADDRESS] = "refused: client address cannot be a route",
    };
    return names[v];
}

int mxd_verdict_is_failure(enum mxd_verdict v)
{
    return v == MXD_NOAUTH || v == MXD_BADREQUEST || v == MXD_NOTOWNER;
}
