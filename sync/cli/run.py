"""``promosync run``: the long-running worker (see :mod:`sync.worker`)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
import uvicorn

from store import queue_schema
from sync import metrics
from sync.cli.app import App, pass_app
from sync.cli.logs import RedactingFormatter
from sync.errors import UsageError
from sync.web.app import WebContext, create_app
from sync.worker.local import run_local
from sync.worker.logformat import JsonFormatter
from sync.worker.queue import run_queue
from sync.worker.stopping import StopFlag

TEXT_FORMAT = "%(asctime)s %(levelname)s %(message)s"
#: Loggers whose INFO lines a worker's log does not need (the services' own summaries
#: repeat the job line; their warnings still show).
QUIET_LOGGERS = ("apscheduler", "procrastinate", "uvicorn", "httpx", "sync.shopsync")


@click.command("run")
@click.option(
    "--http",
    "listen",
    metavar="HOST:PORT",
    help="Also serve GET /healthz and GET /metrics here, e.g. 127.0.0.1:9187.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr as text, or as one JSON object per line.",
)
@pass_app
def run(app: App, listen: str | None, log_format: str) -> None:
    """Keep every linked incentive in sync until stopped (SIGTERM or Ctrl-C).

    Pulls codes, usage counts and orders and disables revoked codes at the
    intervals of [daemon]. On SQLite one worker runs; on PostgreSQL start as
    many as you like, on any machine: they share the jobs through the queue.
    """
    address = _address(listen) if listen else None
    _log_to_stderr(app, log_format)
    db, config = app.db, app.config
    stop = StopFlag()
    metrics.watch(db, config)
    with _serving(WebContext(config, db), address):
        if queue_schema.has_queue(db):
            asyncio.run(run_queue(db, config, stop))
        else:
            with _stop_on_signals(stop):
                run_local(db, config, stop)


def _address(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(
            f"--http {listen!r} is not HOST:PORT: give an address and port, e.g. 127.0.0.1:9187"
        )
    address = host.strip("[]"), int(port)
    try:
        with socket.create_server(address):
            pass
    except OSError as error:
        why = os.strerror(error.errno) if error.errno else str(error)
        raise UsageError(
            f"--http {listen}: cannot listen there ({why}): pick a free port, or stop what holds it"
        ) from None
    return address


def _log_to_stderr(app: App, log_format: str) -> None:
    """A worker's log is its output: job lines (INFO) on stderr, as text or JSON."""
    session = app.log
    assert session is not None
    session.terminal.setLevel(min(session.terminal.level, logging.INFO))
    session.terminal.setFormatter(
        JsonFormatter() if log_format == "json" else RedactingFormatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


@contextmanager
def _stop_on_signals(stop: StopFlag) -> Iterator[None]:
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for signum in previous:
        signal.signal(signum, lambda *_: stop.set())
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def _serving(context: WebContext, address: tuple[str, int] | None) -> Iterator[None]:
    """The HTTP app in a thread beside the worker (``--http``), stopped with it."""
    if address is None:
        yield
        return
    host, port = address
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(context), host=host, port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, name="promosync-http", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def register(cli: click.Group) -> None:
    cli.add_command(run)
