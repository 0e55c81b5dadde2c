"""How a message's text body goes on the wire: a long link stays whole in the raw bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from sync.mail.compose import MAX_LINE, compose

LINK = "http://127.0.0.1:8080/c/" + "V2BtLcCagHaAD1c0gEdm_w.1.6b390f8f." + "x" * 43


def _raw_and_text(text: str) -> tuple[bytes, str]:
    envelope = compose(
        sender="Brand Team <team@brand.example>",
        recipient="maya@example.com",
        recipient_name="Maya",
        subject="Your code",
        text=text,
        html=None,
        message_key="k1",
        date=datetime(2026, 1, 1, tzinfo=UTC),
    )
    parsed = message_from_bytes(envelope.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return envelope.data, parsed.get_content().replace("\r\n", "\n")  # SMTP line ends


def test_an_ascii_body_keeps_a_long_link_on_one_line_in_the_raw_message() -> None:
    text = f"Your code: SUMMER-7KQ2MX\nYour page: {LINK}\n"
    raw, decoded = _raw_and_text(text)
    assert LINK.encode() in raw  # readable as is in a server's printout
    assert decoded == text


def test_other_bodies_are_still_encoded_and_arrive_unchanged() -> None:
    for text in (f"Hi Zoë, your page: {LINK}\n", "x" * (MAX_LINE + 1) + "\n"):
        raw, decoded = _raw_and_text(text)
        assert b"Content-Transfer-Encoding: 7bit" not in raw
        assert max(len(line) for line in raw.splitlines()) <= MAX_LINE
        assert decoded == text
