/*
 * test_import: CSV reading, encodings, header mapping (also Dapodik's two-row
 * header under title lines), names in capitals, matching and --sync.
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
#include "name_case.h"
#include "table_read.h"
#include "xlsx_read.h"

#include <zip.h>

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

/* A string literal and its length, NULs included. */
#define LIT(s) s, sizeof(s) - 1

/* Decode text as surel-roster would; returns the UTF-8 (malloc'd) or NULL with err. */
static char *decode(const char *data, size_t len, const char **enc, char *err, size_t errlen)
{
    char *out;
    size_t outlen;
    if (text_to_utf8("t.csv", data, len, &out, &outlen, enc, err, errlen) < 0)
        return NULL;
    if (out == NULL)
        out = strndup(data, len);
    return out;
}

/* Excel's encodings are found without a flag; UTF-8 is never read as 1252. */
static void test_encodings(void **state)
{
    const char *enc;
    char err[256], *s;
    (void)state;
    /* UTF-8, even when its bytes would also be fine as Windows-1252 */
    s = decode(LIT("Nama\nJos\xc3\xa9\n"), &enc, err, sizeof(err));
    assert_string_equal(enc, "UTF-8");
    assert_string_equal(s, "Nama\nJos\xc3\xa9\n");
    free(s);
    /* Windows-1252: é, the curly apostrophe 0x92, the euro sign 0x80 */
    s = decode(LIT("Nama\nJos\xe9 Nur\x92" "aini \x80\n"), &enc, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(enc, "WINDOWS-1252");
    assert_string_equal(s, "Nama\nJos\xc3\xa9 Nur\xe2\x80\x99" "aini \xe2\x82\xac\n");
    free(s);
    /* UTF-16LE with its BOM, tab-separated, as Excel's "Unicode Text" */
    static const char u16[] = "\xff\xfeN\0a\0m\0a\0\t\0K\0\r\0\n\0J\0o\0s\0\xe9\0\t\0" "7\0";
    s = decode(u16, sizeof(u16) - 1, &enc, err, sizeof(err));
    assert_non_null(s);
    assert_string_equal(enc, "UTF-16LE");
    assert_string_equal(s, "Nama\tK\r\nJos\xc3\xa9\t7");
    free(s);
    static const char u16be[] = "\xfe\xff\0N\0a";
    s = decode(u16be, sizeof(u16be) - 1, &enc, err, sizeof(err));
    assert_string_equal(s, "Na");
    free(s);
    /* a lone surrogate in UTF-16 names its line */
    static const char badu16[] = "\xff\xfeN\0\n\0\n\0\x00\xd8x\0";
    assert_null(decode(badu16, sizeof(badu16) - 1, &enc, err, sizeof(err)));
    assert_non_null(strstr(err, "t.csv:3: not UTF-16LE"));
    /* damaged UTF-8 (valid sequences and a stray byte) is refused, not read as 1252 */
    assert_null(decode(LIT("Nama\nJos\xc3\xa9\nSit\xed\n"), &enc, err, sizeof(err)));
    assert_non_null(strstr(err, "t.csv:3: not UTF-8"));
    /* a byte 1252 leaves undefined, and NUL without a UTF-16 BOM */
    assert_null(decode(LIT("Nama\nA\nB\x81\n"), &enc, err, sizeof(err)));
    assert_non_null(strstr(err, "t.csv:3: not UTF-8"));
    assert_null(decode(LIT("N\0a\0\n\0"), &enc, err, sizeof(err)));
    assert_non_null(strstr(err, "t.csv:1: not UTF-8"));
}

/* An .xls is refused with what to do. */
static void test_xls_refused(void **state)
{
    struct csv_table t;
    struct table_source src;
    char err[256];
    (void)state;
    assert_int_equal(table_parse("k.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, &t, &src, err,
                                 sizeof(err)), -1);
    assert_non_null(strstr(err, "k.xls: an old Excel .xls workbook"));
    assert_non_null(strstr(err, "save it as .xlsx or as CSV"));
    assert_int_equal(table_parse("k.xlsx", "PK\003\004xx", 6, &t, &src, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "k.xlsx: not a readable .xlsx workbook"));
}

/* An .xlsx in memory with these parts (name, text pairs, NULL-terminated); malloc'd. */
static char *make_xlsx(const char *const *parts, size_t *len)
{
    zip_error_t ze;
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_source_keep(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    assert_non_null(z);
    for (int i = 0; parts[i] != NULL; i += 2) {
        zip_source_t *f = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);
        assert_true(zip_file_add(z, parts[i], f, 0) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    zip_stat_t st;
    assert_int_equal(zip_source_stat(src, &st), 0);
    char *buf = malloc(st.size);
    assert_int_equal(zip_source_open(src), 0);
    assert_int_equal(zip_source_read(src, buf, st.size), (zip_int64_t)st.size);
    zip_source_close(src);
    zip_source_free(src);
    *len = st.size;
    return buf;
}

#define NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""
#define RNS "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* Cells as a spreadsheet shows them: strings, digits, dates, merges. */
static void test_xlsx_cells(void **state)
{
    const char *const parts[] = {
        "xl/workbook.xml", "<workbook " NS " " RNS "><workbookPr/><sheets><sheet name=\"Kelas 7\""
        " sheetId=\"9\" r:id=\"rId7\"/><sheet name=\"Lain\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
        "</workbook>",
        "xl/_rels/workbook.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/"
        "package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target="
        "\"worksheets/sheet1.xml\"/><Relationship Id=\"rId7\" Type=\"x/worksheet\" Target="
        "\"worksheets/kelas.xml\"/><Relationship Id=\"rId3\" Type=\"x/sharedStrings\" Target="
        "\"strings.xml\"/><Relationship Id=\"rId4\" Type=\"x/styles\" Target=\"styles.xml\"/>"
        "</Relationships>",
        "xl/strings.xml", "<sst " NS "><si><t>Nama</t></si><si><r><t xml:space=\"preserve\">Budi "
        "</t></r><r><t>Santoso</t></r><rPh><t>x</t></rPh></si><si><t>0091234501</t></si></sst>",
        "xl/styles.xml", "<styleSheet " NS "><numFmts><numFmt numFmtId=\"170\" formatCode="
        "\"d&quot;.&quot;mmmm yyyy\"/><numFmt numFmtId=\"171\" formatCode=\"&quot;day&quot; 0\"/>"
        "</numFmts><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"170\"/>"
        "<xf numFmtId=\"171\"/></cellXfs></styleSheet>",
        "xl/worksheets/sheet1.xml", "<worksheet " NS "><sheetData><row r=\"1\"><c r=\"A1\" t="
        "\"inlineStr\"><is><t>wrong sheet</t></is></c></row></sheetData></worksheet>",
        "xl/worksheets/kelas.xml", "<worksheet " NS "><sheetData>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>Kelas"
        "</t></is></c><c r=\"D2\"><v>1234567890</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\" t=\"inlineStr\"><is><t> 7A </t>"
        "</is></c><c r=\"C3\" t=\"s\"><v>2</v></c><c r=\"D3\"><v>1.01234508E8</v></c>"
        "<c r=\"E3\" s=\"1\"><v>45000</v></c><c r=\"F3\" s=\"2\"><v>45000.5</v></c>"
        "<c r=\"G3\" s=\"3\"><v>4</v></c><c r=\"H3\"><v>1.5</v></c><c r=\"I3\" t=\"b\"><v>1</v>"
        "</c><c r=\"J3\" t=\"str\"><f>A1</f><v>Nama</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>Siti</t></is></c><c r=\"C4\"><v>3.0</v>"
        "</c></row><row r=\"6\"><c t=\"inlineStr\"><is><t>Ani</t></is></c></row>"
        "</sheetData><mergeCells><mergeCell ref=\"B3:B6\"/><mergeCell ref=\"D2:E2\"/></mergeCells>"
        "</worksheet>",
        NULL};
    struct csv_table t;
    char sheet[64], err[256];
    size_t len;
    (void)state;
    char *data = make_xlsx(parts, &len);
    if (xlsx_parse("k.xlsx", data, len, &t, sheet, sizeof(sheet), err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(sheet, "Kelas 7");
    assert_int_equal(t.nrows, 4);
    assert_int_equal(t.rows[0].line, 2);
    assert_string_equal(t.rows[0].fields[0], "Nama");
    assert_string_equal(t.rows[0].fields[2], "");
    assert_string_equal(t.rows[0].fields[3], "1234567890");     /* never 1.23E+9 */
    assert_int_equal(t.rows[0].nfields, 4);                     /* D2:E2 is not spread */
    const struct csv_row *r = &t.rows[1];
    assert_string_equal(r->fields[0], "Budi Santoso");          /* runs joined, no phonetic */
    assert_string_equal(r->fields[1], "7A");                    /* trimmed */
    assert_string_equal(r->fields[2], "0091234501");            /* text keeps its zero */
    assert_int_equal(r->numeric[2], 0);
    assert_string_equal(r->fields[3], "101234508");
    assert_int_equal(r->numeric[3], 1);
    assert_string_equal(r->fields[4], "2023-03-15");            /* built-in date format */
    assert_string_equal(r->fields[5], "2023-03-15");            /* custom date format */
    assert_string_equal(r->fields[6], "4");                     /* "day" 0 is no date */
    assert_string_equal(r->fields[7], "1.5");
    assert_string_equal(r->fields[8], "TRUE");
    assert_string_equal(r->fields[9], "Nama");
    assert_string_equal(t.rows[2].fields[1], "7A");             /* merged down B3:B6 */
    assert_string_equal(t.rows[2].fields[2], "3");              /* 3.0 -> 3 */
    assert_int_equal(t.rows[3].line, 6);
    assert_string_equal(t.rows[3].fields[0], "Ani");            /* no r: next column */
    assert_string_equal(t.rows[3].fields[1], "7A");
    csv_table_free(&t);
    free(data);
}

/* Broken workbooks name the part, sheet and cell. */
static void test_xlsx_errors(void **state)
{
    const char *const base[] = {
        "xl/workbook.xml", "<workbook " NS " " RNS "><workbookPr date1904=\"1\"/><sheets>"
        "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
        "xl/_rels/workbook.xml.rels", "<Relationships><Relationship Id=\"rId1\" Type=\"w\" "
        "Target=\"/xl/worksheets/s.xml\"/></Relationships>",
        "xl/styles.xml", "<styleSheet><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/>"
        "</cellXfs></styleSheet>",
        "xl/worksheets/s.xml", NULL, NULL};
    static const char *const sheets[][2] = {
        {"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" s=\"1\"><v>45000</v></c></row>"
         "</sheetData></worksheet>", NULL},
        {"<worksheet><sheetData><row r=\"3\"><c r=\"B3\" t=\"s\"><v>0</v></c></row></sheetData>"
         "</worksheet>", "k.xlsx: sheet \"S\" cell B3: shared string 0 does not exist"},
        {"<worksheet><sheetData><row r=\"2\"><c r=\"C2\"><v>12a</v></c></row></sheetData>"
         "</worksheet>", "k.xlsx: sheet \"S\" cell C2: its number cannot be read"},
        {"<worksheet><sheetData><row r=\"2\"><c r=\"C3\"><v>1</v></c></row></sheetData>"
         "</worksheet>", "k.xlsx: sheet \"S\" row 2: bad cell reference \"C3\""},
        {"<worksheet><sheetData><row r=\"2\"></row></sheetData></worksheet>",
         "k.xlsx: sheet \"S\" is empty"},
        {"<worksheet><sheetData><row r=\"2\">", "k.xlsx: xl/worksheets/s.xml:1: malformed XML"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(sheets) / sizeof(sheets[0]); i++) {
        const char *parts[sizeof(base) / sizeof(base[0])];
        struct csv_table t;
        char sheet[64], err[256] = "";
        size_t len;
        memcpy(parts, base, sizeof(base));
        parts[7] = sheets[i][0];
        char *data = make_xlsx(parts, &len);
        int rc = xlsx_parse("k.xlsx", data, len, &t, sheet, sizeof(sheet), err, sizeof(err));
        free(data);
        if (sheets[i][1] == NULL) {                 /* the 1904 date system */
            assert_int_equal(rc, 0);
            assert_string_equal(t.rows[0].fields[0], "2027-03-16");
            csv_table_free(&t);
        } else if (rc != -1 || strstr(err, sheets[i][1]) == NULL) {
            fail_msg("case %zu: rc %d, \"%s\", want \"%s\"", i, rc, err, sheets[i][1]);
        }
    }
}

/* Names in capitals; names in mixed case are left alone. */
static void test_name_case(void **state)
{
    static const char *const cases[][2] = {
        {"ADI NUGROHO", "Adi Nugroho"}, {"MUHAMMAD AL-FATIH", "Muhammad Al-Fatih"},
        {"SITI NUR'AINI", "Siti Nur'aini"}, {"M. RIZKI", "M. Rizki"},
        {"AHMAD BIN ABDULLAH", "Ahmad bin Abdullah"}, {"JOS\xc3\x89 \xc3\x91" "ANDU", "Jos\xc3\xa9 \xc3\x91" "andu"},
        {"DRS. SUTRISNO, M.PD.", "Drs. Sutrisno, M.Pd."}, {"HAMENGKU BUWONO III", "Hamengku Buwono III"},
        {"Adi NUGROHO", "Adi NUGROHO"}, {"budi", "budi"}, {"B", "B"}, {"\xe7\x8e\x8b", "\xe7\x8e\x8b"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        strcpy(buf, cases[i][0]);
        name_case_fix(buf);
        if (strcmp(buf, cases[i][1]) != 0)
            fail_msg("\"%s\" -> \"%s\", want \"%s\"", cases[i][0], buf, cases[i][1]);
    }
}

/* Dapodik's layout: title lines, then a two-row header with groups. */
static void test_dapodik_header(void **state)
{
    struct csv_table t;
    struct import_row row;
    int col[COL_COUNT], first = -1;
    char err[256];
    (void)state;
    parse("Daftar Peserta Didik;;;;;;;;;;\n"
          "SMP NEGERI 1 CONTOH;;;;;;;;;;\n"
          "Tanggal Unduh: 2026-07-14;;;;;;;;;;\n"
          "\n"
          "No;Nama;NISN;JK;Data Ayah;;Data Ibu;;Rombel Saat Ini;NIK\n"
          ";;;;Nama;NIK;Nama;NIK;;\n"
          "1;BUDI SANTOSO;0091234501;L;SUPARMAN;3302000000000001;SRI;3302000000000002;Kelas 7A;3302000000000003\n", &t);
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), 0);
    assert_int_equal(first, 5);
    assert_int_equal(col[COL_NAME], 1);
    assert_int_equal(col[COL_NISN], 2);
    assert_int_equal(col[COL_CLASS], 8);
    assert_int_equal(import_read_row(&t.rows[first], col, ROLE_STUDENT, NULL, &row, err,
                                     sizeof(err)), 0);
    assert_string_equal(row.full_name, "Budi Santoso");
    assert_string_equal(row.class_name, "7A");
    assert_string_equal(row.nisn, "0091234501");
    csv_table_free(&t);
    /* the merged "Nama" repeated on the second row (as the workbook reader gives it) */
    parse("No,Nama,Data Ayah,,Kelas\nNo,Nama,Nama,NIK,Kelas\n1,Budi,Suparman,1,7A\n", &t);
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), 0);
    assert_int_equal(first, 2);
    assert_int_equal(col[COL_NAME], 1);
    csv_table_free(&t);
    /* a data row with an empty name is not a second header row: it is refused */
    parse("Nama,Kelas\n,7A,Budi\n", &t);
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), 0);
    assert_int_equal(first, 1);
    assert_int_equal(col[COL_CLASS], 1);
    csv_table_free(&t);
    /* a one-row header keeps refusing two name columns, and no header is "no name column" */
    parse("Judul\nNama,Nama,Kelas\nBudi,Budi,7A\n", &t);
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 2: two name columns"));
    csv_table_free(&t);
    /* title lines without delimiters (a hand-made file) do not choose the delimiter */
    parse("Daftar Siswa\nKecamatan Contoh, Kabupaten Contoh\nNama;Kelas\nBudi;7A\nSiti;7A\n", &t);
    assert_int_equal(t.delimiter, ';');
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), 0);
    assert_int_equal(first, 3);
    assert_int_equal(col[COL_CLASS], 1);
    csv_table_free(&t);
    parse("Judul\nNomor,Kelas\n1,7A\n", &t);
    assert_int_equal(import_find_header(&t, col, &first, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "line 1: no name column"));
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
        cmocka_unit_test(test_csv_errors), cmocka_unit_test(test_csv_unclosed_quote),
        cmocka_unit_test(test_csv_long_line), cmocka_unit_test(test_header_map),
        cmocka_unit_test(test_rows), cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_xls_refused), cmocka_unit_test(test_name_case),
        cmocka_unit_test(test_dapodik_header), cmocka_unit_test(test_xlsx_cells),
        cmocka_unit_test(test_xlsx_errors),
        cmocka_unit_test_setup_teardown(test_reimport_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_keeps_username, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_school, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_nisn, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
