/*
 * NAME
 *	names 3h
 * SUMMARY
 *	usernames, logins, class names and person names
 * SYNOPSIS
 *	#include "names.h"
 * DESCRIPTION
 *	surel_translit() turns UTF-8 text into lower-case ASCII words:
 *	letters with accents lose them (é -> e, ß -> ss), anything that is
 *	not a letter or digit separates words, other characters are dropped.
 *
 *	surel_username_base() makes the username a name would get before
 *	any collision: "Budi" -> "budi", "Siti Nurhaliza" -> "siti.nurhaliza",
 *	"Muhammad Rizky Pratama" -> "muhammad.pratama" (first and last word).
 *	It is at most SUREL_USERNAME_BASE_MAX characters and never empty
 *	("user" for a name with no usable letters).
 *
 *	surel_username_reserved() is true for names that no person may have:
 *	postmaster, root, abuse, the automatic group names, and so on.
 *
 *	surel_login_normalize() turns a login as typed ("Budi",
 *	"budi@School.sch.id") into the username it means, or fails for a
 *	foreign domain or a malformed name.
 *
 *	surel_class_normalize() turns "xii ipa 1" into "XII-IPA-1" and
 *	rejects class names that would not make a usable list address.
 *
 *	surel_name_normalize() collapses blanks and trims a person's name,
 *	keeping its case; it never cuts inside a UTF-8 character and returns
 *	the length the whole name needs (like strlcpy), so that a caller can
 *	refuse a name that does not fit.  surel_name_key() also folds case,
 *	for matching.
 *
 *	surel_name_check() refuses, with a reason in why, a name that is not
 *	UTF-8 or holds a control character (C0 other than blanks, DEL, C1
 *	U+0080-U+009F) or a text-direction control (U+202A-U+202E,
 *	U+2066-U+2069, U+200E, U+200F, U+061C), which can make one name
 *	display as another.
 */
#ifndef SUREL_NAMES_H
#define SUREL_NAMES_H

#include <stddef.h>

#define SUREL_USERNAME_BASE_MAX 28

void surel_translit(const char *utf8, char *out, size_t len);
void surel_username_base(const char *full_name, char *out, size_t len);
int surel_username_valid(const char *name);
int surel_username_reserved(const char *name);
int surel_login_normalize(const char *login, const char *domain, char *out, size_t len);
int surel_class_normalize(const char *in, char *out, size_t len);
size_t surel_name_normalize(const char *in, char *out, size_t len);
int surel_name_check(const char *name, char *why, size_t whylen);
void surel_name_key(const char *in, char *out, size_t len);
int surel_utf8_valid(const char *s);

#endif
