/*
 * NAME
 *	rupiah 3
 * SUMMARY
 *	money as Indonesians write it
 * SYNOPSIS
 *	See rupiah.h.
 * DESCRIPTION
 *	The digits are grouped by hand, not with printf's "'" flag, which
 *	follows LC_NUMERIC (a comma in English, nothing in "C").  The
 *	magnitude is taken as unsigned, so LLONG_MIN prints too.
 * DIAGNOSTICS
 *	See rupiah.h.
 */
#include <stdio.h>

#include "rupiah.h"

const char *rupiah_format(long long amount, char *buf, size_t len)
{
    char digits[RUPIAH_LEN];
    unsigned long long v = amount < 0 ? 0ULL - (unsigned long long)amount
                                      : (unsigned long long)amount;
    int n = 0;
    /* Digits from the right, a dot after every third. */
    do {
        if (n % 4 == 3)
            digits[n++] = '.';
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    char grouped[RUPIAH_LEN];
    for (int i = 0; i < n; i++)
        grouped[i] = digits[n - 1 - i];
    grouped[n] = '\0';
    snprintf(buf, len, "%sRp %s", amount < 0 ? "-" : "", grouped);
    return buf;
}

long long rupiah_share(long long amount, long long n)
{
    if (amount <= 0)
        return amount / n;
    return amount / n + (amount % n != 0);
}
