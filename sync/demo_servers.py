"""The servers ``promosync demo`` starts on loopback for the e-mail part of its story.

- an SMTP server (aiosmtpd, the one the README's walkthrough runs with
  ``python -m aiosmtpd``) that keeps every message it accepts, so the demo can print
  what a creator received;
- the HTTP application of ``promosync serve`` (uvicorn in a thread), so the creator page
  link in that message can be opened.

Both listen on free loopback ports and stop when the block ends. The configuration
yielded is the demo's, with ``[smtp]`` and ``[portal]`` pointing at them.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller

from store.db import Database
from sync.config import Config, PortalConfig, Secret, SmtpConfig
from sync.web.app import WebContext, create_app

LOOPBACK = "127.0.0.1"
SENDER = "Sunny Outfitters <team@sunny-outfitters.example>"
#: Seconds the page server may take to start listening before the demo gives up.
START_TIMEOUT = 10.0


@dataclass
class Inbox:
    """The local SMTP server's handler: every message it accepted, parsed."""

    received: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        if isinstance(parsed, EmailMessage):
            with self.lock:
                self.received.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose ``To`` holds ``address``."""
        with self.lock:
            return [m for m in self.received if address in str(m["To"])]


@dataclass(frozen=True)
class LocalServers:
    """The demo's configuration with ``[smtp]`` and ``[portal]`` set, and the inbox."""

    config: Config
    inbox: Inbox


@contextmanager
def local_servers(db: Database, config: Config) -> Iterator[LocalServers]:
    """An SMTP server and the creator page server on loopback, for ``config``'s demo."""
    inbox = Inbox()
    smtp_port = _free_port()
    controller = Controller(inbox, hostname=LOOPBACK, port=smtp_port)
    controller.start()
    try:
        with socket.socket() as listener:
            listener.bind((LOOPBACK, 0))
            listener.listen()
            page_port = int(listener.getsockname()[1])
            served = config.model_copy(
                update={
                    "smtp": SmtpConfig.model_validate(
                        {"host": LOOPBACK, "port": smtp_port, "security": "none", "from": SENDER}
                    ),
                    "portal": PortalConfig.model_validate(
                        {
                            "base_url": f"http://{LOOPBACK}:{page_port}",
                            # A fresh random secret: links of one demo open in no other.
                            "secret": Secret(secrets.token_urlsafe(32), key="secret"),
                        }
                    ),
                }
            )
            with _serving(db, served, listener):
                yield LocalServers(served, inbox)
    finally:
        controller.stop()


@contextmanager
def _serving(db: Database, config: Config, listener: socket.socket) -> Iterator[None]:
    app = create_app(WebContext(config, db))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the demo's creator page server did not start")
        time.sleep(0.01)  # polling for readiness
    try:
        yield
    finally:
        server.should_exit = True
        thread.join()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])
