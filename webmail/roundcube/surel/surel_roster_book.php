<?php

/*
 * NAME
 *	surel_roster_book - Roundcube address book over the school roster
 * SUMMARY
 *	$book = new surel_roster_book($db_path, $domain, $viewer,
 *	                              $name, $labels);
 *	$book->search(['name', 'email'], 'dew', 0, true, true, 'email');
 * DESCRIPTION
 *	A read-only rcube_addressbook (no groups) whose records are the rows
 *	of the roster's view
 *
 *	    webmail_contact(local TEXT, full_name TEXT, kind TEXT, class TEXT)
 *
 *	the documented interface between the roster and the webmail; no
 *	other table is read.  kind is student, teacher, staff, admin or
 *	list.  A record's ID is local encoded by encode_id() (base64url, as
 *	rcube_ldap does: Roundcube accepts only [A-Za-z0-9+/=_-] in an ID,
 *	and local parts have dots); its email is local@$domain, its name
 *	the full_name (for a list "<name> (<labels['list']>)"), its
 *	department the class and its jobtitle the kind (labels[kind]).
 *
 *	$viewer is the IMAP login of the person reading (a local part; an
 *	"@domain" tail is dropped).  Every query carries the viewer's
 *	visibility in SQL with bound parameters:
 *	    viewer of kind student    lists, teachers, staff, admins, and
 *	                              the students of the viewer's own
 *	                              (non-empty) class;
 *	    any other kind            every row;
 *	    not in the view           the lists only.
 *	get_record() obeys the same rule, so a guessed ID reveals nothing.
 *
 *	Searching matches each word of the value (the whole value in
 *	SEARCH_STRICT mode) against the fields asked for: name (also
 *	firstname, surname, displayname) is full_name, email is local or
 *	local@$domain, '*' is all of these; department, jobtitle are class
 *	and kind; other fields match nothing.  Both sides are compared
 *	after surel_fold(), a PHP function registered on the connection
 *	that lowers case (mb_strtolower) and drops diacritics (with intl);
 *	SEARCH_ALL is a substring match, SEARCH_PREFIX a word-prefix match.
 *	LIKE's wildcards in the value are escaped (ESCAPE '\').  A field in
 *	$required must be non-empty.  Results are paged by list_page and
 *	page_size, ordered by name; the search is kept for count() and
 *	list_records() until reset().
 *
 *	The file is opened at the first query, read-only
 *	(SQLITE3_OPEN_READONLY), with a busy timeout of 2000 ms.  The roster
 *	is in WAL mode: its -wal and -shm files must exist and be readable
 *	(surel keeps them), unless the web server may write the directory.
 * DIAGNOSTICS
 *	If the roster cannot be opened or queried (missing file, no view,
 *	locked past the timeout) the error is logged once per request with
 *	rcube::raise_error, naming the path, get_error() reports
 *	ERROR_NO_CONNECTION, and every operation returns an empty result:
 *	composing mail keeps working without school contacts.
 */

class surel_roster_book extends rcube_addressbook
{
    public $primary_key = 'ID';
    public $readonly    = true;
    public $groups      = false;
    public $ready       = true;
    public $coltypes    = [
        'name'       => ['limit' => 1],
        'email'      => ['limit' => 1],
        'department' => ['limit' => 1],
        'jobtitle'   => ['limit' => 1],
    ];

    /** Separator of IDs in a direct ID search (as rcube_contacts). */
    const SEPARATOR = ',';

    /** Busy timeout for the roster connection, in milliseconds. */
    const BUSY_TIMEOUT_MS = 2000;

    private $db_path;
    private $domain;
    private $viewer;
    private $name;
    private $labels;

    /** @var SQLite3|null|false null: not opened yet; false: open failed. */
    private $db = null;
    /** @var array|null Visibility clause: ['sql' => ..., 'params' => [...]]. */
    private $visibility = null;
    /** @var array|null Search spec: fields, value, mode, required. */
    private $filter = null;
    /** @var rcube_result_set|null */
    private $result = null;

    // Keeps the settings; the roster is opened at the first query, not here.
    public function __construct($db_path, $domain, $viewer, $name = 'School', array $labels = [])
    {
        $this->db_path = (string) $db_path;
        $this->domain  = (string) $domain;
        $viewer        = (string) $viewer;
        $at            = strpos($viewer, '@');
        $this->viewer  = $at === false ? $viewer : substr($viewer, 0, $at);
        $this->name    = (string) $name;
        $this->labels  = $labels + ['list' => 'list'];
    }

    // The name shown in the list of address books.
    public function get_name()
    {
        return $this->name;
    }

