/*
 * NAME
 *	password 3
 * SUMMARY
 *	initial passwords and their hashes
 * DESCRIPTION
 *	See password.h.
 */
#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "password.h"
#include "util.h"

/* Letters that are not mistaken for others when read aloud or typed. */
static const char consonants[] = "bdfghjkmnprstw";
static const char vowels[] = "aeiu";     /* no o: it looks like 0 */
static const char digits[] = "23456789";

/* A uniformly random index below n, from the kernel's generator. */
static int pick(unsigned n, unsigned *out)
{
    unsigned char b;
    unsigned limit = 256 - 256 % n;
    do {
        ssize_t got;
        do {
            got = getrandom(&b, 1, 0);
        } while (got < 0 && errno == EINTR);
        if (got != 1)
            return -1;
    } while (b >= limit);
    *out = b % n;
    return 0;
}

int surel_password_generate(char *out, size_t len)
{
    size_t o = 0;
    unsigned i;
    if (len < SUREL_PASSWORD_LEN + 1)
        return -1;
    for (int s = 0; s < 4; s++) {
        if (pick(sizeof(consonants) - 1, &i) < 0)
            return -1;
        out[o++] = consonants[i];
        if (pick(sizeof(vowels) - 1, &i) < 0)
            return -1;
        out[o++] = vowels[i];
    }
    for (int d = 0; d < 2; d++) {
        if (pick(sizeof(digits) - 1, &i) < 0)
            return -1;
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return 0;
}

/* The crypt(3) prefix of a scheme name, or NULL. */
static const char *scheme_prefix(const char *scheme)
{
    if (strcmp(scheme, "yescrypt") == 0)
        return "$y$";
    if (strcmp(scheme, "sha512crypt") == 0)
        return "$6$";
    if (strcmp(scheme, "bcrypt") == 0)
        return "$2b$";
    return NULL;
}

int surel_password_scheme_valid(const char *scheme)
{
    return scheme_prefix(scheme) != NULL;
}

int surel_password_hash(const char *scheme, const char *plain, char *out, size_t len)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data data;
    const char *prefix = scheme_prefix(scheme);
    if (prefix == NULL || crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) == NULL)
        return -1;
    memset(&data, 0, sizeof(data));
    char *hash = crypt_rn(plain, salt, &data, sizeof(data));
    int rc = (hash == NULL || hash[0] == '*' || surel_strlcpy(out, hash, len) >= len) ? -1 : 0;
    explicit_bzero(&data, sizeof(data));
    return rc;
}

int surel_password_verify(const char *plain, const char *hash)
{
    struct crypt_data data;
    memset(&data, 0, sizeof(data));
    char *got = crypt_rn(plain, hash, &data, sizeof(data));
    int ok = got != NULL && got[0] != '*' && strcmp(got, hash) == 0;
    explicit_bzero(&data, sizeof(data));
    return ok;
}
