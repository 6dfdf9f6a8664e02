/*
 * NAME
 *	names 3
 * SUMMARY
 *	usernames, logins, class names and person names
 * DESCRIPTION
 *	See names.h.  Transliteration covers Latin-1 and Latin Extended-A,
 *	which is where the accents of Indonesian, Dutch and European names
 *	live; letters of other scripts are dropped, so a name written only
 *	in them gets the username "user" plus a suffix.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "names.h"
#include "util.h"

/* ASCII for U+00C0 .. U+017F, lower case. */
static const char *const latin[192] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
    "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
    "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
    "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
    "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
    "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s"
};

/* Names no person may have: mail roles, system names, automatic lists. */
static const char *const reserved[] = {
    "postmaster", "root", "abuse", "hostmaster", "webmaster", "mailer-daemon",
    "nobody", "admin", "administrator", "security", "noreply", "no-reply",
    "info", "daemon", "mail", "www", "ftp", "uucp", "operator", "list",
    "siswa", "guru", "staf", "staff", "semua", "all", "everyone", "surel",
    NULL
};

/* Decode one UTF-8 sequence at s; returns its length, 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return *cp >= 0x80 ? 2 : 0;
    }
    if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return *cp >= 0x800 && (*cp < 0xD800 || *cp > 0xDFFF) ? 3 : 0;
    }
    if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80
        && (s[3] & 0xC0) == 0x80) {
        *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6)
              | (s[3] & 0x3Fu);
        return *cp >= 0x10000 && *cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

int surel_utf8_valid(const char *s)
{
    unsigned cp;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_decode(p, &cp);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

/* Append text to out at *o, keeping room for the terminator. */
static void put(char *out, size_t len, size_t *o, const char *text)
{
    for (; *text && *o + 1 < len; text++)
        out[(*o)++] = *text;
}

void surel_translit(const char *utf8, char *out, size_t len)
{
    const unsigned char *p = (const unsigned char *)utf8;
    size_t o = 0;
    int pending_space = 0;
    unsigned cp;
    if (len == 0)
        return;
    while (*p) {
        size_t n = utf8_decode(p, &cp);
        const char *ascii = NULL;
        char one[2] = {0, 0};
        if (n == 0) {
            n = 1;
            cp = 0xFFFD;
        }
        p += n;
        if (cp < 0x80 && isalnum((int)cp)) {
            one[0] = (char)tolower((int)cp);
            ascii = one;
        } else if (cp >= 0xC0 && cp < 0x180) {
            ascii = latin[cp - 0xC0];
        } else if (cp == '\'' || cp == 0x2019 || cp == 0x60) {
            continue;                   /* apostrophes join: Ma'ruf -> maruf */
        }
        if (ascii == NULL || *ascii == '\0') {
            if (cp < 0x180 || cp >= 0x2000)     /* punctuation, blanks */
                pending_space = (o > 0);
            continue;
        }
        if (pending_space)
            put(out, len, &o, " ");
        pending_space = 0;
        put(out, len, &o, ascii);
    }
    out[o] = '\0';
}

/* Honorifics and degrees written before a name: not part of a username. */
static const char *const titles[] = {
    "dr", "drs", "dra", "ir", "prof", "h", "hj", "kh", "ust", "ustadz", "ustadzah", "st", NULL
};

/* Words of a name for its username: degrees after a comma and leading titles go. */
static char *name_words(const char *full_name, char *words, size_t len)
{
    char head[512];
    surel_strlcpy(head, full_name, sizeof(head));
    head[strcspn(head, ",")] = '\0';          /* "Sri Wahyuni, S.Pd." */
    surel_translit(head, words, len);
    char *w = words;
    for (;;) {
        char *space = strchr(w, ' ');
        int title = 0;
        if (space == NULL)
            break;
        for (int i = 0; titles[i] != NULL && !title; i++)
            title = (size_t)(space - w) == strlen(titles[i]) && strncmp(w, titles[i], strlen(titles[i])) == 0;
        if (!title)
            break;
        w = space + 1;
    }
    return w;
}

