<?php
// surel's settings for Roundcube, written by surel-setup --webmail from
// surel's template.  Roundcube reads Debian's /etc/roundcube/config.inc.php
// first (its des_key) and this file over it: the PHP-FPM pool sets
// RCUBE_CONFIG_PATH to both directories.  Edit surel.ini and run
// surel-setup --webmail again rather than this file.

// Roundcube's own store (sessions, per-user settings, contacts).
$config['db_dsnw'] = 'sqlite:///@STATE_DIR@/roundcube.db?mode=0640';

// The school's own Dovecot and Postfix, over loopback.  IMAP without TLS:
// Dovecot counts loopback as secure.  Submission with STARTTLS (Postfix
// takes a login only inside TLS) and no certificate check: only root can
// listen on port 587, so nobody can stand in for Postfix here, and the
// certificate is made for the LAN's name, not for 127.0.0.1.
$config['imap_host'] = '127.0.0.1:143';
$config['smtp_host'] = 'tls://127.0.0.1:587';
$config['smtp_user'] = '%u';
$config['smtp_pass'] = '%p';
$config['smtp_conn_options'] = [
    'ssl' => ['verify_peer' => false, 'verify_peer_name' => false],
];

// Whose mail this is: the roster's usernames log in; the pupil's one
// identity is username@DOMAIN with the roster's name (plugin surel), and
// cannot be changed: the milter would refuse any other From.
$config['mail_domain'] = '@DOMAIN@';
$config['identities_level'] = 4;
$config['plugins'] = ['surel'];
$config['surel_roster_db'] = '@ROSTER_DB@';
$config['surel_domain'] = '@DOMAIN@';

// What a pupil sees: the school's language and name, and the largest message
// the milter lets go outside ([policy] external_max_size), checked when a
// file is attached, before anything is sent.
$config['language'] = '@LANGUAGE@';
$config['product_name'] = '@SCHOOL_NAME@';
$config['max_message_size'] = '@MAX_SIZE@';

// A computer lab's shared PCs: no remembered logins, short sessions, the
// session cookie only for /mail/ and never sent from another site.
$config['login_autocomplete'] = 0;
$config['session_lifetime'] = 30;
$config['session_path'] = '/mail/';
$config['session_samesite'] = 'Strict';
$config['ip_check'] = true;
// Roundcube's own limit counts failures per username: any pupil could lock a
// classmate or a teacher out.  nginx limits login attempts per client address
// instead (/etc/nginx/conf.d/surel-webmail.conf).
$config['login_rate_limit'] = 0;
$config['enable_installer'] = false;
$config['support_url'] = '';
$config['skin'] = 'elastic';
