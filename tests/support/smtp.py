"""A real SMTP server on loopback (aiosmtpd), recording what it accepts and able to misbehave.

``Mailbox`` is the handler: it keeps every message it accepted (parsed), and follows a
script of replies per recipient — ``"451 ..."``/``"550 ..."`` to a command, or
:data:`DROP` to close the connection in the middle of DATA — and can hold DATA until
the test lets it go (to kill a client mid-transaction).
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.serving import free_port

DROP = "drop"  # close the connection instead of answering the end of DATA
ACCEPTED = "250 OK"


@dataclass
class Mailbox:
    """The server's handler: accepted messages and the scripted misbehaviour."""

    received: list[EmailMessage] = field(default_factory=list)
    # (command, recipient) -> replies for its next uses; "rcpt" or "data"
    script: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    data_started: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event | None = None  # set: DATA waits for it before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, command: str, recipient: str, *replies: str) -> None:
        with self.lock:
            self.script[(command, recipient)].extend(replies)

    def _next(self, command: str, recipient: str) -> str | None:
        with self.lock:
            replies = self.script.get((command, recipient))
            return replies.pop(0) if replies else None

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.received if address in str(m["To"])]

    @property
    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.received]

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        reply = self._next("rcpt", address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.data_started.set()
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        reply = self._next("data", envelope.rcpt_tos[0])
        if reply == DROP:
            server.transport.close()
            return ACCEPTED  # never reaches the client: the connection is gone
        if reply is not None:
            return reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.received.append(parsed)
        return ACCEPTED


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox


@contextmanager
def smtp_server(
    *, tls_context: ssl.SSLContext | None = None, password: str | None = None
) -> Iterator[SmtpServer]:
    """An aiosmtpd server on a free loopback port, stopped when the block ends.

    ``tls_context``: the server offers STARTTLS and requires it; ``password``: it requires
    a login (any user name) with that password.
    """
    mailbox = Mailbox()
    port = free_port()
    options: dict[str, Any] = {}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if password is not None:

        def authenticate(
            _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
        ) -> AuthResult:
            return AuthResult(
                success=getattr(data, "password", b"") == password.encode(), handled=False
            )

        options.update(authenticator=authenticate, auth_required=True)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, mailbox)
    finally:
        if mailbox.hold is not None:
            mailbox.hold.set()
        controller.stop()


def smtp_toml(server: SmtpServer, sender: str = "Brand Team <team@brand.example>") -> str:
    """An ``[smtp]`` table for the server (plain SMTP: loopback only)."""
    return (
        f'[smtp]\nhost = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
        f'from = "{sender}"\ntimeout = 10\n'
    )


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, made with the openssl command line."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
