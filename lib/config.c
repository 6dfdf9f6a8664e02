/*
 * NAME
 *	config 3
 * SUMMARY
 *	surel.ini: load, validate, read
 * DESCRIPTION
 *	See config.h.  iniparser does the parsing; this file checks every
 *	section and key against surel_cfg_tables and answers lookups with
 *	the file's value or the table's default.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <iniparser.h>

#include "config.h"
#include "i18n.h"
#include "util.h"

struct surel_config {
    dictionary *dict;
    char *path;
};

/* iniparser reports syntax errors through a callback; keep the first. */
static char parse_error[512];

static int capture_parse_error(const char *fmt, ...)
{
    va_list ap;
    if (parse_error[0] != '\0')
        return 0;
    va_start(ap, fmt);
    vsnprintf(parse_error, sizeof(parse_error), fmt, ap);
    va_end(ap);
    for (char *p = parse_error; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return 0;
}

/* True if name matches pattern, where a trailing '*' matches any tail. */
static int pattern_match(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*')
        return strncasecmp(pattern, name, n - 1) == 0 && name[n - 1] != '\0';
    return strcasecmp(pattern, name) == 0;
}

/* The table entry for section/key, or NULL. */
static const struct surel_cfg_key *find_key(const char *section, const char *key)
{
    for (int t = 0; surel_cfg_tables[t] != NULL; t++)
        for (const struct surel_cfg_key *k = surel_cfg_tables[t]; k->section; k++)
            if (pattern_match(k->section, section) && pattern_match(k->key, key))
                return k;
    return NULL;
}

/* True if some table entry covers this section name. */
static int section_known(const char *section)
{
    for (int t = 0; surel_cfg_tables[t] != NULL; t++)
        for (const struct surel_cfg_key *k = surel_cfg_tables[t]; k->section; k++)
            if (pattern_match(k->section, section))
                return 1;
    return 0;
}

/* Number with an optional unit suffix; -1 if malformed. */
static long long parse_scaled(const char *s, const char *units, const long long *factors)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s))
        return -1;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || v < 0)
        return -1;
    if (*end == '\0')
        return v;
    const char *u = strchr(units, tolower((unsigned char)*end));
    if (u == NULL || end[1] != '\0')
        return -1;
    long long f = factors[u - units];
    if (v > INT64_MAX / f)
        return -1;
    return v * f;
}

long long surel_parse_size(const char *s)
{
    static const long long f[] = {1024LL, 1024LL * 1024, 1024LL * 1024 * 1024};
    return parse_scaled(s, "kmg", f);
}

long long surel_parse_duration(const char *s)
{
    static const long long f[] = {1, 60, 3600, 86400};
    return parse_scaled(s, "smhd", f);
}

