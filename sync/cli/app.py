"""What every command shares: configuration, the database, and how results are printed.

Commands return data; :class:`App` prints it as text for people or JSON for
scripts (``--json``). Errors are turned into one line and an exit status by
:func:`sync.cli.main.main`; the run's log file is :attr:`App.log` (:mod:`sync.cli.logs`).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

import click

from store import migrate
from store.db import Database
from sync import config as config_module
from sync.cli.logs import LogSession


class App:
    """Lazily loaded config and database for one CLI invocation."""

    def __init__(
        self,
        *,
        config_path: str | None = None,
        db_url: str | None = None,
        as_json: bool = False,
        log: LogSession | None = None,
    ) -> None:
        self.config_path, self.db_url, self.as_json = config_path, db_url, as_json
        self.log = log

    @cached_property
    def config(self) -> config_module.Config:
        config = config_module.load(self.config_path, self.db_url)
        if self.log is not None:
            self.log.use_configured(config.log_file, config.source)
        return config

    @cached_property
    def db(self) -> Database:
        """The database, checked to be at the schema revision this code needs."""
        db = self.raw_db
        migrate.require_current(db)
        return db

    @cached_property
    def raw_db(self) -> Database:
        return Database(self.config.database_url, retry=self.config.database_retry)

    @property
    def interactive(self) -> bool:
        return not self.as_json and sys.stdout.isatty()

    def emit(self, data: Any, text: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON, or ``text`` (default: a readable rendering of data)."""
        if self.as_json:
            click.echo(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False))
            return
        if callable(text):
            text = text()
        click.echo(text if text is not None else _plain(data))


def to_jsonable(value: Any) -> Any:
    """Dataclasses, decimals (as strings, exact) and datetimes (ISO 8601) for JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _plain(data: Any) -> str:
    jsonable = to_jsonable(data)
    if isinstance(jsonable, dict):
        width = max((len(k) for k in jsonable), default=0)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in jsonable.items())
    return str(jsonable)


pass_app = click.make_pass_decorator(App)
