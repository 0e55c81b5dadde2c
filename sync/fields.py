"""Text a user types into a field (names, e-mails, handles, descriptions): one rule for all.

Every such field reaches a terminal (listings, messages) and many reach an e-mail
header (a first name in ``To:``, a campaign name in a subject). A line break there is
a header injection; an escape sequence rewrites the merchant's terminal; a bidi
override makes a name read differently from what it is. So a field is one line of
printable text, trimmed, within its column's width (the same limit on SQLite, which
does not enforce widths, and PostgreSQL, which fails with a driver error).

Creator handles get one normalisation (``check_handle``) on every input path, so
``@maya`` typed anywhere means the creator stored as ``maya``.
"""

from __future__ import annotations

import re
import unicodedata

from store.models import MAX_HANDLE_LENGTH
from sync.errors import UsageError

#: Control characters in the broad sense: C0/C1 controls (CR, LF, TAB, ESC…), format
#: characters (bidi overrides, zero-width space, BOM) and the Unicode line and paragraph
#: separators. Lone surrogates (``Cs``) come from undecodable bytes and cannot be stored.
CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_UNENCODABLE_CATEGORIES = frozenset({"Cs"})
#: Format characters that some scripts (ZWNJ in Persian) and emoji sequences (ZWJ) need.
_ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

HANDLE_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_HANDLE_LENGTH - 1}}}")


def forbidden_character(text: str) -> str | None:
    """The first character of ``text`` that a one-line field may not hold, or None."""
    for char in text:
        if char in _ALLOWED_FORMAT_CHARACTERS:
            continue
        category = unicodedata.category(char)
        if category in CONTROL_CATEGORIES or category in _UNENCODABLE_CATEGORIES:
            return char
    return None


def describe_character(char: str) -> str:
    """``a line break (U+000A)``, ``a control character (U+001B)``: for messages."""
    kind = "a line break" if char in _LINE_BREAKS else "a control character"
    return f"{kind} (U+{ord(char):04X})"


def printable(text: str) -> str:
    """``text`` with every character a field may not hold shown as ``\\uXXXX``.

    For echoing user input in a message without letting the terminal interpret it.
    """
    if forbidden_character(text) is None:
        return text
    return "".join(
        f"\\u{ord(char):04x}" if forbidden_character(char) is not None else char for char in text
    )


def check_line(value: str, *, field: str, max_length: int, example: str) -> str:
    """``value`` trimmed, when it is one line of printable text of at most ``max_length``.

    Raises ``UsageError`` naming ``field`` and the fix otherwise (``example`` is shown
    when the value is empty). Surrounding whitespace, a trailing newline included, is
    trimmed rather than refused: it cannot reach a header once removed.
    """
    text = value.strip()
    if not text:
        raise UsageError(f"{field} is empty: give one, e.g. {example}")
    bad = forbidden_character(text)
    if bad is not None:
        raise UsageError(
            f"{field} '{printable(text)}' contains {describe_character(bad)}: give it as one "
            f"line of printable text"
        )
    if len(text) > max_length:
        raise UsageError(
            f"{field} is {len(text)} characters long: shorten it to at most {max_length}"
        )
    return text


def check_handle(handle: str) -> str:
    """The stored form of a creator handle typed anywhere: trimmed, without a leading '@'.

    Every input path (add, show, move, reject, render, lookups) goes through this, so the
    handle a command echoes is the one stored and the one the next command finds.
    """
    normalized = handle.strip().removeprefix("@")
    if not HANDLE_PATTERN.fullmatch(normalized):
        raise UsageError(
            f"Creator handle '{printable(handle.strip())}' is not valid: use letters, digits, "
            f"'.', '_' or '-' (at most {MAX_HANDLE_LENGTH}, an optional leading '@'), "
            f"e.g. jane_doe"
        )
    return normalized