static int parse_bool(const char *s)
{
    static const char *yes[] = {"yes", "true", "on", "1"};
    static const char *no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* True if word is one of the '|'-separated choices. */
static int enum_has(const char *choices, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = choices; p != NULL; p = strchr(p, '|')) {
        if (*p == '|')
            p++;
        if (strncasecmp(p, word, n) == 0 && (p[n] == '|' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* Check one value against its entry; 0 if fine, else why is filled in. */
static int check_value(const struct surel_cfg_key *k, const char *v, char *why, size_t n)
{
    long long x;
    switch (k->type) {
    case CFG_STRING:
    case CFG_LIST:
        return 0;
    case CFG_INT: {
        char *end;
        errno = 0;
        x = strtoll(v, &end, 10);
        if (*v == '\0' || *end != '\0' || errno != 0) {
            snprintf(why, n, _("'%s' is not a whole number"), v);
            return -1;
        }
        break;
    }
    case CFG_BOOL:
        if (parse_bool(v) < 0) {
            snprintf(why, n, _("'%s' is not yes or no"), v);
            return -1;
        }
        return 0;
    case CFG_ENUM:
        if (!enum_has(k->choices, v)) {
            snprintf(why, n, _("'%s' is not one of %s"), v, k->choices);
            return -1;
        }
        return 0;
    case CFG_PATH:
        if (v[0] != '/') {
            snprintf(why, n, _("'%s' is not an absolute path"), v);
            return -1;
        }
        return 0;
    case CFG_DOMAIN: {
        char lower[256];
        surel_strlcpy(lower, v, sizeof(lower));
        surel_lower(lower);
        if (!surel_domain_valid(lower))
            snprintf(why, n, _("'%s' is not a domain name"), v);
        else if (strcmp(lower, v) != 0)
            snprintf(why, n, _("write '%s' in lower case"), v);
        return strcmp(lower, v) == 0 && surel_domain_valid(v) ? 0 : -1;
    }
    case CFG_SIZE:
        if ((x = surel_parse_size(v)) < 0) {
            snprintf(why, n, _("'%s' is not a size (e.g. 512K, 10M)"), v);
            return -1;
        }
        break;
    case CFG_DURATION:
        if ((x = surel_parse_duration(v)) < 0) {
            snprintf(why, n, _("'%s' is not a duration (e.g. 30s, 5m, 2h)"), v);
            return -1;
        }
        break;
    case CFG_CHECKED:
        return k->check != NULL ? k->check(v, why, n) : 0;
    default:
        return 0;
    }
    if ((k->min != 0 || k->max != 0) && (x < k->min || x > k->max)) {
        snprintf(why, n, _("'%s' is outside %lld..%lld"), v, k->min, k->max);
        return -1;
    }
    return 0;
}

int surel_config_line(const struct surel_config *cfg, const char *section, const char *key)
{
    FILE *fp = cfg->path ? fopen(cfg->path, "r") : NULL;
    char buf[1024];
    int line = 0, in_section = 0, found = 0;
    if (fp == NULL)
        return 0;
    while (!found && fgets(buf, sizeof(buf), fp) != NULL) {
        char *p = buf;
        line++;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '[') {
            char *end = strchr(p, ']');
            if (end != NULL) {
                *end = '\0';
                in_section = strcasecmp(surel_trim(p + 1), section) == 0;
                if (in_section && key == NULL)
                    found = line;
            }
        } else if (in_section && key != NULL) {
            size_t n = strlen(key);
            if (strncasecmp(p, key, n) == 0 && (isspace((unsigned char)p[n]) || p[n] == '=' || p[n] == ':'))
                found = line;
        }
    }
    fclose(fp);
    return found;
}

/* Fill err with "FILE:LINE: [section] key: why". */
static void key_error(const struct surel_config *cfg, const char *section, const char *key,
                      const char *why, char *err, size_t errlen)
{
    int line = surel_config_line(cfg, section, key);
    if (key != NULL)
        snprintf(err, errlen, "%s:%d: [%s] %s: %s", cfg->path, line, section, key, why);
    else
        snprintf(err, errlen, "%s:%d: [%s]: %s", cfg->path, line, section, why);
}

/*
 * Values that iniparser would not read as written.  iniparser 4.1 ends an
 * unquoted value at its first ';' or '#' and drops the rest as a comment,
 * without a word: "schedule = Mon-Sat 08:00 13:00; Sun 10:00" reads as
 * "Mon-Sat 08:00 13:00".  Whether a writer meant a comment or a value
 * ("grace = 5s ; five seconds") cannot be told from the text, so the only
 * sound rule is that the file must say it: a value with ';' or '#' is
 * quoted, a comment after an unquoted value goes on its own line.
 * Forbidding the characters in each key's syntax instead would not do:
 * any string key (a socket path, a name, the schedule) may need them.
 * Only the raw line shows the cut, so the file is read once more, split
 * the way iniparser splits it.  Quotes have no escapes in iniparser: a
 * quoted value ends at the next quote of its kind ("a"b" reads as a), so
 * text after the closing quote other than a comment is refused as well;
 * a value with '"' goes in single quotes.  A line ending in '\' is joined
 * with the next one by iniparser (a comment would swallow a key): refused.
 */

/* Why a raw value (after "=" and blanks) does not read as written, or NULL. */
static const char *raw_value_problem(const char *v)
{
    if (*v == '"' || *v == '\'') {
        const char *close = strchr(v + 1, *v);
        if (close == NULL)
            return *v == '"' ? "no closing '\"'" : "no closing \"'\"";
        close += 1 + strspn(close + 1, " \t");
        if (*close != '\0' && *close != ';' && *close != '#')
            return "text after the closing quote (there are no escapes: put a value "
                   "with '\"' in single quotes, one with \"'\" in double quotes)";
        return NULL;
    }
    if (strpbrk(v, ";#") != NULL)
        return "a value without quotes ends at ';' or '#' (the rest is read as a comment): "
               "put the value in quotes, or the comment on a line of its own";
    return NULL;
}

/* Fill err for a raw line: "FILE:LINE: [section] key: why; it reads as '...'". */
static void raw_error(const struct surel_config *cfg, int line, const char *section,
                      const char *key, const char *why, char *err, size_t errlen)
{
    char name[512];
    const char *read;
    if (key == NULL) {
        snprintf(err, errlen, "%s:%d: %s", cfg->path, line, why);
        return;
    }
    snprintf(name, sizeof(name), "%s:%s", section, key);
    read = iniparser_getstring(cfg->dict, name, NULL);
    if (read != NULL)
        snprintf(err, errlen, _("%s:%d: [%s] %s: %s; it reads as '%s'"), cfg->path, line, section,
                 key, why, read);
    else
        snprintf(err, errlen, "%s:%d: [%s] %s: %s", cfg->path, line, section, key, why);
}

/* Check one stripped raw line; 0 if iniparser reads it as written. */
static int raw_check_line(const struct surel_config *cfg, int line, char *p, char *section,
                          size_t seclen, char *err, size_t errlen)
{
    size_t n = strlen(p);
    int comment = n == 0 || *p == ';' || *p == '#';
    char *eq = comment ? NULL : strchr(p, '='), *key = NULL;
    const char *why;
    if (n > 0 && p[0] == '[' && p[n - 1] == ']') {
        p[n - 1] = '\0';
        surel_strlcpy(section, surel_trim(p + 1), seclen);
        surel_lower(section);
        return 0;
    }
    if (eq == NULL && (n == 0 || p[n - 1] != '\\'))
        return 0;               /* blank, comment, or iniparser's own syntax error */
    if (eq != NULL) {
        *eq = '\0';
        key = surel_trim(p);
        surel_lower(key);
    }
    if (n > 0 && p[n - 1] == '\\')
        why = key != NULL ? "a line ending in '\\' is joined with the next one: put a value "
                            "that ends in '\\' in quotes"
                          : "a line ending in '\\' is joined with the next one (a comment "
                            "would hide it): end the line otherwise";
    else if ((why = raw_value_problem(eq + 1 + strspn(eq + 1, " \t"))) == NULL)
        return 0;
    raw_error(cfg, line, section, key, why, err, errlen);
    return -1;
}

/* Re-read the file's raw lines: every value must read as written. */
static int raw_check(const struct surel_config *cfg, char *err, size_t errlen)
{
    FILE *fp = fopen(cfg->path, "r");
    char *buf = NULL, section[256] = "";
    size_t cap = 0;
    int line = 0, rc = 0;
    if (fp == NULL)
        return 0;               /* no file: every key reads as its default */
    while (rc == 0 && getline(&buf, &cap, fp) >= 0)
        rc = raw_check_line(cfg, ++line, surel_trim(buf), section, sizeof(section), err, errlen);
    free(buf);
    fclose(fp);
    return rc;
}

/* Check every section and key of the loaded file. */
static int validate(const struct surel_config *cfg, char *err, size_t errlen)
{
    int nsec = iniparser_getnsec(cfg->dict);
    for (int s = 0; s < nsec; s++) {
        const char *sec = iniparser_getsecname(cfg->dict, s);
        int nkeys = iniparser_getsecnkeys(cfg->dict, sec);
        if (!section_known(sec)) {
            key_error(cfg, sec, NULL, _("unknown section"), err, errlen);
            return -1;
        }
        if (nkeys <= 0)
            continue;
        const char **keys = calloc((size_t)nkeys, sizeof(*keys));
        if (keys == NULL || iniparser_getseckeys(cfg->dict, sec, keys) == NULL) {
            free(keys);
            snprintf(err, errlen, _("%s: out of memory"), cfg->path);
            return -1;
        }
        int rc = 0;
        for (int i = 0; i < nkeys && rc == 0; i++) {
            const char *key = keys[i] + strlen(sec) + 1;
            const struct surel_cfg_key *k = find_key(sec, key);
            char why[256];
            if (k == NULL) {
                key_error(cfg, sec, key, _("unknown key"), err, errlen);
                rc = -1;
            } else if (check_value(k, iniparser_getstring(cfg->dict, keys[i], ""), why, sizeof(why)) < 0) {
                key_error(cfg, sec, key, why, err, errlen);
                rc = -1;
            }
        }
        free(keys);
        if (rc < 0)
            return -1;
    }
    return 0;
}

struct surel_config *surel_config_load(const char *path, int must_exist, char *err, size_t errlen)
{
    struct surel_config *cfg = calloc(1, sizeof(*cfg));
    if (cfg == NULL || (cfg->path = strdup(path)) == NULL) {
        free(cfg);
        snprintf(err, errlen, _("%s: out of memory"), path);
        return NULL;
    }
    if (access(path, F_OK) != 0 && !must_exist) {
        cfg->dict = dictionary_new(0);
    } else {
        parse_error[0] = '\0';
        iniparser_set_error_callback(capture_parse_error);
        if (access(path, R_OK) != 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            surel_config_free(cfg);
            return NULL;
        }
        cfg->dict = iniparser_load(path);
        iniparser_set_error_callback(NULL);
        if (cfg->dict == NULL || parse_error[0] != '\0') {
            snprintf(err, errlen, "%s: %s", path, parse_error[0] ? parse_error : _("cannot be parsed"));
            surel_config_free(cfg);
            return NULL;
        }
    }
    if (cfg->dict == NULL || raw_check(cfg, err, errlen) < 0 || validate(cfg, err, errlen) < 0) {
        if (cfg->dict == NULL)
            snprintf(err, errlen, _("%s: out of memory"), path);
        surel_config_free(cfg);
        return NULL;
    }
    return cfg;
}

void surel_config_free(struct surel_config *cfg)
{
    if (cfg == NULL)
        return;
    if (cfg->dict != NULL)
        iniparser_freedict(cfg->dict);
    free(cfg->path);
    free(cfg);
}

const char *surel_config_path(const struct surel_config *cfg)
{
    return cfg->path;
}

int surel_config_has(const struct surel_config *cfg, const char *section, const char *key)
{
    char name[256];
    snprintf(name, sizeof(name), "%s:%s", section, key);
    return iniparser_find_entry(cfg->dict, name);
}

int surel_roster_paths(const struct surel_config *cfg, const char *db_override,
                       char *db, size_t dblen, char *cred, size_t credlen)
{
    const char *d = db_override != NULL ? db_override : surel_config_str(cfg, "roster", "db");
    const char *c = surel_config_str(cfg, "roster", "credentials");
    if (surel_strlcpy(db, d, dblen) >= dblen)
        return -1;
    if (c != NULL)
        return surel_strlcpy(cred, c, credlen) >= credlen ? -1 : 0;
    const char *slash = strrchr(d, '/');
    int dirlen = slash == NULL ? 1 : slash == d ? 0 : (int)(slash - d);
    int n = snprintf(cred, credlen, "%.*s/credentials.db", dirlen, slash == NULL ? "." : d);
    return n < 0 || (size_t)n >= credlen ? -1 : 0;
}

const char *surel_config_str(const struct surel_config *cfg, const char *section, const char *key)
{
    char name[256];
    const struct surel_cfg_key *k = find_key(section, key);
    snprintf(name, sizeof(name), "%s:%s", section, key);
    const char *v = iniparser_getstring(cfg->dict, name, NULL);
    if (v != NULL)
        return v;
    return k != NULL ? k->def : NULL;
}

long long surel_config_int(const struct surel_config *cfg, const char *section, const char *key)
{
    const struct surel_cfg_key *k = find_key(section, key);
    const char *v = surel_config_str(cfg, section, key);
    if (v == NULL || k == NULL)
        return -1;
    switch (k->type) {
    case CFG_SIZE:
        return surel_parse_size(v);
    case CFG_DURATION:
        return surel_parse_duration(v);
    case CFG_BOOL:
        return parse_bool(v);
    default:
        return strtoll(v, NULL, 10);
    }
}

int surel_config_bool(const struct surel_config *cfg, const char *section, const char *key)
{
    const char *v = surel_config_str(cfg, section, key);
    return v != NULL && parse_bool(v) == 1;
}

int surel_config_sections(const struct surel_config *cfg, const char *pattern,
                          const char **names, int max)
{
    int n = 0, nsec = iniparser_getnsec(cfg->dict);
    for (int s = 0; s < nsec && n < max; s++) {
        const char *sec = iniparser_getsecname(cfg->dict, s);
        if (pattern_match(pattern, sec))
            names[n++] = sec;
    }
    return n;
}
