"""Where a CLI run logs, and how an unexpected error is kept off the terminal.

Every run logs to a file: ``--log-file PATH``, else the config key ``log_file``
(relative to the config file's directory), else
``$XDG_STATE_HOME/promosync/promosync.log`` (``~/.local/state/promosync/promosync.log``).
The file is only created once something is logged. The terminal shows warnings,
``-v`` adds progress details (INFO) and ``-vv`` debugging output.

An unexpected error (a bug, or a failure nothing maps yet) is written with its
traceback to the log file only; the user sees one line naming the file. Log
text is redacted on the way out: URL passwords are masked, and the parts of
database driver errors that echo values (``[parameters: ...]``, ``DETAIL: ...``,
``CONTEXT: ...``, which can hold unassigned codes) are dropped.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

LOG_FILE_NAME = "promosync.log"
STATE_HOME_ENV = "XDG_STATE_HOME"
#: Terminal level by the number of ``-v`` flags (more flags stay at the last).
TERMINAL_LEVELS = (logging.WARNING, logging.INFO, logging.DEBUG)
#: The file keeps INFO and above, DEBUG too once the terminal shows it.
FILE_LEVEL = logging.INFO
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"
TERMINAL_FORMAT = "%(message)s"
#: Libraries whose INFO lines say nothing to a user (alembic: "Context impl SQLiteImpl").
QUIET_LOGGERS = ("alembic",)

_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^@\s/]*@")
# PostgreSQL's DETAIL ("Key (code)=(...)") and CONTEXT ("portal parameter $1 = '...'") lines
# and SQLAlchemy's [parameters: ...] echo the values of a failed statement.
_VALUE_ECHOES = re.compile(
    r"^(?P<lead>\s*)(?P<tag>\[parameters:|DETAIL:|CONTEXT:).*$", re.MULTILINE
)
REDACTED = "(redacted)"
# Credentials in a query string (WooCommerce's consumer_key/consumer_secret fallback, which
# httpx logs with every request URL at INFO).
_QUERY_SECRET = re.compile(
    r"(?P<name>consumer_key|consumer_secret|access_token|client_secret)=[^&\s\"'#]*",
    re.IGNORECASE,
)


def default_log_file() -> Path:
    """``$XDG_STATE_HOME/promosync/promosync.log``, by default under ``~/.local/state``."""
    state_home = os.environ.get(STATE_HOME_ENV)
    if not state_home:
        try:
            state_home = str(Path.home() / ".local" / "state")
        except RuntimeError:  # no home directory (some containers)
            state_home = tempfile.gettempdir()
    return Path(state_home) / "promosync" / LOG_FILE_NAME


def configured_log_file(value: str, config_source: str | None) -> Path:
    """The config key ``log_file``: ``~`` expanded, relative to the config file's directory."""
    path = Path(value).expanduser()
    if not path.is_absolute() and config_source:
        path = Path(config_source).parent / path
    return path


def redact(text: str) -> str:
    """``text`` without URL passwords or query-string credentials, and without database
    errors' echoed values."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    text = _QUERY_SECRET.sub(r"\g<name>=***", text)
    return _VALUE_ECHOES.sub(rf"\g<lead>\g<tag> {REDACTED}", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _LogFile(logging.FileHandler):
    """A log file opened on the first record (its directory created then); failures to
    write are remembered instead of being printed to the terminal."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.failure: str | None = None

    def retarget(self, path: Path) -> None:
        if self.stream is None:  # nothing written yet: the configured file wins
            self.baseFilename = os.path.abspath(path)

    def _open(self) -> Any:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        try:  # FileHandler opens the file outside its own error handling
            super().emit(record)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        reason = error.strerror if isinstance(error, OSError) else None
        self.failure = reason or str(error) or type(error).__name__


class LogSession:
    """The handlers one CLI run adds to the root logger, removed again by :meth:`close`."""

    def __init__(self, path: Path | None = None, verbosity: int = 0) -> None:
        self.explicit = path is not None
        self.file = _LogFile(path if path is not None else default_log_file())
        terminal_level = TERMINAL_LEVELS[min(verbosity, len(TERMINAL_LEVELS) - 1)]
        self.file.setLevel(min(FILE_LEVEL, terminal_level))
        self.file.setFormatter(RedactingFormatter(FILE_FORMAT))
        self.terminal = logging.StreamHandler()
        self.terminal.setLevel(terminal_level)
        self.terminal.setFormatter(RedactingFormatter(TERMINAL_FORMAT))
        root = logging.getLogger()
        self._previous_level = root.level
        # Lower the root level only: a caller (or pytest's caplog) may want more already.
        root.setLevel(min(root.level or logging.WARNING, self.file.level, terminal_level))
        root.addHandler(self.file)
        root.addHandler(self.terminal)
        self._quieted = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(max(logging.WARNING, terminal_level))

    @property
    def path(self) -> str:
        return self.file.baseFilename

    def use_configured(self, value: str | None, config_source: str | None) -> None:
        """Log to the config's ``log_file`` unless ``--log-file`` was given."""
        if value and not self.explicit:
            self.file.retarget(configured_log_file(value, config_source))

    def log_unexpected(self, error: BaseException) -> bool:
        """Write ``error`` with its traceback to the log file only; True if it was written."""
        self.file.failure = None
        record = logging.getLogger("promosync").makeRecord(
            "promosync",
            logging.ERROR,
            __file__,
            0,
            "unexpected error: %s",
            (type(error).__name__,),
            (type(error), error, error.__traceback__),
        )
        self.file.handle(record)
        return self.file.failure is None

    def close(self) -> None:
        root = logging.getLogger()
        for handler in (self.file, self.terminal):
            root.removeHandler(handler)
        self.file.close()
        root.setLevel(self._previous_level)
        for name, level in self._quieted.items():
            logging.getLogger(name).setLevel(level)
