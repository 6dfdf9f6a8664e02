/*
 * NAME
 *	rules 3
 * SUMMARY
 *	read the policy rules and the milter's settings from surel.ini
 * DESCRIPTION
 *	See rules.h.
 */
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "util.h"

/* Copy a string setting; -1 if it does not fit. */
static int copy(char *dst, size_t len, const char *src, const char *what, char *err, size_t errlen)
{
    if (surel_strlcpy(dst, src ? src : "", len) >= len) {
        snprintf(err, errlen, "%s is too long", what);
        return -1;
    }
    return 0;
}

/* Every word of [policy] trusted_relays must be an address or address/prefix. */
static int check_relays(const char *list, char *err, size_t errlen)
{
    struct policy_rules probe;
    char word[64];
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " ,\t");
        size_t w = strcspn(p, " ,\t");
        if (w == 0)
            break;
        memset(&probe, 0, sizeof(probe));
        snprintf(word, sizeof(word), "%.*s", (int)w, p);
        surel_strlcpy(probe.trusted_relays, word, sizeof(probe.trusted_relays));
        char *slash = strchr(word, '/');
        if (slash != NULL)
            *slash = '\0';
        if (w >= sizeof(word) || !policy_trusted_client(&probe, word)) {
            snprintf(err, errlen, "[policy] trusted_relays: \"%.*s\" is not an IPv4 or IPv6"
                     " address, with or without /prefix", (int)w, p);
            return -1;
        }
        p += w;
    }
    return 0;
}

/* The per-role keys: external_ROLE, daily_messages_ROLE, daily_bytes_ROLE. */
static void load_roles(const struct surel_config *cfg, struct policy_rules *pr)
{
    char key[64];
    for (int r = 0; r < ROLE_COUNT; r++) {
        const char *role = roster_role_name((enum roster_role)r);
        snprintf(key, sizeof(key), "external_%s", role);
        pr->external[r] = surel_config_bool(cfg, "policy", key);
        snprintf(key, sizeof(key), "daily_messages_%s", role);
        pr->daily_recipients[r] = surel_config_int(cfg, "policy", key);
        snprintf(key, sizeof(key), "daily_bytes_%s", role);
        pr->daily_bytes[r] = surel_config_int(cfg, "policy", key);
    }
}

int rules_load(const struct surel_config *cfg, struct policy_rules *pr,
               struct milter_settings *ms, char *err, size_t errlen)
{
    const char *domain = surel_config_str(cfg, "school", "domain");
    memset(pr, 0, sizeof(*pr));
    memset(ms, 0, sizeof(*ms));
    if (domain == NULL || *domain == '\0') {
        snprintf(err, errlen, "%s: [school] domain is not set; surel-milter needs the"
                 " school's mail domain", surel_config_path(cfg));
        return -1;
    }
    pr->refuse_inactive = surel_config_bool(cfg, "policy", "refuse_inactive");
    pr->send_as_groups = surel_config_bool(cfg, "policy", "send_as_groups");
    pr->school_sender_needs_login = surel_config_bool(cfg, "policy", "school_sender_needs_login");
    pr->lists_from_outside = surel_config_bool(cfg, "policy", "lists_from_outside");
    pr->max_size = surel_config_int(cfg, "policy", "external_max_size");
    load_roles(cfg, pr);
    ms->timeout = surel_config_int(cfg, "milter", "timeout");
    ms->busy_timeout_ms = (int)surel_config_int(cfg, "roster", "busy_timeout") * 1000;
    if (copy(pr->domain, sizeof(pr->domain), domain, "[school] domain", err, errlen) < 0
        || copy(pr->refused_classes, sizeof(pr->refused_classes),
                surel_config_str(cfg, "policy", "external_refused_classes"),
                "[policy] external_refused_classes", err, errlen) < 0
        || copy(pr->allowed_classes, sizeof(pr->allowed_classes),
                surel_config_str(cfg, "policy", "external_allowed_classes"),
                "[policy] external_allowed_classes", err, errlen) < 0
        || copy(pr->allowed_domains, sizeof(pr->allowed_domains),
                surel_config_str(cfg, "policy", "external_allowed_domains"),
                "[policy] external_allowed_domains", err, errlen) < 0
        || copy(pr->trusted_relays, sizeof(pr->trusted_relays),
                surel_config_str(cfg, "policy", "trusted_relays"),
                "[policy] trusted_relays", err, errlen) < 0
        || check_relays(pr->trusted_relays, err, errlen) < 0
        || copy(ms->socket, sizeof(ms->socket), surel_config_str(cfg, "milter", "socket"),
                "[milter] socket", err, errlen) < 0
        || copy(ms->user, sizeof(ms->user), surel_config_str(cfg, "milter", "user"),
                "[milter] user", err, errlen) < 0
        || copy(ms->usage_db, sizeof(ms->usage_db), surel_config_str(cfg, "milter", "usage_db"),
                "[milter] usage_db", err, errlen) < 0
        || copy(ms->log_file, sizeof(ms->log_file), surel_config_str(cfg, "milter", "log_file"),
                "[milter] log_file", err, errlen) < 0
        || copy(ms->roster_db, sizeof(ms->roster_db), surel_config_str(cfg, "roster", "db"),
                "[roster] db", err, errlen) < 0)
        return -1;
    surel_lower(pr->domain);            /* compared with canonical addresses */
    for (size_t n = strlen(pr->domain); n > 0 && pr->domain[n - 1] == '.'; n--)
        pr->domain[n - 1] = '\0';
    return 0;
}
