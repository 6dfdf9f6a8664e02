/*
 * NAME
 *	test_observe 1
 * SUMMARY
 *	unit tests: reading postqueue -j output and /proc/net/tcp
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "queue.h"
#include "sockets.h"

static const char *const local[] = {"school.test", NULL};

/* Postfix 3.7's postqueue -j, one message per line. */
static const char queue_text[] =
    "{\"queue_name\": \"deferred\", \"queue_id\": \"A1\", \"arrival_time\": 1700000100,"
    " \"message_size\": 5000, \"forced_expire\": false, \"sender\": \"budi@school.test\","
    " \"recipients\": [{\"address\": \"x@outside.test\", \"delay_reason\": \"deferred transport\"}]}\n"
    "{\"queue_name\": \"active\", \"queue_id\": \"B2\", \"arrival_time\": 1700000000,"
    " \"sender\": \"siti@school.test\", \"recipients\": [{\"address\": \"y@Outside.Test\"},"
    " {\"address\": \"guru@school.test\"}]}\n"
    "{\"queue_name\": \"deferred\", \"queue_id\": \"C3\", \"arrival_time\": 1700000200,"
    " \"sender\": \"a@school.test\", \"recipients\": [{\"address\": \"z@far.test\","
    " \"delay_reason\": \"conversation with isp timed out while sending message body\"}]}\n"
    "{\"queue_name\": \"incoming\", \"queue_id\": \"D4\", \"arrival_time\": 1699999000,"
    " \"sender\": \"x@outside.test\", \"recipients\": [{\"address\": \"ani@SCHOOL.test\"}]}\n";

static void counts_outbound_by_where_it_waits(void **state)
{
    (void)state;
    struct queue_summary q;
    char why[200];
    assert_int_equal(queue_parse(queue_text, local, &q, why, sizeof(why)), 0);
    assert_int_equal(q.total, 4);
    assert_int_equal(q.outbound, 3);            /* D4 is inbound, for the school */
    assert_int_equal(q.outbound_waiting, 1);    /* B2 */
    assert_int_equal(q.outbound_held, 1);       /* A1: defer_transports */
    assert_int_equal(q.outbound_failed, 1);     /* C3: timed out on the link */
    assert_int_equal(q.oldest, 1700000000);
    assert_true(queue_has_id(&q, "A1"));
    assert_true(queue_has_id(&q, "C3"));
    assert_false(queue_has_id(&q, "D4"));
    queue_summary_free(&q);
}

static void empty_queue_and_garbage(void **state)
{
    (void)state;
    struct queue_summary q;
    char why[200];
    assert_int_equal(queue_parse("", local, &q, why, sizeof(why)), 0);
    assert_int_equal(q.total, 0);
    assert_int_equal(queue_parse("{\"queue_id\": \"A\"}\nnot json\n", local, &q, why,
                                 sizeof(why)), -1);
    assert_non_null(strstr(why, "line 2"));
    assert_int_equal(q.total, 0);
    assert_null(q.ids);
}

/* /proc/net/tcp with the link's address 192.0.2.10 (0A0200C0). */
static const char tcp_text[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
    "   0: 00000000:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0\n"
    "   1: 0A0200C0:0019 010200C0:9C40 01 00000000:00000000 00:00000000 00000000     0\n"
    "   2: 0A0200C0:B2F0 010200C0:0019 01 00000000:00000000 00:00000000 00000000     0\n"
    "   3: 0A0200C0:B2F2 010200C0:0019 06 00000000:00000000 00:00000000 00000000     0\n"
    "   4: 0100007F:0019 0100007F:D000 01 00000000:00000000 00:00000000 00000000     0\n";

static void counts_sessions_on_the_link_address(void **state)
{
    (void)state;
    struct tcp_peers p;
    assert_int_equal(tcp_parse(tcp_text, "192.0.2.10", &p), 0);
    assert_int_equal(p.sessions, 2);            /* not LISTEN, TIME_WAIT, loopback */
    assert_int_equal(p.npeers, 1);
    assert_string_equal(p.peer[0], "192.0.2.1");
    /* Connection 2 was open when the link was lost: only 1 is new. */
    struct tcp_conn old[] = {{0xB2F0, 0x010200C0, 0x19}, {0xB2F4, 0x010200C0, 0x19}};
    assert_int_equal(tcp_new_sessions(&p, old, 2), 1);
    assert_int_equal(tcp_new_sessions(&p, old, 0), 2);
    assert_int_equal(tcp_parse(tcp_text, "198.51.100.7", &p), 0);
    assert_int_equal(p.sessions, 0);
    assert_int_equal(tcp_parse(tcp_text, "not-an-address", &p), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_outbound_by_where_it_waits),
        cmocka_unit_test(empty_queue_and_garbage),
        cmocka_unit_test(counts_sessions_on_the_link_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
