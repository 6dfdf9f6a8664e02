/*
 * NAME
 *	budget 3h
 * SUMMARY
 *	the monthly cap: may a session start, must a session stop
 * SYNOPSIS
 *	#include "budget.h"
 *
 *	int	budget_may_start(const struct budget *b, const struct tariff *t,
 *				const struct budget_used *month, const char **why);
 *	int	budget_must_cut(const struct budget *b, const struct tariff *t,
 *				const struct budget_used *month,
 *				long long seconds, long long bytes,
 *				long long margin, const char **why);
 * DESCRIPTION
 *	A cap is in Rupiah and/or in minutes of connection (billed, i.e.
 *	rounded to the billing unit); -1 means no cap of that kind.
 *	month is what the ledger says was spent this month before the
 *	current session.
 *
 *	budget_may_start() is 1 if the smallest session there can be (one
 *	billing unit and the per-call charge) fits in what is left, else 0
 *	with why set: a trigger that would break the cap is refused.
 *
 *	budget_must_cut() is 1 if running the current session (seconds,
 *	bytes so far) for margin more seconds would break a cap: the
 *	session is then hung up while it still fits.  Pure functions.
 */
#ifndef DIALCTL_BUDGET_H
#define DIALCTL_BUDGET_H

#include "tariff.h"

struct budget {
    long long money;     /* Rupiah per month, -1 = no cap */
    long long minutes;   /* billed minutes per month, -1 = no cap */
};

struct budget_used {
    long long money;     /* Rupiah this month */
    long long seconds;   /* billed seconds this month */
};

int budget_may_start(const struct budget *b, const struct tariff *t,
                     const struct budget_used *month, const char **why);
int budget_must_cut(const struct budget *b, const struct tariff *t,
                    const struct budget_used *month, long long seconds, long long bytes,
                    long long margin, const char **why);
/* Rupiah / seconds left this month, or -1 when there is no such cap. */
long long budget_money_left(const struct budget *b, const struct budget_used *month);
long long budget_seconds_left(const struct budget *b, const struct budget_used *month);

#endif
