/*
 * test_import: CSV reading, header mapping, matching and --sync.
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

#include "csv_read.h"
#include "import.h"

static void parse(const char *text, struct csv_table *t)
{
    char err[256];
    if (csv_table_parse("t.csv", text, strlen(text), t, err, sizeof(err)) != 0)
        fail_msg("parse: %s", err);
}

/* Excel's Indonesian export: BOM, ';', CRLF, quotes, blank lines. */
static void test_csv_excel_id(void **state)
{
    struct csv_table t;
    (void)state;
    parse("\xEF\xBB\xBFNama;Kelas\r\n\"Sutrisno; S.Pd\";7A\r\n\r\n;;\r\n\"Ani \"\"Ica\"\"\";7B\r\n", &t);
    assert_int_equal(t.delimiter, ';');
    assert_int_equal(t.nrows, 3);
    assert_string_equal(t.rows[0].fields[0], "Nama");
    assert_string_equal(t.rows[1].fields[0], "Sutrisno; S.Pd");
    assert_string_equal(t.rows[2].fields[0], "Ani \"Ica\"");
    assert_int_equal(t.rows[2].line, 5);
    csv_table_free(&t);
}

/* A quoted field may hold a line break; the next row's line is still right. */
static void test_csv_multiline(void **state)
{
    struct csv_table t;
    (void)state;
    parse("Name,Class\n\"Budi\nSantoso\",7A\nSiti,7B\n", &t);
    assert_int_equal(t.delimiter, ',');
    assert_int_equal(t.nrows, 3);
    assert_string_equal(t.rows[1].fields[0], "Budi\nSantoso");
    assert_int_equal(t.rows[2].line, 4);
    csv_table_free(&t);
}

