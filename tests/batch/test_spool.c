/*
 * NAME
 *	test_spool 1
 * SUMMARY
 *	unit tests: the batch spool (lib/spool.c)
 * DESCRIPTION
 *	Ids from the other side name files: only the exact form passes.
 *	A stored message parses back to its envelope; a malformed one is
 *	refused.  Store, list (arrival order), read, remove, seen marks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

static void ids_must_have_the_exact_form(void **state)
{
    (void)state;
    assert_true(spool_id_valid("1796658136-101153418c8ded5fe3700528"));
    const char *bad[] = {"", "../../etc/passwd", "1796658136-101153418C8DED5FE3700528",
                         "1796658136-101153418c8ded5fe370052", "1796658136-101153418c8ded5fe37005288",
                         "1796658136_101153418c8ded5fe3700528", "17966581x6-101153418c8ded5fe3700528",
                         "1796658136-101153418c8ded5fe37005/8", "1796658136-../153418c8ded5fe3700528"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(spool_id_valid(bad[i]));
}

static void addresses_with_control_characters_are_refused(void **state)
{
    (void)state;
    char longer[SPOOL_ADDR_MAX + 2];
    memset(longer, 'a', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_true(spool_addr_valid("\"ali baba\"@outside.test"));
    assert_true(spool_addr_valid(""));
    assert_false(spool_addr_valid("a@b\nto evil@x"));
    assert_false(spool_addr_valid("a@b\r"));
    assert_false(spool_addr_valid(longer));
}

static void malformed_entries_do_not_parse(void **state)
{
    (void)state;
    struct spool_entry e;
    const char *good = "surel-batch 1\nfrom a@x\nto b@y\n\nSubject: s\n\nbody\n";
    assert_int_equal(spool_parse(good, strlen(good), &e), 0);
    assert_string_equal(e.sender, "a@x");
    assert_string_equal(e.rcpt, "b@y");
    assert_int_equal(e.body_len, strlen("Subject: s\n\nbody\n"));
    const char *empty_sender = "surel-batch 1\nfrom \nto b@y\n\nx";
    assert_int_equal(spool_parse(empty_sender, strlen(empty_sender), &e), 0);
    assert_string_equal(e.sender, "");
    const char *bad[] = {"surel-batch 2\nfrom a@x\nto b@y\n\nx", "surel-batch 1\nto b@y\nfrom a@x\n\nx",
                         "surel-batch 1\nfrom a@x\nto \n\nx", "surel-batch 1\nfrom a@x\nto b@y\nx",
                         "surel-batch 1\nfrom a@x\nto b@y", "surel-batch 1\nfrom a\x01@x\nto b@y\n\nx",
                         "surel-batch 1\nfrom a@x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(spool_parse(bad[i], strlen(bad[i]), &e), -1);
}

/* A message file to store from. */
static int message_fd(const char *text)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs(text, f);
    fflush(f);
    int fd = dup(fileno(f));
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static void stored_messages_come_back_in_order_and_go(void **state)
{
    (void)state;
    char dir[] = "/tmp/surel-spool-XXXXXX", err[300], id1[SPOOL_ID_LEN + 1], id2[SPOOL_ID_LEN + 1];
    struct spool s;
    struct spool_ids ids;
    struct spool_entry e;
    char *buf;
    size_t len;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(spool_open(&s, dir, 0, err, sizeof(err)), -1);    /* not a spool yet */
    assert_int_equal(spool_open(&s, dir, 1, err, sizeof(err)), 0);
    int fd = message_fd("Subject: one\n\nfirst\n");
    assert_int_equal(spool_store(&s, fd, "", "b@y", id1, err, sizeof(err)), 0);
    close(fd);
    fd = message_fd("Subject: two\n\nsecond\n");
    assert_int_equal(spool_store(&s, fd, "a@x", "c@y", id2, err, sizeof(err)), 0);
    close(fd);
    assert_true(spool_id_valid(id1) && spool_id_valid(id2));
    assert_int_equal(spool_list(&s, &ids), 0);
    assert_int_equal(ids.n, 2);
    assert_true(strcmp(ids.id[0], ids.id[1]) < 0);
    spool_ids_free(&ids);
    assert_int_equal(spool_read(&s, id2, &buf, &len), 0);
    assert_int_equal(spool_parse(buf, len, &e), 0);
    assert_string_equal(e.sender, "a@x");
    assert_string_equal(e.rcpt, "c@y");
    assert_memory_equal(e.body, "Subject: two\n\nsecond\n", e.body_len);
    free(buf);
    assert_int_equal(spool_remove(&s, id1), 0);
    assert_int_equal(spool_remove(&s, id2), 0);
    assert_int_equal(spool_list(&s, &ids), 0);
    assert_int_equal(ids.n, 0);
    spool_ids_free(&ids);
    assert_false(spool_seen(&s, id1));
    assert_int_equal(spool_mark_seen(&s, id1), 0);
    assert_true(spool_seen(&s, id1));
    spool_prune_seen(&s, 0, 1000);               /* "now" long ago: nothing is old */
    assert_true(spool_seen(&s, id1));
    spool_prune_seen(&s, (long long)time(NULL) + 2000, 1000);
    assert_false(spool_seen(&s, id1));
    const char *subs[] = {"tmp", "new", "seen"};
    for (int i = 0; i < 3; i++) {
        char p[100];
        snprintf(p, sizeof(p), "%s/%s", dir, subs[i]);
        assert_int_equal(rmdir(p), 0);          /* empty: nothing was left behind */
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ids_must_have_the_exact_form),
        cmocka_unit_test(addresses_with_control_characters_are_refused),
        cmocka_unit_test(malformed_entries_do_not_parse),
        cmocka_unit_test(stored_messages_come_back_in_order_and_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
