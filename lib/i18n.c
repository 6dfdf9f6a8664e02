/*
 * i18n.c - bind surel's text domain (see i18n.h)
 */
#include <locale.h>
#include <stdlib.h>

#include "i18n.h"

#ifndef SUREL_LOCALEDIR
#define SUREL_LOCALEDIR "/usr/share/locale"
#endif

/* Follow the environment's locale and find surel's catalogues. */
void surel_i18n_init(void)
{
    const char *dir = getenv("SUREL_LOCALEDIR");

    setlocale(LC_ALL, "");
    bindtextdomain("surel", dir && *dir ? dir : SUREL_LOCALEDIR);
    bind_textdomain_codeset("surel", "UTF-8");
    textdomain("surel");
}
