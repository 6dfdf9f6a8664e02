/*
 * NAME
 *	address 3
 * SUMMARY
 *	mail addresses brought to the one form Postfix delivers to
 * DESCRIPTION
 *	See address.h.  A small RFC 5322 tokenizer (atoms, quoted strings,
 *	domain literals, the specials <>@,;: and nothing else; blanks and
 *	comments dropped) feeds two readers: a lenient one for the envelope,
 *	which Postfix has already parsed, and a strict one for header
 *	address lists, which come from the client as written.  Tokens and
 *	their text live in two heap buffers sized from the input, so a
 *	header of any length is read whole.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "i18n.h"
#include "util.h"

enum tok_type { T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

struct tok {
    enum tok_type type;
    char c;                     /* the special character, for T_SPECIAL */
    const char *s;              /* text (quoted string: without quotes, unescaped) */
};

/* The tokens of one input and the pool their text lives in. */
struct toks {
    struct tok *t;
    size_t n;
    char *pool;
    const char *why;            /* why tokenizing failed */
};

/* Characters that may stand in an atom; '.' included, and UTF-8 bytes
 * (a backslash quotes the next character, as Postfix reads it). */
static int is_atext(unsigned char ch)
{
    return ch != '\0' && (isalnum(ch) || ch >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", ch) != NULL);
}

/* A backslash that quotes the character after it (not a line end). */
static int is_quoted_pair(const char *p)
{
    return p[0] == '\\' && p[1] != '\0' && p[1] != '\r' && p[1] != '\n';
}

/* Skip a comment starting at p[0] == '('; NULL if it never closes. */
static const char *skip_comment(const char *p)
{
    int depth = 0;
    for (; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p + 1;
    }
    return NULL;
}

/* Copy a quoted string's content (p at the opening quote) to *dst;
 * return the character after the closing quote, or NULL. */
static const char *read_quoted(const char *p, char **dst)
{
    for (p++; *p != '\0' && *p != '"'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        if (*p != '\r' && *p != '\n')   /* folding inside quotes is not content */
            *(*dst)++ = *p;
    }
    if (*p != '"')
        return NULL;
    *(*dst)++ = '\0';
    return p + 1;
}

/* Copy a domain literal "[...]" (p at '[') to *dst; NULL if unclosed. */
static const char *read_literal(const char *p, char **dst)
{
    const char *end = strchr(p, ']');
    if (end == NULL || memchr(p + 1, '[', (size_t)(end - p - 1)) != NULL)
        return NULL;
    memcpy(*dst, p, (size_t)(end - p + 1));
    *dst += end - p + 1;
    *(*dst)++ = '\0';
    return end + 1;
}

/* Read the next token at p into tk; return the rest, or NULL (ts->why). */
static const char *next_token(const char *p, struct tok *tk, char **dst, struct toks *ts)
{
    unsigned char ch = (unsigned char)*p;
    tk->s = *dst;
    tk->c = 0;
    if (ch == '"') {
        tk->type = T_QSTR;
        if ((p = read_quoted(p, dst)) == NULL)
            ts->why = N_("a quote opens and is never closed");
        return p;
    }
    if (ch == '[') {
        tk->type = T_DLIT;
        if ((p = read_literal(p, dst)) == NULL)
            ts->why = N_("a [ opens and is never closed");
        return p;
    }
    if (ch != '\0' && strchr("<>@,;:", ch) != NULL) {
        tk->type = T_SPECIAL;
        tk->c = (char)ch;
        *(*dst)++ = '\0';
        return p + 1;
    }
    if (!is_atext(ch) && !is_quoted_pair(p)) {
        ts->why = N_("a character that may not stand outside quotes");
        return NULL;
    }
    tk->type = T_ATOM;
    for (;;) {
        if (is_quoted_pair(p))
            p++;                        /* kelas\-7a is kelas-7a */
        else if (!is_atext((unsigned char)*p))
            break;
        *(*dst)++ = *p++;
    }
    *(*dst)++ = '\0';
    return p;
}

/* Split text into tokens; 0, or -1 with ts->why. */
static int tokenize(const char *text, struct toks *ts)
{
    size_t len = strlen(text);
    char *dst;
    memset(ts, 0, sizeof(*ts));
    ts->t = calloc(len + 1, sizeof(*ts->t));
    ts->pool = malloc(2 * len + 2);
    if (ts->t == NULL || ts->pool == NULL) {
        ts->why = N_("out of memory");
        return -1;
    }
    dst = ts->pool;
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        } else if (*p == '(') {
            if ((p = skip_comment(p)) == NULL)
                ts->why = N_("a comment opens and is never closed");
        } else {
            p = next_token(p, &ts->t[ts->n], &dst, ts);
            ts->n++;
        }
    }
    return ts->why == NULL ? 0 : -1;
}

