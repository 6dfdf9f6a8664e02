# NAME
#	policy-client.py - slow, idle and malformed clients of surel-mxd's policy socket
# SYNOPSIS
#	python3 policy-client.py hold SOCKET N READYFILE
#	python3 policy-client.py ask SOCKET CLIENT_ADDRESS LOGIN DOMAIN
#	python3 policy-client.py raw SOCKET < BYTES
#	python3 policy-client.py idle SOCKET SECONDS
# DESCRIPTION
#	hold opens N connections that never send anything, writes the number
#	opened to READYFILE and sleeps until killed (SIGTERM closes them).
#	ask sends one ETRN policy request as smtpd does and prints the answer
#	line ("action=..."), or "closed" if the server hung up, or "timeout"
#	after 5 seconds without an answer.
#	raw sends standard input as it is and prints the same.
#	idle connects, sends nothing for SECONDS plus 3, and prints "closed"
#	if the server hung up meanwhile, else "open".
# DIAGNOSTICS
#	Exits 2 for bad arguments, 1 if a connection cannot be made.
import signal
import socket
import sys
import time


def connect(path):
    """A connected stream socket to path, or exit 1."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError as e:
        print(f"connect {path}: {e}", file=sys.stderr)
        sys.exit(1)
    return s


def answer(s):
    """The first line of the server's answer, 'closed' or 'timeout'."""
    s.settimeout(5)
    data = b""
    try:
        while b"\n\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return "closed"
            data += chunk
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "closed"
    return data.split(b"\n", 1)[0].decode("ascii", "replace")


def send_raw(path, data):
    """Send data on a new connection and print the answer."""
    s = connect(path)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        print("closed")
        return
    print(answer(s))
    s.close()


def ask(path, addr, login, domain):
    """One ETRN request as smtpd sends it."""
    block = ("request=smtpd_access_policy\nprotocol_state=ETRN\nprotocol_name=ESMTP\n"
             f"client_address={addr}\nclient_name=unknown\nsasl_method=PLAIN\n"
             f"sasl_username={login}\netrn_domain={domain}\n\n")
    send_raw(path, block.encode())


def hold(path, n, ready):
    """Open n idle connections, report, sleep until SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    socks = [connect(path) for _ in range(n)]
    with open(ready, "w") as f:
        f.write(f"{len(socks)}\n")
    while True:
        time.sleep(60)


def idle(path, secs):
    """Stay silent past the idle timeout; print whether the server hung up."""
    s = connect(path)
    time.sleep(secs + 3)
    s.settimeout(1)
    try:
        print("closed" if s.recv(1) == b"" else "open")
    except socket.timeout:
        print("open")
    except ConnectionResetError:
        print("closed")


def main(argv):
    """Dispatch on the mode word."""
    if len(argv) == 5 and argv[1] == "hold":
        hold(argv[2], int(argv[3]), argv[4])
    elif len(argv) == 6 and argv[1] == "ask":
        ask(argv[2], argv[3], argv[4], argv[5])
    elif len(argv) == 3 and argv[1] == "raw":
        send_raw(argv[2], sys.stdin.buffer.read())
    elif len(argv) == 4 and argv[1] == "idle":
        idle(argv[2], int(argv[3]))
    else:
        print("usage: policy-client.py hold|ask|raw|idle SOCKET ...", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
