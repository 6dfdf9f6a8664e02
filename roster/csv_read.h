/*
 * NAME
 *	csv_read 3h
 * SUMMARY
 *	read a spreadsheet's CSV export into rows, with line numbers
 * SYNOPSIS
 *	#include "csv_read.h"
 *
 *	int	csv_table_parse(const char *name, const char *data, size_t len,
 *				struct csv_table *t, char *err, size_t errlen);
 *	void	csv_table_free(struct csv_table *t);
 * DESCRIPTION
 *	Files are read, and their encoding settled, by table_read.h; this
 *	parses the UTF-8 text.  Parsing is libcsv's.  Around it: a UTF-8 byte order mark is dropped;
 *	the delimiter is the one of ',', ';' and TAB that occurs most often
 *	outside quotes in the first 30 non-blank lines (Indonesian-locale
 *	Excel writes ';'; title lines above the header do not decide); CRLF
 *	and LF both end lines; rows whose fields are all
 *	blank are skipped.  Each row remembers the line it starts on, so
 *	errors can name it.
 * DIAGNOSTICS
 *	-1 with err naming the file and line: unreadable file, text that is
 *	not UTF-8, a line longer than 16 KB ("line too long"), a malformed
 *	quoted field (a quote never closed is named at the line where it
 *	opens), an empty file.
 */
#ifndef SUREL_CSV_READ_H
#define SUREL_CSV_READ_H

#include <stddef.h>

struct csv_row {
    int line;           /* 1-based line where the row starts */
    int nfields;
    char **fields;      /* NUL-terminated, trimmed of surrounding blanks */
    unsigned char *numeric; /* per field, 1 if a workbook stored a number; NULL for CSV */
};

struct csv_table {
    int nrows;
    struct csv_row *rows;
    char delimiter;
};

int csv_table_parse(const char *name, const char *data, size_t len, struct csv_table *t,
                    char *err, size_t errlen);
void csv_table_free(struct csv_table *t);

#endif
