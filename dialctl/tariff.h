/*
 * NAME
 *	tariff 3h
 * SUMMARY
 *	what a session costs: per minute with the billing unit's rounding,
 *	per MB, per call
 * SYNOPSIS
 *	#include "tariff.h"
 *
 *	long long tariff_billed_seconds(const struct tariff *t, long long s);
 *	long long tariff_billed_bytes(const struct tariff *t, long long bytes);
 *	long long tariff_cost(const struct tariff *t, long long seconds,
 *				long long bytes);
 * DESCRIPTION
 *	Money is whole Rupiah.  A phone line bills started billing units
 *	(e.g. 60 s): 61 s of connection cost two units.  Mobile data bills
 *	started data units (e.g. 1K) at a price per MB (1 MB = 1,048,576
 *	bytes).  A call that connected (seconds > 0) also costs per_call.
 *	Every partial Rupiah is rounded up: the ledger never flatters.
 *	Pure functions.
 */
#ifndef DIALCTL_TARIFF_H
#define DIALCTL_TARIFF_H

#define TARIFF_MB 1048576LL

struct tariff {
    long long per_minute;    /* Rupiah per minute of connection */
    long long billing_unit;  /* seconds, >= 1 */
    long long per_mb;        /* Rupiah per MB, both directions added */
    long long data_unit;     /* bytes, >= 1 */
    long long per_call;      /* Rupiah per connected call */
};

long long tariff_billed_seconds(const struct tariff *t, long long seconds);
long long tariff_billed_bytes(const struct tariff *t, long long bytes);
long long tariff_cost(const struct tariff *t, long long seconds, long long bytes);

#endif
