<?php

/*
 * NAME
 *	surel - Roundcube plugin: the school roster as address book and identity
 * SUMMARY
 *	$config['plugins'][] = 'surel';
 *	$config['surel_roster_db'] = '/var/lib/surel/roster.db';
 *	$config['surel_domain'] = 'sekolah.example';
 * DESCRIPTION
 *	Adds the read-only address book "Sekolah" (id "surel", class
 *	surel_roster_book) built from the roster's view
 *	webmail_contact(local, full_name, kind, class), lists it among the
 *	address books and appends its id to autocomplete_addressbooks, so
 *	the compose window completes school addresses.  What a user sees
 *	follows the roster (see surel_roster_book.php): a pupil sees the
 *	lists, the teachers, staff and administrators, and the pupils of
 *	the own class; everyone else sees all.  The viewer is the IMAP
 *	login, rcmail::get_user_name().
 *
 *	Every request's search texts (_search, _q) are cut to 100
 *	characters (hook startup): Roundcube's own address books log the
 *	whole SQL of a search too large for SQLite, so a long one would fill
 *	the disk.  A message sent with a free-text sender (_from not an
 *	identity's number) goes From the user's identity instead: with
 *	identities_level = 4 nobody may choose another display name.  A
 *	login given as login@surel_domain is taken as login (hook
 *	authenticate), so a pupil has one account, not two.
 *
 *	On a user's first login (hook user_create) the default identity is
 *	set from the roster: user_email = login@surel_domain and, when the
 *	login is a person in the view, user_name = full_name.  surel's
 *	Roundcube configuration sets identities_level = 4, so the address
 *	cannot be changed afterwards.
 *
 *	Configuration (Roundcube's config or this plugin's config.inc.php):
 *	    surel_roster_db   path of the roster (default
 *	                      /var/lib/surel/roster.db), opened read-only;
 *	                      the web server's user must be able to read it
 *	                      and its -wal and -shm files.
 *	    surel_domain      the school's mail domain (no default; without
 *	                      it addresses are bare local parts and the
 *	                      identity's address is left as Roundcube made
 *	                      it).
 * DIAGNOSTICS
 *	An unreadable roster is logged to Roundcube's error log, naming the
 *	path; the address book is then empty and the identity keeps
 *	Roundcube's defaults.  Nothing here ends the request.
 */

require_once __DIR__ . '/surel_roster_book.php';

class surel extends rcube_plugin
{
    /** Address book id, as used in autocomplete_addressbooks. */
    const BOOK_ID = 'surel';

    /** Longest search text taken (characters): names and addresses are shorter. */
    const MAX_SEARCH = 100;

    /** Default roster path, as installed by surel. */
    const DEFAULT_DB = '/var/lib/surel/roster.db';

    /** @var surel_roster_book|null The logged-in user's book, made once per request. */
    private $book = null;

    // Registers the hooks and makes the school book an autocompletion source.
    public function init()
    {
        $this->load_config();
        $this->add_texts('localization/');

        $this->add_hook('addressbooks_list', [$this, 'address_sources']);
        $this->add_hook('addressbook_get', [$this, 'get_address_book']);
        $this->add_hook('user_create', [$this, 'user_create']);
        $this->add_hook('startup', [$this, 'startup']);
        $this->add_hook('authenticate', [$this, 'authenticate']);

        $config  = rcmail::get_instance()->config;
        $sources = (array) $config->get('autocomplete_addressbooks', ['sql']);
        if (!in_array(self::BOOK_ID, $sources, true)) {
            $sources[] = self::BOOK_ID;
            $config->set('autocomplete_addressbooks', $sources);
        }
    }

    // Lists the school book among the address books (without opening the roster).
    public function address_sources($args)
    {
        $args['sources'][self::BOOK_ID] = [
            'id'       => self::BOOK_ID,
            'name'     => $this->gettext('addressbook'),
            'readonly' => true,
            'groups'   => false,
        ];

        return $args;
    }

    // Hands Roundcube the book instance when it asks for our id.
    public function get_address_book($args)
    {
        if ($args['id'] === self::BOOK_ID) {
            if (!$this->book) {
                $this->book = $this->make_book(rcmail::get_instance()->get_user_name());
            }
            $args['instance'] = $this->book;
        }

        return $args;
    }

    // Caps search texts (Roundcube's own books log a whole failed query: a
    // long one would fill the disk) and sends every message From the
    // pupil's own identity (a free-text _from could carry any display name).
    public function startup($args)
    {
        foreach (['_search', '_q'] as $key) {
            foreach ([&$_GET, &$_POST] as &$input) {
                if (isset($input[$key]) && is_string($input[$key])) {
                    $input[$key] = mb_substr($input[$key], 0, self::MAX_SEARCH);
                }
            }
            unset($input);
        }
        if ($args['task'] === 'mail' && $args['action'] === 'send' && isset($_POST['_from'])
            && !preg_match('/^[0-9]+$/', (string) $_POST['_from'])) {
            $identity = rcmail::get_instance()->user->get_identity();
            $_POST['_from'] = $identity ? (string) $identity['identity_id'] : '';
        }

        return $args;
    }

    // One account per pupil: "login@school-domain" logs in as "login".
    public function authenticate($args)
    {
        $domain = (string) rcmail::get_instance()->config->get('surel_domain', '');
        $user   = trim((string) ($args['user'] ?? ''));
        $suffix = '@' . $domain;
        if ($domain !== '' && strlen($user) > strlen($suffix)
            && strcasecmp(substr($user, -strlen($suffix)), $suffix) === 0) {
            $user = substr($user, 0, -strlen($suffix));
        }
        $args['user'] = $user;

        return $args;
    }

    // Fills a new user's identity (address and name) from the roster.
    public function user_create($args)
    {
        $login  = (string) ($args['user'] ?? '');
        $at     = strpos($login, '@');
        $local  = $at === false ? $login : substr($login, 0, $at);
        $domain = (string) rcmail::get_instance()->config->get('surel_domain', '');

        if ($local === '') {
            return $args;
        }

        if ($domain !== '') {
            $args['user_email'] = $local . '@' . $domain;
        }

        $book   = $this->make_book($local);
        $person = $book->lookup_person($local);
        $book->close();

        if ($person && (string) $person['full_name'] !== '') {
            $args['user_name'] = (string) $person['full_name'];
        }

        return $args;
    }

    // Builds a book for the given viewer from the configuration and the localized labels.
    private function make_book($viewer)
    {
        $config = rcmail::get_instance()->config;
        $labels = ['list' => $this->gettext('list')];
        foreach (['student', 'teacher', 'staff', 'admin'] as $kind) {
            $labels[$kind] = $this->gettext('kind_' . $kind);
        }

        return new surel_roster_book(
            (string) $config->get('surel_roster_db', self::DEFAULT_DB),
            (string) $config->get('surel_domain', ''),
            (string) $viewer,
            $this->gettext('addressbook'),
            $labels
        );
    }
}
