/*
 * NAME
 *	config_doc 1
 * SUMMARY
 *	print the configuration reference from the table of known keys
 * SYNOPSIS
 *	config_doc
 * DESCRIPTION
 *	Prints one Markdown table row per key of surel_cfg_tables: the key,
 *	its default and its help line.  scripts/config-reference puts the
 *	rows into README.md, and the config_reference test fails when the
 *	README and the table disagree, so that every key a program accepts
 *	is documented.
 */
#include <stdio.h>

#include "config.h"

int main(void)
{
    puts("| key | default | meaning |");
    puts("| --- | --- | --- |");
    for (int t = 0; surel_cfg_tables[t] != NULL; t++)
        for (const struct surel_cfg_key *k = surel_cfg_tables[t]; k->section; k++) {
            const char *def = k->def != NULL ? k->def : "";
            printf("| `[%s] %s` | %s%s%s | %s |\n", k->section, k->key, *def ? "`" : "", def,
                   *def ? "`" : "", k->help != NULL ? k->help : "");
        }
    return 0;
}
