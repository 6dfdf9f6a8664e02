/*
 * NAME
 *	recipients 3
 * SUMMARY
 *	recover a catch-all message's envelope recipients (see recipients.h)
 * DESCRIPTION
 *	A small RFC 5322 address-list reader: it splits at commas outside
 *	quotes, comments and angle brackets, and takes from each element
 *	the angle-bracketed address, else the element without comments.
 *	Pure: no I/O, nothing allocated.
 * DIAGNOSTICS
 *	None: what is not an acceptable address is skipped.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "message.h"
#include "recipients.h"
#include "util.h"

#define VALUE_MAX 8192

/* A dot-atom local part in lower case: letters, digits and !#$&'*+/=?^_`{|}~- and dots. */
static int local_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' && s[i + 1] == '.')
            return 0;
        if (!isalnum(c) && strchr(".#$&'*+/=?^_`{|}~-", c) == NULL)
            return 0;
    }
    return 1;
}

/* Keep addr (lower-cased in place) if it is of the school's and not the box's own. */
static void keep(char *addr, const struct recover_rule *rule, struct recipients *out)
{
    size_t n = strlen(addr);
    if (n > 0 && addr[n - 1] == '.')
        addr[--n] = '\0';
    char *at = strrchr(addr, '@');
    if (at == NULL || n > ADDRESS_MAX)
        return;
    surel_lower(addr);
    if (!local_ok(addr, (size_t)(at - addr)))
        return;
    int ours = 0;
    for (int i = 0; rule->domains[i] != NULL; i++)
        ours |= strcmp(at + 1, rule->domains[i]) == 0;
    if (!ours || (rule->own != NULL && strcasecmp(addr, rule->own) == 0))
        return;
    for (int i = 0; i < out->n; i++)
        if (strcmp(out->addr[i], addr) == 0)
            return;
    if (out->n == RECIPIENTS_MAX) {
        out->cut++;
        return;
    }
    surel_strlcpy(out->addr[out->n++], addr, ADDRESS_MAX + 1);
}

/* The address in one list element: inside the last <...>, else the last word outside comments. */
static void element(const char *s, size_t n, const struct recover_rule *rule, struct recipients *out)
{
    char addr[ADDRESS_MAX + 2];
    size_t o = 0;
    int depth = 0, quoted = 0, angle = 0, had_angle = 0, gap = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (quoted) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == '"')
                quoted = 0;
        } else if (depth > 0) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        } else if (c == '"' && !angle) {
            quoted = 1, o = 0;      /* a display name: nothing before it was an address */
        } else if (c == '(') {
            depth = 1;
        } else if (c == '<') {
            angle = 1, had_angle = 1, o = 0;
        } else if (c == '>' && angle) {
            angle = 0;
        } else if (c == ':' && !angle) {
            o = 0;                  /* "Group: a@x" */
        } else if (isspace((unsigned char)c) || c == ';') {
            gap = !angle;           /* a name's words: the address is the last one */
        } else if (!had_angle || angle) {
            if (gap)
                o = 0, gap = 0;
            if (o + 1 >= sizeof(addr))
                return;
            addr[o++] = c;
        }
    }
    addr[o] = '\0';
    if (o > 0)
        keep(addr, rule, out);
}

int recipients_parse(const char *value, const struct recover_rule *rule, struct recipients *out)
{
    size_t start = 0, i = 0;
    int depth = 0, quoted = 0, angle = 0;
    for (;; i++) {
        char c = value[i];
        if (c == '\0' || (c == ',' && !quoted && depth == 0 && !angle)) {
            element(value + start, i - start, rule, out);
            if (c == '\0')
                break;
            start = i + 1;
        } else if (quoted) {
            if (c == '\\' && value[i + 1] != '\0')
                i++;
            else if (c == '"')
                quoted = 0;
        } else if (c == '"') {
            quoted = 1;
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && depth > 0) {
            depth--;
        } else if (c == '<' && depth == 0) {
            angle = 1;
        } else if (c == '>' && depth == 0) {
            angle = 0;
        }
    }
    return out->n;
}

/* The addresses of one header (topmost; above Received: if asked) into out. */
static int from_header(const char *msg, size_t len, const char *name, int before_received,
                       const struct recover_rule *rule, struct recipients *out)
{
    char value[VALUE_MAX];
    if (!message_header(msg, len, name, before_received, value, sizeof(value)))
        return 0;
    if (recipients_parse(value, rule, out) > 0)
        surel_strlcpy(out->source, name, sizeof(out->source));
    return out->n;
}

/* Every To: and Cc: header's addresses into out. */
static int from_to_cc(const char *msg, size_t len, const struct recover_rule *rule,
                      struct recipients *out)
{
    char value[VALUE_MAX];
    const char *names[] = {"To", "Cc"};
    for (int k = 0; k < 2; k++)
        for (size_t at = 0; (at = message_header_next(msg, len, at, names[k], 0, value,
                                                      sizeof(value))) > 0;)
            recipients_parse(value, rule, out);
    if (out->n > 0)
        surel_strlcpy(out->source, "To/Cc", sizeof(out->source));
    return out->n;
}

int recipients_recover(const char *msg, size_t len, const struct recover_rule *rule,
                       struct recipients *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; rule->headers[i] != NULL; i++)
        if (from_header(msg, len, rule->headers[i], 1, rule, out) > 0)
            return out->n;
    if (rule->to_cc)
        from_to_cc(msg, len, rule, out);
    return out->n;
}
