#!/usr/bin/python3
# NAME
#     browser.py - drive Roundcube 1.6 (elastic skin) in a real headless Chromium
#
# SYNOPSIS
#     browser.py --url URL --shots DIR [--timeout S] [--lang L] SCENARIO ARGS...
#
#     login    USER PASS
#     send     USER PASS TO SUBJECT BODY [--attach FILE]
#     attach   USER PASS FILE
#     read     USER PASS SUBJECT
#     quota    USER PASS
#     complete USER PASS PREFIX
#
# DESCRIPTION
#     Each call starts a fresh Chromium (headless, no sandbox, throwaway
#     profile under a temporary directory removed at exit) through
#     /usr/bin/chromedriver, logs USER in at URL, plays the scenario as a
#     pupil would and logs out. After every step it saves a screenshot
#     DIR/NNN-SCENARIO-STEP.png, NNN counting on from the PNGs already in DIR.
#     Nothing is selected by visible text (the interface is Indonesian):
#     only ids, names, classes and Roundcube's own `rcmail` object.
#     Notifications are read from a log that a script injected into every
#     page keeps in sessionStorage: each element Roundcube adds to
#     #messagestack, with its type (error, warning, confirmation, ...) and
#     its text, so a short-lived notification cannot be missed.
#
#     Result lines on stdout:
#       login     login ok | login failed: TEXT
#       send      sent | refused: TEXT
#       attach    attached | refused: TEXT, then limit: HINT and limit-bytes: N
#       read      read: BODY (whitespace runs folded into one space)
#       quota     quota: TEXT, then quota-title: TITLE and
#                 quota-kb: used=N total=M when Roundcube knows them;
#                 quota: none when the skin shows no quota widget
#       complete  suggest: TEXT (one line each) | suggest: none
#
# EXIT STATUS
#     0  the scenario reached its observable end (a refusal included)
#     1  an unexpected state: the reason, the current URL and the page's
#        visible text go to stderr (and a NNN-SCENARIO-failed.png shot)
#     2  bad usage
#
# Run as root in the webmail's network namespace with Debian's python3:
#     ip netns exec NS /usr/bin/python3 tests/webmail/browser.py ...

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import (JavascriptException,
                                        NoSuchElementException,
                                        StaleElementReferenceException,
                                        TimeoutException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
ALERT_TYPES = ('error', 'warning')

# Injected before any page script: log every notification added to #messagestack.
RECORDER_JS = r"""
(function () {
  var KEY = 'surel_msgs';
  function rec(n) {
    if (!n || n.nodeType !== 1 || !n.parentNode || n.parentNode.id !== 'messagestack')
      return;
    var l = [];
    try { l = JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch (e) {}
    l.push({type: String(n.className || '').split(/\s+/)[0],
            text: (n.textContent || '').replace(/\s+/g, ' ').trim()});
    sessionStorage.setItem(KEY, JSON.stringify(l));
  }
  new MutationObserver(function (ms) {
    ms.forEach(function (m) { m.addedNodes.forEach(rec); });
  }).observe(document, {childList: true, subtree: true});
})();
"""


class Unexpected(Exception):
    """The page is not in a state the scenario expects."""


class Run:
    """One browser session: the driver, the shots directory and the step counter."""

    def __init__(self, args):
        self.url = args.url
        self.scenario = args.scenario
        self.shots = args.shots
        self.timeout = args.timeout
        self.profile = tempfile.mkdtemp(prefix='surel-chromium-')
        self.seq = len(glob.glob(os.path.join(self.shots, '*.png')))
        try:
            self.driver = start_browser(self.profile, args.lang)
        except BaseException:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise

    # Save DIR/NNN-SCENARIO-STEP.png, NNN counting on across calls.
    def shot(self, step):
        self.seq += 1
        name = '%03d-%s-%s.png' % (self.seq, self.scenario, step)
        try:
            self.driver.save_screenshot(os.path.join(self.shots, name))
        except WebDriverException as e:
            print('browser.py: screenshot %s failed: %s' % (name, e.msg), file=sys.stderr)

    # Wait (explicitly, up to `timeout` s) until cond(driver) is truthy; return it.
    def wait(self, cond, what, timeout=None):
        w = WebDriverWait(self.driver, timeout or self.timeout, poll_frequency=0.5,
                          ignored_exceptions=(JavascriptException, NoSuchElementException,
                                              StaleElementReferenceException))
        try:
            return w.until(cond)
        except TimeoutException:
            raise Unexpected('timed out waiting for ' + what)

    # Run a JS snippet in the page; None while the page is between loads.
    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # Find one element by CSS selector, or raise Unexpected.
    def el(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        if not found:
            raise Unexpected('no element ' + css)
        return found[0]

    # The notifications recorded since the page log had `since` entries.
    def notes(self, since=0):
        try:
            log = self.js("return sessionStorage.getItem('surel_msgs')")
            return json.loads(log or '[]')[since:]
        except (JavascriptException, ValueError):
            return []

    # The text of the first error/warning notification after `since`, or None.
    def alert(self, since):
        for n in self.notes(since):
            if n.get('type') in ALERT_TYPES:
                return n.get('text', '')
        return None

    # Stop the browser and remove its profile.
    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


# Start headless Chromium through the local chromedriver (no selenium-manager).
def start_browser(profile, lang):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
              '--no-proxy-server', '--no-first-run', '--no-default-browser-check',
              '--disable-extensions', '--disable-background-networking',
              '--disable-component-update', '--window-size=1280,900',
              '--user-data-dir=' + profile, '--lang=' + lang):
        opts.add_argument(a)
    opts.add_experimental_option('prefs', {'intl.accept_languages': lang})
    service = Service(CHROMEDRIVER, log_path=os.devnull)
    driver = webdriver.Chrome(service=service, options=opts)
    driver.set_page_load_timeout(120)
    driver.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': RECORDER_JS})
    return driver


# Log in; return None when the mail view appears, else the error notification's text.
def login(run, user, password):
    run.driver.get(run.url)
    run.wait(lambda d: d.find_elements(By.ID, 'rcmloginuser'), 'the login form')
    run.shot('login-form')
    since = len(run.notes())
    run.el('#rcmloginuser').send_keys(user)
    run.el('#rcmloginpwd').send_keys(password)
    run.shot('login-filled')
    run.el('#rcmloginsubmit').click()
    state = run.wait(lambda d: ('ok',) if d.find_elements(By.ID, 'messagelist')
                     else (('failed', run.alert(since)) if run.alert(since) is not None else None),
                     'the mail view or a login error')
    run.shot('logged-in' if state[0] == 'ok' else 'login-refused')
    return None if state[0] == 'ok' else state[1]


# Log in or raise Unexpected: the scenarios other than `login` need a session.
def must_login(run, user, password):
    err = login(run, user, password)
    if err is not None:
        raise Unexpected('login failed: ' + err)
    wait_idle(run, 'mail')


# Log out through Roundcube (skipping the unsaved-compose check) and wait for the login form.
def logout(run):
    try:
        run.js("window.onbeforeunload = null; if (window.rcmail) {"
               " rcmail.compose_skip_unsavedcheck = true; rcmail.env.is_sent = true;"
               " rcmail.switch_task('logout'); }")
        run.wait(lambda d: d.find_elements(By.ID, 'rcmloginuser'), 'the login form after logout')
        run.shot('logged-out')
    except (Unexpected, WebDriverException) as e:
        print('browser.py: logout: %s' % e, file=sys.stderr)


# Wait until rcmail is loaded, idle and has `command` enabled (a busy rcmail ignores commands).
def wait_idle(run, command):
    run.wait(lambda d: run.js("return !!(window.rcmail && rcmail.busy === false"
                              " && rcmail.commands[arguments[0]])", command),
             'Roundcube to be idle with %r enabled' % command)


# Open the compose screen through rcmail and wait until its form is usable.
def open_compose(run):
    wait_idle(run, 'compose')
    run.js("rcmail.command('compose')")
    run.wait(lambda d: run.js("return !!(window.rcmail && rcmail.env.action == 'compose'"
                              " && rcmail.env.compose_id && rcmail.busy === false)")
             and d.find_elements(By.CSS_SELECTOR, '#compose_to .recipient-input li.input input'),
             'the compose form')
    run.shot('compose')


# The visible text input inside the To field's recipient-box widget.
def to_input(run):
    return run.el('#compose_to .recipient-input li.input input')


# Type an address into To and wait until it became a recipient box.
def add_recipient(run, address):
    inp = to_input(run)
    inp.click()
    inp.send_keys(address + ',')
    run.wait(lambda d: address in (run.js("return $('#_to').val()") or '')
             and d.find_elements(By.CSS_SELECTOR, '#compose_to li.recipient'),
             'the recipient box for ' + address)
    run.js("rcmail.ksearch_hide()")
    run.shot('to')


# Fill Subject and the (plain text) body.
def fill_message(run, subject, body):
    run.el('#compose-subject').send_keys(subject)
    area = run.el('#composebody')
    if area.is_displayed():
        area.send_keys(body)
    else:  # the HTML editor is on: put the text in through Roundcube's editor API
        run.js("rcmail.editor.set_content(arguments[0])", body)
    run.shot('filled')


# Upload FILE; return None when it is in the attachment list, else the error text.
def upload(run, path):
    since = len(run.notes())
    run.el('#uploadform input[type=file]').send_keys(os.path.abspath(path))

    def done(d):
        err = run.alert(since)
        if err is not None:
            return ('refused', err)
        ok = run.js("return $('#attachment-list li').filter(function () {"
                    " return !/^upload/.test(this.id) && !$(this).is('.uploading'); }).length")
        return ('attached',) if ok else None
    state = run.wait(done, 'the attachment in the list or an error')
    run.shot('attached' if state[0] == 'attached' else 'attach-refused')
    return None if state[0] == 'attached' else state[1]


# Click Send; return None when Roundcube confirms, else the error notification's text.
def click_send(run):
    since = len(run.notes())
    run.el('#compose-content .formbuttons .send').click()
    run.shot('send-clicked')

    def done(d):
        err = run.alert(since)
        sent = run.js("return !!(window.rcmail && (rcmail.env.action != 'compose'"
                      " || rcmail.env.is_sent))")
        if sent:
            return ('sent',)
        return ('refused', err) if err is not None else None
    state = run.wait(done, 'the send confirmation or an error')
    run.shot('sent' if state[0] == 'sent' else 'send-refused')
    return None if state[0] == 'sent' else state[1]


# Scenario `login`: report whether USER/PASS get the mail view.
def sc_login(run, a):
    err = login(run, a.user, a.password)
    if err is not None:
        return ['login failed: ' + err]
    logout(run)
    return ['login ok']


# Scenario `send`: compose and send a message, optionally with an attachment.
def sc_send(run, a):
    must_login(run, a.user, a.password)
    open_compose(run)
    add_recipient(run, a.to)
    fill_message(run, a.subject, a.body)
    if a.attach:
        err = upload(run, a.attach)
        if err is not None:
            raise Unexpected('attachment refused: ' + err)
    err = click_send(run)
    result = ['sent'] if err is None else ['refused: ' + err]
    emit(result)
    logout(run)
    return []


# The maximum-size hint of the compose screen and Roundcube's limit in bytes.
def upload_limit(run):
    hint = run.js("return $('#compose-attachments .hint').first().text()") or ''
    size = run.js("return Math.floor(rcmail.env.max_filesize || 0)")
    return ['limit: ' + (' '.join(hint.split()) or 'none'), 'limit-bytes: %s' % (size or 'none')]


# Scenario `attach`: try to upload FILE in compose; report the outcome and the limit.
def sc_attach(run, a):
    must_login(run, a.user, a.password)
    open_compose(run)
    limit = upload_limit(run)
    err = upload(run, a.file)
    emit((['attached'] if err is None else ['refused: ' + err]) + limit)
    logout(run)
    return []


# The message-list row element whose subject is exactly `subject`, or None.
def find_row(run, subject):
    return run.js("""
        var rows = window.rcmail && rcmail.message_list && rcmail.message_list.rows;
        for (var k in rows || {}) {
          var t = $(rows[k].obj).find('td.subject a[href*="_uid="] span').first().text();
          if ($.trim(t) === arguments[0]) return rows[k].obj;
        }
        return null;""", subject)


# Wait up to 120 s for the subject in INBOX, asking for new mail (or reloading) now and then.
def wait_row(run, subject):
    state = {'t': time.monotonic(), 'n': 0}

    def cond(d):
        row = find_row(run, subject)
        if row is None and time.monotonic() - state['t'] > 15:
            state['t'], state['n'] = time.monotonic(), state['n'] + 1
            if state['n'] % 4 == 0:
                d.refresh()
            else:
                run.js("rcmail.command('checkmail')")
        return row
    return run.wait(cond, 'a message with subject %r in INBOX' % subject, max(run.timeout, 120))


# The shown message's body text (full view or preview frame), or None while loading.
def body_text(run):
    return run.js("""
        var f = document.getElementById('messagecontframe'), b = document.getElementById('messagebody');
        try { if (!b && f && f.contentDocument) b = f.contentDocument.getElementById('messagebody'); }
        catch (e) {}
        return b ? b.innerText : null;""")


# Scenario `read`: open the INBOX message with SUBJECT and print its body.
def sc_read(run, a):
    must_login(run, a.user, a.password)
    wait_idle(run, 'checkmail')
    run.js("if (rcmail.env.mailbox != 'INBOX') rcmail.command('list', 'INBOX')")
    row = wait_row(run, a.subject)
    run.shot('found')
    row.click()  # widescreen: preview frame; list layout: the full view
    text = run.wait(lambda d: body_text(run), 'the message body')
    run.shot('opened')
    emit(['read: ' + ' '.join(text.split())])
    logout(run)
    return []


# Scenario `quota`: print the quota widget's text, its title and the numbers behind it.
def sc_quota(run, a):
    must_login(run, a.user, a.password)
    if not run.driver.find_elements(By.ID, 'quotadisplay'):
        run.shot('no-quota')
        emit(['quota: none'])
    else:
        run.wait(lambda d: run.js("return $.trim($('#quotadisplay .count').text())"),
                 'the quota display')
        run.shot('quota')
        emit(quota_lines(run))
    logout(run)
    return []


# The quota result lines from the widget and rcmail.env.quota_content.
def quota_lines(run):
    q = run.js("""var c = $('#quotadisplay .count'), e = rcmail.env.quota_content || {};
        return {text: $.trim(c.text()),
                title: c.attr('title') || $('#quotadisplay').attr('data-original-title')
                       || $('#quotadisplay').attr('title') || e.title || '',
                used: e.used, total: e.total};""")
    lines = ['quota: ' + q['text']]
    if q.get('title'):
        lines.append('quota-title: ' + ' '.join(q['title'].split()))
    if q.get('total') is not None:
        lines.append('quota-kb: used=%s total=%s' % (q.get('used'), q.get('total')))
    return lines


# The autocomplete state: None while searching, else the list of suggestions.
def suggestions(run):
    return run.js("""
        var p = $('#rcmKSearchpane'), items = p.is(':visible') ? p.find('li') : $(),
            kd = rcmail.ksearch_data, done = !kd || kd.num <= 0;
        if (!done || (!kd && !items.length)) return null;
        return items.map(function () { return $.trim(this.innerText); }).get();""")


# Scenario `complete`: type PREFIX into To and list the autocomplete suggestions.
def sc_complete(run, a):
    must_login(run, a.user, a.password)
    open_compose(run)
    inp = to_input(run)
    inp.click()
    inp.send_keys(a.prefix)
    run.shot('typed')
    try:
        run.wait(lambda d: run.js("return !!rcmail.ksearch_data || $('#rcmKSearchpane li:visible').length > 0"),
                 'an autocomplete search', 15)
        found = run.wait(lambda d: (lambda s: None if s is None else (s,))(suggestions(run)),
                         'the autocomplete results')[0]
    except Unexpected:
        found = []
    run.shot('suggestions')
    emit(['suggest: ' + ' '.join(s.split()) for s in found] or ['suggest: none'])
    logout(run)
    return []


# Print result lines at once, so they are out even if logging out then fails.
def emit(lines):
    for line in lines:
        print(line)
    sys.stdout.flush()


# Report an unexpected state: reason, URL and visible text on stderr.
def report_failure(run, reason):
    print('browser.py: %s: %s' % (run.scenario, reason), file=sys.stderr)
    try:
        run.shot('failed')
        print('URL: ' + run.driver.current_url, file=sys.stderr)
        print(run.driver.find_element(By.TAG_NAME, 'body').text, file=sys.stderr)
    except WebDriverException as e:
        print('browser.py: cannot read the page: %s' % e.msg, file=sys.stderr)


# The command line: common options, then one sub-command per scenario.
def parse_args(argv):
    p = argparse.ArgumentParser(description='Drive Roundcube (elastic) in headless Chromium.')
    p.add_argument('--url', required=True, help='Roundcube login URL')
    p.add_argument('--shots', required=True, help='directory for the step screenshots')
    p.add_argument('--timeout', type=int, default=60, help='seconds each wait may last (60)')
    p.add_argument('--lang', default='id-ID', help='browser language (id-ID)')
    sub = p.add_subparsers(dest='scenario', required=True, metavar='SCENARIO')
    specs = {'login': [], 'send': ['to', 'subject', 'body'], 'attach': ['file'],
             'read': ['subject'], 'quota': [], 'complete': ['prefix']}
    for name, extra in specs.items():
        s = sub.add_parser(name, help='%s USER PASS %s' % (name, ' '.join(x.upper() for x in extra)))
        for x in ['user', 'password'] + extra:
            s.add_argument(x)
        if name == 'send':
            s.add_argument('--attach', metavar='FILE', help='attach FILE before sending')
    return p.parse_args(argv)


SCENARIOS = {'login': sc_login, 'send': sc_send, 'attach': sc_attach,
             'read': sc_read, 'quota': sc_quota, 'complete': sc_complete}


# Run one scenario in a fresh browser; exit 0 on its observable end, 1 otherwise.
def main(argv):
    args = parse_args(argv)
    os.makedirs(args.shots, exist_ok=True)
    for var in ('http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'):
        os.environ.pop(var, None)  # selenium talks to chromedriver on localhost
    run = Run(args)
    try:
        emit(SCENARIOS[args.scenario](run, args))
        return 0
    except (Unexpected, WebDriverException) as e:
        report_failure(run, getattr(e, 'msg', None) or str(e))
        return 1
    finally:
        run.close()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
