/*
 * NAME
 *	slips_pdf 3h
 * SUMMARY
 *	printable credential slips: eight to an A4 page, with cut lines
 * SYNOPSIS
 *	#include "slips_pdf.h"
 *
 *	struct slips_pdf *slips_pdf_open(FILE *fp, const char *school,
 *				char *err, size_t errlen);
 *	int	slips_pdf_add(struct slips_pdf *p, const struct slip_text *t);
 *	int	slips_pdf_finish(struct slips_pdf *p, char *err, size_t errlen);
 *	void	slips_pdf_free(struct slips_pdf *p);
 * DESCRIPTION
 *	A PDF typeset with cairo and pango, written to fp (slips.c gives the
 *	temporary file it made with mode 0600).  Each A4 portrait page holds
 *	eight slips, two across and four down, framed by dashed cut lines.
 *	A slip shows the school's name, the person's name, class, username,
 *	e-mail address, the initial password, the webmail address and one
 *	line of instruction; the labels and the instruction go through _(),
 *	so they are Indonesian when the catalogue and the locale are.
 *
 *	Every field is laid out as plain text (never pango markup), so a
 *	name with "<", "&", a backslash or a leading ".sy" prints as it is
 *	written.  Names in any script render with whatever fonts fontconfig
 *	has (DejaVu, plus a CJK fallback font for Chinese).  A long name
 *	is set smaller and wrapped over up to seven lines; only past that is
 *	it cut with an ellipsis, so no field ever leaves its slip.
 *
 *	slips_pdf_finish() ends the document and flushes it into fp (the
 *	caller still owns and closes fp); slips_pdf_free() releases
 *	everything, finished or not.
 * DIAGNOSTICS
 *	NULL or -1 with err filled in; slips_pdf_add() returns -1 when
 *	cairo failed (slips_pdf_finish() then says why).
 */
#ifndef SUREL_SLIPS_PDF_H
#define SUREL_SLIPS_PDF_H

#include <stddef.h>
#include <stdio.h>

/* What one slip says; every field is UTF-8, none NULL. */
struct slip_text {
    const char *name;
    const char *class_name;
    const char *username;
    const char *address;
    const char *password;
    const char *webmail;        /* "": no webmail line */
};

struct slips_pdf;

struct slips_pdf *slips_pdf_open(FILE *fp, const char *school, char *err, size_t errlen);
int slips_pdf_add(struct slips_pdf *p, const struct slip_text *t);
int slips_pdf_finish(struct slips_pdf *p, char *err, size_t errlen);
void slips_pdf_free(struct slips_pdf *p);

#endif
