"""An outbox message as the bytes an SMTP server receives.

Headers are built by :mod:`email` with ``policy.SMTP``: a header value holding a line
break is refused (``ValueError``), so no content can add a header of its own; non-ASCII
text is encoded (RFC 2047 in headers, quoted-printable or base64 in bodies). A plain-text
body of ASCII lines within SMTP's limit is sent as it is (``7bit``), so a creator page
link longer than quoted-printable's 76 columns stays whole in any raw view of the message
(a local test server's printout, a mail client's "show original").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sync.fields import describe_character, forbidden_character


class HeaderRefused(ValueError):
    """A header value that would break the message's headers (a line break, a control)."""

    def __init__(self, header: str, char: str) -> None:
        self.header = header
        super().__init__(
            f"the {header} holds {describe_character(char)}, which cannot go in an e-mail "
            "header: fix the template or the creator's details, then `promosync messages retry`"
        )


@dataclass(frozen=True)
class Envelope:
    """Who the SMTP transaction is from and to, and the message itself."""

    sender: str  # bare address for MAIL FROM
    recipient: str  # bare address for RCPT TO
    data: bytes


def message_id(message_key: str, sender: str) -> str:
    """``<key@sender-domain>``: the same for every attempt of one outbox message."""
    return f"<{message_key}@{_address(sender).domain}>"


def compose(
    *,
    sender: str,
    recipient: str,
    recipient_name: str | None,
    subject: str,
    text: str,
    html: str | None,
    message_key: str,
    date: datetime,
) -> Envelope:
    """The message: ``text`` alone, or ``text`` and ``html`` as alternatives."""
    for header, value in (("subject", subject), ("recipient's name", recipient_name or "")):
        bad = forbidden_character(value)
        if bad is not None:
            raise HeaderRefused(header, bad)
    message = EmailMessage(policy=policy.SMTP)
    from_address = _address(sender)
    message["From"] = sender
    message["To"] = Address(display_name=recipient_name or "", addr_spec=recipient)
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(message_key, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte=_text_encoding(text))
    if html is not None:
        message.add_alternative(html, subtype="html")
    return Envelope(from_address.addr_spec, recipient, message.as_bytes())


#: The longest line SMTP carries, without its CRLF (RFC 5321 4.5.3.1.6).
MAX_LINE = 998


def _text_encoding(text: str) -> str | None:
    """``7bit`` for ASCII lines SMTP carries as they are; else the library's choice."""
    if text.isascii() and all(len(line) <= MAX_LINE for line in text.splitlines()):
        return "7bit"
    return None


@functools.lru_cache(maxsize=16)  # the sender, parsed once per run rather than per message
def _address(value: str) -> Address:
    header = policy.SMTP.header_factory("From", value)
    addresses: tuple[Address, ...] = header.addresses
    return addresses[0]
