/*
 * NAME
 *	lookalike 3h
 * SUMMARY
 *	does a domain written with other Unicode characters look like another?
 * SYNOPSIS
 *	#include "lookalike.h"
 *
 *	int	lookalike_init(void);
 *	int	lookalike_domain(const char *domain, const char *school);
 * DESCRIPTION
 *	A mail program shows "smpn1.sch.id" followed by a zero-width space,
 *	or written with a Cyrillic "s", just like the school's own domain.
 *	lookalike_domain says whether domain, once invisible characters are
 *	dropped, compatibility forms and case folded (NFKC_Casefold), the
 *	full stops of other scripts read as "." and every character replaced
 *	by its confusable prototype (ICU's spoof checker, Unicode TS #39
 *	skeletons), is school or a subdomain of it.  A plain ASCII domain is
 *	never a lookalike: the caller compares those itself.
 *
 *	lookalike_init prepares ICU's tables once, before threads start;
 *	lookalike_domain is then safe to call from any thread.
 * DIAGNOSTICS
 *	lookalike_init returns 0, or -1 when ICU cannot be set up.
 *	lookalike_domain returns 1 (looks like the school's), 0 (does not) or,
 *	when the text cannot be read as UTF-8 or ICU fails, 1: unreadable
 *	text is never taken as someone else's domain.
 */
#ifndef SUREL_LOOKALIKE_H
#define SUREL_LOOKALIKE_H

int lookalike_init(void);
int lookalike_domain(const char *domain, const char *school);

#endif
