<?php

/*
 * NAME
 *	plugin_test.php - tests of the surel Roundcube plugin's address book
 * SUMMARY
 *	php tests/webmail/plugin_test.php
 *	ROUNDCUBE_DIR=/path/to/roundcube/ php tests/webmail/plugin_test.php
 * DESCRIPTION
 *	Starts Roundcube on the command line (program/include/clisetup.php)
 *	with a configuration of its own in a temporary directory (no web
 *	request; Roundcube's database is never opened) and the plugin
 *	loaded from this tree through RCUBE_PLUGINS_DIR; builds a small roster in a temporary directory
 *	whose view webmail_contact has the shape and definition of
 *	lib/roster_db.c's (a person table, a list membership table, WAL
 *	mode with a writer kept open so the -wal and -shm files exist, as
 *	in production), and checks who sees whom, searching (wildcards,
 *	quotes, non-ASCII names, modes, required fields), paging, records
 *	by ID, and that a missing or wrong file gives empty results; then
 *	checks the plugin itself: the hook user_create, the address book
 *	among the sources and in autocomplete_addressbooks, and what
 *	autocomplete makes of a found record.
 * DIAGNOSTICS
 *	Prints "ok - ..." per check; on the first failure prints
 *	"FAIL: ..." and exits 1.  The missing-file checks make the book log
 *	"ERROR: surel: cannot open roster ..." on standard error, as
 *	Roundcube's raise_error does on the command line.
 */

error_reporting(E_ALL);
ini_set('display_errors', 'stderr');

const DOMAIN = 'smpn1.sch.id';

$rc = getenv('ROUNDCUBE_DIR') ?: '/usr/share/roundcube/';
define('INSTALL_PATH', rtrim($rc, '/') . '/');

$dir = sys_get_temp_dir() . '/surel-plugin-test.' . getmypid();
mkdir($dir, 0700);
register_shutdown_function(function () use ($dir) {
    exec('rm -rf ' . escapeshellarg($dir));
});

