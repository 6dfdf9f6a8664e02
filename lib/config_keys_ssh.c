/*
 * NAME
 *	config_keys_ssh 3
 * SUMMARY
 *	surel.ini keys of dialctl's "ssh" mode: [ssh]
 * DESCRIPTION
 *	With [dial] mode = ssh a session carries the mail through one
 *	compressed OpenSSH connection to the ISP: a local forward
 *	127.0.0.1:local_port -> the ISP's 127.0.0.1:isp_port (the school's
 *	own smtpd entry point there: outbound mail and ETRN) and a remote
 *	forward from the ISP's 127.0.0.1:remote_port -> deliver_to (the
 *	school's Postfix, for the held inbound mail).  surel-setup-isp
 *	ssh-add prints the three ports and the ISP's host key.  See
 *	dialctl(8).
 */
#include "config.h"

const struct surel_cfg_key surel_cfg_ssh_keys[] = {
    {"ssh", "host", CFG_STRING, NULL, 0, 0, NULL, NULL,
     "the ISP's SSH server (name or address)"},
    {"ssh", "port", CFG_INT, "22", 1, 65535, NULL, NULL,
     "its SSH port"},
    {"ssh", "user", CFG_STRING, "surel-tunnel", 0, 0, NULL, NULL,
     "the ISP's tunnel account"},
    {"ssh", "identity", CFG_PATH, "/etc/surel/ssh/id_ed25519", 0, 0, NULL, NULL,
     "the school's private key (root only; its .pub goes to the ISP)"},
    {"ssh", "known_hosts", CFG_PATH, "/etc/surel/ssh/known_hosts", 0, 0, NULL, NULL,
     "the ISP's host key (strict checking: no key, no tunnel)"},
    {"ssh", "local_port", CFG_INT, "10025", 1, 65535, NULL, NULL,
     "school side 127.0.0.1 port of the local forward (the Postfix relayhost in ssh mode)"},
    {"ssh", "isp_port", CFG_INT, NULL, 1, 65535, NULL, NULL,
     "the ISP's 127.0.0.1 port of this school's own smtpd (from surel-setup-isp ssh-add)"},
    {"ssh", "remote_port", CFG_INT, NULL, 1, 65535, NULL, NULL,
     "the ISP's 127.0.0.1 port that reaches this school (from surel-setup-isp ssh-add)"},
    {"ssh", "deliver_to", CFG_STRING, "127.0.0.1:10026", 0, 0, NULL, NULL,
     "the school's smtpd (address:port) for the inbound mail: surel-setup's tunnel-only one, which relays nothing"},
    {"ssh", "connect_timeout", CFG_DURATION, "30s", 1, 600, NULL, NULL,
     "longest wait until both forwards are confirmed"},
    {"ssh", "alive_interval", CFG_DURATION, "5s", 1, 600, NULL, NULL,
     "keepalive probe interval (ServerAliveInterval): a dead link is noticed after interval x count"},
    {"ssh", "alive_count", CFG_INT, "3", 1, 100, NULL, NULL,
     "unanswered keepalives before ssh gives up (ServerAliveCountMax)"},
    {"ssh", "attempts", CFG_INT, "4", 1, 20, NULL, NULL,
     "tunnel connections per link connection (the first and the retries after a refusal or a drop)"},
    {"ssh", "backoff", CFG_DURATION, "2s", 0, 600, NULL, NULL,
     "pause before the first retry, doubled before each further one"},
    {"ssh", "compression", CFG_BOOL, "yes", 0, 0, NULL, NULL,
     "compress the connection (ssh -C); without it the tunnel costs more than plain SMTP"},
    {"ssh", "program", CFG_PATH, "/usr/bin/ssh", 0, 0, NULL, NULL,
     "OpenSSH's ssh client"},
    {NULL, NULL, 0, NULL, 0, 0, NULL, NULL, NULL}
};
