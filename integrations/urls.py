"""URLs fit for a message or a log line: whatever may carry a credential is masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


def redact_url(url: str) -> str:
    """``url`` with its user, password, query and fragment shown as ``***``.

    A token pasted into a URL (``https://key:secret@host``, ``?access_token=…``, a
    pre-signed download URL) must not reach an error message or a log; the scheme, host,
    port and path are what a person needs to fix a problem.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a URL that cannot be parsed>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@" + netloc.rpartition("@")[2]
    query, fragment = (MASK if part else "" for part in (parts.query, parts.fragment))
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
    return "".join(c if c.isprintable() else "?" for c in shown)
