/*
 * NAME
 *	cmd_group 3
 * SUMMARY
 *	surel-roster group: custom groups and aliases
 * SYNOPSIS
 *	surel-roster group list [NAME]
 *	surel-roster group add NAME [--description TEXT] [--send-as] [USER...]
 *	surel-roster group remove NAME [USER...]
 * DESCRIPTION
 *	Class lists (kelas-7a) and role lists (siswa, guru, staf) follow the
 *	roster by themselves and are listed as "auto".  Custom groups and
 *	aliases (a group of one, such as kepala-sekolah) are made here.
 *	"add" creates the group if it is new and adds the users; --send-as
 *	lets those users send with the group's address as sender.
 *	"remove" with users takes them out; without users it removes the
 *	group (its members' accounts stay).
 * DIAGNOSTICS
 *	64 usage, 65 a name that is taken or reserved, 67 unknown user or
 *	group, 74 database error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "names.h"
#include "util.h"

static int print_group(const char *name, const char *description, int automatic,
                       long long members, void *ctx)
{
    (void)ctx;
    printf("%-24s %-6s %6lld  %s\n", name, automatic ? "auto" : "custom", members,
           description ? description : "");
    return 0;
}

static int print_member(const char *username, int may_send_as, void *ctx)
{
    (void)ctx;
    printf("%s%s\n", username, may_send_as ? " (may send as the group)" : "");
    return 0;
}

static int group_list(struct cli *c, int argc, char **argv)
{
    int rc;
    if (argc > 2)
        return cli_usage("group list", _("takes at most one NAME"));
    if ((rc = cli_open(c, ROSTER_READONLY)) != 0)
        return rc;
    if (argc == 1) {
        printf("%-24s %-6s %6s  %s\n", _("GROUP"), _("KIND"), _("PEOPLE"), _("DESCRIPTION"));
        return roster_group_each(c->r, print_group, NULL) < 0 ? cli_db_error(c, "group") : 0;
    }
    if (roster_group_members(c->r, argv[1], print_member, NULL) < 0)
        return cli_db_error(c, "group");
    return 0;
}

/* Create a new group after checking its name is free. */
static int group_create(struct cli *c, const char *name, const char *description)
{
    if (!surel_username_valid(name) || surel_username_reserved(name)) {
        fprintf(stderr, _("surel-roster: group: '%s' is not a usable group name (lower-case"
                " letters, digits, '.', '_', '-'; not a reserved or automatic name)\n"), name);
        return EX_DATAERR;
    }
    int taken = roster_name_taken(c->r, name);
    if (taken != 0) {
        if (taken > 0)
            fprintf(stderr, _("surel-roster: group: '%s' is already a person's username\n"), name);
        return taken > 0 ? EX_DATAERR : cli_db_error(c, "group");
    }
    return roster_group_create(c->r, name, description) < 0 ? cli_db_error(c, name) : 0;
}

static int group_add(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"description", required_argument, NULL, 'd'},
                                         {"send-as", no_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    const char *description = "";
    int ch, send_as = 0, rc;
    struct people ps = {0};
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (ch == 'd')
            description = optarg;
        else if (ch == 's')
            send_as = 1;
        else
            return cli_usage("group add", _("bad option"));
    if (optind >= argc)
        return cli_usage("group add", _("needs a group NAME"));
    const char *name = argv[optind++];
    if ((rc = cli_open(c, ROSTER_WRITE)) != 0)
        return rc;
    if (roster_begin(c->r) < 0)
        return cli_db_error(c, "group");
    int exists = roster_group_exists(c->r, name);
    if (exists < 0)
        rc = cli_db_error(c, "group");
    else if (!exists)
        rc = group_create(c, name, description);
    if (rc == 0 && optind < argc)
        rc = cli_collect_people(c, "group add", NULL, argc - optind, argv + optind, &ps);
    for (int i = 0; i < ps.n && rc == 0; i++)
        if (roster_group_add(c->r, name, ps.p[i].username, send_as) < 0)
            rc = cli_db_error(c, ps.p[i].username);
    if (rc == 0 && roster_commit(c->r) < 0)
        rc = cli_db_error(c, "group");
    if (rc != 0)
        roster_rollback(c->r);
    else
        printf(exists ? _("group %s: %d added\n") : _("group %s: created, %d added\n"), name,
               ps.n);
    free(ps.p);
    return rc;
}

static int group_remove(struct cli *c, int argc, char **argv)
{
    int rc;
    struct people ps = {0};
    if (argc < 2)
        return cli_usage("group remove", _("needs a group NAME"));
    if ((rc = cli_open(c, ROSTER_WRITE)) != 0)
        return rc;
    if (roster_begin(c->r) < 0)
        return cli_db_error(c, "group");
    int exists = roster_group_exists(c->r, argv[1]);
    if (exists <= 0) {
        roster_rollback(c->r);
        if (exists == 0)
            fprintf(stderr, _("surel-roster: group: no custom group '%s'\n"), argv[1]);
        return exists == 0 ? EX_NOUSER : cli_db_error(c, "group");
    }
    if (argc == 2) {
        rc = roster_group_delete(c->r, argv[1]) < 0 ? cli_db_error(c, argv[1]) : 0;
    } else {
        rc = cli_collect_people(c, "group remove", NULL, argc - 2, argv + 2, &ps);
        for (int i = 0; i < ps.n && rc == 0; i++)
            if (roster_group_remove(c->r, argv[1], ps.p[i].username) < 0)
                rc = cli_db_error(c, "group");
    }
    if (rc == 0 && roster_commit(c->r) < 0)
        rc = cli_db_error(c, "group");
    if (rc != 0)
        roster_rollback(c->r);
    else if (argc == 2)
        printf(_("group %s removed\n"), argv[1]);
    else
        printf(_("group %s: %d removed\n"), argv[1], ps.n);
    free(ps.p);
    return rc;
}

int cmd_group(struct cli *c, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("group", _("needs list, add or remove"));
    if (strcmp(argv[1], "list") == 0)
        return group_list(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "add") == 0)
        return group_add(c, argc - 1, argv + 1);
    if (strcmp(argv[1], "remove") == 0)
        return group_remove(c, argc - 1, argv + 1);
    return cli_usage("group", _("unknown subcommand '%s'"), argv[1]);
}
