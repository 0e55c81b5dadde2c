"""Reading uploaded codes and checking each one, streamed, without a database.

An upload is a paste, a text file (codes separated by commas and/or line
breaks) or a CSV file with a ``code`` column. ``iter_entries`` turns the stream
into numbered entries with their source line, in bounded memory whatever the
input size; ``check_code`` says why one entry is not a valid code (SPEC §1);
``normalize_code`` gives the key uniqueness is decided on. Duplicate detection
happens in the database, so it is not here.

Exceptions::

    DomainError
    └── InvalidCodes           offending entries + empty count (exit status 1)
    UsageError
    ├── InvalidUploadFormat    the stream is not a code list we can read (exit status 2)
    └── NoCodes                the input holds no code at all (exit status 2)
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal, TextIO

# One definition each: the rule and the column width.
from store.models import MAX_CODE_KEY_LENGTH, MAX_CODE_LENGTH
from sync.errors import DomainError, UsageError
from sync.fields import CONTROL_CATEGORIES
from sync.wording import plural

# Characters asked of the stream per read: large enough to keep the read loop cheap, small
# enough that "flat memory" means kilobytes.
READ_CHUNK_CHARS = 64 * 1024

# The longest single entry (text) or CSV line held in memory. Anything longer is not a code
# list (a binary file, a wrong export) and is refused instead of being buffered.
MAX_RECORD_CHARS = 1024 * 1024

# How much of an offending entry an error message shows, and how many entries it lists.
DISPLAY_CHARS = 24
MAX_LISTED_OFFENDING = 20

CODE_HEADER = "code"
SKIP_INVALID_OPTION = "--skip-invalid"

Format = Literal["text", "csv"]
FORMATS: tuple[Format, ...] = ("text", "csv")

_BOM = "\ufeff"
# \r\n first so a Windows line break is one separator, not two.
_TEXT_SEPARATOR = re.compile(r"\r\n|[,\r\n]")
# Printable ASCII except space (0x20) and comma (0x2C): the common case, checked in one go.
_PLAIN_ASCII_CODE = re.compile(r"[\x21-\x2b\x2d-\x7e]+")
# Control characters in the broad sense (sync.fields): in a code even the zero-width joiners
# a name may hold are refused, since they make a code look different from what it is.
_CONTROL_CATEGORIES = CONTROL_CATEGORIES
# Surrogates (from undecodable bytes), private use and unassigned code points: no font
# shows them and no one can type them.
_UNPRINTABLE_CATEGORIES = frozenset({"Cs", "Co", "Cn"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One non-empty entry, trimmed.

    ``position`` is 1-based among all entries of the upload, empty ones included, so
    that a user can count to it; ``line`` is the 1-based source line it starts on.
    """

    position: int
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class EmptyEntry:
    """An entry with nothing in it (a stray comma, a blank line): ignored, but counted."""

    position: int
    line: int


@dataclass(frozen=True, slots=True)
class Offending:
    """An entry that cannot be stored, and why (phrased for the person who uploaded it)."""

    position: int
    line: int
    text: str
    reason: str