/* Free what tokenize allocated. */
static void toks_free(struct toks *ts)
{
    free(ts->t);
    free(ts->pool);
}

/* Is token i the special character c? */
static int is_special(const struct toks *ts, size_t i, char c)
{
    return i < ts->n && ts->t[i].type == T_SPECIAL && ts->t[i].c == c;
}

/* Append s to out (length len, used *used); -1 if it does not fit. */
static int put(char *out, size_t len, size_t *used, const char *s)
{
    size_t n = strlen(s);
    if (*used + n >= len)
        return -1;
    memcpy(out + *used, s, n + 1);
    *used += n;
    return 0;
}

/* Write "local@domain" from tokens [from, at) and (at, to): the local
 * part as it is unquoted, the domain in lower case without trailing
 * dots; at == to means no domain.  -1 if it does not fit. */
static int render(const struct toks *ts, size_t from, size_t at, size_t to,
                  char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = from; i < at; i++)
        if (put(out, len, &used, ts->t[i].type == T_SPECIAL ? "@" : ts->t[i].s) < 0)
            return -1;
    if (at >= to)
        return 0;
    size_t local_end = used;
    if (put(out, len, &used, "@") < 0)
        return -1;
    for (size_t i = at + 1; i < to; i++)
        if (put(out, len, &used, ts->t[i].s) < 0)
            return -1;
    surel_lower(out + local_end);
    while (used > local_end + 1 && out[used - 1] == '.')
        out[--used] = '\0';
    return 0;
}

/* Skip an obsolete source route "@a,@b:" at *i; -1 if it has no ':'. */
static int skip_route(const struct toks *ts, size_t *i)
{
    if (!is_special(ts, *i, '@'))
        return 0;
    while (*i < ts->n && !is_special(ts, *i, ':')) {
        if (ts->t[*i].type == T_SPECIAL && ts->t[*i].c != '@' && ts->t[*i].c != ',')
            return -1;
        (*i)++;
    }
    if (*i == ts->n)
        return -1;
    (*i)++;
    return 0;
}

/* Envelope: tokens [i, n) hold at most one address; the last '@' splits
 * it, as Postfix splits user@host@domain. */
static int envelope_tokens(const struct toks *ts, char *out, size_t len)
{
    size_t i = 0, at;
    if (skip_route(ts, &i) < 0)
        return -1;
    at = ts->n;
    for (size_t k = i; k < ts->n; k++) {
        if (is_special(ts, k, '@'))
            at = k;
        else if (ts->t[k].type == T_SPECIAL)
            return -1;
    }
    if (at != ts->n && (at == i || at + 1 == ts->n))
        return -1;                      /* "@domain" or "local@" */
    return render(ts, i, at, ts->n, out, len);
}

int address_envelope(const char *arg, char *out, size_t len)
{
    struct toks ts;
    size_t n;
    int rc = -1;
    char *a = strdup(arg != NULL ? arg : "");
    if (a == NULL || len == 0)
        goto done;
    char *p = surel_trim(a);
    n = strlen(p);
    if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
        p[n - 1] = '\0';
        p++;
    }
    if (tokenize(p, &ts) == 0 && ts.n == 0) {
        out[0] = '\0';                 /* <>: the null sender */
        rc = 0;
    } else if (ts.why == NULL) {
        rc = envelope_tokens(&ts, out, len);
    }
    toks_free(&ts);
done:
    free(a);
    return rc;
}

/* Header parsing state: the tokens, where we are, and the result. */
struct hparse {
    struct toks ts;
    size_t i;
    struct address_list *list;
    const char *why;
};

/* Fail with a reason. */
static int hfail(struct hparse *hp, const char *why)
{
    if (hp->why == NULL)
        hp->why = why;
    return -1;
}

/* Add one rendered address to the list. */
static int list_add(struct hparse *hp, const char *addr)
{
    struct address_list *l = hp->list;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **a = realloc(l->addr, cap * sizeof(*a));
        if (a == NULL)
            return hfail(hp, N_("out of memory"));
        l->addr = a;
        l->cap = cap;
    }
    if ((l->addr[l->n] = strdup(addr)) == NULL)
        return hfail(hp, N_("out of memory"));
    l->n++;
    return 0;
}

