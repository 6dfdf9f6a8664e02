/*
 * NAME
 *	xlsx_read 3h
 * SUMMARY
 *	the first sheet of an .xlsx workbook as rows of text
 * SYNOPSIS
 *	#include "xlsx_read.h"
 *
 *	int	xlsx_parse(const char *name, const char *data, size_t len,
 *			   struct csv_table *t, char *sheet, size_t sheetlen,
 *			   char *err, size_t errlen);
 * DESCRIPTION
 *	The workbook in memory is opened with libzip; its parts are parsed
 *	with libxml2 (no network, no external entities).  The first sheet
 *	is the first <sheet> of xl/workbook.xml, found through its
 *	relationship in xl/_rels/workbook.xml.rels, as are the shared
 *	strings and the styles.  Its name goes to sheet.
 *
 *	Each non-blank row of the sheet becomes a struct csv_row whose line
 *	is the sheet's row number and whose fields are its cells from
 *	column A, trimmed like CSV fields.  Cells are read as a spreadsheet
 *	shows them: shared and inline strings (rich text runs joined,
 *	phonetic runs left out) as written, so "0081234501" keeps its zero;
 *	numbers as their digits ("1234567890", never "1.23E+9" or
 *	"1234567890.0"); numbers whose style is a date as YYYY-MM-DD (the
 *	1900 and the 1904 date systems); booleans as TRUE/FALSE; formula
 *	results as cached.  row->numeric marks the cells the workbook stored
 *	as numbers, so that callers can tell a number that lost its leading
 *	zeros from text.
 *
 *	Merged cells: a value merged over several rows counts on each of
 *	those rows (a class written once beside its pupils); a value merged
 *	over several columns counts once, in its first column, as Excel's
 *	own CSV export writes it (so a group title such as "Data Ayah" over
 *	six sub-columns does not become six columns of that name).
 * DIAGNOSTICS
 *	-1 with err naming the file, and where it applies the part, line,
 *	sheet and cell: not a zip, a missing part, malformed XML, a shared
 *	string index out of range, a cell that is not a number, a part over
 *	64 MB uncompressed or a sheet over 4 million cells, an empty sheet.
 *	t holds nothing on failure.
 */
#ifndef SUREL_XLSX_READ_H
#define SUREL_XLSX_READ_H

#include <stddef.h>

#include "csv_read.h"

int xlsx_parse(const char *name, const char *data, size_t len, struct csv_table *t, char *sheet,
               size_t sheetlen, char *err, size_t errlen);

#endif
