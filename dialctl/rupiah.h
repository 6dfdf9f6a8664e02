/*
 * NAME
 *	rupiah 3h
 * SUMMARY
 *	money as Indonesians write it: "Rp 12.450"
 * SYNOPSIS
 *	#include "rupiah.h"
 *
 *	const char *rupiah_format(long long amount, char *buf, size_t len);
 *	long long rupiah_share(long long amount, long long n);
 * DESCRIPTION
 *	rupiah_format() writes whole Rupiah into buf with a dot between
 *	thousands and no decimals ("Rp 0", "Rp 999", "Rp 1.000",
 *	"Rp 1.234.567"), a minus before "Rp" for a negative amount (a budget
 *	overspent: "-Rp 2.500"), the same whatever the C locale says, and
 *	returns buf.  RUPIAH_LEN holds any long long.
 *
 *	rupiah_share() is amount / n in whole Rupiah, rounded up as the
 *	tariff rounds (the report never flatters); n must be > 0.
 * DIAGNOSTICS
 *	None: a buf shorter than RUPIAH_LEN gets the text cut, NUL-ended.
 */
#ifndef DIALCTL_RUPIAH_H
#define DIALCTL_RUPIAH_H

#include <stddef.h>

#define RUPIAH_LEN 32

const char *rupiah_format(long long amount, char *buf, size_t len);
long long rupiah_share(long long amount, long long n);

#endif
