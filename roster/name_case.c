/*
 * NAME
 *	name_case 3
 * SUMMARY
 *	a name written in capitals in the case people write it
 * DESCRIPTION
 *	See name_case.h.  Works in place on UTF-8: ASCII letters and the
 *	Latin-1 letters U+00C0..U+00DE / U+00E0..U+00FE, whose upper and
 *	lower forms have the same two-byte length, are the only ones
 *	changed.
 */
#include <string.h>
#include <strings.h>

#include "name_case.h"

/* 1 for an upper-case letter at p, 2 for lower case, 0 otherwise. */
static int letter_case(const unsigned char *p)
{
    if (p[0] >= 'A' && p[0] <= 'Z')
        return 1;
    if (p[0] >= 'a' && p[0] <= 'z')
        return 2;
    if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
        return 1;
    if (p[0] == 0xC3 && p[1] >= 0x9F && p[1] <= 0xBF && p[1] != 0xB7)
        return 2;
    return 0;
}

/* Make the letter at p lower (or upper) case, in place. */
static void set_case(unsigned char *p, int upper)
{
    int c = letter_case(p);
    if (c == 0 || (c == 1) == upper || (p[0] == 0xC3 && (p[1] == 0x9F || p[1] == 0xBF)))
        return;                         /* ß and ÿ have no one-letter capital here */
    if (p[0] == 0xC3)
        p[1] = (unsigned char)(upper ? p[1] - 0x20 : p[1] + 0x20);
    else
        p[0] = (unsigned char)(upper ? p[0] - 0x20 : p[0] + 0x20);
}

/* True if the name has a lower-case letter or no letter at all. */
static int has_lower(const char *name)
{
    int letters = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        int c = letter_case(p);
        if (c == 2)
            return 1;
        letters += c != 0;
    }
    return letters == 0;
}

/* Number of letters in the word [w, end). */
static int word_letters(const unsigned char *w, const unsigned char *end)
{
    int n = 0;
    for (; w < end; w++)
        n += letter_case(w) != 0;
    return n;
}

/* True if the word [w, end) is kept in capitals: an initial or II, III, IV. */
static int keep_upper(const char *w, size_t n)
{
    while (n > 0 && w[n - 1] == '.')
        n--;
    return (n == 2 && strncmp(w, "II", 2) == 0) || (n == 3 && strncmp(w, "III", 3) == 0)
           || (n == 2 && strncmp(w, "IV", 2) == 0);
}

/* Case one word [w, end) of a name in capitals. */
static void fix_word(unsigned char *w, unsigned char *end)
{
    size_t n = (size_t)(end - w);
    if (word_letters(w, end) <= 1 || keep_upper((const char *)w, n))
        return;
    int lower_word = (n == 3 && strncasecmp((char *)w, "bin", 3) == 0)
                     || (n == 5 && strncasecmp((char *)w, "binti", 5) == 0);
    int start = !lower_word;
    for (unsigned char *p = w; p < end; p++) {
        if (letter_case(p) != 0) {
            set_case(p, start);
            start = 0;
            p += p[0] == 0xC3;
        } else {
            start = *p == '-' || *p == '.';
        }
    }
}

void name_case_fix(char *name)
{
    if (has_lower(name))
        return;
    unsigned char *p = (unsigned char *)name;
    while (*p) {
        while (*p == ' ')
            p++;
        unsigned char *end = p;
        while (*end && *end != ' ')
            end++;
        fix_word(p, end);
        p = end;
    }
}