/* Broken input names its line. */
static void test_csv_errors(void **state)
{
    struct csv_table t;
    char err[256];
    const char *bad = "Nama,Kelas\nBudi,7A\nSi\"ti,7B\n";
    (void)state;
    assert_int_equal(csv_table_parse("t.csv", bad, strlen(bad), &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.csv:3:"));
    const char *latin1 = "Nama,Kelas\nBudi,7A\nSit\xed,7B\n";
    assert_int_equal(csv_table_parse("t.csv", latin1, strlen(latin1), &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.csv:3: not UTF-8"));
    assert_int_equal(csv_table_parse("t.csv", "\n\n", 2, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "empty"));
}

/* Parse text that must fail; the message must hold want. */
static void refused(const char *text, size_t len, const char *want)
{
    struct csv_table t;
    char err[256] = "";
    assert_int_equal(csv_table_parse("t.csv", text, len, &t, err, sizeof(err)), -1);
    if (strstr(err, want) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

/* A quote left open is named where it opens, even when a later quote trips libcsv. */
static void test_csv_unclosed_quote(void **state)
{
    (void)state;
    static const char later_quote[] =
        "\xEF\xBB\xBFNama;Kelas\r\nBudi;7A\r\n\"Siti Nurhaliza;7A\r\nAgus;7B\r\n"
        "\"Dewi \"\"Ica\"\"\";7B\r\nJoko;7C\r\n";
    refused(later_quote, sizeof(later_quote) - 1, "t.csv:3: a quote opens here and is never closed");
    static const char to_the_end[] = "Nama,Kelas\nBudi,7A\n\"Siti,7A\nAgus,7B\nJoko,7C\n";
    refused(to_the_end, sizeof(to_the_end) - 1, "t.csv:3: a quote opens here and is never closed");
    static const char same_line[] = "Nama,Kelas\nBudi,7A\n\"Ani \"Ica\" S\",7A\n";
    refused(same_line, sizeof(same_line) - 1, "t.csv:3: a quote inside a quoted field must be doubled");
    /* a quoted field with a line break in it is fine, and so is the next row's line */
    struct csv_table t;
    parse("Nama;Kelas\r\n\"Budi\r\nSantoso\";7A\r\n\"Siti\";7B\r\n", &t);
    assert_int_equal(t.nrows, 3);
    assert_int_equal(t.rows[2].line, 4);
    csv_table_free(&t);
}

/* A line longer than the reader's buffer is "line too long", not "not UTF-8". */
static void test_csv_long_line(void **state)
{
    (void)state;
    size_t n = 40000;
    char *text = malloc(n + 64);
    assert_non_null(text);
    int o = sprintf(text, "Nama,Kelas\nBudi,7A\n");
    for (size_t i = 0; i < n / 2; i++)     /* multi-byte letters, cut nowhere */
        o += sprintf(text + o, "\xC3\xA9");
    o += sprintf(text + o, ",7A\n");
    refused(text, (size_t)o, "t.csv:3: line too long");
    free(text);
}

static void map(const char *header, int col[COL_COUNT], int want_rc, const char *want_err)
{
    struct csv_table t;
    char err[256] = "";
    parse(header, &t);
    assert_int_equal(import_map_header(&t.rows[0], col, err, sizeof(err)), want_rc);
    if (want_err != NULL && strstr(err, want_err) == NULL)
        fail_msg("header error \"%s\" lacks \"%s\"", err, want_err);
    csv_table_free(&t);
}

static void test_header_map(void **state)
{
    int col[COL_COUNT];
    (void)state;
    map("No;Nama Lengkap;JK;NISN;Rombel;Alamat\n", col, 0, NULL);
    assert_int_equal(col[COL_NAME], 1);
    assert_int_equal(col[COL_GENDER], 2);
    assert_int_equal(col[COL_NISN], 3);
    assert_int_equal(col[COL_CLASS], 4);
    assert_int_equal(col[COL_ROLE], -1);
    map("Full Name,Class,Role\n", col, 0, NULL);
    assert_int_equal(col[COL_NAME], 0);
    assert_int_equal(col[COL_ROLE], 2);
    map("Nama,Kelas,Rombel\n", col, -1, "two class columns");
    map("NISN,Kelas\n", col, -1, "no name column");
}

/* Rows: defaults, Indonesian words, and the errors a volunteer can fix. */
static void test_rows(void **state)
{
    struct csv_table t;
    struct import_row row;
    int col[COL_COUNT];
    char err[256];
    (void)state;
    parse("Nama,Kelas,NISN,JK,Peran\n"
          "Budi,7a,0081234501,Laki-laki,\n"
          "Bu Ani,,,,guru\n"
          "Siti,,,,\n"
          "Dodi,7A,81234501,L,\n"
          "Eka,7A,,X,\n"
          "Fitri,7A,,P,kepala\n", &t);
    assert_int_equal(import_map_header(&t.rows[0], col, err, sizeof(err)), 0);
    assert_int_equal(import_read_row(&t.rows[1], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), 0);
    assert_string_equal(row.class_name, "7A");
    assert_string_equal(row.gender, "L");
    assert_int_equal(import_read_row(&t.rows[2], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), 0);
    assert_int_equal(row.role, ROLE_TEACHER);
    assert_int_equal(import_read_row(&t.rows[3], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 4: no class for student"));
    assert_int_equal(import_read_row(&t.rows[3], col, ROLE_STUDENT, "9C", &row, err, sizeof(err)), 0);
    assert_string_equal(row.class_name, "9C");
    assert_int_equal(import_read_row(&t.rows[4], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 5: NISN \"81234501\" is not 10 digits"));
    assert_int_equal(import_read_row(&t.rows[5], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 6: gender"));
    assert_int_equal(import_read_row(&t.rows[6], col, ROLE_STUDENT, NULL, &row, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 7: unknown role \"kepala\""));
    csv_table_free(&t);
}

/* A roster in a temporary directory, for matching. */
struct fixture {
    char dir[64], db[96], cred[96];
    struct roster *r;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    char err[256];
    strcpy(f->dir, "/tmp/surel-test-import-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->db, sizeof(f->db), "%s/roster.db", f->dir);
    snprintf(f->cred, sizeof(f->cred), "%s/credentials.db", f->dir);
    if (roster_open(f->db, f->cred, ROSTER_WRITE | ROSTER_CREATE, &f->r, err, sizeof(err)) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];
    roster_close(f->r);
    snprintf(cmd, sizeof(cmd), "%s/roster.db", f->dir);
    unlink(cmd);
    strcat(cmd, "-wal");
    unlink(cmd);
    cmd[strlen(cmd) - 3] = '\0';
    strcat(cmd, "shm");
    unlink(cmd);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Run one import of a CSV text and return its plan's counts. */
static void run(struct fixture *f, const char *text, int sync, int want[4])
{
    struct csv_table t;
    struct import_plan plan;
    int col[COL_COUNT];
    char err[256];
    parse(text, &t);
    assert_int_equal(import_map_header(&t.rows[0], col, err, sizeof(err)), 0);
    struct import_row *rows = calloc((size_t)t.nrows, sizeof(*rows));
    for (int i = 1; i < t.nrows; i++)
        assert_int_equal(import_read_row(&t.rows[i], col, ROLE_STUDENT, NULL, &rows[i - 1],
                                         err, sizeof(err)), 0);
    assert_int_equal(roster_begin(f->r), 0);
    if (import_plan(f->r, rows, t.nrows - 1, sync, &plan, err, sizeof(err)) != 0)
        fail_msg("import: %s", err);
    assert_int_equal(roster_commit(f->r), 0);
    for (int k = 0; k < 4; k++)
        if (plan.counts[k] != want[k])
            fail_msg("kind %d: got %d, want %d", k, plan.counts[k], want[k]);
    import_plan_free(&plan);
    free(rows);
    csv_table_free(&t);
}

static const char class_list[] =
    "Nama,Kelas,NISN\nBudi,7A,0081234501\nBudi,7B,0081234502\nMuhammad,7B,\nMuhammad,7B,\n"
    "Siti Nurhaliza,7A,\n";

/* Same name twice is two people; the same list again changes nothing. */
static void test_reimport_unchanged(void **state)
{
    struct fixture *f = *state;
    struct roster_person p;
    run(f, class_list, 0, (int[4]){5, 0, 0, 0});
    assert_int_equal(roster_find_username(f->r, "budi", &p), 1);
    assert_string_equal(p.class_name, "7A");
    assert_int_equal(roster_find_username(f->r, "budi2", &p), 1);
    assert_string_equal(p.class_name, "7B");
    assert_int_equal(roster_find_username(f->r, "muhammad2", &p), 1);
    run(f, class_list, 0, (int[4]){0, 0, 5, 0});
}

/* A new school year: matched by NISN, the class changes, the username does not. */
static void test_move_keeps_username(void **state)
{
    struct fixture *f = *state;
    struct roster_person p;
    run(f, class_list, 0, (int[4]){5, 0, 0, 0});
    run(f, "Nama,Kelas,NISN\nBudi,8A,0081234501\n", 0, (int[4]){0, 1, 0, 0});
    assert_int_equal(roster_find_nisn(f->r, "0081234501", &p), 1);
    assert_string_equal(p.username, "budi");
    assert_string_equal(p.mailbox, "budi");
    assert_string_equal(p.class_name, "8A");
}

/* --sync graduates those missing from the imported classes only, deletes nobody. */
static void test_sync(void **state)
{
    struct fixture *f = *state;
    struct roster_person p;
    long long n;
    run(f, class_list, 0, (int[4]){5, 0, 0, 0});
    run(f, "Nama,Kelas,NISN\nBudi,7B,0081234502\nMuhammad,7B,\n", 1, (int[4]){0, 0, 2, 1});
    assert_int_equal(roster_find_username(f->r, "muhammad2", &p), 1);
    assert_int_equal(p.status, STATUS_GRADUATED);
    assert_int_equal(roster_find_username(f->r, "budi", &p), 1);
    assert_int_equal(p.status, STATUS_ACTIVE);             /* 7A was not imported */
    assert_int_equal(roster_count(f->r, NULL, &n), 0);
    assert_int_equal(n, 5);
    /* back on the list: active again, same account */
    run(f, class_list, 0, (int[4]){0, 1, 4, 0});
    assert_int_equal(roster_find_username(f->r, "muhammad2", &p), 1);
    assert_int_equal(p.status, STATUS_ACTIVE);
}

/* --sync-school: every active student missing from the list goes, whatever the class;
 * teachers never. */
static void test_sync_school(void **state)
{
    struct fixture *f = *state;
    struct roster_person p;
    run(f, class_list, 0, (int[4]){5, 0, 0, 0});
    run(f, "Nama,Kelas,Peran\nBu Ani,,guru\n", 0, (int[4]){1, 0, 0, 0});
    run(f, "Nama,Kelas,NISN\nBudi,9Z,0081234599\n", 0, (int[4]){1, 0, 0, 0});
    /* 7B's Budi stays and moves; 7A, 9Z and the Muhammads of 7B are not in the list */
    run(f, "Nama,Kelas,NISN\nBudi,8B,0081234502\n", IMPORT_SYNC_SCHOOL, (int[4]){0, 1, 0, 5});
    assert_int_equal(roster_find_nisn(f->r, "0081234599", &p), 1);
    assert_int_equal(p.status, STATUS_GRADUATED);           /* a class that vanished */
    assert_int_equal(roster_find_username(f->r, "budi2", &p), 1);
    assert_int_equal(p.status, STATUS_ACTIVE);
    assert_int_equal(roster_find_username(f->r, "bu.ani", &p), 1);
    assert_int_equal(p.status, STATUS_ACTIVE);              /* teachers are never touched */
}

/* Usernames never collide with reserved names or groups. */
static void test_reserved_names(void **state)
{
    struct fixture *f = *state;
    struct roster_person p;
    assert_int_equal(roster_group_create(f->r, "osis", ""), 0);
    run(f, "Nama,Kelas\nAdmin,7A\nOsis,7A\nPostmaster,7A\n", 0, (int[4]){3, 0, 0, 0});
    assert_int_equal(roster_find_username(f->r, "admin2", &p), 1);
    assert_int_equal(roster_find_username(f->r, "osis2", &p), 1);
    assert_int_equal(roster_find_username(f->r, "postmaster2", &p), 1);
}

/* One NISN on two lines is refused before anything is written. */
static void test_duplicate_nisn(void **state)
{
    struct fixture *f = *state;
    struct csv_table t;
    struct import_plan plan;
    int col[COL_COUNT];
    char err[256];
    struct import_row rows[2];
    parse("Nama,Kelas,NISN\nA,7A,0081234501\nB,7B,0081234501\n", &t);
    assert_int_equal(import_map_header(&t.rows[0], col, err, sizeof(err)), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(import_read_row(&t.rows[i + 1], col, 0, NULL, &rows[i], err, sizeof(err)), 0);
    assert_int_equal(import_plan(f->r, rows, 2, 0, &plan, err, sizeof(err)), -1);
    assert_string_equal(err, "line 3: NISN 0081234501 is also on line 2");
    import_plan_free(&plan);
    csv_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_excel_id), cmocka_unit_test(test_csv_multiline),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_unclosed_quote), cmocka_unit_test(test_csv_long_line), cmocka_unit_test(test_header_map),
        cmocka_unit_test(test_rows),
        cmocka_unit_test_setup_teardown(test_reimport_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_keeps_username, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_school, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_nisn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