/* addr-spec: words '@' domain, up to a special that ends it. */
static int addr_spec(struct hparse *hp)
{
    const struct toks *ts = &hp->ts;
    size_t from = hp->i, at;
    while (hp->i < ts->n && (ts->t[hp->i].type == T_ATOM || ts->t[hp->i].type == T_QSTR))
        hp->i++;
    at = hp->i;
    if (at == from || !is_special(ts, at, '@'))
        return hfail(hp, N_("an address without a local part and @domain"));
    hp->i++;
    while (hp->i < ts->n && (ts->t[hp->i].type == T_ATOM || ts->t[hp->i].type == T_DLIT))
        hp->i++;
    if (hp->i == at + 1)
        return hfail(hp, N_("an address without a domain"));
    size_t need = 1;
    for (size_t k = from; k < hp->i; k++)
        need += strlen(ts->t[k].s) + 1;
    char *buf = malloc(need);
    if (buf == NULL)
        return hfail(hp, N_("out of memory"));
    int rc = render(ts, from, at, hp->i, buf, need) < 0 ? hfail(hp, N_("out of memory"))
                                                        : list_add(hp, buf);
    free(buf);
    return rc;
}

/* Is the token at i a word of a display name (atom or quoted string)? */
static int is_word(const struct toks *ts, size_t i)
{
    return i < ts->n && (ts->t[i].type == T_ATOM || ts->t[i].type == T_QSTR);
}

/* angle-addr after the display name: "<" [route] addr-spec ">". */
static int angle_addr(struct hparse *hp)
{
    hp->i++;                            /* '<' */
    if (skip_route(&hp->ts, &hp->i) < 0)
        return hfail(hp, N_("a source route without its colon"));
    if (is_special(&hp->ts, hp->i, '>')) {
        hp->i++;
        return list_add(hp, "");        /* <>: the null address */
    }
    if (addr_spec(hp) < 0)
        return -1;
    if (!is_special(&hp->ts, hp->i, '>'))
        return hfail(hp, N_("an address whose angle bracket is never closed"));
    hp->i++;
    return 0;
}

/* mailbox: [display-name] angle-addr, or addr-spec. */
static int mailbox(struct hparse *hp)
{
    size_t k = hp->i;
    while (is_word(&hp->ts, k))
        k++;
    if (is_special(&hp->ts, k, '<')) {
        hp->i = k;
        return angle_addr(hp);
    }
    return addr_spec(hp);
}

/* Where an element of a list must end: ',' or the end (or ';' in a group). */
static int element_end(struct hparse *hp, int in_group)
{
    if (hp->i == hp->ts.n || is_special(&hp->ts, hp->i, ',')
        || (in_group && is_special(&hp->ts, hp->i, ';')))
        return 0;
    return hfail(hp, N_("text after an address where a comma should be"));
}

/* group: display-name ":" [mailbox-list] ";". */
static int group(struct hparse *hp, size_t colon)
{
    hp->i = colon + 1;
    while (hp->i < hp->ts.n && !is_special(&hp->ts, hp->i, ';')) {
        if (is_special(&hp->ts, hp->i, ',')) {
            hp->i++;
            continue;
        }
        if (mailbox(hp) < 0 || element_end(hp, 1) < 0)
            return -1;
    }
    if (hp->i == hp->ts.n)
        return hfail(hp, N_("a group (name:) without its closing semicolon"));
    hp->i++;
    return 0;
}

/* address: a group when words are followed by ':', else a mailbox. */
static int address(struct hparse *hp)
{
    size_t k = hp->i;
    while (is_word(&hp->ts, k))
        k++;
    if (is_special(&hp->ts, k, ':'))
        return group(hp, k);
    return mailbox(hp);
}

int address_header(const char *value, struct address_list *list, char *why, size_t whylen)
{
    struct hparse hp;
    memset(&hp, 0, sizeof(hp));
    hp.list = list;
    if (tokenize(value != NULL ? value : "", &hp.ts) < 0)
        hp.why = hp.ts.why;
    while (hp.why == NULL && hp.i < hp.ts.n) {
        if (is_special(&hp.ts, hp.i, ',')) {
            hp.i++;
            continue;
        }
        if (address(&hp) < 0 || element_end(&hp, 0) < 0)
            break;
    }
    toks_free(&hp.ts);
    if (hp.why != NULL && why != NULL && whylen > 0)
        surel_strlcpy(why, hp.why, whylen);
    return hp.why == NULL ? 0 : -1;
}

void address_list_free(struct address_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->addr[i]);
    free(list->addr);
    memset(list, 0, sizeof(*list));
}
