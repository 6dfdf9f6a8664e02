/*
 * test_password: generated passwords are readable; hashes verify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "password.h"

/* No characters that are read or typed wrongly: 0/o, 1/l/I, capitals. */
static void test_generate_readable(void **state)
{
    char pw[32], prev[32] = "";
    (void)state;
    for (int i = 0; i < 200; i++) {
        assert_int_equal(surel_password_generate(pw, sizeof(pw)), 0);
        assert_true(strlen(pw) >= SUREL_PASSWORD_MIN);
        assert_null(strpbrk(pw, "01loIOqQvVyYzZcCxX"));
        for (const char *p = pw; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '9'));
        assert_string_not_equal(pw, prev);
        strcpy(prev, pw);
    }
}

static void test_hash_schemes(void **state)
{
    static const struct { const char *scheme, *prefix; } s[] = {
        {"yescrypt", "$y$"}, {"sha512crypt", "$6$"}, {"bcrypt", "$2b$"}};
    char hash[256];
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(surel_password_hash(s[i].scheme, "kabedu42", hash, sizeof(hash)), 0);
        assert_memory_equal(hash, s[i].prefix, strlen(s[i].prefix));
        assert_true(surel_password_verify("kabedu42", hash));
        assert_false(surel_password_verify("kabedu43", hash));
    }
    assert_int_equal(surel_password_hash("md5", "x", hash, sizeof(hash)), -1);
    assert_int_equal(surel_password_hash("yescrypt", "x", hash, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_readable), cmocka_unit_test(test_hash_schemes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
