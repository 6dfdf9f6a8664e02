/*
 * NAME
 *	config_keys_batch 3
 * SUMMARY
 *	surel.ini keys of dialctl's "batch" mode: [batch]
 * DESCRIPTION
 *	With [dial] mode = batch the school's Postfix hands outbound mail to
 *	surel-batch's pipe transport, which keeps it in spool; a session
 *	opens one SSH connection to the ISP ([ssh] host, port, user,
 *	identity, known_hosts, connect_timeout and keepalives; no forwards)
 *	and exchanges both spools, each compressed as a whole, delivering
 *	the ISP's mail to [ssh] deliver_to.  See surel-batch(8).
 */
#include "config.h"

const struct surel_cfg_key surel_cfg_batch_keys[] = {
    {"batch", "program", CFG_PATH, "/usr/libexec/surel/surel-batch", 0, 0, NULL, NULL,
     "the surel-batch program (spool and exchange)"},
    {"batch", "spool", CFG_PATH, "/var/spool/surel-batch/out", 0, 0, NULL, NULL,
     "where the outbound mail waits for a session (written by Postfix's surel-batch transport)"},
    {"batch", "level", CFG_INT, "19", 1, 19, NULL, NULL,
     "zstd compression level of the outbound stream (19: the fewest bytes on the line)"},
    {"batch", "idle", CFG_DURATION, "2m", 10, 3600, NULL, NULL,
     "an exchange in which nothing crosses for this long is broken off (the mail stays for next time)"},
    {"batch", "attempts", CFG_INT, "3", 1, 20, NULL, NULL,
     "exchanges per link connection (the first and the retries after a broken one)"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
