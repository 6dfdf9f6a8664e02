/*
 * NAME
 *	table_read 3h
 * SUMMARY
 *	read a class list as the school has it: CSV in the encodings Excel
 *	writes, or an .xlsx workbook
 * SYNOPSIS
 *	#include "table_read.h"
 *
 *	int	table_read(const char *path, struct csv_table *t,
 *			   struct table_source *src, char *err, size_t errlen);
 *	int	table_parse(const char *name, const char *data, size_t len,
 *			    struct csv_table *t, struct table_source *src,
 *			    char *err, size_t errlen);
 *	int	text_to_utf8(const char *name, const char *data, size_t len,
 *			     char **out, size_t *outlen, const char **encoding,
 *			     char *err, size_t errlen);
 * DESCRIPTION
 *	table_read() reads the whole file (at most 64 MB) and hands it to
 *	table_parse(), which looks at its first bytes:
 *
 *	PK\e003\e004	a zip: an .xlsx workbook, read by xlsx_parse(3);
 *			src->sheet gets the name of the sheet read.
 *	D0 CF 11 E0	the old binary .xls (or another OLE file): refused,
 *			"save it as .xlsx or CSV".
 *	anything else	text, turned into UTF-8 by text_to_utf8() and
 *			parsed by csv_table_parse(3).
 *
 *	text_to_utf8() decides the encoding without a flag, in this order:
 *	a UTF-16 byte order mark (FF FE or FE FF: Excel's "Unicode Text")
 *	means UTF-16; text that is valid UTF-8 (with or without its BOM) is
 *	UTF-8; text that is not, contains no NUL, no valid multi-byte UTF-8
 *	sequence and none of the five bytes Windows-1252 leaves undefined
 *	(81 8D 8F 90 9D) is Windows-1252 (Excel's plain "CSV").  Anything
 *	else is refused naming the line of the first byte that is not
 *	UTF-8.  The rule never reads UTF-8 as Windows-1252: UTF-8 is tried
 *	first, and a file holding both valid multi-byte sequences and
 *	stray bytes is a damaged UTF-8 file, not a Windows-1252 one.  (A
 *	Windows-1252 file that happens to be valid UTF-8 would need pairs
 *	such as "Ã©" in its names; class lists do not have them.)
 *	*encoding names what was found; *out is malloc'd, or NULL when the
 *	input is already UTF-8 and can be used as it is.
 *
 *	src->form is "csv" or "xlsx", src->encoding the text encoding or
 *	"xlsx".  Row line numbers are the text file's lines, or the sheet's
 *	row numbers.
 * DIAGNOSTICS
 *	-1 with err naming the file and the line (CSV) or the sheet and the
 *	cell (xlsx): unreadable or too large file, .xls, an encoding that is
 *	none of the above, invalid UTF-16, and whatever csv_table_parse(3)
 *	and xlsx_parse(3) refuse.  Nothing is allocated in t on failure.
 */
#ifndef SUREL_TABLE_READ_H
#define SUREL_TABLE_READ_H

#include <stddef.h>

#include "csv_read.h"

struct table_source {
    const char *form;       /* "csv" or "xlsx" */
    const char *encoding;   /* "UTF-8", "UTF-16LE", "UTF-16BE", "WINDOWS-1252", "xlsx" */
    char sheet[128];        /* xlsx: the sheet read; "" for text */
};

int table_read(const char *path, struct csv_table *t, struct table_source *src, char *err,
               size_t errlen);
int table_parse(const char *name, const char *data, size_t len, struct csv_table *t,
                struct table_source *src, char *err, size_t errlen);
int text_to_utf8(const char *name, const char *data, size_t len, char **out, size_t *outlen,
                 const char **encoding, char *err, size_t errlen);

#endif
