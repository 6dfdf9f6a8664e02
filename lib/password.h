/*
 * NAME
 *	password 3h
 * SUMMARY
 *	initial passwords and their hashes
 * SYNOPSIS
 *	#include "password.h"
 *
 *	int	surel_password_generate(char *out, size_t len);
 *	int	surel_password_hash(const char *scheme, const char *plain,
 *				char *out, size_t len);
 *	int	surel_password_verify(const char *plain, const char *hash);
 * DESCRIPTION
 *	Generated passwords are made to be read aloud and typed by children:
 *	four consonant-vowel syllables and two digits ("bakodusi47"), with
 *	no letter or digit that looks like another (no l, 1, 0, o-like
 *	pairs).  That is 10 characters and about 30 bits, drawn from
 *	getrandom(2).
 *
 *	Hashes are made by libcrypt (libxcrypt) in the crypt(3) format that
 *	Dovecot's CRYPT scheme verifies: scheme "yescrypt" ($y$, the
 *	default), "sha512crypt" ($6$) or "bcrypt" ($2b$).  The functions are
 *	thread-safe, so an import can hash on every core.
 * DIAGNOSTICS
 *	-1 on failure (unknown scheme, no randomness, buffer too small).
 */
#ifndef SUREL_PASSWORD_H
#define SUREL_PASSWORD_H

#include <stddef.h>

#define SUREL_PASSWORD_LEN 10
#define SUREL_PASSWORD_MIN 8

int surel_password_generate(char *out, size_t len);
int surel_password_scheme_valid(const char *scheme);
int surel_password_hash(const char *scheme, const char *plain, char *out, size_t len);
int surel_password_verify(const char *plain, const char *hash);

#endif