void surel_username_base(const char *full_name, char *out, size_t len)
{
    char buf[512], *first, *last;
    size_t max = len - 1 < SUREL_USERNAME_BASE_MAX ? len - 1 : SUREL_USERNAME_BASE_MAX;
    first = name_words(full_name, buf, sizeof(buf));
    if (first[0] == '\0')
        first = name_words(strchr(full_name, ',') ? strchr(full_name, ',') + 1 : "", buf, sizeof(buf));
    if (first[0] == '\0') {
        surel_strlcpy(out, "user", len);
        return;
    }
    last = strrchr(first, ' ');
    if (last == NULL) {
        surel_strlcpy(out, first, max + 1);
        return;
    }
    *strchr(first, ' ') = '\0';
    last++;
    size_t fl = strlen(first), ll = strlen(last);
    if (fl + 1 + ll > max) {            /* shorten the longer part first */
        size_t room = max - 1;
        if (ll > room / 2 && fl > room / 2) {
            fl = room / 2;
            ll = room - fl;
        } else if (fl > ll) {
            fl = room - ll;
        } else {
            ll = room - fl;
        }
    }
    snprintf(out, len, "%.*s.%.*s", (int)fl, first, (int)ll, last);
}

int surel_username_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= 64 || name[0] == '.' || name[0] == '-' || name[n - 1] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p)
              || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return strstr(name, "..") == NULL;
}

int surel_username_reserved(const char *name)
{
    for (int i = 0; reserved[i] != NULL; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return strncmp(name, "kelas-", 6) == 0 || strncmp(name, "owner-", 6) == 0
           || strstr(name, "-request") != NULL;
}

int surel_login_normalize(const char *login, const char *domain, char *out, size_t len)
{
    char buf[320];
    if (surel_strlcpy(buf, login, sizeof(buf)) >= sizeof(buf))
        return -1;
    surel_lower(buf);
    char *at = strchr(buf, '@');
    if (at != NULL) {
        *at = '\0';
        if (domain == NULL || strcasecmp(at + 1, domain) != 0)
            return -1;
    }
    if (!surel_username_valid(buf) || surel_strlcpy(out, buf, len) >= len)
        return -1;
    return 0;
}

int surel_class_normalize(const char *in, char *out, size_t len)
{
    size_t o = 0;
    int dash = 0;
    for (const char *p = in; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c)) {
            if (dash && o > 0) {
                if (o + 1 >= len)
                    return -1;
                out[o++] = '-';
            }
            dash = 0;
            if (o + 1 >= len)
                return -1;
            out[o++] = (char)toupper(c);
        } else if (isspace(c) || c == '-' || c == '_' || c == '/' || c == '.') {
            dash = 1;
        } else {
            return -1;
        }
    }
    out[o] = '\0';
    return o > 0 && o <= 16 ? 0 : -1;
}

size_t surel_name_normalize(const char *in, char *out, size_t len)
{
    size_t o = 0, need = 0;
    int space = 0, cut = (len == 0);
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if (isspace(*p)) {
            space = (need > 0);
            continue;
        }
        if (space) {
            need++;
            if (!cut && o + 1 < len)
                out[o++] = ' ';
            else
                cut = 1;
        }
        space = 0;
        /* a whole character or nothing: its lead byte says how long it is */
        size_t n = *p < 0xC0 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        for (size_t k = 1; k < n && p[k] != '\0'; k++)
            if ((p[k] & 0xC0) != 0x80)
                n = k;
        for (size_t k = 1; k < n && p[k] == '\0'; k++)
            n = k;
        need += n;
        if (!cut && o + n < len) {
            memcpy(out + o, p, n);
            o += n;
        } else {
            cut = 1;
        }
        p += n - 1;
    }
    if (len > 0) {
        if (o > 0 && out[o - 1] == ' ')
            o--;                                /* cut just after a blank */
        out[o] = '\0';
    }
    return need;
}

/* Bidirectional controls: they can make a name display as another name. */
static int is_bidi_control(unsigned cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)
           || cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

int surel_name_check(const char *name, char *why, size_t whylen)
{
    const unsigned char *p = (const unsigned char *)name;
    unsigned cp;
    while (*p) {
        size_t n = utf8_decode(p, &cp);
        if (n == 0) {
            snprintf(why, whylen, _("the name is not UTF-8 text"));
            return -1;
        }
        p += n;
        if (cp < 0x80 && isspace((int)cp))
            continue;                           /* blanks and line breaks: a space */
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            snprintf(why, whylen, _("the name holds an invisible control character (U+%04X);"
                     " retype it"), cp);
            return -1;
        }
        if (is_bidi_control(cp)) {
            snprintf(why, whylen, _("the name holds a text-direction control (U+%04X), which can"
                     " make it display as another name; retype it"), cp);
            return -1;
        }
    }
    return 0;
}

void surel_name_key(const char *in, char *out, size_t len)
{
    surel_translit(in, out, len);
    if (out[0] == '\0') {           /* no Latin letters: compare as written */
        surel_name_normalize(in, out, len);
        surel_lower(out);
    }
}