    // Remembers a search (as returned by get_search_set) for count/list_records.
    public function set_search_set($filter)
    {
        $this->filter = is_array($filter) ? $filter : null;
    }

    // The current search, opaque to Roundcube, which keeps it in the session.
    public function get_search_set()
    {
        return $this->filter;
    }

    // Forgets the last result and search.
    public function reset()
    {
        $this->result = null;
        $this->filter = null;
    }

    // The records of the current page under the current search and visibility.
    public function list_records($cols = null, $subset = 0, $nocount = false)
    {
        $first = max(0, ($this->list_page - 1) * $this->page_size);

        if ($nocount) {
            $this->result = new rcube_result_set(0, $first);
        }
        else {
            $this->result = $this->count();
        }

        $offset = $first;
        $limit  = $this->page_size;
        if ($subset < 0) {
            $offset = $first + $this->page_size + $subset;
            $limit  = -$subset;
        }
        else if ($subset > 0) {
            $limit = $subset;
        }

        $where = $this->where_clause($this->filter);
        $order = $this->sort_col === 'email' ? 'local' : 'full_name COLLATE NOCASE';
        $dir   = strtoupper((string) $this->sort_order) === 'DESC' ? 'DESC' : 'ASC';
        $rows  = $this->query(
            'SELECT local, full_name, kind, class FROM webmail_contact'
            . ' WHERE ' . $where['sql']
            . " ORDER BY $order $dir, local $dir LIMIT :lim OFFSET :off",
            $where['params'] + [':lim' => max(0, (int) $limit), ':off' => max(0, (int) $offset)]
        );

        foreach ($rows as $row) {
            $this->result->add($this->to_record($row));
        }

        if ($nocount) {
            $this->result->count = count($this->result->records);
        }

        return $this->result;
    }

    // Searches by ID list, by field/value pairs, in all fields ('*') or in given fields.
    public function search($fields, $value, $mode = 0, $select = true, $nocount = false, $required = [])
    {
        $this->filter = [
            'fields'   => $fields,
            'value'    => $value,
            'mode'     => (int) $mode,
            'required' => array_values(array_filter((array) $required, 'strlen')),
        ];

        if ($select) {
            return $this->list_records(null, 0, $nocount);
        }

        return $this->result = $this->count();
    }

    // How many records the current search and the viewer's visibility allow.
    public function count()
    {
        $first  = max(0, ($this->list_page - 1) * $this->page_size);
        $where  = $this->where_clause($this->filter);
        $rows   = $this->query(
            'SELECT COUNT(*) AS n FROM webmail_contact WHERE ' . $where['sql'],
            $where['params']
        );

        return new rcube_result_set($rows ? (int) $rows[0]['n'] : 0, $first);
    }

    // The result of the last list_records/search/count.
    public function get_result()
    {
        return $this->result;
    }

    // One record by ID (see encode_id), if the viewer may see it.
    public function get_record($id, $assoc = false)
    {
        $vis   = $this->visibility();
        $local = self::decode_id($id);
        $rows  = $local === null ? [] : $this->query(
            'SELECT local, full_name, kind, class FROM webmail_contact'
            . ' WHERE local = :id AND (' . $vis['sql'] . ')'
            . " ORDER BY kind = 'list' LIMIT 1",
            [':id' => $local] + $vis['params']
        );

        $record = $rows ? $this->to_record($rows[0]) : null;

        if ($assoc) {
            return $record;
        }

        $this->result = new rcube_result_set($record ? 1 : 0);
        if ($record) {
            $this->result->add($record);
        }

        return $this->result;
    }

    // Groups are not supported: the lists are ordinary addresses here.
    public function get_record_groups($id)
    {
        return [];
    }

    // The viewer's own row (local, full_name, kind, class), null if absent or unreadable.
    public function lookup_person($local)
    {
        $rows = $this->query(
            'SELECT local, full_name, kind, class FROM webmail_contact'
            . " WHERE local = :local AND kind <> 'list' LIMIT 1",
            [':local' => (string) $local]
        );

        return $rows ? $rows[0] : null;
    }

    // Closes the roster connection (Roundcube calls this at shutdown).
    public function close()
    {
        if ($this->db) {
            $this->db->close();
        }
        $this->db = null;
    }

