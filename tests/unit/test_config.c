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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_defaults), cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_unknown_section), cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_missing_file), cmocka_unit_test(test_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
