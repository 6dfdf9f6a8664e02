/*
 * NAME
 *	i18n 3h
 * SUMMARY
 *	messages in the reader's language (GNU gettext, text domain "surel")
 * SYNOPSIS
 *	#include "i18n.h"
 *
 *	_("text")		the translation of text in the current language
 *	N_("text")		marks text for xgettext, translated later with _()
 *	void	surel_i18n_init(void);
 * DESCRIPTION
 *	Every message meant for a person goes through _() (or N_() where a
 *	constant initialiser needs it); messages for administrators' logs
 *	may stay untranslated.  surel_i18n_init() sets the locale from the
 *	environment (LANG, LC_ALL, LC_MESSAGES) and binds the text domain to
 *	the catalogue directory: SUREL_LOCALEDIR when set (the tests point it
 *	at the build tree), otherwise the one the programs were built for.
 * DIAGNOSTICS
 *	None: a missing catalogue or locale leaves the messages in English.
 */
#ifndef SUREL_I18N_H
#define SUREL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

void surel_i18n_init(void);

#endif
