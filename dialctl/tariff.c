/*
 * NAME
 *	tariff 3
 * SUMMARY
 *	what a session costs
 * SYNOPSIS
 *	See tariff.h.
 * DESCRIPTION
 *	Rounding up in integer arithmetic: ceil(a / b) = (a + b - 1) / b.
 *	Negative inputs count as zero.
 * DIAGNOSTICS
 *	None: a unit below 1 is treated as 1.
 */
#include "tariff.h"

/* ceil(a / b) for a >= 0, b >= 1. */
static long long ceil_div(long long a, long long b)
{
    return (a + b - 1) / b;
}

/* Round a count up to a whole number of units. */
static long long round_up(long long n, long long unit)
{
    if (n <= 0)
        return 0;
    if (unit < 1)
        unit = 1;
    return ceil_div(n, unit) * unit;
}

long long tariff_billed_seconds(const struct tariff *t, long long seconds)
{
    return round_up(seconds, t->billing_unit);
}

long long tariff_billed_bytes(const struct tariff *t, long long bytes)
{
    return round_up(bytes, t->data_unit);
}

long long tariff_cost(const struct tariff *t, long long seconds, long long bytes)
{
    long long cost = 0;
    if (seconds > 0) {
        cost += t->per_call;
        cost += ceil_div(tariff_billed_seconds(t, seconds) * t->per_minute, 60);
    }
    if (bytes > 0)
        cost += ceil_div(tariff_billed_bytes(t, bytes) * t->per_mb, TARIFF_MB);
    return cost;
}
