/*
 * NAME
 *	lookalike 3
 * SUMMARY
 *	does a domain written with other Unicode characters look like another?
 * DESCRIPTION
 *	See lookalike.h.  ICU does the Unicode work: UTF-8 to UTF-16, the
 *	Default_Ignorable_Code_Point property, NFKC_Casefold and the TS #39
 *	skeleton (uspoof_getSkeleton).  Buffers are sized from the input;
 *	nothing is cut.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#include "lookalike.h"

static USpoofChecker *checker;
static const UNormalizer2 *fold;

int lookalike_init(void)
{
    UErrorCode st = U_ZERO_ERROR;
    if (checker != NULL)
        return 0;
    fold = unorm2_getNFKCCasefoldInstance(&st);
    if (U_SUCCESS(st))
        checker = uspoof_open(&st);
    return U_SUCCESS(st) && checker != NULL ? 0 : -1;
}

/* Any byte outside ASCII? */
static int has_8bit(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* UTF-8 to UTF-16 without invisible characters, other full stops as '.';
 * malloc'd, or NULL. */
static UChar *visible_utf16(const char *s, int32_t *len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0, k = 0;
    u_strFromUTF8(NULL, 0, &n, s, -1, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return NULL;
    UChar *u = calloc((size_t)n + 1, sizeof(*u));
    st = U_ZERO_ERROR;
    if (u == NULL || (u_strFromUTF8(u, n + 1, NULL, s, -1, &st), U_FAILURE(st))) {
        free(u);
        return NULL;
    }
    for (int32_t i = 0; i < n; i++) {
        UChar c = u[i];
        if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
            continue;
        u[k++] = (c == 0x3002 || c == 0xFF0E || c == 0xFF61) ? (UChar)'.' : c;
    }
    u[k] = 0;
    *len = k;
    return u;
}

/* Apply f(src, srclen, dst, cap, &st) into a new buffer; frees src. */
static UChar *transform(UChar *src, int32_t *len,
                        int32_t (*f)(const void *, const UChar *, int32_t, UChar *, int32_t,
                                     UErrorCode *),
                        const void *obj)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = src != NULL ? f(obj, src, *len, NULL, 0, &st) : -1;
    UChar *dst = NULL;
    if (src != NULL && (st == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(st))) {
        dst = calloc((size_t)n + 1, sizeof(*dst));
        st = U_ZERO_ERROR;
        if (dst != NULL)
            *len = f(obj, src, *len, dst, n + 1, &st);
        if (U_FAILURE(st)) {
            free(dst);
            dst = NULL;
        }
    }
    free(src);
    return dst;
}

/* unorm2_normalize with the argument order transform() wants. */
static int32_t do_fold(const void *obj, const UChar *s, int32_t n, UChar *d, int32_t cap,
                       UErrorCode *st)
{
    return unorm2_normalize((const UNormalizer2 *)obj, s, n, d, cap, st);
}

/* uspoof_getSkeleton with the argument order transform() wants. */
static int32_t do_skeleton(const void *obj, const UChar *s, int32_t n, UChar *d, int32_t cap,
                           UErrorCode *st)
{
    return uspoof_getSkeleton((const USpoofChecker *)obj, 0, s, n, d, cap, st);
}

/* The TS #39 skeleton of a UTF-8 domain, folded; malloc'd, or NULL. */
static UChar *skeleton(const char *s, int32_t *len)
{
    UChar *u = visible_utf16(s, len);
    u = transform(u, len, do_fold, fold);
    return transform(u, len, do_skeleton, checker);
}

int lookalike_domain(const char *domain, const char *school)
{
    int32_t dn = 0, sn = 0;
    int same;
    if (!has_8bit(domain))
        return 0;
    if (checker == NULL && lookalike_init() < 0)
        return 1;
    UChar *d = skeleton(domain, &dn), *s = skeleton(school, &sn);
    if (d == NULL || s == NULL)
        same = 1;
    else
        same = dn >= sn && memcmp(d + dn - sn, s, (size_t)sn * sizeof(UChar)) == 0
               && (dn == sn || d[dn - sn - 1] == '.');
    free(d);
    free(s);
    return same;
}
