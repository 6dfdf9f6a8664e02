/*
 * NAME
 *	test_policy - unit tests of surel-mxd's request parsing and decision
 * DESCRIPTION
 *	mxd_request_parse() on the attribute block that Postfix 3.7 really
 *	sends at ETRN (notes/etrn-dynamic-route.md 1), and mxd_decide() on
 *	every branch of the ownership rule, with a fake owner lookup; NUL
 *	bytes in names and values; client addresses that cannot be a route.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "policy.h"

/* The block smtpd sent in the note's session, with sasl_username and domain filled in. */
static void make_block(char *out, size_t len, const char *state, const char *login,
                       const char *domain, const char *addr)
{
    snprintf(out, len,
             "request=smtpd_access_policy\nprotocol_state=%s\nprotocol_name=ESMTP\n"
             "client_address=%s\nclient_name=unknown\nclient_port=42030\n"
             "reverse_client_name=unknown\nserver_address=192.0.2.1\nserver_port=25\n"
             "helo_name=client.test\nsender=\nrecipient=\nrecipient_count=0\nqueue_id=\n"
             "instance=\nsize=0\netrn_domain=%s\nstress=\nsasl_method=PLAIN\n"
             "sasl_username=%s\nsasl_sender=\nccert_subject=\nccert_issuer=\n"
             "ccert_fingerprint=\nccert_pubkey_fingerprint=\nencryption_protocol=\n"
             "encryption_cipher=\nencryption_keysize=0\npolicy_context=\n\n",
             state, addr, domain, login);
}

/* Fake route table: school.test and other.test owned by school1, x.test by school2. */
static int fake_owner(const char *domain, char *login, size_t len, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    if (strcmp(domain, "fail.test") == 0)
        return -1;
    if (strcmp(domain, "school.test") == 0 || strcmp(domain, "other.test") == 0) {
        snprintf(login, len, "school1");
        return 1;
    }
    if (strcmp(domain, "x.test") == 0) {
        snprintf(login, len, "school2");
        return 1;
    }
    return 0;
}

/* Parse a block and decide on it, counting lookups. */
static enum mxd_verdict decide(const char *state, const char *login, const char *domain,
                               const char *addr, int locked, int *calls)
{
    char block[2048];
    struct mxd_request req;
    make_block(block, sizeof(block), state, login, domain, addr);
    assert_int_equal(mxd_request_parse(block, strlen(block), &req), 0);
    return mxd_decide(&req, locked, fake_owner, calls);
}

static void test_parse_real_block(void **state)
{
    char block[2048];
    struct mxd_request req;
    (void)state;
    make_block(block, sizeof(block), "ETRN", "school1", "SCHOOL.Test", "192.0.2.10");
    assert_int_equal(mxd_request_parse(block, strlen(block), &req), 0);
    assert_string_equal(req.request, "smtpd_access_policy");
    assert_string_equal(req.protocol_state, "ETRN");
    assert_string_equal(req.client_address, "192.0.2.10");
    assert_string_equal(req.sasl_username, "school1");
    assert_string_equal(req.etrn_domain, "school.test");     /* lower-cased */
    assert_int_equal(req.overlong, 0);
}

static void test_parse_malformed_and_overlong(void **state)
{
    struct mxd_request req;
    char block[1024];
    (void)state;
    const char *bad = "request=smtpd_access_policy\nnot an attribute\n\n";
    assert_int_equal(mxd_request_parse(bad, strlen(bad), &req), -1);
    memset(block, 'a', sizeof(block));
    memcpy(block, "etrn_domain=", 12);
    memcpy(block + 1000, "\n\n", 2);
    assert_int_equal(mxd_request_parse(block, 1002, &req), 0);
    assert_int_equal(req.overlong, 1);
}

/* A NUL byte in a name or a value is an error, never a shortened string. */
static void test_parse_nul_in_name_and_value(void **state)
{
    struct mxd_request req;
    static const char in_value[] = "request=smtpd_access_policy\nprotocol_state=ETRN\n"
                                   "etrn_domain=school.test\0.evil\nsasl_username=school1\n\n";
    static const char in_name[] = "request=smtpd_access_policy\nprotocol_state=ETRN\n"
                                  "etrn_domain\0x=school.test\nsasl_username=school1\n\n";
    static const char in_ignored[] = "request=smtpd_access_policy\nclient_name=a\0b\n\n";
    static const char no_equals[] = "request=smtpd_access_policy\nab\0c\n\n";
    (void)state;
    assert_int_equal(mxd_request_parse(in_value, sizeof(in_value) - 1, &req), -1);
    assert_non_null(strstr(req.error, "line 3: NUL byte in the value of 'etrn_domain'"));
    assert_int_equal(mxd_request_parse(in_name, sizeof(in_name) - 1, &req), -1);
    assert_non_null(strstr(req.error, "line 3: NUL byte in an attribute name"));
    /* even in an attribute surel-mxd does not use */
    assert_int_equal(mxd_request_parse(in_ignored, sizeof(in_ignored) - 1, &req), -1);
    assert_non_null(strstr(req.error, "'client_name'"));
    assert_int_equal(mxd_request_parse(no_equals, sizeof(no_equals) - 1, &req), -1);
    assert_non_null(strstr(req.error, "attribute name"));
}

