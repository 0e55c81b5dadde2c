"""An aiosmtpd server on loopback and the config pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.config import Config
from tests.support.smtp import SmtpServer, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def config_for(server: SmtpServer, db_url: str = "sqlite://") -> Config:
    return Config.model_validate(
        {
            "database_url": db_url,
            "smtp": {
                "host": server.host,
                "port": server.port,
                "security": "none",
                "from": "Brand Team <team@brand.example>",
                "timeout": 10,
            },
        }
    )