// Roundcube's configuration: its defaults, and ours; plugins: surel from this tree and the required ones.
$defaults = null;
foreach ([INSTALL_PATH . 'config', '/etc/roundcube', '/var/lib/roundcube/config'] as $d) {
    if (is_readable("$d/defaults.inc.php")) {
        $defaults = "$d/defaults.inc.php";
        break;
    }
}
if (!$defaults) {
    fwrite(STDOUT, "FAIL: no Roundcube defaults.inc.php under " . INSTALL_PATH . "config or /etc/roundcube\n");
    exit(1);
}
mkdir("$dir/config");
mkdir("$dir/plugins");
copy($defaults, "$dir/config/defaults.inc.php");
file_put_contents("$dir/config/config.inc.php", '<?php
$config = [];
$config["db_dsnw"] = "sqlite:///' . $dir . '/roundcube.db?mode=0600";
$config["plugins"] = ["surel"];
$config["language"] = "id_ID";
$config["log_driver"] = "stdout";
$config["surel_domain"] = "' . DOMAIN . '";
$config["surel_roster_db"] = "' . $dir . '/roster.db";
');
symlink(realpath(__DIR__ . '/../../webmail/roundcube/surel'), "$dir/plugins/surel");
foreach (['filesystem_attachments', 'jqueryui'] as $p) {
    symlink(INSTALL_PATH . "plugins/$p", "$dir/plugins/$p");
}
define('RCMAIL_CONFIG_DIR', "$dir/config");
define('RCUBE_PLUGINS_DIR', "$dir/plugins/");
require INSTALL_PATH . 'program/include/clisetup.php';
require_once __DIR__ . '/../../webmail/roundcube/surel/surel_roster_book.php';

// Any PHP warning or notice is a failure too.
set_error_handler(function ($no, $str, $file, $line) {
    fail("PHP error: $str at $file:$line");
});

function fail($msg)
{
    fwrite(STDOUT, "FAIL: $msg\n");
    exit(1);
}

function ok($msg)
{
    fwrite(STDOUT, "ok - $msg\n");
}

function check($cond, $msg)
{
    if (!$cond) {
        fail($msg);
    }
}

// The local parts of a result set's records (IDs decoded), sorted.
function ids($result)
{
    $ids = [];
    foreach ($result->records as $r) {
        // Roundcube's rcmail_action_contacts_index::get_cids() accepts only these.
        check(preg_match('/^[a-zA-Z0-9\+\/=_-]+$/', $r['ID']), "ID {$r['ID']} is not one Roundcube accepts");
        $ids[] = surel_roster_book::decode_id($r['ID']);
    }
    sort($ids);
    return $ids;
}

function same($got, $want, $msg)
{
    sort($want);
    if ($got !== $want) {
        fail("$msg: got [" . implode(', ', $got) . '], want [' . implode(', ', $want) . ']');
    }
    ok($msg);
}

// The roster: tables as lib/roster_db.c has them (the columns the view needs), the view verbatim.
$path   = "$dir/roster.db";
$writer = new SQLite3($path);
$writer->enableExceptions(true);
$writer->exec('PRAGMA journal_mode = WAL');
$writer->exec("
    CREATE TABLE person (
      id INTEGER PRIMARY KEY,
      username TEXT NOT NULL UNIQUE,
      full_name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('student','teacher','staff','admin')),
      class TEXT,
      status TEXT NOT NULL DEFAULT 'active');
    CREATE TABLE mail_list_member (list TEXT NOT NULL, username TEXT NOT NULL);
    CREATE VIEW webmail_contact(local, full_name, kind, class) AS
      SELECT username, full_name, role, class FROM person WHERE status = 'active'
      UNION SELECT DISTINCT list, list, 'list', NULL FROM mail_list_member;
");
$people = [
    ['budi',       'Budi Santoso',        'student', '7A', 'active'],
    ['siti.aminah','Siti Aminah',         'student', '7A', 'active'],
    ['niluh',      'Ni Luh Putu Ayu Ṡ',   'student', '7A', 'active'],
    ['rina_p',     'Rina Putri',          'student', '7A', 'active'],
    ['andi',       'Andi Wijaya',         'student', '7B', 'active'],
    ['tanpa',      'Tanpa Kelas',         'student', '',   'active'],
    ['lulus',      'Lulus Dahulu',        'student', '7A', 'graduated'],
    ['obrien',     "Patrick O'Brien",     'teacher', null, 'active'],
    ['dewi',       'Dewi Lestari',        'teacher', null, 'active'],
    ['tu',         'Tata Usaha',          'staff',   '',   'active'],
    ['kepsek',     'Kepala Sekolah',      'admin',   null, 'active'],
];
$ins = $writer->prepare('INSERT INTO person (username, full_name, role, class, status) VALUES (?, ?, ?, ?, ?)');
foreach ($people as $p) {
    foreach ($p as $i => $v) {
        $ins->bindValue($i + 1, $v, $v === null ? SQLITE3_NULL : SQLITE3_TEXT);
    }
    $ins->execute();
    $ins->reset();
}
$lists = [['kelas-7a', 'budi'], ['kelas-7a', 'siti.aminah'], ['kelas-7b', 'andi'], ['guru', 'dewi'], ['guru', 'obrien'], ['siswa', 'budi']];
$ins = $writer->prepare('INSERT INTO mail_list_member (list, username) VALUES (?, ?)');
foreach ($lists as $l) {
    $ins->bindValue(1, $l[0]);
    $ins->bindValue(2, $l[1]);
    $ins->execute();
    $ins->reset();
}
// The writer stays open (and mid-read) so that the -wal and -shm files exist, as in production.
$writer->querySingle('SELECT COUNT(*) FROM person');
check(file_exists("$path-wal") && file_exists("$path-shm"), "the test roster has -wal and -shm files");

$LISTS    = ['guru', 'kelas-7a', 'kelas-7b', 'siswa'];
$STAFF    = ['dewi', 'kepsek', 'obrien', 'tu'];
$CLASS_7A = ['budi', 'niluh', 'rina_p', 'siti.aminah'];
$ALL      = array_merge($LISTS, $STAFF, $CLASS_7A, ['andi', 'tanpa']);

function book($viewer, $pagesize = 100)
{
    global $path;
    $b = new surel_roster_book($path, DOMAIN, $viewer, 'Sekolah', ['list' => 'daftar', 'teacher' => 'guru']);
    $b->set_pagesize($pagesize);
    return $b;
}

// Autocomplete's call: contactlist_fields, SEARCH_GROUPS, select, nocount, required email.
function complete($book, $text, $mode = 0)
{
    $book->reset();
    return $book->search(['name', 'firstname', 'surname', 'email'], $text,
        $mode | rcube_addressbook::SEARCH_GROUPS, true, true, 'email');
}

/* Who sees whom. */

$b = book('budi');
$r = $b->list_records();
same(ids($r), array_merge($LISTS, $STAFF, $CLASS_7A), 'a 7A pupil lists the lists, the staff and 7A only');
check($b->count()->count === 12 && $r->count === 12, 'count() of a 7A pupil is 12, got ' . $b->count()->count);
ok('count() agrees with the listing');
same(ids(complete($b, 'andi')), [], 'a 7A pupil does not find the 7B pupil by name');
same(ids(complete($b, 'andi@' . DOMAIN)), [], 'nor by address');
check($b->get_record(surel_roster_book::encode_id('andi'), true) === null && $b->get_record(surel_roster_book::encode_id('andi'))->count === 0, 'get_record of a 7B pupil for a 7A pupil is empty');
ok('a 7A pupil cannot fetch the 7B pupil by ID');
same(ids(complete($b, 'siti')), ['siti.aminah'], 'a 7A pupil finds a classmate');
same(ids(complete($b, 'dewi')), ['dewi'], 'a 7A pupil finds a teacher');
same(ids(complete($b, 'kelas')), ['kelas-7a', 'kelas-7b'], 'a 7A pupil finds every class list');
same(ids(book('budi@' . DOMAIN)->list_records()), array_merge($LISTS, $STAFF, $CLASS_7A), 'a login with @domain is the same viewer');

same(ids(book('andi')->list_records()), array_merge($LISTS, $STAFF, ['andi']), 'a 7B pupil sees 7B only among pupils');
same(ids(book('tanpa')->list_records()), array_merge($LISTS, $STAFF), 'a pupil without a class sees no pupils');
same(ids(book('dewi')->list_records()), $ALL, 'a teacher sees everyone');
same(ids(complete(book('dewi'), 'andi')), ['andi'], 'a teacher finds the 7B pupil');
same(ids(book('tu')->list_records()), $ALL, 'staff see everyone');
same(ids(book('kepsek')->list_records()), $ALL, 'an administrator sees everyone');
same(ids(book('lulus')->list_records()), $LISTS, 'a graduated (inactive) pupil sees only the lists');
same(ids(book('nobody')->list_records()), $LISTS, 'an unknown login sees only the lists');
same(ids(book('')->list_records()), $LISTS, 'an empty login sees only the lists');
same(ids(book('kelas-7a')->list_records()), $LISTS, 'a list name as login sees only the lists');
same(ids(book("x' OR 1=1 --")->list_records()), $LISTS, 'an injected login sees only the lists');

/* Records. */

$rec = book('dewi')->get_record(surel_roster_book::encode_id('kelas-7a'), true);
check($rec && $rec['name'] === 'kelas-7a (daftar)' && $rec['email'] === ['kelas-7a@' . DOMAIN], 'list record: ' . json_encode($rec));
ok('a list shows as "kelas-7a (daftar)" with its address');
$rec = book('dewi')->get_record(surel_roster_book::encode_id('budi'), true);
check($rec && $rec['name'] === 'Budi Santoso' && $rec['email'] === ['budi@' . DOMAIN]
    && $rec['department'] === '7A' && $rec['ID'] === surel_roster_book::encode_id('budi'), 'person record: ' . json_encode($rec));
ok('a person shows with full name, address and class');
check(rcube_addressbook::get_col_values('email', $rec, true) === ['budi@' . DOMAIN], 'get_col_values(email)');
ok("autocomplete's get_col_values finds the address");
$rec = book('dewi')->get_record(surel_roster_book::encode_id('dewi'), true);
check($rec['jobtitle'] === 'guru' && !isset($rec['department']), 'teacher record: ' . json_encode($rec));
ok('a teacher has a localized kind and no class');

/* Searching. */

$t = book('dewi');
same(ids(complete($t, '%')), [], "'%' matches nothing");
same(ids(complete($t, '_')), ['rina_p'], "'_' matches only the address with an underscore");
same(ids(complete($t, 'a%a')), [], "'a%a' is not a wildcard");
same(ids(complete($t, "O'Brien")), ['obrien'], "a quote in the search works (O'Brien)");
same(ids(complete($t, "o'b")), ['obrien'], "and case-insensitively (o'b)");
same(ids(complete($t, '\\')), [], 'a backslash matches nothing and breaks nothing');
same(ids(complete($t, 'DEWI lest')), ['dewi'], 'search is case-insensitive, each word must match');
same(ids(complete($t, 'ni luh')), ['niluh'], 'a name with non-ASCII letters is found by its ASCII words');
same(ids(complete($t, 'AYU ṡ')), ['niluh'], 'a non-ASCII letter is found case-insensitively');
same(ids(complete($t, 'ayu s')), ['niluh'], 'and without its diacritic');
same(ids(complete($t, 'smpn1.sch')), $ALL, 'the domain part of the address matches every row');
same(ids(complete($t, 'udi')), ['budi'], 'SEARCH_ALL matches a substring');
same(ids(complete($t, 'udi', rcube_addressbook::SEARCH_PREFIX)), [], 'SEARCH_PREFIX does not match inside a word');
same(ids(complete($t, 'sant', rcube_addressbook::SEARCH_PREFIX)), ['budi'], 'SEARCH_PREFIX matches a word prefix');
same(ids(complete($t, 'budi', rcube_addressbook::SEARCH_STRICT)), ['budi'], 'SEARCH_STRICT matches the whole local part');
same(ids(complete($t, 'budi s', rcube_addressbook::SEARCH_STRICT)), [], 'SEARCH_STRICT does not match a part');
same(ids(complete($t, 'budi santoso', rcube_addressbook::SEARCH_STRICT)), ['budi'], 'SEARCH_STRICT matches the whole name');
$t->reset();
same(ids($t->search('*', 'kelas')), ['kelas-7a', 'kelas-7b', 'tanpa'], "fields '*' search name and address");
$t->reset();
same(ids($t->search('email', 'guru@' . DOMAIN)), ['guru'], "field 'email' searches the address");
$t->reset();
same(ids($t->search('name', 'sekolah')), ['kepsek'], "field 'name' searches the full name only");
$t->reset();
same(ids($t->search(['name', 'email'], ['a', 'andi'])), ['andi'], 'advanced search ANDs the fields');
$t->reset();
same(ids($t->search('ID', implode(',', array_map('surel_roster_book::encode_id', ['budi', 'andi', 'nobody'])))), ['andi', 'budi'], 'search by ID list');
$t->reset();
same(ids(book('budi')->search('ID', [surel_roster_book::encode_id('budi'), surel_roster_book::encode_id('andi'), 'not an id!', ''])), ['budi'], 'search by ID obeys visibility');
$t->reset();
same(ids($t->search('phone', '123')), [], 'a field the roster lacks matches nothing');
$t->reset();
same(ids($t->search('*', 'kelas', 0, true, false, ['department'])), [], 'required class: lists and the classless pupil drop out');
$t->reset();
same(ids($t->search('*', 'a', 0, true, false, ['department'])), ['andi', 'budi', 'niluh', 'rina_p', 'siti.aminah'], 'required department keeps the pupils with a class');

/* The search set, paging and counts. */

$t = book('dewi', 3);
$r = $t->search('*', 'a', 0, true, false);
check(count($r->records) === 3 && $r->count > 3, "a search returns one page (3) and counts all, got " . count($r->records) . "/{$r->count}");
ok('search is limited to the page size and counts the whole match');
$n = $r->count;
$t->set_page(2);
$r2 = $t->list_records();
check(count($r2->records) === 3 && $r2->first === 3 && !array_intersect(ids($r), ids($r2)), 'page 2 follows page 1');
ok('list_records() pages through the remembered search');
$r3 = $t->list_records(null, -1);
check(count($r3->records) === 1 && $r3->records[0]['ID'] === end($r2->records)['ID'], 'subset -1 is the last of the page');
ok('list_records() honours a negative subset');
$set = $t->get_search_set();
$t->reset();
check($t->get_result() === null && $t->count()->count === count($ALL), 'reset() forgets the search');
$t->set_search_set($set);
$t->set_page(1);
check($t->count()->count === $n, 'set_search_set() restores the search');
ok('reset() and set_search_set() work');
$r = $t->search('*', 'a', 0, false);
check($r->count === $n && !$r->records && $t->get_result() === $r, 'select=false counts only');
ok('search with select=false counts without records');

same(ids(complete($t, 'siti.am')), ['siti.aminah'], 'a dotted address is found and its ID is valid');
$rec = $t->get_record(surel_roster_book::encode_id('siti.aminah'), true);
check($rec && $rec['email'] === ['siti.aminah@' . DOMAIN], 'get_record of a dotted address');
ok('get_record() of a dotted address');
check(surel_roster_book::decode_id('YnVkaQ==') === null && surel_roster_book::decode_id('a b') === null
    && surel_roster_book::decode_id('') === null && surel_roster_book::decode_id(['x']) === null, 'decode_id of foreign IDs');
ok('decode_id() refuses IDs that encode_id() does not make');

/* Identity lookup (the user_create hook). */

$p = book('')->lookup_person('niluh');
check($p && $p['full_name'] === 'Ni Luh Putu Ayu Ṡ' && $p['kind'] === 'student', 'lookup_person: ' . json_encode($p));
check(book('')->lookup_person('guru') === null && book('')->lookup_person('nobody') === null, 'lookup_person of a list or stranger');
ok('lookup_person() finds people, not lists or strangers');

/* The roster changes while the book is open: the writer commits, the reader sees it. */

$writer->exec("INSERT INTO person (username, full_name, role, class) VALUES ('baru', 'Murid Baru', 'student', '7A')");
same(ids(complete(book('budi'), 'baru')), ['baru'], 'a new classmate is seen after the roster commits');

/* Failures: empty results, no exception, no PHP error. */

$m = new surel_roster_book("$dir/missing.db", DOMAIN, 'budi');
fwrite(STDOUT, "# the next lines on standard error are expected\n");
check($m->list_records()->count === 0 && !$m->list_records()->records, 'missing roster: list_records');
check(complete($m, 'budi')->records === [] && $m->count()->count === 0, 'missing roster: search, count');
check($m->get_record(surel_roster_book::encode_id('budi'), true) === null && $m->get_record(surel_roster_book::encode_id('budi'))->count === 0, 'missing roster: get_record');
check($m->lookup_person('budi') === null, 'missing roster: lookup_person');
check($m->ready === false && ($m->get_error()['type'] ?? null) === rcube_addressbook::ERROR_NO_CONNECTION, 'missing roster: error state');
check(!file_exists("$dir/missing.db"), 'the missing roster was not created');
ok('a missing roster gives empty results, an error state and creates no file');

file_put_contents("$dir/junk.db", str_repeat("not a database\n", 100));
$m = new surel_roster_book("$dir/junk.db", DOMAIN, 'budi');
check(complete($m, 'budi')->records === [] && $m->count()->count === 0, 'junk file');
ok('a file that is not a database gives empty results');

$e = new SQLite3("$dir/noview.db");
$e->exec('CREATE TABLE person (username TEXT)');
$e->close();
$m = new surel_roster_book("$dir/noview.db", DOMAIN, 'budi');
check(complete($m, 'budi')->records === [] && $m->get_record(surel_roster_book::encode_id('budi'), true) === null, 'no view');
ok('a roster without the view gives empty results');

/* The plugin in Roundcube. */

$rcmail = rcmail::get_instance();
$rcmail->plugins->init($rcmail, $rcmail->output);
$rcmail->plugins->load_plugins((array) $rcmail->config->get('plugins'));
check(in_array('surel', (array) $rcmail->config->get('autocomplete_addressbooks'), true), 'autocomplete_addressbooks: '
    . json_encode($rcmail->config->get('autocomplete_addressbooks')));
ok('the plugin adds its book to autocomplete_addressbooks');
$src = $rcmail->get_address_sources();
check(isset($src['surel']) && $src['surel']['name'] === 'Sekolah' && $src['surel']['readonly'] === true
    && $src['surel']['groups'] === false, 'sources: ' . json_encode($src['surel'] ?? null));
ok('the book is listed as "Sekolah", read-only, without groups');

$hook = function ($user) use ($rcmail) {
    return $rcmail->plugins->exec_hook('user_create', ['host' => 'localhost', 'user' => $user,
        'user_name' => '', 'user_email' => '', 'email_list' => [], 'language' => 'id_ID', 'preferences' => []]);
};
$a = $hook('niluh');
check($a['user_email'] === 'niluh@' . DOMAIN && $a['user_name'] === 'Ni Luh Putu Ayu Ṡ' && !$a['abort'], 'user_create: ' . json_encode($a));
ok('user_create takes address and name from the roster');
$a = $hook('siti.aminah@' . DOMAIN);
check($a['user_email'] === 'siti.aminah@' . DOMAIN && $a['user_name'] === 'Siti Aminah', 'user_create with @domain: ' . json_encode($a));
ok('user_create with a login that carries the domain');
$a = $hook('nobody');
check($a['user_email'] === 'nobody@' . DOMAIN && $a['user_name'] === '', 'user_create of a stranger: ' . json_encode($a));
ok('user_create of a login not in the roster sets only the address');

$rcmail->user = new rcube_user(1, ['user_id' => 1, 'username' => 'budi', 'mail_host' => 'localhost', 'language' => 'id_ID']);
$book = $rcmail->get_address_book('surel');
check($book instanceof surel_roster_book && $book->get_name() === 'Sekolah', 'get_address_book(surel)');
check($rcmail->get_address_book('surel') === $book, 'one book per request');
ok('get_address_book() gives the logged-in user\'s book');

// What rcmail_action_mail_autocomplete does with the book.
$book->set_pagesize(15);
$res  = $book->search($rcmail->config->get('contactlist_fields'), 'kelas',
    (int) $rcmail->config->get('addressbook_search_mode') | rcube_addressbook::SEARCH_GROUPS, true, true, 'email');
$seen = [];
while ($record = $res->iterate()) {
    foreach ((array) $book->get_col_values('email', $record, true) as $email) {
        $seen[] = format_email_recipient($email, rcube_addressbook::compose_list_name($record));
    }
}
sort($seen);
$want = ['"kelas-7a (daftar)" <kelas-7a@' . DOMAIN . '>', '"kelas-7b (daftar)" <kelas-7b@' . DOMAIN . '>'];
check($seen === $want, 'autocomplete entries: ' . json_encode($seen));
ok('autocomplete shows "kelas-7a (daftar)" <kelas-7a@' . DOMAIN . '>');
$book->reset();
same(ids($book->search('*', 'andi')), [], 'the logged-in 7A pupil does not find the 7B pupil');
$book->reset();
same(ids($book->search('*', 'siti')), ['siti.aminah'], 'the logged-in 7A pupil finds a classmate');

$writer->close();
echo "all tests passed\n";
