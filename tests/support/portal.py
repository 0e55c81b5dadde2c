"""A ``[portal]`` configuration with a secret exported in the environment, for page tests."""

from __future__ import annotations

import secrets

import pytest

from sync.config import Config, PortalConfig

SECRET_ENV = "PROMOSYNC_PORTAL_SECRET"


def portal_config(
    monkeypatch: pytest.MonkeyPatch, base_url: str = "http://127.0.0.1:8080", **database: str
) -> Config:
    """A config whose ``[portal]`` signs with a fresh random secret exported as the env var."""
    monkeypatch.setenv(SECRET_ENV, secrets.token_urlsafe(32))
    return Config.model_validate(
        {
            **database,
            "portal": PortalConfig.model_validate(
                {"base_url": base_url, "secret": f"${{{SECRET_ENV}}}"}
            ),
        }
    )


def token_of(url: str) -> str:
    """The token part of a creator page URL."""
    return url.rsplit("/c/", 1)[1]