    // Opens the roster read-only once per instance; false (logged) on failure.
    private function db()
    {
        if ($this->db !== null) {
            return $this->db;
        }

        try {
            $db = new SQLite3($this->db_path, SQLITE3_OPEN_READONLY);
            $db->enableExceptions(true);
            $db->busyTimeout(self::BUSY_TIMEOUT_MS);
            $domain = $this->domain;
            if (!$db->createFunction('surel_fold', [__CLASS__, 'fold'], 1, SQLITE3_DETERMINISTIC)
                || !$db->createFunction('surel_domain', function () use ($domain) { return $domain; }, 0, SQLITE3_DETERMINISTIC)
            ) {
                throw new Exception('cannot register surel_fold() or surel_domain()');
            }
            $this->db = $db;
        }
        catch (Throwable $e) {
            $this->fail('cannot open roster ' . $this->db_path . ': ' . $e->getMessage());
        }

        return $this->db;
    }

    // Runs one statement with bound parameters; all rows, or [] (logged) on error.
    private function query($sql, array $params)
    {
        if (!($db = $this->db())) {
            return [];
        }

        try {
            $stmt = $db->prepare($sql);
            foreach ($params as $key => $val) {
                $stmt->bindValue($key, $val, is_int($val) ? SQLITE3_INTEGER : SQLITE3_TEXT);
            }
            $res  = $stmt->execute();
            $rows = [];
            while ($row = $res->fetchArray(SQLITE3_ASSOC)) {
                $rows[] = $row;
            }
            $res->finalize();
            $stmt->close();

            return $rows;
        }
        catch (Throwable $e) {
            $this->fail('cannot read webmail_contact in roster ' . $this->db_path . ': ' . $e->getMessage());
            return [];
        }
    }

    // Logs a failure once and marks the book as unusable, so the UI says so.
    private function fail($message)
    {
        if ($this->db === false) {
            return;
        }
        $this->db    = false;
        $this->ready = false;
        $this->set_error(self::ERROR_NO_CONNECTION, 'connerror');
        rcube::raise_error([
            'code'    => 500,
            'file'    => __FILE__,
            'line'    => __LINE__,
            'message' => 'surel: ' . $message,
        ], true, false);
    }

    // The SQL clause limiting rows to those the viewer may see (computed once).
    private function visibility()
    {
        if ($this->visibility !== null) {
            return $this->visibility;
        }

        $me = $this->viewer !== '' ? $this->lookup_person($this->viewer) : null;

        if (!$me) {
            $vis = ['sql' => "kind = 'list'", 'params' => []];
        }
        else if ($me['kind'] === 'student') {
            $vis = [
                'sql'    => "kind IN ('list', 'teacher', 'staff', 'admin')"
                    . " OR (kind = 'student' AND class = :vclass AND class <> '')",
                'params' => [':vclass' => (string) $me['class']],
            ];
        }
        else {
            $vis = ['sql' => '1', 'params' => []];
        }

        // An unreadable roster is not cached, so the failure stays visible.
        if ($this->db) {
            $this->visibility = $vis;
        }

        return $vis;
    }

    // The WHERE clause (visibility AND search) with its parameters.
    private function where_clause($filter)
    {
        $vis    = $this->visibility();
        $params = $vis['params'];
        $parts  = ['(' . $vis['sql'] . ')'];

        if (is_array($filter)) {
            $parts[] = $this->search_sql($filter, $params);
        }

        return ['sql' => implode(' AND ', $parts), 'params' => $params];
    }

    // Turns a search spec into SQL, adding its bound values to $params.
    private function search_sql(array $filter, array &$params)
    {
        $fields   = $filter['fields'] ?? '*';
        $value    = $filter['value'] ?? '';
        $mode     = (int) ($filter['mode'] ?? 0);
        $required = (array) ($filter['required'] ?? []);
        $where    = [];

        // direct ID search
        if ($fields === 'ID' || $fields === $this->primary_key) {
            $ids = is_array($value) ? $value : explode(self::SEPARATOR, (string) $value);
            $in  = [];
            foreach ($ids as $id) {
                if (($local = self::decode_id($id)) !== null) {
                    $in[] = $this->param($params, $local);
                }
            }
            $where[] = $in ? 'local IN (' . implode(', ', $in) . ')' : '0';
        }
        // advanced search: every field must match its value
        else if (is_array($value)) {
            foreach ((array) $fields as $idx => $col) {
                $val = (string) ($value[$idx] ?? '');
                if ($val !== '') {
                    $where[] = $this->match_sql([$col], $val, $mode, $params);
                }
            }
        }
        // all fields, or the given ones
        else {
            $cols    = $fields === '*' ? ['*'] : (array) $fields;
            $where[] = $this->match_sql($cols, (string) $value, $mode, $params);
        }

        foreach ($required as $col) {
            $sql = $this->column_sql($col);
            $where[] = $sql === null ? '0' : "($sql) <> ''";
        }

        return $where ? '(' . implode(' AND ', $where) . ')' : '1';
    }

