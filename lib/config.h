/*
 * NAME
 *	config 3h
 * SUMMARY
 *	surel.ini: load, validate, read
 * SYNOPSIS
 *	#include "config.h"
 *
 *	struct surel_config *surel_config_load(const char *path, int must_exist,
 *				char *err, size_t errlen);
 *	void	surel_config_free(struct surel_config *cfg);
 *	const char *surel_config_str(const struct surel_config *cfg,
 *				const char *section, const char *key);
 *	long long surel_config_int(const struct surel_config *cfg,
 *				const char *section, const char *key);
 *	int	surel_config_bool(const struct surel_config *cfg,
 *				const char *section, const char *key);
 *	int	surel_config_has(const struct surel_config *cfg,
 *				const char *section, const char *key);
 *	int	surel_roster_paths(const struct surel_config *cfg,
 *				const char *db_override, char *db, size_t dblen,
 *				char *cred, size_t credlen);
 * DESCRIPTION
 *	The one configuration file, /etc/surel/surel.ini, is read with
 *	iniparser.  Every key of every section is checked against the table
 *	of known keys (config_keys.c): an unknown section or key, or a value
 *	of the wrong form, makes surel_config_load() fail with a message that
 *	names the file, the line, the section and the key.
 *
 *	Sizes ("512K", "10M") and durations ("30s", "5m", "2h") are returned
 *	by surel_config_int() in bytes and seconds.  Keys not in the file read
 *	as their documented default; a key with no default reads as NULL
 *	(strings) or -1 (numbers).
 *
 *	A value with ';' or '#' must be quoted ("a;b", or 'a"b' when it
 *	holds a double quote: iniparser knows no escapes), since iniparser
 *	ends an unquoted value there and reads the rest as a comment.  The
 *	loader re-reads the raw lines and refuses, naming file, line and key,
 *	an unquoted value with ';' or '#', text after a closing quote, a
 *	missing closing quote and a line ending in '\' (iniparser joins it
 *	with the next).  Comments go on their own line or after a quoted
 *	value.
 *
 *	Section and key names whose table entry ends in "*" match any name
 *	with that prefix: "[fetch.*]" covers "[fetch.isp]".
 *
 *	surel_roster_paths() is where every program (surel-roster, the
 *	Dovecot module, surel-setup through "surel-roster paths") learns the
 *	roster's two files: the credentials file defaults to credentials.db
 *	beside the roster db, so that setting only [roster] db moves both.
 *
 *	With must_exist zero a missing file is no error: every key reads as
 *	its default.  That is how the tools run before surel is set up.
 * DIAGNOSTICS
 *	NULL with err filled in; nothing is allocated then.
 */
#ifndef SUREL_CONFIG_H
#define SUREL_CONFIG_H

#include <stddef.h>

#define SUREL_DEFAULT_CONFIG "/etc/surel/surel.ini"

struct surel_config;

/* Value forms that the loader checks. */
enum surel_cfg_type {
    CFG_STRING,     /* any text */
    CFG_INT,        /* decimal integer within [min, max] */
    CFG_BOOL,       /* yes/no/true/false/on/off/1/0 */
    CFG_ENUM,       /* one of the words in choices, separated by | */
    CFG_PATH,       /* absolute path */
    CFG_DOMAIN,     /* DNS domain name, lower-cased */
    CFG_SIZE,       /* bytes, with optional K, M, G suffix */
    CFG_DURATION,   /* seconds, with optional s, m, h, d suffix */
    CFG_LIST,       /* words separated by commas and/or blanks */
    CFG_CHECKED     /* string checked by the entry's check function */
};

/* One known key: where it lives, its form, its default, what it means. */
struct surel_cfg_key {
    const char *section;    /* "school", or a prefix pattern "fetch.*" */
    const char *key;        /* "domain", or a prefix pattern "class.*" */
    enum surel_cfg_type type;
    const char *def;        /* default as written in the file, or NULL */
    long long min, max;     /* CFG_INT, CFG_SIZE, CFG_DURATION bounds */
    const char *choices;    /* CFG_ENUM: "a|b|c" */
    int (*check)(const char *value, char *why, size_t whylen); /* CFG_CHECKED */
    const char *help;       /* one line for the configuration reference */
};

/* The table of every known key, terminated by an entry with section NULL. */
extern const struct surel_cfg_key *const surel_cfg_tables[];

struct surel_config *surel_config_load(const char *path, int must_exist,
                                       char *err, size_t errlen);
void surel_config_free(struct surel_config *cfg);
const char *surel_config_path(const struct surel_config *cfg);
const char *surel_config_str(const struct surel_config *cfg,
                             const char *section, const char *key);
long long surel_config_int(const struct surel_config *cfg,
                           const char *section, const char *key);
int surel_config_bool(const struct surel_config *cfg,
                      const char *section, const char *key);
int surel_config_has(const struct surel_config *cfg,
                     const char *section, const char *key);
/* The roster's two files, the one rule every program follows: the db is
 * db_override (surel-roster --db) or [roster] db; the credentials file is
 * [roster] credentials, or when that is not set credentials.db in the db's
 * directory.  0, or -1 when a path does not fit. */
int surel_roster_paths(const struct surel_config *cfg, const char *db_override,
                       char *db, size_t dblen, char *cred, size_t credlen);
/* Names of the sections present in the file that match a pattern ("fetch.*"). */
int surel_config_sections(const struct surel_config *cfg, const char *pattern,
                          const char **names, int max);
/* Parse a size ("512K") or duration ("5m") the way the loader does; -1 if bad. */
long long surel_parse_size(const char *s);
long long surel_parse_duration(const char *s);
/* Where a key was written in the file, for messages: 0 if not found. */
int surel_config_line(const struct surel_config *cfg, const char *section,
                      const char *key);

#endif