/* The owner's ETRN from an address that cannot be a route is refused, after the lookup. */
static void test_unroutable_address_refused(void **state)
{
    int calls = 0;
    const char *bad[] = {"127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1",
                         "::ffff:127.0.0.1", "::ffff:198.51.100.7", "0.0.0.0", "::"};
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(decide("ETRN", "school1", "school.test", bad[i], 0, &calls),
                         MXD_BADADDRESS);
    assert_int_equal(calls, 8);
    /* another school's login still learns only "not authorized" */
    assert_int_equal(decide("ETRN", "school2", "school.test", "127.0.0.1", 0, &calls),
                     MXD_NOTOWNER);
    assert_int_equal(decide("ETRN", "school1", "school.test", "198.51.100.7", 0, &calls),
                     MXD_ACCEPT);
    assert_false(mxd_verdict_is_failure(MXD_BADADDRESS));
}

static void test_owner_accepted(void **state)
{
    int calls = 0;
    (void)state;
    assert_int_equal(decide("ETRN", "school1", "school.test", "192.0.2.10", 0, &calls),
                     MXD_ACCEPT);
    assert_int_equal(decide("ETRN", "school1", "Other.TEST", "2001:db8::10", 0, &calls),
                     MXD_ACCEPT);
    assert_int_equal(calls, 2);
}

static void test_other_school_refused(void **state)
{
    int calls = 0;
    (void)state;
    assert_int_equal(decide("ETRN", "school2", "school.test", "203.0.113.30", 0, &calls),
                     MXD_NOTOWNER);
    assert_int_equal(decide("ETRN", "school1", "unknown.test", "192.0.2.10", 0, &calls),
                     MXD_NOTOWNER);
    /* exact match only: a subdomain of a school's domain is not the school's */
    assert_int_equal(decide("ETRN", "school1", "sub.school.test", "192.0.2.10", 0, &calls),
                     MXD_NOTOWNER);
}

static void test_noauth_refused_without_lookup(void **state)
{
    int calls = 0;
    (void)state;
    assert_int_equal(decide("ETRN", "", "school.test", "203.0.113.30", 0, &calls), MXD_NOAUTH);
    assert_int_equal(calls, 0);
}

static void test_malformed_refused_without_lookup(void **state)
{
    int calls = 0;
    (void)state;
    assert_int_equal(decide("ETRN", "school1", "[192.0.2.10]", "192.0.2.10", 0, &calls),
                     MXD_BADREQUEST);
    assert_int_equal(decide("ETRN", "school1", "school.test", "unknown", 0, &calls),
                     MXD_BADREQUEST);
    assert_int_equal(decide("ETRN", "school1", "", "192.0.2.10", 0, &calls), MXD_BADREQUEST);
    assert_int_equal(calls, 0);
}

static void test_locked_out_and_other_states(void **state)
{
    int calls = 0;
    (void)state;
    assert_int_equal(decide("ETRN", "school1", "school.test", "192.0.2.10", 1, &calls),
                     MXD_LOCKEDOUT);
    assert_int_equal(decide("RCPT", "school1", "school.test", "192.0.2.10", 1, &calls),
                     MXD_DUNNO);
    assert_int_equal(decide("ETRN", "school1", "fail.test", "192.0.2.10", 0, &calls),
                     MXD_TEMPFAIL);
}

static void test_responses(void **state)
{
    char out[256];
    (void)state;
    assert_true(mxd_response(MXD_ACCEPT, out, sizeof(out)) > 0);
    assert_string_equal(out, "action=OK\n\n");
    mxd_response(MXD_NOTOWNER, out, sizeof(out));
    assert_string_equal(out, "action=REJECT not authorized to flush this domain\n\n");
    mxd_response(MXD_DUNNO, out, sizeof(out));
    assert_string_equal(out, "action=DUNNO\n\n");
    mxd_response(MXD_LOCKEDOUT, out, sizeof(out));
    assert_memory_equal(out, "action=450 ", 11);
    mxd_response(MXD_TEMPFAIL, out, sizeof(out));
    assert_memory_equal(out, "action=451 ", 11);
    assert_int_equal(mxd_response(MXD_ACCEPT, out, 5), 0);  /* does not fit */
    assert_true(mxd_verdict_is_failure(MXD_NOTOWNER));
    assert_false(mxd_verdict_is_failure(MXD_TEMPFAIL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_real_block),
        cmocka_unit_test(test_parse_malformed_and_overlong),
        cmocka_unit_test(test_parse_nul_in_name_and_value),
        cmocka_unit_test(test_unroutable_address_refused),
        cmocka_unit_test(test_owner_accepted),
        cmocka_unit_test(test_other_school_refused),
        cmocka_unit_test(test_noauth_refused_without_lookup),
        cmocka_unit_test(test_malformed_refused_without_lookup),
        cmocka_unit_test(test_locked_out_and_other_states),
        cmocka_unit_test(test_responses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