class InvalidUploadFormat(UsageError):
    """The stream is not a code list in the format asked for; names what was found and the fix."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        self.reason, self.line = reason, line
        where = f" at line {line}" if line is not None else ""
        super().__init__(f"Cannot read the codes{where}: {reason}")


class NoCodes(UsageError):
    """An upload without a single code: empty, only separators, or only a header."""

    def __init__(self, source: str, empty_count: int = 0) -> None:
        self.source, self.empty_count = source, empty_count
        found = (
            f" (only {plural(empty_count, 'empty entry', 'empty entries')})" if empty_count else ""
        )
        super().__init__(
            f"{source[:1].upper()}{source[1:]} has no codes{found}: give the codes separated "
            f"by commas or line breaks, or a .csv file with a '{CODE_HEADER}' column"
        )


class InvalidCodes(DomainError):
    """Entries of an upload that cannot be stored; the upload as a whole is refused.

    ``offending`` holds every bad entry; ``str()`` lists the first
    ``MAX_LISTED_OFFENDING`` so a terminal is not flooded.
    """

    def __init__(self, offending: Sequence[Offending], empty_count: int = 0) -> None:
        self.offending = list(offending)
        self.empty_count = empty_count
        super().__init__(_describe_offending(self.offending, empty_count))


def detect_format(path: str) -> Format:
    """``csv`` for a ``.csv`` file (any case), ``text`` for anything else, stdin (``-``) too."""
    return "csv" if PurePath(path).suffix.lower() == ".csv" else "text"


def iter_entries(stream: TextIO, *, fmt: Format) -> Iterator[Entry | EmptyEntry]:
    """Yield the entries of ``stream`` in order, reading it incrementally.

    ``text``: entries are separated by commas and/or line breaks (``\\n``, ``\\r\\n``,
    ``\\r``) and trimmed; a blank line or a stray comma gives an ``EmptyEntry``. A line's
    trailing comma (``A,\\nB,\\n``) and the end of the input do not make empty entries,
    since both are normal in pasted lists.
    A first line that is exactly ``code`` (any case) is a header, as in a CSV file: it is
    skipped and the entries after it are numbered from 1.
    ``csv``: the first row is a header naming a ``code`` column (any case; other columns
    are ignored); each following row's ``code`` cell is one entry.

    A leading byte order mark is ignored. Raises ``InvalidUploadFormat`` for a stream that
    is not UTF-8 text, a CSV without exactly one ``code`` column, or a record longer than
    ``MAX_RECORD_CHARS``.
    """
    if fmt == "text":
        return _iter_text(stream)
    if fmt == "csv":
        return _iter_csv(stream)
    raise UsageError(f"Unknown upload format '{fmt}': use one of {', '.join(FORMATS)}")


def check_code(text: str) -> str | None:
    """Why the (already trimmed) ``text`` is not a valid code, or None when it is.

    A code is 1 to ``MAX_CODE_LENGTH`` characters of printable text with no comma, no
    control or format character and no whitespace at all: stores and creators handle
    codes with spaces badly (a space is lost when typed, or read as two words).
    """
    if not text:
        return "is empty"
    if len(text) > MAX_CODE_LENGTH:
        return f"longer than {MAX_CODE_LENGTH} characters ({len(text)})"
    if _PLAIN_ASCII_CODE.fullmatch(text):
        return None
    for char in text:
        category = unicodedata.category(char)
        if category in _CONTROL_CATEGORIES:
            return f"contains a control character (U+{ord(char):04X})"
        if char == ",":
            return "contains a comma"
        if char.isspace() or category == "Zs":
            return "contains whitespace"
        if category in _UNPRINTABLE_CATEGORIES:
            return f"contains a non-printable character (U+{ord(char):04X})"
    if len(normalize_code(text)) > MAX_CODE_KEY_LENGTH:
        return (
            f"its characters expand to more than {MAX_CODE_KEY_LENGTH} when compared "
            "(ligatures, symbols): use plain letters and digits"
        )
    return None


def normalize_code(code: str) -> str:
    """The key two codes are compared on: equal keys mean the same code in the store.

    Unicode NFKC, then case folding, then NFKC again (a compatibility caseless match), so
    codes that a customer cannot tell apart are one code: ``CAFÉ`` typed with one character
    or with ``E`` + a combining accent, full-width ``ＡＢＣ1`` and ``ABC1``, ``SUMMER`` and
    ``summer``, ``STRASSE`` and ``straße``. Accented and plain letters stay different
    (``CAFÉ`` is not ``CAFE``). The stores compare codes case-insensitively (Shopify's
    look-ups by code; WooCommerce lower-cases every coupon code and finds it through
    MySQL's case- and width-insensitive collation), so folding more than plain
    ``lower()`` can only refuse a look-alike, never let two creators hold codes the shop
    takes for one. Idempotent; the key can be longer than the code (``İ`` folds to two
    characters), at most ``MAX_CODE_KEY_LENGTH`` for a valid code (see :func:`check_code`).
    """
    if code.isascii():  # the common case: NFKC leaves ASCII alone
        return code.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", code).casefold())


def display_entry(text: str) -> str:
    """``text`` quoted and shortened for a message, with invisible characters made visible.

    Control, format and whitespace characters other than a plain space are shown as
    ``\\uXXXX`` so a terminal never interprets them and the user sees what is wrong.
    """
    cut = text[:DISPLAY_CHARS]
    shown = "".join(
        f"\\u{ord(char):04x}" if char != " " and unicodedata.category(char)[0] in "CZ" else char
        for char in cut
    )
    return f"'{shown}…'" if len(text) > DISPLAY_CHARS else f"'{shown}'"


def _iter_text(stream: TextIO) -> Iterator[Entry | EmptyEntry]:
    position = 0
    line = 1
    pending: list[str] = []  # pieces of the entry being read, when it spans chunks
    pending_size = 0
    after_comma = False  # the current entry follows a comma on the same line
    skip_newline = False  # the previous chunk ended in "\r": a "\n" opening this one is its pair
    first_chunk = True
    while chunk := _read(stream, line):
        if first_chunk:
            chunk = chunk.removeprefix(_BOM)
            first_chunk = False
        if skip_newline and chunk.startswith("\n"):
            chunk = chunk[1:]
        skip_newline = False
        start = 0
        for match in _TEXT_SEPARATOR.finditer(chunk):
            piece = chunk[start : match.start()]
            start = match.end()
            if pending:  # a piece inside one chunk is short; only a joined one can be long
                pending.append(piece)
                piece = "".join(pending)
                pending.clear()
                pending_size = 0
                _check_record_size(len(piece), line)
            text = piece.strip()
            separator = match.group()
            if line == 1 and position == 0 and separator != "," and _is_header(text):
                line += 1
                skip_newline = separator == "\r" and start == len(chunk)
                continue
            if separator == ",":
                position += 1
                yield Entry(position, text, line) if text else EmptyEntry(position, line)
                after_comma = True
                continue
            if text or not after_comma:
                position += 1
                yield Entry(position, text, line) if text else EmptyEntry(position, line)
            line += 1
            after_comma = False
            skip_newline = separator == "\r" and start == len(chunk)
        rest = chunk[start:]
        if rest:
            pending.append(rest)
            pending_size += len(rest)
            _check_record_size(pending_size, line)
    text = "".join(pending).strip()
    if text and not (line == 1 and position == 0 and _is_header(text)):
        yield Entry(position + 1, text, line)


def _is_header(text: str) -> bool:
    """A first line that is exactly ``code`` (any case): a header, in a text file too."""
    return text.casefold() == CODE_HEADER


def _iter_csv(stream: TextIO) -> Iterator[Entry | EmptyEntry]:
    rows = _csv_rows(_bounded_lines(stream))
    header_line, header = next(((n, row) for n, row in rows if _has_content(row)), (0, None))
    if header is None:
        raise InvalidUploadFormat(
            f"the CSV file is empty: give a header row with a '{CODE_HEADER}' column "
            "and one code per row"
        )
    header = [header[0].removeprefix(_BOM), *header[1:]]
    columns = [i for i, name in enumerate(header) if _is_header(name.strip())]
    if len(columns) != 1:
        found = ", ".join(display_entry(name) for name in header)
        if columns:
            reason = (
                f"the header row has {len(columns)} '{CODE_HEADER}' columns ({found}): keep one"
            )
        else:
            reason = (
                f"the header row has no '{CODE_HEADER}' column (found {found}): name the "
                f"column that holds the codes '{CODE_HEADER}', or upload a .txt file with "
                "one code per line"
            )
        raise InvalidUploadFormat(reason, line=header_line)
    column = columns[0]
    for position, (line, row) in enumerate(rows, start=1):
        text = row[column].strip() if column < len(row) else ""
        yield Entry(position, text, line) if text else EmptyEntry(position, line)


def _csv_rows(lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line each starts on (a quoted cell may span several lines)."""
    reader = csv.reader(lines)
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidUploadFormat(f"malformed CSV ({error})", line=last_line + 1) from None
        yield last_line + 1, row
        last_line = reader.line_num


def _bounded_lines(stream: TextIO) -> Iterator[str]:
    """The stream's lines, refusing one longer than MAX_RECORD_CHARS instead of buffering it."""
    line_number = 0
    while True:
        line_number += 1
        line = _readline(stream, line_number)
        if not line:
            return
        if len(line) > MAX_RECORD_CHARS:
            raise InvalidUploadFormat(
                f"the line is longer than {MAX_RECORD_CHARS:,} characters: this is not a "
                "CSV file of codes",
                line=line_number,
            )
        yield line


def _read(stream: TextIO, line: int) -> str:
    try:
        return stream.read(READ_CHUNK_CHARS)
    except UnicodeDecodeError:
        raise InvalidUploadFormat(
            "the input is not UTF-8 text: save or export it as UTF-8", line=line
        ) from None


def _readline(stream: TextIO, line: int) -> str:
    try:
        return stream.readline(MAX_RECORD_CHARS + 1)
    except UnicodeDecodeError:
        raise InvalidUploadFormat(
            "the input is not UTF-8 text: save or export it as UTF-8", line=line
        ) from None


def _check_record_size(size: int, line: int) -> None:
    if size > MAX_RECORD_CHARS:
        raise InvalidUploadFormat(
            f"an entry is longer than {MAX_RECORD_CHARS:,} characters without a comma or "
            "line break: this is not a list of codes",
            line=line,
        )


def _has_content(row: list[str]) -> bool:
    return any(cell.strip() for cell in row)


def _describe_offending(offending: list[Offending], empty_count: int) -> str:
    count = len(offending)
    entries = plural(count, "entry", "entries")
    lines = [f"{entries} of the upload cannot be stored, so nothing was stored:"]
    lines += [
        f"  entry {o.position}, line {o.line}: {display_entry(o.text)} — {o.reason}"
        for o in offending[:MAX_LISTED_OFFENDING]
    ]
    if count > MAX_LISTED_OFFENDING:
        lines.append(f"  ... and {count - MAX_LISTED_OFFENDING} more")
    fix = (
        f"Fix or remove them, or pass {SKIP_INVALID_OPTION} to store the valid codes and "
        "skip these."
    )
    if empty_count:
        ignored = plural(empty_count, "empty entry was", "empty entries were")
        fix += f" ({ignored} ignored.)"
    lines.append(fix)
    return "\n".join(lines)
