/*
 * test_collect_recipients: who a catch-all message is for, recovered from
 * the headers the hosting adds, and every other spelling refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "recipients.h"

#define DOM "smpn1-contoh.sch.id"

static const char *const domains[] = {DOM, NULL};
static const char *const dflt[] = {"Envelope-To", "X-Original-To", "Delivered-To", NULL};

/* The recipients of msg under the default rule (to_cc as given), joined by spaces. */
static const char *recover(const char *msg, int to_cc, const char *own)
{
    static char out[4096];
    static struct recipients r;
    struct recover_rule rule = {dflt, domains, own, to_cc};
    char *copy = strdup(msg);
    size_t len = message_to_lf(copy, strlen(copy));
    recipients_recover(copy, len, &rule, &r);
    free(copy);
    out[0] = '\0';
    for (int i = 0; i < r.n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", r.addr[i]);
    return out;
}

/* One header value through the list reader. */
static const char *parse(const char *value)
{
    static char out[4096];
    static struct recipients r;
    struct recover_rule rule = {dflt, domains, NULL, 0};
    memset(&r, 0, sizeof(r));
    recipients_parse(value, &rule, &r);
    out[0] = '\0';
    for (int i = 0; i < r.n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", r.addr[i]);
    return out;
}

/* Exim (cPanel) writes Envelope-to: above its Received: lines; one copy for two pupils. */
static void test_exim(void **state)
{
    (void)state;
    assert_string_equal(recover("Return-path: <ana@example.org>\r\n"
                                "Envelope-to: budi@" DOM ", citra@" DOM "\r\n"
                                "Delivery-date: Mon, 07 Dec 2026 10:00:00 +0700\r\n"
                                "Received: from mx.example.org by host.hosting.id\r\n"
                                "To: Budi <budi@" DOM ">\r\nSubject: x\r\n\r\nbody\r\n",
                                0, "catchall@" DOM),
                        "budi@" DOM " citra@" DOM);
}

/* Postfix's virtual(8): X-Original-To the pupil, Delivered-To the catch-all itself. */
static void test_postfix(void **state)
{
    (void)state;
    assert_string_equal(recover("Return-Path: <ana@example.org>\n"
                                "X-Original-To: badu@" DOM "\n"
                                "Delivered-To: catchall@" DOM "\n"
                                "Received: by mx.hosting.id (Postfix)\n"
                                "To: kelas-7a@" DOM "\n\nbody\n", 0, "catchall@" DOM),
                        "badu@" DOM);
    /* Delivered-To naming only the box's own address yields nobody. */
    assert_string_equal(recover("Delivered-To: catchall@" DOM "\nReceived: x\n\nb\n", 0,
                                "catchall@" DOM), "");
}

/* A sender's own Envelope-to/X-Original-To sits below the hosting's Received: ignored. */
static void test_forged_below_received(void **state)
{
    (void)state;
    assert_string_equal(recover("X-Original-To: budi@" DOM "\n"
                                "Received: from evil by mx.hosting.id\n"
                                "Envelope-to: kepsek@" DOM "\n"
                                "Delivered-To: kepsek@" DOM "\n"
                                "Subject: hi\n\nb\n", 0, NULL),
                        "budi@" DOM);
    /* Nothing above Received: nobody, even though forged ones below name a teacher. */
    assert_string_equal(recover("Received: from evil\nEnvelope-to: kepsek@" DOM "\n"
                                "To: kepsek@" DOM "\n\nb\n", 0, NULL), "");
}

/* Bcc: the envelope header names the Bcc pupil; To: names somebody else. */
static void test_bcc(void **state)
{
    (void)state;
    assert_string_equal(recover("Envelope-to: citra@" DOM "\nReceived: x\nTo: budi@" DOM
                                "\n\nb\n", 1, NULL), "citra@" DOM);
}

/* To/Cc only when asked, only school addresses, every To and Cc header. */
static void test_to_cc(void **state)
{
    (void)state;
    const char *m = "Received: x\nTo: \"Santoso, Budi\" <budi@" DOM ">, friend@example.org\n"
                    "Cc: citra@" DOM " (Citra)\nTo: dewi@" DOM "\n\nbody\n";
    assert_string_equal(recover(m, 0, NULL), "");
    assert_string_equal(recover(m, 1, NULL), "budi@" DOM " dewi@" DOM " citra@" DOM);
}

/* Folded headers, any case of the name, CRLF. */
static void test_folding(void **state)
{
    (void)state;
    assert_string_equal(recover("ENVELOPE-TO: budi@" DOM ",\r\n\tcitra@" DOM "\r\n"
                                "Received: x\r\n\r\nb\r\n", 0, NULL),
                        "budi@" DOM " citra@" DOM);
}

/* Other spellings of a school address: one spelling kept, the rest refused. */
static void test_spellings(void **state)
{
    (void)state;
    assert_string_equal(parse("BUDI@SMPN1-CONTOH.SCH.ID"), "budi@" DOM);
    assert_string_equal(parse("budi@" DOM "."), "budi@" DOM);
    assert_string_equal(parse("<budi@" DOM ">"), "budi@" DOM);
    assert_string_equal(parse("Budi Santoso <budi@" DOM "> (kelas 7A)"), "budi@" DOM);
    assert_string_equal(parse("budi@" DOM " (Budi)"), "budi@" DOM);
    assert_string_equal(parse("\"budi\"@" DOM), "");
    assert_string_equal(parse("\"budi@" DOM "\" <evil@example.org>"), "");
    assert_string_equal(parse("budi%evil.org@" DOM), "");
    assert_string_equal(parse("evil.org!budi@" DOM), "");
    assert_string_equal(parse("budi@sub." DOM), "");
    assert_string_equal(parse("budi@" DOM ".evil.org"), "");
    assert_string_equal(parse("budi@[192.0.2.10]"), "");
    assert_string_equal(parse("<@mx.evil.org:budi@" DOM ">"), "");
    assert_string_equal(parse(".budi@" DOM ", bu..di@" DOM ", budi.@" DOM), "");
    assert_string_equal(parse("budi@" DOM ", Budi@" DOM ", <budi@" DOM ">"), "budi@" DOM);
    assert_string_equal(parse("Kelas 7A: budi@" DOM ", citra@" DOM ";"),
                        "budi@" DOM " citra@" DOM);
    assert_string_equal(parse("undisclosed-recipients:;"), "");
    assert_string_equal(parse(""), "");
}

/* A header of thousands of addresses: at most RECIPIENTS_MAX, the rest counted. */
static void test_oversized(void **state)
{
    (void)state;
    size_t cap = 300 * 40;
    char *v = malloc(cap), *m = malloc(cap + 100);
    struct recipients *r = calloc(1, sizeof(*r));
    struct recover_rule rule = {dflt, domains, NULL, 0};
    v[0] = '\0';
    for (int i = 0; i < 300; i++)
        snprintf(v + strlen(v), cap - strlen(v), "%sp%03d@" DOM, i ? ", " : "", i);
    snprintf(m, cap + 100, "Envelope-to: %s\nReceived: x\n\nb\n", v);
    recipients_recover(m, strlen(m), &rule, r);
    /* the header is read up to its buffer; what fits counts, the rest is not served */
    assert_int_equal(r->n, RECIPIENTS_MAX);
    assert_true(r->cut > 0);
    assert_string_equal(r->source, "Envelope-To");
    free(v), free(m), free(r);
}

/* A message with no header block end, or empty, yields nobody and does not crash. */
static void test_malformed(void **state)
{
    (void)state;
    assert_string_equal(recover("Envelope-to: budi@" DOM, 0, NULL), "budi@" DOM);
    assert_string_equal(recover("", 0, NULL), "");
    assert_string_equal(recover("\nEnvelope-to: budi@" DOM "\n", 0, NULL), "");
    assert_string_equal(recover("Envelope-to:\nReceived: x\n\n", 0, NULL), "");
}

/* Dovecot's LMTP writes its own Return-Path, Delivered-To (the box) and
   Received "with LMTP" above what Exim wrote: Exim's Envelope-to still counts,
   a sender's below the MX's Received still does not. */
static void test_lmtp_hop(void **state)
{
    (void)state;
    const char *m = "Return-Path: <ana@example.org>\n"
                    "Delivered-To: catchall@" DOM "\n"
                    "Received: from host.hosting.id\n\tby host.hosting.id with LMTP\n\tid x; Mon\n"
                    "Return-path: <ana@example.org>\n"
                    "Envelope-to: sri@" DOM "\n"
                    "Received: from mx.example.org by host.hosting.id with esmtps\n"
                    "Envelope-to: kepsek@" DOM "\n\nb\n";
    assert_string_equal(recover(m, 0, "catchall@" DOM), "sri@" DOM);
    /* Only the first Received may be that hop: a sender's HELO "x with LMTP" in
       the MX's own line does not open the block to the headers below it. */
    assert_string_equal(recover("Delivered-To: real@" DOM "\n"
                                "Received: from h by h with LMTP id y\n"
                                "Received: from x with LMTP (unknown [198.51.100.9]) by mx with ESMTP\n"
                                "Envelope-to: victim@" DOM "\n\nb\n", 0, NULL),
                        "real@" DOM);
    /* "LMTP" elsewhere in a Received (a sender's "with LMTPfoo", a comment) is no hop */
    assert_string_equal(recover("Received: from x (helo=with LMTPX) by mx with esmtp\n"
                                "Envelope-to: kepsek@" DOM "\n\nb\n", 0, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exim),        cmocka_unit_test(test_postfix),
        cmocka_unit_test(test_forged_below_received), cmocka_unit_test(test_bcc),
        cmocka_unit_test(test_to_cc),       cmocka_unit_test(test_folding),
        cmocka_unit_test(test_spellings),   cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_malformed),   cmocka_unit_test(test_lmtp_hop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
