#!/usr/bin/python3
"""client.py - a mail program as Debian's Python ships it: smtplib, imaplib, poplib.

usage: client.py [--ca CERT --name NAME] COMMAND HOST ARGS...

  smtp-plain HOST PORT USER PASS   EHLO and AUTH PLAIN without STARTTLS
  smtp-starttls HOST PORT          EHLO, STARTTLS, EHLO again (no login)
  send HOST USER PASS FROM TO SUBJECT   port 587: STARTTLS, login, send
  imap HOST USER PASS SUBJECT      port 143: STARTTLS, login, search SUBJECT
  pop3 HOST USER PASS SUBJECT      port 110: STLS, login, find SUBJECT
  imap-plain HOST USER PASS        port 143: LOGIN without STARTTLS
  pop3-plain HOST USER PASS        port 110: USER/PASS without STLS

With --ca the server's certificate must chain to CERT and be for NAME
(the client connects to HOST, an address, and checks the certificate
against NAME as a mail program configured with that name would).
Without --ca, nothing is verified.  Prints what it saw, one "key: value"
a line; exit 0 when the command did what it says, 1 otherwise, 2 usage.
"""
import imaplib
import poplib
import smtplib
import ssl
import sys

TIMEOUT = 30


def context(ca):
    if ca is None:
        return ssl._create_unverified_context()
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    return ctx


def say(key, value):
    print(f"{key}: {value}", flush=True)


def smtp_features(s):
    return " ".join(sorted(k.upper() for k in s.esmtp_features))


def smtp_plain(host, port, user, password):
    """AUTH before STARTTLS: must be neither offered nor accepted."""
    s = smtplib.SMTP(host, int(port), timeout=TIMEOUT)
    s.ehlo("pc.lan")
    say("features", smtp_features(s))
    code, msg = s.docmd("AUTH", "PLAIN " + smtplib.base64.b64encode(
        f"\0{user}\0{password}".encode()).decode())
    say("auth", f"{code} {msg.decode(errors='replace')}")
    code2, msg2 = s.docmd("MAIL", "FROM:<" + user + ">")
    say("mail", f"{code2} {msg2.decode(errors='replace')}")
    s.close()
    return 0 if code >= 500 else 1


def smtp_starttls(host, port, ctx, name):
    s = smtplib.SMTP(host, int(port), timeout=TIMEOUT)
    s.ehlo("pc.lan")
    say("before", smtp_features(s))
    s._host = name or host   # the name the certificate is checked against
    s.starttls(context=ctx)
    s.ehlo("pc.lan")
    say("after", smtp_features(s))
    say("cipher", s.sock.version())
    s.quit()
    return 0


def send(host, user, password, sender, rcpt, subject, ctx, name):
    s = smtplib.SMTP(host, 587, timeout=TIMEOUT)
    s.ehlo("pc.lan")
    s._host = name or host
    s.starttls(context=ctx)
    s.ehlo("pc.lan")
    say("tls", s.sock.version())
    s.login(user, password)
    say("login", "ok")
    msg = (f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\n"
           "Dikirim lewat STARTTLS.\r\n")
    refused = s.sendmail(sender, [rcpt], msg)
    say("sent", "ok" if not refused else refused)
    s.quit()
    return 0 if not refused else 1


def imap(host, user, password, subject, ctx, name):
    m = imaplib.IMAP4(host, 143, timeout=TIMEOUT)
    say("capability", " ".join(m.capabilities))
    m.host = name or host
    m.starttls(ssl_context=ctx)
    say("tls", m.sock.version())
    m.login(user, password)
    say("login", "ok")
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, "SUBJECT", f'"{subject}"')
    found = data[0].split() if typ == "OK" else []
    say("found", len(found))
    m.logout()
    return 0 if found else 1


def pop3(host, user, password, subject, ctx, name):
    p = poplib.POP3(host, 110, timeout=TIMEOUT)
    say("capability", " ".join(sorted(p.capa())))
    p.host = name or host
    p.stls(context=ctx)
    say("tls", p.sock.version())
    p.user(user)
    p.pass_(password)
    say("login", "ok")
    n, _ = p.stat()
    found = 0
    for i in range(1, n + 1):
        _, lines, _ = p.top(i, 0)
        if any(line.decode(errors="replace") == f"Subject: {subject}" for line in lines):
            found += 1
    say("found", found)
    p.quit()
    return 0 if found else 1


def imap_plain(host, user, password):
    """A plaintext LOGIN: succeeds (exit 0) or is refused (exit 1)."""
    m = imaplib.IMAP4(host, 143, timeout=TIMEOUT)
    say("capability", " ".join(m.capabilities))
    try:
        # imaplib refuses to send LOGIN itself when LOGINDISABLED is
        # advertised; say it on the wire as an older program would.
        typ, data = m._simple_command("LOGIN", m._quote(user), m._quote(password))
    except imaplib.IMAP4.error as e:
        say("login", f"refused: {e}")
        return 1
    say("login", f"{typ} {data[0].decode(errors='replace') if data and data[0] else ''}")
    m.logout()
    return 0 if typ == "OK" else 1


def pop3_plain(host, user, password):
    p = poplib.POP3(host, 110, timeout=TIMEOUT)
    try:
        say("user", p.user(user).decode(errors="replace"))
        say("pass", p.pass_(password).decode(errors="replace"))
    except poplib.error_proto as e:
        say("login", f"refused: {e}")
        return 1
    say("login", "ok")
    p.quit()
    return 0


def main(argv):
    ca = name = None
    while argv and argv[0].startswith("--"):
        if argv[0] == "--ca" and len(argv) > 1:
            ca = argv[1]
        elif argv[0] == "--name" and len(argv) > 1:
            name = argv[1]
        else:
            print(__doc__, file=sys.stderr)
            return 2
        argv = argv[2:]
    cmds = {
        "smtp-plain": (4, lambda a: smtp_plain(*a)),
        "smtp-starttls": (2, lambda a: smtp_starttls(*a, context(ca), name)),
        "send": (6, lambda a: send(*a, context(ca), name)),
        "imap": (4, lambda a: imap(*a, context(ca), name)),
        "pop3": (4, lambda a: pop3(*a, context(ca), name)),
        "imap-plain": (3, lambda a: imap_plain(*a)),
        "pop3-plain": (3, lambda a: pop3_plain(*a)),
    }
    if not argv or argv[0] not in cmds or len(argv) - 1 != cmds[argv[0]][0]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[argv[0]][1](argv[1:])
    except (OSError, smtplib.SMTPException, imaplib.IMAP4.error, poplib.error_proto,
            ssl.SSLError) as e:
        say("error", f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
