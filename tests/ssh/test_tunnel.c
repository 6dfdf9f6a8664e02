/*
 * NAME
 *	test_tunnel 1
 * SUMMARY
 *	unit tests of the ssh tunnel: ssh's arguments, its readiness, a
 *	stale forward, counting the tunnel's SMTP sessions, its figures
 * DESCRIPTION
 *	The process tests run tests/ssh/fake-ssh in place of ssh(1): it
 *	prints the gate's ready line, or fails the way ssh does when the
 *	ISP still holds the remote forward's port, as FAKE_SSH_MODE says.
 *	The real ssh and sshd are exercised by the end-to-end tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "tunnel.h"

static struct tunnel_conf conf(const char *program)
{
    struct tunnel_conf c;
    memset(&c, 0, sizeof(c));
    c.program = program;
    c.host = "isp.test";
    c.user = "surel-tunnel";
    c.identity = "/etc/surel/ssh/id_ed25519";
    c.known_hosts = "/etc/surel/ssh/known_hosts";
    c.port = 2222, c.local_port = 10025, c.isp_port = 10201, c.remote_port = 10101;
    strcpy(c.deliver_host, "127.0.0.1");
    c.deliver_port = 10026;
    c.connect_timeout = 5, c.alive_interval = 5, c.alive_count = 3, c.attempts = 3;
    c.compression = 1;
    return c;
}

/* True if argv holds arg. */
static int has(char **argv, const char *arg)
{
    for (int i = 0; argv[i] != NULL; i++)
        if (strcmp(argv[i], arg) == 0)
            return 1;
    return 0;
}

static void tunnel_arguments_lock_everything_down(void **state)
{
    (void)state;
    struct tunnel_conf c = conf("/usr/bin/ssh");
    char *argv[TUNNEL_ARGV_MAX], buf[4096];
    int n = tunnel_argv(&c, "tunnel", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf));
    assert_true(n > 10);
    assert_string_equal(argv[0], "/usr/bin/ssh");
    assert_string_equal(argv[n - 2], "isp.test");
    assert_string_equal(argv[n - 1], "tunnel");
    assert_null(argv[n]);
    assert_true(has(argv, "-C"));
    assert_true(has(argv, "ExitOnForwardFailure=yes"));
    assert_true(has(argv, "BatchMode=yes"));
    assert_true(has(argv, "StrictHostKeyChecking=yes"));
    assert_true(has(argv, "ControlMaster=no"));
    assert_true(has(argv, "-oServerAliveInterval=5"));
    assert_true(has(argv, "-oServerAliveCountMax=3"));
    assert_true(has(argv, "-L127.0.0.1:10025:127.0.0.1:10201"));
    assert_true(has(argv, "-R127.0.0.1:10101:127.0.0.1:10026"));
    assert_true(has(argv, "-i/etc/surel/ssh/id_ed25519"));
    assert_true(has(argv, "-p2222"));
    assert_true(has(argv, "-lsurel-tunnel"));
    c.compression = 0;
    n = tunnel_argv(&c, "tunnel", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf));
    assert_false(has(argv, "-C"));
}

static void release_has_no_forwards_and_small_buffers_fail(void **state)
{
    (void)state;
    struct tunnel_conf c = conf("/usr/bin/ssh");
    char *argv[TUNNEL_ARGV_MAX], buf[4096];
    int n = tunnel_argv(&c, "release", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf));
    assert_string_equal(argv[n - 1], "release");
    for (int i = 0; i < n; i++) {
        assert_true(strncmp(argv[i], "-L", 2) != 0);
        assert_true(strncmp(argv[i], "-R", 2) != 0);
    }
    /* A batch exchange: no forwards, no compression, and no ssh keepalives (their
       probes wait behind the spool in the stream; surel-batch watches the link). */
    n = tunnel_argv(&c, "batch", argv, TUNNEL_ARGV_MAX, buf, sizeof(buf));
    assert_string_equal(argv[n - 1], "batch");
    assert_true(has(argv, "-oServerAliveInterval=0"));
    assert_false(has(argv, "-C"));
    assert_true(has(argv, "-oLogLevel=INFO"));
    assert_int_equal(tunnel_argv(&c, "tunnel", argv, 8, buf, sizeof(buf)), -1);
    assert_int_equal(tunnel_argv(&c, "tunnel", argv, TUNNEL_ARGV_MAX, buf, 100), -1);
}

