/*
 * i18n.c - bind surel's text domain (see i18n.h)
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "log.h"

#ifndef SUREL_LOCALEDIR
#define SUREL_LOCALEDIR "/usr/share/locale"
#endif

/* Follow the environment's language and find surel's catalogues.  Only
 * messages and the character set: numbers keep the C locale's '.', which
 * strtod (workbook cells) and the ledgers' and reports' formats rely on. */
void surel_i18n_init(void)
{
    const char *dir = getenv("SUREL_LOCALEDIR");

    setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
    bindtextdomain("surel", dir && *dir ? dir : SUREL_LOCALEDIR);
    bind_textdomain_codeset("surel", "UTF-8");
    textdomain("surel");
}

/* Is the messages locale one in which glibc ignores LANGUAGE? */
static int plain_c_locale(void)
{
    const char *cur = setlocale(LC_MESSAGES, NULL);
    return cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0;
}

/* Answer in lang whatever the environment says (daemons: [school] language). */
int surel_i18n_language(const char *lang)
{
    static const char *const fallback[] = {"C.UTF-8", "C.utf8", "id_ID.UTF-8", "en_US.UTF-8"};

    if (setenv("LANGUAGE", lang, 1) < 0)
        return -1;
    for (size_t i = 0; plain_c_locale() && i < sizeof(fallback) / sizeof(fallback[0]); i++)
        setlocale(LC_MESSAGES, fallback[i]);
    textdomain("surel");                /* forget translations looked up before */
    if (strcmp(lang, "en") == 0)
        return 0;
    if (plain_c_locale())
        return -1;
    return *gettext("") == '\0' ? -2 : 0;   /* "" gives a catalogue's header */
}

/* The directory gettext searches for surel's catalogues. */
const char *surel_i18n_dir(void)
{
    const char *dir = bindtextdomain("surel", NULL);
    return dir != NULL ? dir : "?";
}

/* Daemons: answer in lang, or log why not (what: "replies", "answers"). */
void surel_i18n_daemon(const char *lang, const char *what)
{
    int rc = surel_i18n_language(lang);
    if (rc == -1)
        surel_warn("no C.UTF-8 or id_ID.UTF-8 locale: %s stay in English, not [school]"
                   " language = %s", what, lang);
    else if (rc == -2)
        surel_warn("no catalogue for [school] language = %s in %s: %s stay in English",
                   lang, surel_i18n_dir(), what);
}
