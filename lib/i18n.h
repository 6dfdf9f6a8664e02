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
 *	int	surel_i18n_language(const char *lang);
 * DESCRIPTION
 *	Every message meant for a person goes through _() (or N_() where a
 *	constant initialiser needs it); messages for administrators' logs
 *	may stay untranslated.  surel_i18n_init() sets the messages and
 *	character set locales from the environment (LANG, LC_ALL,
 *	LC_MESSAGES, LC_CTYPE; LANGUAGE is gettext's own), leaving numbers in
 *	the C locale (strtod and printf keep '.'), and binds the text domain to
 *	the catalogue directory: SUREL_LOCALEDIR when set (the tests point it
 *	at the build tree), otherwise the one the programs were built for.
 *
 *	surel_i18n_language() is for the daemons, which have no reader's
 *	locale: it makes gettext answer in lang ("id" or "en", surel.ini
 *	[school] language) whatever LANG says.  It sets LANGUAGE and, when
 *	the messages locale is C or POSIX (where glibc ignores LANGUAGE),
 *	switches LC_MESSAGES to C.UTF-8 (or id_ID.UTF-8).  Call it after
 *	surel_i18n_init() and before any thread starts (it calls setenv).
 * DIAGNOSTICS
 *	None from surel_i18n_init: a missing catalogue or locale leaves the
 *	messages in English.  surel_i18n_language returns -1 when it found
 *	no locale in which glibc honours LANGUAGE, -2 when lang is not "en"
 *	and no catalogue of surel's answers in it (not installed, or
 *	SUREL_LOCALEDIR wrong); either way messages stay English, and
 *	surel_i18n_dir() names the directory searched, for the warning;
 *	surel_i18n_daemon() does both and logs that warning.
 */
#ifndef SUREL_I18N_H
#define SUREL_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

void surel_i18n_init(void);
int surel_i18n_language(const char *lang);
const char *surel_i18n_dir(void);
void surel_i18n_daemon(const char *lang, const char *what);

#endif
