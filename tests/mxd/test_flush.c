/*
 * NAME
 *	test_flush - unit tests of surel-mxd's second-flush queue and of
 *	running postqueue through posix_spawn
 * DESCRIPTION
 *	The spawn test runs a stand-in script at the postqueue path that
 *	records the argument vector it was given, so it proves the exact
 *	command line (no shell, "-c DIR -s DOMAIN"), and what the flush
 *	helper runs for the lines it is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "flush.h"

static void test_one_pending_flush_per_domain(void **state)
{
    struct mxd_flushq q = {0};
    char d[256];
    (void)state;
    assert_int_equal(mxd_flushq_next(&q), -1);
    assert_int_equal(mxd_flushq_schedule(&q, "school.test", 1035), 0);
    assert_int_equal(mxd_flushq_schedule(&q, "other.test", 1040), 0);
    assert_int_equal(mxd_flushq_schedule(&q, "school.test", 1050), 0);  /* moved later */
    assert_int_equal(q.n, 2);
    assert_int_equal(mxd_flushq_next(&q), 1040);
    assert_int_equal(mxd_flushq_pop(&q, 1039, d, sizeof(d)), 0);
    assert_int_equal(mxd_flushq_pop(&q, 1045, d, sizeof(d)), 1);
    assert_string_equal(d, "other.test");
    assert_int_equal(mxd_flushq_pop(&q, 1045, d, sizeof(d)), 0);
    assert_int_equal(mxd_flushq_pop(&q, 1050, d, sizeof(d)), 1);
    assert_string_equal(d, "school.test");
    assert_int_equal(mxd_flushq_next(&q), -1);
    for (int i = 0; i < 100; i++) {             /* grows past its first allocation */
        snprintf(d, sizeof(d), "s%d.test", i);
        assert_int_equal(mxd_flushq_schedule(&q, d, i), 0);
    }
    assert_int_equal(q.n, 100);
    mxd_flushq_free(&q);
}

static void test_spawn_runs_postqueue_with_argv(void **state)
{
    char dir[] = "/tmp/test_flush.XXXXXX", script[128], args[128], line[256];
    int status;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(script, sizeof(script), "%s/postqueue", dir);
    snprintf(args, sizeof(args), "%s/args", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\nprintf '%%s\\n' \"$@\" > %s\n", args);
    fclose(f);
    chmod(script, 0755);
    pid_t pid = mxd_postqueue_spawn(script, "/etc/postfix-isp", "school.test");
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f = fopen(args, "r");
    assert_non_null(f);
    const char *want[] = {"-c", "/etc/postfix-isp", "-s", "school.test"};
    for (int i = 0; i < 4; i++) {
        assert_non_null(fgets(line, sizeof(line), f));
        line[strcspn(line, "\n")] = '\0';
        assert_string_equal(line, want[i]);
    }
    assert_null(fgets(line, sizeof(line), f));
    fclose(f);
    assert_int_equal(mxd_postqueue_spawn("/nonexistent/postqueue", NULL, "x.test"), -1);
    unlink(args);
    unlink(script);
    rmdir(dir);
}

static void test_helper_flushes_valid_domains_only(void **state)
{
    char dir[] = "/tmp/test_flush.XXXXXX", script[128], args[128], line[256];
    pid_t helper;
    int status;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(script, sizeof(script), "%s/postqueue", dir);
    snprintf(args, sizeof(args), "%s/args", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\necho \"$*\" >> %s\n", args);
    fclose(f);
    chmod(script, 0755);
    int fd = mxd_flush_helper_start(getuid(), getgid(), script, NULL, -1, &helper);
    assert_true(fd >= 0);
    assert_int_equal(mxd_flush_helper_request(fd, "school.test"), 0);
    assert_int_equal(mxd_flush_helper_request(fd, "../etc/passwd"), 0);   /* refused by the helper */
    assert_int_equal(mxd_flush_helper_request(fd, "other.test"), 0);
    close(fd);                                  /* EOF: the helper finishes and exits */
    assert_int_equal(waitpid(helper, &status, 0), helper);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f = fopen(args, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "-s school.test\n");
    assert_non_null(fgets(line, sizeof(line), f));
    assert_string_equal(line, "-s other.test\n");
    assert_null(fgets(line, sizeof(line), f));
    fclose(f);
    unlink(args);
    unlink(script);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_pending_flush_per_domain),
        cmocka_unit_test(test_spawn_runs_postqueue_with_argv),
        cmocka_unit_test(test_helper_flushes_valid_domains_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
