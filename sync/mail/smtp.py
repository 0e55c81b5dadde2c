"""One SMTP connection (stdlib :mod:`smtplib`), and the one decision of what a failure means.

Exceptions (built by :func:`classify`, the only place a failure is judged)::

    MailError                    carries the SMTP reply code (None: no reply) and text
    ├── TemporaryFailure         4xx, a dropped or refused connection, a timeout: retry later
    │                            (``connection_lost``: the connection cannot be used again)
    ├── PermanentFailure         5xx for this message: do not retry on its own
    └── MailConfigError          login refused, TLS not offered or failing: fix [smtp]
    ClaimLost                    another worker took the message over: do not send it

A message is sent with ``MAIL``, ``RCPT``, then the caller's ``before_data`` hook (which
records that DATA is about to start), then ``DATA``. The server accepts the message
only with its reply to the end of DATA (RFC 5321 §4.1.1.4), so a failure before that
reply means the message was not accepted.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable

from sync.config import ConfigError, SmtpConfig
from sync.mail.compose import Envelope

#: Reply codes that mean the login itself was refused (RFC 4954): fix the credentials.
AUTH_REFUSED = frozenset({530, 534, 535, 538})
#: 421: the server is closing the connection (a temporary refusal of everything).
SERVICE_CLOSING = 421


class MailError(Exception):
    """An SMTP failure, with the reply code (None when there was no reply) and text."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


class TemporaryFailure(MailError):
    """Retry later: a 4xx reply, or the connection failed."""

    def __init__(self, message: str, code: int | None = None, *, connection_lost: bool) -> None:
        self.connection_lost = connection_lost
        super().__init__(message, code)


class PermanentFailure(MailError):
    """A 5xx reply to this message: it will not succeed by being sent again as it is."""


class MailConfigError(ConfigError):
    """The [smtp] settings do not work with this server (exit status 2)."""


class ClaimLost(Exception):
    """The message is no longer ours to send (its lease expired and another worker took it)."""


def _reply(code: int, text: bytes | str) -> str:
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(shown.split())}"[:300]


def classify(error: BaseException, server: str) -> MailError | MailConfigError:
    """What an exception raised by smtplib or the socket means for the message."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return MailConfigError(
            f"The SMTP server {server} refused the login "
            f"({_reply(error.smtp_code, error.smtp_error)}): check [smtp] username and the "
            "password it refers to"
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return MailConfigError(
            f"The SMTP server {server} does not offer what [smtp] asks for ({error}): "
            "check security (starttls, tls) and whether it needs a login"
        )
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return MailConfigError(
            f"TLS with the SMTP server {server} failed ({type(error).__name__}): check [smtp] "
            "host, port and security (465 is usually tls, 587 starttls)"
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(
            f"the SMTP server {server} closed the connection", connection_lost=True
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return reply_failure(error.smtp_code, error.smtp_error, server)
    if isinstance(error, socket.timeout | TimeoutError):
        return TemporaryFailure(
            f"the SMTP server {server} did not answer in time", connection_lost=True
        )
    if isinstance(error, OSError):
        return TemporaryFailure(
            f"could not reach the SMTP server {server} ({type(error).__name__})",
            connection_lost=True,
        )
    raise error  # not a mail failure: a bug, reported as such


def reply_failure(code: int, text: bytes | str, server: str) -> MailError | MailConfigError:
    """The failure a negative reply code means."""
    reply = _reply(code, text)
    if code in AUTH_REFUSED:
        return MailConfigError(
            f"The SMTP server {server} refused the login ({reply}): check [smtp] username "
            "and the password it refers to"
        )
    if 400 <= code < 500:
        return TemporaryFailure(
            f"the SMTP server {server} answered {reply}",
            code,
            connection_lost=code == SERVICE_CLOSING,
        )
    return PermanentFailure(f"the SMTP server {server} refused the message: {reply}", code)


class Connection:
    """An open, logged-in SMTP connection; :meth:`send` one message at a time."""

    def __init__(self, settings: SmtpConfig) -> None:
        self.settings = settings
        self.server = f"{settings.host}:{settings.effective_port}"
        self._client: smtplib.SMTP | None = None

    def open(self) -> None:
        """Connect, secure (STARTTLS or TLS) and log in; raises :class:`MailError`."""
        settings = self.settings
        try:
            if settings.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.host,
                    settings.effective_port,
                    timeout=settings.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(
                    settings.host, settings.effective_port, timeout=settings.timeout
                )
            self._client = client
            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if settings.username is not None and settings.password is not None:
                client.login(settings.username, settings.password.reveal())
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise classify(error, self.server) from None

    def send(self, envelope: Envelope, before_data: Callable[[], bool]) -> None:
        """Send one message; raises :class:`MailError` or :class:`ClaimLost`.

        ``before_data`` runs once the server accepted sender and recipient; when it
        returns False the transaction is abandoned (``RSET``) and nothing is sent.
        """
        client = self._client
        assert client is not None, "open() first"
        try:
            code, text = client.mail(envelope.sender)
            if code != 250:
                self._abandon()
                raise reply_failure(code, text, self.server)
            code, text = client.rcpt(envelope.recipient)
            if code not in (250, 251):
                self._abandon()
                raise reply_failure(code, text, self.server)
            if not before_data():
                self._abandon()
                raise ClaimLost()
            code, text = client.data(envelope.data)
        except (smtplib.SMTPException, OSError) as error:
            failure = classify(error, self.server)
            if isinstance(failure, TemporaryFailure) and failure.connection_lost:
                self.close()
            else:
                self._abandon()
            raise failure from None
        if code != 250:  # the server refused the message after reading it; the session goes on
            raise reply_failure(code, text, self.server)

    def _abandon(self) -> None:
        """End the current transaction so the connection can send the next message."""
        try:
            if self._client is not None:
                self._client.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    @property
    def is_open(self) -> bool:
        return self._client is not None

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
