/*
 * NAME
 *	test_clients 1
 * SUMMARY
 *	unit tests: the control socket's client table (clients.h)
 * DESCRIPTION
 *	The bookkeeping without sockets (cap, oldest dropped, request line
 *	assembly, deadlines, poll timeout), then the I/O over socketpairs:
 *	a byte at a time makes a request, a client that never reads its
 *	reply is dropped at its deadline, nothing blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "clients.h"

static const struct client_peer someone = {1000, 1000, 42};

/* The table is capped; a new client takes the oldest one's place. */
static void full_table_drops_the_oldest(void **state)
{
    struct clients t;
    struct client old;
    (void)state;
    clients_init(&t, 3, 5000);
    for (int i = 0; i < 3; i++) {
        assert_non_null(clients_add(&t, 10 + i, &someone, 100 + i, &old));
        assert_int_equal(old.fd, -1);
    }
    assert_int_equal(clients_count(&t), 3);
    struct client *c = clients_add(&t, 20, &someone, 200, &old);
    assert_int_equal(old.fd, 10);           /* the first one, connected at 100 */
    assert_int_equal(c->fd, 20);
    assert_int_equal(clients_count(&t), 3);
    c = clients_add(&t, 21, &someone, 201, &old);
    assert_int_equal(old.fd, 11);
    client_release(&old);
}

/* A line may come a byte at a time; too long or with a NUL it is refused. */
static void request_line_is_assembled(void **state)
{
    struct clients t;
    struct client old;
    (void)state;
    clients_init(&t, 2, 5000);
    struct client *c = clients_add(&t, 10, &someone, 0, &old);
    const char *req = "status\r\n";
    for (size_t i = 0; i + 1 < strlen(req); i++)
        assert_int_equal(client_take(c, req + i, 1), 0);
    assert_int_equal(client_take(c, "\n", 1), 1);
    assert_string_equal(c->line, "status");
    c = clients_add(&t, 11, &someone, 0, &old);
    char big[CLIENT_LINE];
    memset(big, 'x', sizeof(big));
    assert_int_equal(client_take(c, big, CLIENT_LINE - 1), 0);
    assert_int_equal(client_take(c, "x", 1), -1);
    c = clients_add(&t, 12, &someone, 0, &old);    /* takes fd 10's place */
    assert_int_equal(client_take(c, "dial\0force\n", 11), -1);
}

/* The poll timeout reaches to the nearest deadline; expired clients are found. */
static void deadlines_bound_the_wait(void **state)
{
    struct clients t;
    struct client old;
    (void)state;
    clients_init(&t, 4, 5000);
    assert_int_equal(clients_timeout(&t, 0, 250), 250);
    clients_add(&t, 10, &someone, 1000, &old);
    assert_int_equal(clients_timeout(&t, 1000, 250), 250);
    assert_int_equal(clients_timeout(&t, 5900, 250), 100);
    assert_int_equal(clients_timeout(&t, 7000, 250), 0);
    assert_null(clients_expired(&t, 5999));
    assert_non_null(clients_expired(&t, 6000));
    struct client *c = clients_add(&t, 11, &someone, 2000, &old);
    assert_int_equal(client_set_reply(c, "ok\n", 3000, 5000), 0);
    assert_int_equal(c->deadline_ms, 8000);        /* the reply gets its own deadline */
    assert_int_equal(client_wrote(c, 1), 0);
    assert_int_equal(client_wrote(c, 2), 1);
    client_release(c);
    client_release(&t.c[0]);
    assert_int_equal(clients_count(&t), 0);
}

/* Over a socketpair: a request a byte at a time, then its answer. */
static void slow_client_is_served_without_waiting(void **state)
{
    struct clients t;
    struct client old;
    struct pollfd p[CLIENTS_MAX];
    int slot[CLIENTS_MAX], sv[2];
    char buf[64];
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    clients_init(&t, 4, 5000);
    clients_add(&t, sv[0], &someone, 0, &old);
    assert_int_equal(clients_poll_set(&t, p, slot), 1);
    assert_int_equal(p[0].events, POLLIN);
    assert_null(clients_io(&t, slot[0], POLLIN, 1));       /* nothing there: no wait */
    assert_int_equal(write(sv[1], "sta", 3), 3);
    assert_null(clients_io(&t, slot[0], POLLIN, 2));
    assert_int_equal(write(sv[1], "tus\n", 4), 4);
    struct client *c = clients_io(&t, slot[0], POLLIN, 3);
    assert_non_null(c);
    assert_string_equal(c->line, "status");
    clients_answer(&t, c, "ok\nstate: idle\n", 4);
    assert_int_equal(clients_count(&t), 0);                /* all written, closed */
    ssize_t r = read(sv[1], buf, sizeof(buf) - 1);
    assert_int_equal(r, 15);
    buf[r] = '\0';
    assert_string_equal(buf, "ok\nstate: idle\n");
    close(sv[1]);
}

/* A client that never reads a long reply is dropped at its deadline. */
static void client_that_does_not_read_is_dropped(void **state)
{
    struct clients t;
    struct client old;
    int sv[2];
    static char big[1 << 20];
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    clients_init(&t, 4, 5000);
    struct client *c = clients_add(&t, sv[0], &someone, 0, &old);
    assert_int_equal(client_take(c, "status\n", 7), 1);
    memset(big, 'x', sizeof(big) - 1);
    clients_answer(&t, c, big, 10);                        /* more than the socket holds */
    assert_int_equal(clients_count(&t), 1);
    assert_int_equal(c->phase, CLIENT_WRITING);
    clients_expire(&t, 5009);
    assert_int_equal(clients_count(&t), 1);
    clients_expire(&t, 5010);
    assert_int_equal(clients_count(&t), 0);
    close(sv[1]);
}

/* A silent client is dropped at its deadline; its socket is closed. */
static void silent_client_is_dropped(void **state)
{
    struct clients t;
    struct client old;
    int sv[2];
    char b;
    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    clients_init(&t, 4, 5000);
    clients_add(&t, sv[0], &someone, 0, &old);
    clients_expire(&t, 4999);
    assert_int_equal(clients_count(&t), 1);
    clients_expire(&t, 5000);
    assert_int_equal(clients_count(&t), 0);
    assert_int_equal(read(sv[1], &b, 1), 0);               /* the daemon's end is closed */
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_table_drops_the_oldest),
        cmocka_unit_test(request_line_is_assembled),
        cmocka_unit_test(deadlines_bound_the_wait),
        cmocka_unit_test(slow_client_is_served_without_waiting),
        cmocka_unit_test(client_that_does_not_read_is_dropped),
        cmocka_unit_test(silent_client_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
