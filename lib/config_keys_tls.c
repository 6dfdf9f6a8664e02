/*
 * NAME
 *	config_keys_tls 3
 * SUMMARY
 *	surel.ini keys of the school's certificate: [tls]
 * DESCRIPTION
 *	The certificate and key that the school's Postfix (STARTTLS on 25 and
 *	587) and Dovecot (STARTTLS on IMAP and POP3) present.  surel-setup
 *	writes them (--tls-cert, --tls-key, else ssl-cert's snakeoil pair) so
 *	that a later run keeps the administrator's pair; no program of surel
 *	opens the files itself.  See surel-setup(8).
 */
#include "config.h"

const struct surel_cfg_key surel_cfg_tls_keys[] = {
    {"tls", "cert", CFG_PATH, "/etc/ssl/certs/ssl-cert-snakeoil.pem", 0, 0, NULL, NULL,
     "the school's certificate (PEM, chain after it) for Postfix and Dovecot; surel-setup --tls-cert"},
    {"tls", "key", CFG_PATH, "/etc/ssl/private/ssl-cert-snakeoil.key", 0, 0, NULL, NULL,
     "its private key (PEM, no passphrase, readable by root only); surel-setup --tls-key"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
