/*
 * NAME
 *	slips 3h
 * SUMMARY
 *	credential slips for new accounts
 * SYNOPSIS
 *	#include "slips.h"
 *
 *	struct slips *slips_open(const char *path, const char *domain,
 *				const char *school, char *err, size_t errlen);
 *	void	slips_set_webmail(struct slips *s, const char *url);
 *	int	slips_add(struct slips *s, const struct roster_person *p,
 *				const char *password);
 *	int	slips_commit(struct slips *s, char *err, size_t errlen);
 *	void	slips_discard(struct slips *s);
 * DESCRIPTION
 *	Slips are what a teacher cuts apart and hands out: username, full
 *	name, class and the initial password.  A path ending in ".csv" gets
 *	CSV with the header "username,full_name,class,password,address";
 *	a path ending in ".pdf" (any case) gets printable slips, eight to an
 *	A4 page with dashed cut lines (slips_pdf.h); any other path gets
 *	plain text, one slip per block with a cut line.  The printable slips
 *	also name the webmail: slips_set_webmail()'s url ([school] webmail),
 *	or by default https://mail.DOMAIN/.
 *
 *	The slips are written to a temporary file (mode 0600: it holds
 *	passwords) beside the target and renamed into place by
 *	slips_commit(), after the database has committed; slips_discard()
 *	removes the temporary file when the import does not go through.
 * DIAGNOSTICS
 *	NULL or -1 with err filled in.
 */
#ifndef SUREL_SLIPS_H
#define SUREL_SLIPS_H

#include <stddef.h>

#include "roster.h"

struct slips;

struct slips *slips_open(const char *path, const char *domain, const char *school,
                         char *err, size_t errlen);
void slips_set_webmail(struct slips *s, const char *url);
int slips_add(struct slips *s, const struct roster_person *p, const char *password);
int slips_commit(struct slips *s, char *err, size_t errlen);
void slips_discard(struct slips *s);

#endif