    // Each word of $value must match one of $cols (the whole value in strict mode).
    private function match_sql(array $cols, $value, $mode, array &$params)
    {
        $value = trim($value);
        if ($value === '') {
            return '1';
        }

        $words = ($mode & self::SEARCH_STRICT) ? [$value] : preg_split('/\s+/u', $value);
        $exprs = [];
        foreach ($cols as $col) {
            // an address matches by its local part too (strict "budi")
            if ($col === '*') {
                array_push($exprs, 'full_name', 'local', $this->column_sql('email'));
            }
            else if (($sql = $this->column_sql($col)) !== null) {
                $exprs[] = $sql;
                if (strpos($col, 'email') === 0) {
                    $exprs[] = 'local';
                }
            }
        }
        $exprs = array_unique($exprs);
        if (!$exprs) {
            return '0';
        }

        $and = [];
        foreach ($words as $word) {
            $folded = self::fold($word);
            $or     = [];
            if ($mode & self::SEARCH_STRICT) {
                $p = $this->param($params, $folded);
                foreach ($exprs as $e) {
                    $or[] = "surel_fold($e) = $p";
                }
            }
            else {
                $esc = addcslashes($folded, '\\%_');
                $p   = $this->param($params, ($mode & self::SEARCH_PREFIX) ? "$esc%" : "%$esc%");
                $pw  = ($mode & self::SEARCH_PREFIX) ? $this->param($params, "% $esc%") : null;
                foreach ($exprs as $e) {
                    $or[] = "surel_fold($e) LIKE $p ESCAPE '\\'";
                    if ($pw) {
                        $or[] = "surel_fold($e) LIKE $pw ESCAPE '\\'";
                    }
                }
            }
            $and[] = '(' . implode(' OR ', $or) . ')';
        }

        return '(' . implode(' AND ', $and) . ')';
    }

    // The SQL expression behind a contact field; null for fields the roster lacks.
    private function column_sql($col)
    {
        $col = (string) $col;
        $pos = strpos($col, ':');
        if ($pos !== false) {
            $col = substr($col, 0, $pos);
        }

        switch ($col) {
        case 'name':
        case 'firstname':
        case 'surname':
        case 'displayname':
        case 'nickname':
            return 'full_name';
        case 'email':
            return $this->domain === '' ? 'local' : "local || '@' || surel_domain()";
        case 'department':
            return "COALESCE(class, '')";
        case 'jobtitle':
            return 'kind';
        }

        return null;
    }

    // Adds a bound value and returns its placeholder name.
    private function param(array &$params, $value)
    {
        $name          = ':p' . count($params);
        while (isset($params[$name])) {
            $name .= 'x';
        }
        $params[$name] = $value;

        return $name;
    }

    // A row of the view as a Roundcube contact record.
    private function to_record(array $row)
    {
        $local = (string) $row['local'];
        $kind  = (string) $row['kind'];
        $name  = (string) $row['full_name'];

        if ($kind === 'list') {
            $name = sprintf('%s (%s)', $name, $this->labels['list']);
        }

        $record = [
            'ID'       => self::encode_id($local),
            'name'     => $name,
            'email'    => [$this->domain === '' ? $local : $local . '@' . $this->domain],
            'jobtitle' => $this->labels[$kind] ?? $kind,
        ];
        if (($row['class'] ?? '') !== '' && $row['class'] !== null) {
            $record['department'] = (string) $row['class'];
        }

        return $record;
    }

    // A local part as a record ID: base64url without padding.
    public static function encode_id($local)
    {
        return rtrim(strtr(base64_encode((string) $local), '+/', '-_'), '=');
    }

    // The local part of a record ID; null if it is not one of ours.
    public static function decode_id($id)
    {
        if (!is_string($id) && !is_int($id)) {
            return null;
        }
        $local = base64_decode(strtr((string) $id, '-_', '+/'), true);

        return ($local === false || $local === '' || self::encode_id($local) !== (string) $id) ? null : $local;
    }

    // Case- and accent-insensitive form of a string, for SQL (surel_fold) and PHP alike.
    public static function fold($s)
    {
        $s = (string) $s;
        if (class_exists('Normalizer', false) && ($d = Normalizer::normalize($s, Normalizer::FORM_D)) !== false) {
            $s = preg_replace('/\p{Mn}+/u', '', $d) ?? $s;
        }

        return mb_strtolower($s, 'UTF-8');
    }
}
