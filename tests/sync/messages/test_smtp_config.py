"""``[smtp]`` is validated when the file is read: one sentence per problem, no secret shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync import config
from sync.config import ConfigError

GOOD = {
    "host": '"smtp.example.com"',
    "port": "587",
    "security": '"starttls"',
    "username": '"promosync"',
    "password": '"${SMTP_PASSWORD}"',
    "from": '"Brand Team <team@brand.example>"',
}


def load(tmp_path: Path, **changes: str | None) -> config.Config:
    keys = {**GOOD, **changes}
    lines = [f"{key} = {value}" for key, value in keys.items() if value is not None]
    path = tmp_path / "promosync.toml"
    path.write_text("[smtp]\n" + "\n".join(lines) + "\n")
    return config.load(str(path))


def test_a_complete_table_loads_with_the_password_hidden(tmp_path: Path) -> None:
    smtp = load(tmp_path).smtp

    assert smtp is not None and smtp.effective_port == 587 and smtp.sender.endswith("example>")
    assert "SMTP_PASSWORD" in repr(smtp) and "value hidden" in repr(smtp)


def test_port_defaults_to_the_usual_one_for_the_security(tmp_path: Path) -> None:
    assert load(tmp_path, port=None, security='"tls"').smtp.effective_port == 465  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"security": '"none"'}, 'security = "none" .* only allowed to a loopback host'),
        ({"security": '"ssl"'}, "smtp.security: Input should be 'starttls', 'tls' or 'none'"),
        ({"from": '"Team <team@brand.example>\\r\\nBcc: spy@evil.example"'}, "line break"),
        ({"from": '"team"'}, "'team' is not an e-mail address"),
        ({"from": '"a@b.example, c@d.example"'}, "is not an e-mail address"),
        ({"password": None}, "username and password go together"),
        ({"port": "70000"}, "smtp.port: Input should be less than or equal to 65535"),
        ({"host": '"smtp example.com"'}, "must be a host name"),
        ({"sender": '"x@y.z"'}, "smtp.sender: is not a known key"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(
    tmp_path: Path, changes: dict[str, str | None], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, **changes)


def test_plain_smtp_to_loopback_is_allowed(tmp_path: Path) -> None:
    smtp = load(tmp_path, host='"127.0.0.1"', security='"none"', port="8025").smtp
    assert smtp is not None and smtp.security == "none"


def test_deliver_without_an_smtp_table_says_how_to_add_one() -> None:
    with pytest.raises(ConfigError, match=r"No \[smtp\] table .* \(see config.example.toml\)"):
        config.require_smtp(config.Config())
