"""``promosync creators link`` / ``unlink``: the links printed, and every refusal explained."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from sync import config as config_module
from sync import creators, portal
from sync.cli.main import main
from tests import builders
from tests.support.portal import SECRET_ENV, portal_config, token_of

Run = Callable[..., tuple[int, str, str]]
BASE = "https://promo.brand.example"


@pytest.fixture
def run(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Run:
    """``promosync --db URL --config FILE ARGS`` in-process, with ``[portal]`` configured."""
    config_file = tmp_path / "promosync.toml"
    config_file.write_text(
        f'[portal]\nbase_url = "{BASE}"\nsecret = "${{{SECRET_ENV}}}"\nlink_expires = "7d"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--db", db_url, "--config", str(config_file), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> config_module.Config:
    """The same settings as the CLI's config file, to open the links it prints."""
    return portal_config(monkeypatch, base_url=BASE, database_url=db_url)


def _setup(db_url: str) -> Database:
    db = Database(db_url)
    builders.campaign(db)
    creators.add(db, "summer", "maya")
    return db


def test_link_prints_a_url_that_opens_the_creators_page_and_unlink_revokes_it(
    run: Run, db_url: str, config: config_module.Config
) -> None:
    db = _setup(db_url)
    status, out, _ = run("creators", "link", "summer", "@maya")
    assert status == 0 and out.startswith(f"{BASE}/c/")
    token = token_of(out.strip())
    assert portal.open_page(db, config, token) is not None
    status, out, _ = run("creators", "unlink", "summer", "maya")
    assert status == 0 and "revoked" in out
    assert portal.open_page(db, config, token) is None
    status, out, _ = run("--json", "creators", "link", "summer", "maya", "--expires", "12h")
    made = json.loads(out)
    assert status == 0 and made["handle"] == "maya" and made["url"].startswith(BASE)
    assert portal.open_page(db, config, token_of(made["url"])) is not None
    status, out, _ = run("creators", "link", "summer", "maya", "--revoke")
    assert status == 0 and portal.open_page(db, config, token_of(made["url"])) is None
    db.dispose()


def test_link_lifetime_comes_from_the_option_or_the_config(
    run: Run, db_url: str, config: config_module.Config
) -> None:
    _setup(db_url).dispose()
    _, out, _ = run("--json", "creators", "link", "summer", "maya")
    _, short, _ = run("--json", "creators", "link", "summer", "maya", "--expires", "1h")
    expires = {
        name: int(token_of(json.loads(text)["url"]).split(".")[2], 16)
        for name, text in (("default", out), ("short", short))
    }
    assert 7 * 86400 - 60 < expires["default"] - expires["short"] + 3600 <= 7 * 86400 + 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--expires", "2y"), "--expires '2y' must be a duration"),
        (("--expires", "400d"), "must be at most 366 days"),
        (("--expires", "1d", "--revoke"), "--expires makes no sense with --revoke"),
    ],
)
def test_bad_link_options_exit_2_with_the_fix(
    run: Run, db_url: str, args: tuple[str, ...], message: str
) -> None:
    _setup(db_url).dispose()
    status, out, err = run("creators", "link", "summer", "maya", *args)
    assert status == 2 and out == "" and message in err


def test_link_without_the_secret_exits_2_naming_the_variable_only(
    run: Run, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(db_url).dispose()
    monkeypatch.delenv(SECRET_ENV, raising=False)
    status, out, err = run("creators", "link", "summer", "maya")
    assert status == 2 and out == ""
    assert f"${{{SECRET_ENV}}}, which is not set" in err
    assert "Traceback" not in err
