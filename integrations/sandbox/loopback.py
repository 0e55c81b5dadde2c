"""Serving a local shop over real HTTP on loopback (stdlib ``ThreadingHTTPServer``).

The stdlib server is used on purpose: fault injection needs socket-level
control (closing a connection without any response), which higher-level
frameworks hide. Every local shop's handler builds on :class:`LoopbackHandler`
and is served by :func:`serve_in_thread`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import select
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"
SHUTDOWN_POLL_SECONDS = 0.02  # how fast shutdown() is noticed by serve_forever


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server whose handler threads never block interpreter exit."""

    daemon_threads = True
    allow_reuse_address = True
    app: Any  # the local shop's server object, read by its handler


class LoopbackHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1: answer JSON, drop a connection, notice a client that left."""

    protocol_version = "HTTP/1.1"  # keep-alive; bodies carry Content-Length
    # Headers and body go out in separate writes; with Nagle on, each keep-alive
    # response waits for a delayed ACK (~40 ms) and paging crawls at ~20 pages/s.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: tests and benchmarks read stats, not logs."""

    def read_body(self) -> bytes:
        """The request body (by ``Content-Length``), empty when there is none."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        """Answer ``body`` as compact JSON with ``status`` and extra ``headers``."""
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        """Close without a byte of response: the client sees a dropped connection."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def client_still_there(self) -> bool:
        """Whether the client still waits for an answer (it did not close its end)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True
            return bool(self.connection.recv(1, socket.MSG_PEEK) != b"")
        except OSError:
            return False


@dataclass
class Serving:
    """A server running in a background thread, and how to stop it."""

    httpd: LoopbackServer
    thread: threading.Thread
    stopping: threading.Event

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the listening socket."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def shutdown(self) -> None:
        """Stop serving (interrupting fault waits) and release the port."""
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def require_loopback(host: str) -> None:
    """Refuse to listen anywhere but a loopback address (the local shops are for tests)."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(f"the local shop listens on loopback only, not on {host!r}")


def serve_in_thread(
    handler: type[LoopbackHandler],
    app: Any,
    *,
    host: str,
    port: int,
    name: str,
    stopping: threading.Event | None = None,
) -> Serving:
    """Listen on ``host:port`` (0: any free port) and serve ``handler`` in a daemon thread.

    ``app`` is what the handler finds as ``self.server.app``; ``stopping`` is set
    on shutdown (pass the event the app waits on, so slow faults end early).
    """
    httpd = LoopbackServer((host, port), handler)
    httpd.app = app
    thread = threading.Thread(
        target=httpd.serve_forever, args=(SHUTDOWN_POLL_SECONDS,), name=name, daemon=True
    )
    thread.start()
    return Serving(httpd, thread, stopping or threading.Event())
