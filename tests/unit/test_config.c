/*
 * test_config: surel.ini is checked key by key, and errors name the place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

/* Write text to a fresh file and load it. */
static struct surel_config *load(const char *text, char *err, size_t len)
{
    strcpy(path, "/tmp/surel-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct surel_config *cfg = surel_config_load(path, 1, err, len);
    unlink(path);
    return cfg;
}

static void test_values_and_defaults(void **state)
{
    char err[512] = "";
    (void)state;
    struct surel_config *cfg = load("[school]\ndomain = smpn1.sch.id\n[roster]\n"
                                    "busy_timeout = 2m\n", err, sizeof(err));
    assert_non_null(cfg);
    assert_string_equal(surel_config_str(cfg, "school", "domain"), "smpn1.sch.id");
    assert_int_equal(surel_config_int(cfg, "roster", "busy_timeout"), 120);
    assert_string_equal(surel_config_str(cfg, "roster", "password_scheme"), "yescrypt");
    assert_string_equal(surel_config_str(cfg, "mail", "root"), "/var/mail/surel");
    assert_false(surel_config_has(cfg, "mail", "root"));
    surel_config_free(cfg);
}

/* An unknown key is refused with file, line, section and key. */
static void test_unknown_key(void **state)
{
    char err[512] = "", want[128];
    (void)state;
    assert_null(load("[school]\ndomain = a.sch.id\n\n[mail]\nroot = /m\nrooot = /x\n", err,
                     sizeof(err)));
    snprintf(want, sizeof(want), "%s:6: [mail] rooot: unknown key", path);
    assert_string_equal(err, want);
}

static void test_unknown_section(void **state)
{
    char err[512] = "";
    (void)state;
    assert_null(load("[scool]\ndomain = a.sch.id\n", err, sizeof(err)));
    assert_non_null(strstr(err, ":1: [scool]: unknown section"));
}

/* Values of the wrong form say what is wrong. */
static void test_bad_values(void **state)
{
    char err[512] = "";
    (void)state;
    assert_null(load("[school]\ndomain = Not A Domain\n", err, sizeof(err)));
    assert_non_null(strstr(err, ":2: [school] domain: 'Not A Domain' is not a domain name"));
    assert_null(load("[school]\ndomain = SMPN1.sch.id\n", err, sizeof(err)));
    assert_non_null(strstr(err, "write 'SMPN1.sch.id' in lower case"));
    assert_null(load("[mail]\nroot = relative/path\n", err, sizeof(err)));
    assert_non_null(strstr(err, "[mail] root: 'relative/path' is not an absolute path"));
    assert_null(load("[roster]\npassword_scheme = md5\n", err, sizeof(err)));
    assert_non_null(strstr(err, "[roster] password_scheme: 'md5' is not one of yescrypt|sha512crypt|bcrypt"));
    assert_null(load("[roster]\nbusy_timeout = soon\n", err, sizeof(err)));
    assert_non_null(strstr(err, "is not a duration"));
}

static void test_missing_file(void **state)
{
    char err[512] = "";
    (void)state;
    assert_null(surel_config_load("/nonexistent/surel.ini", 1, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/surel.ini: No such file"));
    struct surel_config *cfg = surel_config_load("/nonexistent/surel.ini", 0, err, sizeof(err));
    assert_non_null(cfg);
    assert_string_equal(surel_config_str(cfg, "roster", "db"), "/var/lib/surel/roster.db");
    surel_config_free(cfg);
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(surel_parse_size("512K"), 512 * 1024);
    assert_int_equal(surel_parse_size("10M"), 10 * 1024 * 1024);
    assert_int_equal(surel_parse_size("12"), 12);
    assert_int_equal(surel_parse_size("1X"), -1);
    assert_int_equal(surel_parse_duration("90s"), 90);
    assert_int_equal(surel_parse_duration("2h"), 7200);
    assert_int_equal(surel_parse_duration("-1"), -1);
}

/* One raw surel.ini text and what must come of it. */
struct raw_case {
    const char *text;       /* the file */
    const char *section, *key;
    const char *value;      /* the value read, or NULL when the file is refused */
    const char *error;      /* the start of the message after the path, when refused */
};

/* Quoting, comments and iniparser's cut at ';' and '#'. */
static const struct raw_case raw_cases[] = {
    {"[dial]\nschedule = \"Mon-Sat 08:00 13:00; Sun 10:00\"\n", "dial", "schedule",
     "Mon-Sat 08:00 13:00; Sun 10:00", NULL},
    {"[dial]\nsocket = \"/run/surel/a#b\"\n", "dial", "socket", "/run/surel/a#b", NULL},
    {"[school]\nname = \"a;b\" ; comment\n", "school", "name", "a;b", NULL},
    {"[school]\nname = 'a#b'   # comment\n", "school", "name", "a#b", NULL},
    {"[school]\n; comment; with # inside\n# another ; one\nname = SMP 1\n", "school", "name",
     "SMP 1", NULL},
    {"[school]\nname =\n", "school", "name", "", NULL},
    {"[school]\nname = \"\"\n", "school", "name", "", NULL},
    {"[school]\nname = '' ; empty\n", "school", "name", "", NULL},
    {"[school]\nname = 'SMP \"Satu\"'\n", "school", "name", "SMP \"Satu\"", NULL},
    {"[school]\nname = \"SMP Sant'Yosef\"\n", "school", "name", "SMP Sant'Yosef", NULL},
    {"[school]\nname = \"a\\b;c\\\"\n", "school", "name", "a\\b;c\\", NULL},
    {"[school]\nname = \"  blanks kept  \"\n", "school", "name", "  blanks kept  ", NULL},
    {"[school]\r\nname = \"a;b\"\r\n", "school", "name", "a;b", NULL},
    {"[dial]\nschedule = Mon-Sat 08:00 13:00; Sun 10:00\n", "dial", "schedule", NULL,
     ":2: [dial] schedule: a value without quotes ends at ';' or '#'"},
    {"[dial]\nsocket = /run/surel/a#b\n", "dial", "socket", NULL,
     ":2: [dial] socket: a value without quotes ends at ';' or '#'"},
    {"[dial]\n\ngrace = 5s ; five seconds\n", "dial", "grace", NULL,
     ":3: [dial] grace: a value without quotes ends at ';' or '#'"},
    {"[school]\nname = ; nothing\n", "school", "name", NULL,
     ":2: [school] name: a value without quotes ends at ';' or '#'"},
    {"[school]\nname = \"SMP \"Satu\"\"\n", "school", "name", NULL,
     ":2: [school] name: text after the closing quote"},
    {"[school]\nname = \"a\\\"b\"\n", "school", "name", NULL,
     ":2: [school] name: text after the closing quote"},
    {"[school]\nname = \"no end\n", "school", "name", NULL, ":2: [school] name: no closing '\"'"},
    {"[school]\nname = a\\\ndomain = a.sch.id\n", "school", "name", NULL,
     ":2: [school] name: a line ending in '\\' is joined with the next one"},
    {"[school]\n; see \\\ndomain = a.sch.id\n", "school", "domain", NULL,
     ":2: a line ending in '\\' is joined with the next one"},
};

/* Every case of raw_cases: the value read, or the message naming line and key. */
static void test_raw_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
        const struct raw_case *c = &raw_cases[i];
        char err[512] = "";
        struct surel_config *cfg = load(c->text, err, sizeof(err));
        print_message("case %zu: %s\n", i, c->value ? c->value : err);
        if (c->value != NULL) {
            assert_non_null(cfg);
            assert_string_equal(surel_config_str(cfg, c->section, c->key), c->value);
            surel_config_free(cfg);
            continue;
        }
        assert_null(cfg);
        assert_true(strncmp(err, path, strlen(path)) == 0);
        assert_non_null(strstr(err, c->error));
        assert_true(strstr(err, c->error) == err + strlen(path));
    }
}

/* The message says what iniparser made of the value. */
static void test_raw_reads_as(void **state)
{
    char err[512] = "";
    (void)state;
    assert_null(load("[dial]\nschedule = Mon-Sat 08:00 13:00; Sun 10:00\n", err, sizeof(err)));
    assert_non_null(strstr(err, "it reads as 'Mon-Sat 08:00 13:00'"));
    assert_null(load("[school]\nname = \"SMP \"Satu\"\"\n", err, sizeof(err)));
    assert_non_null(strstr(err, "it reads as 'SMP '"));
}

/* One rule for the roster's files: credentials beside the db unless set. */
static void test_roster_paths(void **state)
{
    char err[512] = "", db[256], cred[256];
    (void)state;
    struct surel_config *cfg = load("[school]\ndomain = smpn1.sch.id\n[roster]\n"
                                    "db = /srv/surel/roster.db\n", err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(surel_roster_paths(cfg, NULL, db, sizeof(db), cred, sizeof(cred)), 0);
    assert_string_equal(db, "/srv/surel/roster.db");
    assert_string_equal(cred, "/srv/surel/credentials.db");
    assert_int_equal(surel_roster_paths(cfg, "/tmp/x/r.db", db, sizeof(db), cred, sizeof(cred)), 0);
    assert_string_equal(cred, "/tmp/x/credentials.db");
    assert_int_equal(surel_roster_paths(cfg, NULL, db, sizeof(db), cred, 10), -1);
    surel_config_free(cfg);
    cfg = load("[school]\ndomain = smpn1.sch.id\n[roster]\ndb = /srv/surel/roster.db\n"
               "credentials = /secret/cred.db\n", err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(surel_roster_paths(cfg, "/tmp/x/r.db", db, sizeof(db), cred, sizeof(cred)), 0);
    assert_string_equal(cred, "/secret/cred.db");
    surel_config_free(cfg);
    cfg = load("[school]\ndomain = smpn1.sch.id\n", err, sizeof(err));
    assert_non_null(cfg);
    assert_int_equal(surel_roster_paths(cfg, NULL, db, sizeof(db), cred, sizeof(cred)), 0);
    assert_string_equal(db, "/var/lib/surel/roster.db");
    assert_string_equal(cred, "/var/lib/surel/credentials.db");
    surel_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_defaults), cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_unknown_section), cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_missing_file), cmocka_unit_test(test_units),
        cmocka_unit_test(test_raw_values), cmocka_unit_test(test_raw_reads_as),
        cmocka_unit_test(test_roster_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
