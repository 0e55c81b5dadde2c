"""STARTTLS and login against aiosmtpd: what works is used, what does not is a config error."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import Database
from sync import delivery, moves, outbox
from sync.config import Config
from sync.mail.smtp import MailConfigError
from tests.support.smtp import SmtpServer, self_signed_certificate, smtp_server
from tests.sync.messages.test_delivery import setup

PASSWORD = "s3cret-pass"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


@pytest.fixture
def tls_smtp(certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    with smtp_server(tls_context=context, password=PASSWORD) as server:
        yield server


def starttls_config(server: SmtpServer, monkeypatch: pytest.MonkeyPatch, password: str) -> Config:
    monkeypatch.setenv("SMTP_PASSWORD", password)
    return Config.model_validate(
        {
            "smtp": {
                "host": server.host,
                "port": server.port,
                "security": "starttls",
                "username": "promosync",
                "password": "${SMTP_PASSWORD}",
                "from": "team@brand.example",
            }
        }
    )


def test_starttls_and_login_deliver_when_the_certificate_is_trusted(
    db: Database,
    tls_smtp: SmtpServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test's own CA
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")

    result = delivery.deliver_outbox(db, starttls_config(tls_smtp, monkeypatch, PASSWORD))

    assert result.sent == 1 and len(tls_smtp.mailbox.received) == 1


def test_an_untrusted_certificate_is_a_config_error_and_the_message_stays_queued(
    db: Database, tls_smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")

    with pytest.raises(MailConfigError, match="TLS with the SMTP server .* failed"):
        delivery.deliver_outbox(db, starttls_config(tls_smtp, monkeypatch, PASSWORD))

    assert [m.status for m in outbox.listing(db)] == ["queued"]
    assert tls_smtp.mailbox.received == []


def test_a_refused_login_is_a_config_error_that_never_shows_the_password(
    db: Database,
    tls_smtp: SmtpServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")

    with pytest.raises(MailConfigError, match="refused the login .*535") as refused:
        delivery.deliver_outbox(db, starttls_config(tls_smtp, monkeypatch, "wrong-pass"))

    assert "wrong-pass" not in str(refused.value)
    assert [m.status for m in outbox.listing(db)] == ["queued"]


def test_a_server_that_wants_a_login_we_do_not_give_is_a_config_error(
    db: Database,
    tls_smtp: SmtpServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    setup(db)
    moves.move(db, "summer", "c0", "pre_payment")
    settings = {"host": tls_smtp.host, "port": tls_smtp.port, "from": "team@brand.example"}

    with pytest.raises(MailConfigError, match="refused the login .*530"):
        delivery.deliver_outbox(db, Config.model_validate({"smtp": settings}))

    assert [m.status for m in outbox.listing(db)] == ["queued"]
