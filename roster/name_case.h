/*
 * NAME
 *	name_case 3h
 * SUMMARY
 *	a name written in capitals, as Dapodik keeps them, in the case
 *	people write it
 * SYNOPSIS
 *	#include "name_case.h"
 *
 *	void	name_case_fix(char *name);
 * DESCRIPTION
 *	Only a name with no lower-case letter is changed ("Adi Nugroho" and
 *	"adi" are kept as written).  Each word gets a capital first letter
 *	and lower case after it: "ADI NUGROHO" -> "Adi Nugroho".  After a
 *	hyphen or a dot the next letter is a capital ("MUHAMMAD AL-FATIH"
 *	-> "Muhammad Al-Fatih", "M.PD." -> "M.Pd."), after an apostrophe it
 *	is not ("SITI NUR'AINI" -> "Siti Nur'aini"); one-letter words and
 *	initials stay capitals ("M. RIZKI" -> "M. Rizki"), and so do the
 *	Roman numerals II, III and IV; the particles "bin" and "binti" are
 *	lower case.  Letters of Latin-1 (É, Ñ, ...) are folded too; other
 *	characters are left alone.  The length never changes.
 * DIAGNOSTICS
 *	None: text that is not a name in capitals is left as it is.
 */
#ifndef SUREL_NAME_CASE_H
#define SUREL_NAME_CASE_H

void name_case_fix(char *name);

#endif
