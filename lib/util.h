/*
 * NAME
 *	util 3h
 * SUMMARY
 *	small string and file helpers
 * DESCRIPTION
 *	surel_strlcpy() copies with truncation and always terminates; it
 *	returns strlen(src) so callers can detect truncation.
 *	surel_trim() strips blanks at both ends, in place.
 *	surel_domain_valid() checks a DNS domain name (letters, digits,
 *	hyphens, dots; no empty label) and that it is lower case.
 *	surel_lower() lower-cases ASCII in place.
 *	surel_now() is time(NULL), replaceable in tests by SUREL_NOW.
 *	surel_write_all() writes all of buf, again after EINTR and short
 *	writes; 0, or -1 with errno set.
 */
#ifndef SUREL_UTIL_H
#define SUREL_UTIL_H

#include <stddef.h>
#include <stdint.h>

size_t surel_strlcpy(char *dst, const char *src, size_t len);
char *surel_trim(char *s);
void surel_lower(char *s);
int surel_domain_valid(const char *domain);
long long surel_now(void);
int surel_mkdirs(const char *path, unsigned mode);
int surel_write_all(int fd, const void *buf, size_t len);

#endif