/* /proc/net/tcp: 127.0.0.1 is 0100007F; 10025 0x2729, 10026 0x272A, 25 0x0019. */
static const char tcp_text[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
    "   0: 0100007F:2729 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0\n"
    "   1: 0100007F:2729 0100007F:C350 01 00000000:00000000 00:00000000 00000000 0\n"
    "   2: 0100007F:C350 0100007F:2729 01 00000000:00000000 00:00000000 00000000 0\n"
    "   3: 0100007F:C351 0100007F:272A 01 00000000:00000000 00:00000000 00000000 0\n"
    "   4: 0100007F:272A 0100007F:C351 01 00000000:00000000 00:00000000 00000000 0\n"
    "   5: 0100007F:C352 0100007F:0019 01 00000000:00000000 00:00000000 00000000 0\n"
    "   6: 0A0200C0:D000 010200C0:08AE 01 00000000:00000000 00:00000000 00000000 0\n"
    "   7: 0100007F:2729 0100007F:C353 06 00000000:00000000 00:00000000 00000000 0\n";

static void counts_the_tunnels_smtp_sessions_only(void **state)
{
    (void)state;
    struct tunnel_conf c = conf("/usr/bin/ssh");
    /* line 1: outbound mail or ETRN accepted by ssh's -L listener; line 3:
       ssh delivering into the school's tunnel smtpd.  Not counted: the
       listener, the client ends, port 25 (another smtpd), the ssh
       connection itself (line 6) and TIME_WAIT. */
    assert_int_equal(tunnel_count(tcp_text, &c), 2);
    assert_int_equal(tunnel_count("", &c), 0);
}

static void reads_sshs_compression_figures(void **state)
{
    (void)state;
    struct tunnel_stats s;
    const char log[] =
        "debug1: Authentication succeeded (publickey).\n"
        "debug1: compress outgoing: raw data 213456, compressed 70123, factor 0.33\n"
        "debug1: compress incoming: raw data 105000, compressed 40000, factor 0.38\n"
        "Transferred: sent 71234, received 41234 bytes, in 14.2 seconds\n";
    tunnel_parse_stats(log, &s);
    assert_int_equal(s.raw_out, 213456);
    assert_int_equal(s.comp_out, 70123);
    assert_int_equal(s.raw_in, 105000);
    assert_int_equal(s.comp_in, 40000);
    tunnel_parse_stats("debug1: nothing\n", &s);
    assert_int_equal(s.raw_out, -1);
    assert_int_equal(s.comp_in, -1);
}

static void last_words_skip_debug_lines(void **state)
{
    (void)state;
    char out[100];
    tunnel_last_words("debug1: x\nError: remote port forwarding failed for listen port 10101\r\n"
                      "debug1: y\n", out, sizeof(out));
    assert_string_equal(out, "Error: remote port forwarding failed for listen port 10101");
    tunnel_last_words("", out, sizeof(out));
    assert_string_equal(out, "");
}

static char fake[512];

static void opens_when_the_gate_says_ready_and_closes_cleanly(void **state)
{
    (void)state;
    struct tunnel_conf c = conf(fake);
    struct tunnel t;
    setenv("FAKE_SSH_MODE", "ready", 1);
    assert_int_equal(tunnel_open(&t, &c), 0);
    assert_true(t.pid > 0);
    assert_int_equal(tunnel_alive(&t), 1);
    tunnel_close(&t);
    assert_int_equal(t.pid, 0);
    assert_int_equal(t.in_fd, -1);
    assert_non_null(strstr(t.why, "exit 0"));           /* it ended on EOF, not by a signal */
    assert_int_equal(t.stats.raw_out, 5000);
    assert_int_equal(tunnel_alive(&t), 0);
}

static void a_held_remote_port_is_reported_stale(void **state)
{
    (void)state;
    struct tunnel_conf c = conf(fake);
    struct tunnel t;
    setenv("FAKE_SSH_MODE", "stale", 1);
    assert_int_equal(tunnel_open(&t, &c), -1);
    assert_true(t.stale);
    assert_non_null(strstr(t.why, "remote port forwarding failed"));
    assert_int_equal(t.pid, 0);
    setenv("FAKE_SSH_MODE", "refused", 1);
    assert_int_equal(tunnel_open(&t, &c), -1);
    assert_false(t.stale);
    assert_non_null(strstr(t.why, "Connection refused"));
}

static void a_silent_ssh_times_out(void **state)
{
    (void)state;
    struct tunnel_conf c = conf(fake);
    struct tunnel t;
    c.connect_timeout = 1;
    setenv("FAKE_SSH_MODE", "hang", 1);
    assert_int_equal(tunnel_open(&t, &c), -1);
    assert_non_null(strstr(t.why, "not confirmed in time"));
    assert_int_equal(t.pid, 0);
}

static void a_dead_tunnel_is_noticed(void **state)
{
    (void)state;
    struct tunnel_conf c = conf(fake);
    struct tunnel t;
    setenv("FAKE_SSH_MODE", "die", 1);
    assert_int_equal(tunnel_open(&t, &c), 0);
    for (int i = 0; i < 100 && tunnel_alive(&t); i++)
        usleep(50000);
    assert_int_equal(tunnel_alive(&t), 0);
    assert_non_null(strstr(t.why, "Timeout, server isp.test not responding"));
    tunnel_close(&t);
}

static void release_asks_the_gate(void **state)
{
    (void)state;
    struct tunnel_conf c = conf(fake);
    char why[200];
    setenv("FAKE_SSH_MODE", "ready", 1);
    assert_int_equal(tunnel_release(&c, why, sizeof(why)), 0);
    assert_string_equal(why, "surel-tunnel released school1 1");
}

int main(void)
{
    const char *src = getenv("SUREL_SRC_DIR");
    snprintf(fake, sizeof(fake), "%s/tests/ssh/fake-ssh", src != NULL ? src : ".");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tunnel_arguments_lock_everything_down),
        cmocka_unit_test(release_has_no_forwards_and_small_buffers_fail),
        cmocka_unit_test(counts_the_tunnels_smtp_sessions_only),
        cmocka_unit_test(reads_sshs_compression_figures),
        cmocka_unit_test(last_words_skip_debug_lines),
        cmocka_unit_test(opens_when_the_gate_says_ready_and_closes_cleanly),
        cmocka_unit_test(a_held_remote_port_is_reported_stale),
        cmocka_unit_test(a_silent_ssh_times_out),
        cmocka_unit_test(a_dead_tunnel_is_noticed),
        cmocka_unit_test(release_asks_the_gate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
