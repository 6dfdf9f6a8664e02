/*
 * NAME
 *	budget 3
 * SUMMARY
 *	the monthly cap
 * SYNOPSIS
 *	See budget.h.
 * DESCRIPTION
 *	Both questions reduce to one: would a session of this length and
 *	volume, added to the month, exceed a cap?
 * DIAGNOSTICS
 *	why names the cap that would be broken.
 */
#include "budget.h"

/* 1 if a session of seconds/bytes added to month breaks a cap. */
static int breaks(const struct budget *b, const struct tariff *t,
                  const struct budget_used *month, long long seconds, long long bytes,
                  const char **why)
{
    if (b->money >= 0 && month->money + tariff_cost(t, seconds, bytes) > b->money) {
        *why = "the monthly budget in Rupiah is spent";
        return 1;
    }
    if (b->minutes >= 0
        && month->seconds + tariff_billed_seconds(t, seconds) > b->minutes * 60) {
        *why = "the monthly budget in minutes is spent";
        return 1;
    }
    return 0;
}

int budget_may_start(const struct budget *b, const struct tariff *t,
                     const struct budget_used *month, const char **why)
{
    *why = "";
    return !breaks(b, t, month, 1, 0, why);
}

int budget_must_cut(const struct budget *b, const struct tariff *t,
                    const struct budget_used *month, long long seconds, long long bytes,
                    long long margin, const char **why)
{
    *why = "";
    return breaks(b, t, month, seconds + (margin > 0 ? margin : 0), bytes, why);
}

long long budget_money_left(const struct budget *b, const struct budget_used *month)
{
    if (b->money < 0)
        return -1;
    return b->money > month->money ? b->money - month->money : 0;
}

long long budget_seconds_left(const struct budget *b, const struct budget_used *month)
{
    if (b->minutes < 0)
        return -1;
    return b->minutes * 60 > month->seconds ? b->minutes * 60 - month->seconds : 0;
}
