/*
 * NAME
 *	test_address - unit tests of the address reader (milter/address.c)
 * DESCRIPTION
 *	Header values and envelope arguments as mail programs and attackers
 *	write them: folded display names of any length, quoted commas,
 *	groups, comments, source routes, encoded words; and the values that
 *	must be refused as unreadable rather than read one way by the milter
 *	and another way by the pupil's mail program.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "address.h"

/* Parse value; assert success and the addresses found, NULL-terminated. */
static void expect_header(const char *value, ...)
{
    struct address_list l = {NULL, 0, 0};
    char why[128] = "";
    va_list ap;
    size_t i = 0;
    if (address_header(value, &l, why, sizeof(why)) != 0)
        fail_msg("'%.80s' refused: %s", value, why);
    va_start(ap, value);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL; i++) {
        if (i >= l.n)
            fail_msg("'%.80s': only %zu addresses, expected %s", value, l.n, want);
        assert_string_equal(l.addr[i], want);
    }
    va_end(ap);
    assert_int_equal(l.n, i);
    address_list_free(&l);
}

/* Parse value; assert it is refused with a reason containing part. */
static void expect_refused(const char *value, const char *part)
{
    struct address_list l = {NULL, 0, 0};
    char why[128] = "";
    if (address_header(value, &l, why, sizeof(why)) == 0)
        fail_msg("'%.80s' was read (%zu addresses), expected a refusal", value, l.n);
    if (strstr(why, part) == NULL)
        fail_msg("'%.80s': reason '%s' lacks '%s'", value, why, part);
    address_list_free(&l);
}

static void test_header_plain_forms(void **state)
{
    (void)state;
    expect_header("budi@smpn1.sch.id", "budi@smpn1.sch.id", NULL);
    expect_header("Budi <Budi@SMPN1.Sch.Id.>", "Budi@smpn1.sch.id", NULL);
    expect_header("\"Sari, Bu\" <sari@smpn1.sch.id>, ani@x.org", "sari@smpn1.sch.id",
                  "ani@x.org", NULL);
    expect_header("sari@smpn1.sch.id (Bu Sari)", "sari@smpn1.sch.id", NULL);
    expect_header("=?UTF-8?Q?Bu_Sari?= <sari@smpn1.sch.id>", "sari@smpn1.sch.id", NULL);
    expect_header("\"sari\"@smpn1.sch.id", "sari@smpn1.sch.id", NULL);
    expect_header("Bu Sari <@relay.example:sari@smpn1.sch.id>", "sari@smpn1.sch.id", NULL);
    expect_header("Guru: sari@smpn1.sch.id, Pak Joko <joko@smpn1.sch.id>;",
                  "sari@smpn1.sch.id", "joko@smpn1.sch.id", NULL);
    expect_header("undisclosed-recipients:;", NULL);
    expect_header("a@x.org,, ,b@y.org", "a@x.org", "b@y.org", NULL);
    expect_header("Bu\r\n Sari\r\n\t<sari@smpn1.sch.id>", "sari@smpn1.sch.id", NULL);
    expect_header("<>", "", NULL);
    expect_header("", NULL);
}

/* A display name folded over many lines, far over 4 KB, then the address. */
static void test_header_long_display_name(void **state)
{
    size_t words = 2000;
    char *v = malloc(words * 8 + 64), *p = v;
    (void)state;
    for (size_t i = 0; i < words; i++)
        p += sprintf(p, "Guru%s", i % 8 == 7 ? "\r\n\t" : " ");
    strcpy(p, "<sari.wulandari@SMPN1.sch.id>");
    assert_true(strlen(v) > 4096 * 2);
    expect_header(v, "sari.wulandari@smpn1.sch.id", NULL);
    free(v);
}

/* Many addresses: none is dropped for want of room. */
static void test_header_many_addresses(void **state)
{
    struct address_list l = {NULL, 0, 0};
    char *v = malloc(300 * 24), *p = v;
    (void)state;
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "%sx%d@example.org", i ? ", " : "", i);
    strcpy(p, ", sari@smpn1.sch.id");
    assert_int_equal(address_header(v, &l, NULL, 0), 0);
    assert_int_equal(l.n, 301);
    assert_string_equal(l.addr[300], "sari@smpn1.sch.id");
    address_list_free(&l);
    free(v);
}

static void test_header_unreadable(void **state)
{
    (void)state;
    expect_refused("\"Budi <budi@smpn1.sch.id>", "quote");
    expect_refused("Budi (komentar <budi@smpn1.sch.id>", "comment");
    expect_refused("Budi <budi@smpn1.sch.id", "angle bracket");
    expect_refused("budi@smpn1.sch.id <sari@smpn1.sch.id>", "comma");
    expect_refused("Budi <budi@smpn1.sch.id> sari@smpn1.sch.id", "comma");
    expect_refused("Budi", "@domain");
    expect_refused("budi@", "domain");
    expect_refused("Guru: sari@smpn1.sch.id", "semicolon");
    expect_refused("Budi <budi@smpn1.sch.id>\x1b[2J", "character");
    expect_refused("a@[1.2.3.4", "[");
}

static void test_envelope_forms(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(address_envelope("<@a.example,@b.example:Kelas-7A@SMPN1.sch.id.>", out,
                                      sizeof(out)), 0);
    assert_string_equal(out, "Kelas-7A@smpn1.sch.id");
    assert_int_equal(address_envelope("<\"kelas-7a\"@smpn1.sch.id>", out, sizeof(out)), 0);
    assert_string_equal(out, "kelas-7a@smpn1.sch.id");
    assert_int_equal(address_envelope("<kelas\\-7a@smpn1.sch.id>", out, sizeof(out)), 0);
    assert_string_equal(out, "kelas-7a@smpn1.sch.id");
    assert_int_equal(address_envelope("<\"a@b\"@c.org>", out, sizeof(out)), 0);
    assert_string_equal(out, "a@b@c.org");
    assert_int_equal(address_envelope("<>", out, sizeof(out)), 0);
    assert_string_equal(out, "");
    assert_int_equal(address_envelope("kelas-7a", out, sizeof(out)), 0);
    assert_string_equal(out, "kelas-7a");
    assert_int_equal(address_envelope("<budi@>", out, sizeof(out)), -1);
    assert_int_equal(address_envelope("<@smpn1.sch.id>", out, sizeof(out)), -1);
    assert_int_equal(address_envelope("<a<b@c>", out, sizeof(out)), -1);
    assert_int_equal(address_envelope("<budi@smpn1.sch.id>", out, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_plain_forms),
        cmocka_unit_test(test_header_long_display_name),
        cmocka_unit_test(test_header_many_addresses),
        cmocka_unit_test(test_header_unreadable),
        cmocka_unit_test(test_envelope_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
