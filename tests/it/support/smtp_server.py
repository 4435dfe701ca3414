"""A real SMTP server on loopback for aikpi's email tests (Debian's python3-aiosmtpd).

Run with /usr/bin/python3. Prints "READY <port>" on stdout once it accepts
connections, writes every accepted message to OUT/<n>.eml (raw bytes as received)
with OUT/<n>.json (envelope), and exits when its standard input closes, so a test
that dies never leaves a server behind.

Modes:
  --starttls CERT KEY    offer STARTTLS and require it before MAIL/AUTH
  --implicit-tls CERT KEY  TLS from the first byte (smtps)
  --user U --password P  require AUTH (PLAIN/LOGIN) with these credentials
Recipients whose local part is "nobody" are refused with 550.
"""

import argparse
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Capture:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower() == "nobody":
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%d" % self.count)
        # Write then rename, so a test polling the folder never reads half a message.
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "tls": session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                    "authenticated": bool(session.authenticated),
                },
                f,
            )
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 OK: queued"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--user")
    p.add_argument("--password")
    args = p.parse_args()

    kwargs = {}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.starttls)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if args.implicit_tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.implicit_tls)
        kwargs.update(ssl_context=ctx)
    if args.user is not None:
        kwargs.update(
            authenticator=authenticator(args.user, args.password or ""),
            auth_required=True,
            # AUTH over the implicit-TLS socket counts as encrypted for aiosmtpd only
            # through this flag; with STARTTLS it stays hidden until the upgrade.
            auth_require_tls=not args.implicit_tls,
        )

    handler = Capture(args.out)
    last = None
    # The port is chosen here and can be taken between probe and bind; retry a few times.
    for _ in range(20):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
        try:
            controller.start()
            break
        except Exception as e:  # noqa: BLE001 - report the last failure below
            last = e
            controller = None
    if controller is None:
        print("FAILED %s" % last, flush=True)
        sys.exit(1)

    print("READY %d" % port, flush=True)

    stop = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
