"""An unreachable shop through the command line: give up within the budget, name the URL.

The shop's URL is a loopback port nobody listens on (connection refused). Waits
go to an injected clock (``sync.shops.timing``), so the test never sleeps.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from sync import shops
from sync.cli.main import main
from sync.config import load, seconds
from tests.integrations.shopify.builders import FakeClock

Run = Callable[..., tuple[int, str, str]]
TOKEN_ENV = "SHOPIFY_ACCESS_TOKEN"
DEFAULT_BUDGET = 30.0


def dead_url() -> str:
    """An Admin API URL on a loopback port that refuses connections."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/admin/api/2026-10/graphql.json"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(shops, "timing", shops.Timing(sleep=fake.sleep, clock=fake))
    return fake


def runner(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    extra: str = "",
) -> Run:
    config = tmp_path / "promosync.toml"
    config.write_text(
        f'{extra}[stores.main]\nplatform = "shopify"\nshop = "brand.myshopify.com"\n'
        f'access_token = "${{{TOKEN_ENV}}}"\nadmin_api_url = "{url}"\n'
    )
    monkeypatch.setenv(TOKEN_ENV, "shpat_not_used_here")
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--config", str(config), "--db", f"sqlite:///{tmp_path}/p.db", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def test_stores_check_gives_up_within_the_interactive_budget_naming_the_url(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    url = dead_url()
    run = runner(tmp_path, capsys, monkeypatch, url)
    start = clock.now
    status, out, err = run("stores", "check")
    assert status == 1  # the shop is unavailable: not the user's bad input
    assert clock.now - start <= DEFAULT_BUDGET
    assert len(clock.sleeps) >= 1  # it did retry, within the budget
    message = err.strip()
    assert message.count("\n") == 0 and "Traceback" not in out + err
    assert url in message
    assert "run the command again later" in message
    assert "[retry] interactive_budget" in message and str(tmp_path) in message
    assert "shpat_not_used_here" not in out + err


def test_interactive_budget_is_configurable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    run = runner(tmp_path, capsys, monkeypatch, dead_url(), '[retry]\ninteractive_budget = "4s"\n')
    start = clock.now
    status, out, _ = run("--json", "stores", "check")
    assert status == 1
    assert clock.now - start <= 4.0
    assert "4 s retry budget" in json.loads(out)["error"]["message"]


@pytest.mark.parametrize("bad", ['"soon"', '"-5s"', "0", '"30 minutes"'])
def test_a_bad_retry_budget_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    run = runner(
        tmp_path, capsys, monkeypatch, dead_url(), f"[retry]\ninteractive_budget = {bad}\n"
    )
    status, _, err = run("stores", "check")
    assert status == 2
    assert "retry.interactive_budget" in err and '"30s"' in err


def test_the_daemon_profile_keeps_the_longer_backoff(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    url = dead_url()
    runner(tmp_path, capsys, monkeypatch, url)
    config = load(str(tmp_path / "promosync.toml"))
    with (
        pytest.raises(shops.ShopUnavailable) as raised,
        shops.open_shop(config, None, profile="daemon") as (_, shop),
    ):
        shop.check()
    assert sum(clock.sleeps) > DEFAULT_BUDGET
    assert "[retry] daemon_budget" in str(raised.value) and url in str(raised.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [(30, 30.0), ("30s", 30.0), ("2m", 120.0), ("1.5h", 5400.0), ("45", 45.0)],
)
def test_retry_budgets_are_durations_in_seconds_or_with_a_unit(
    given: object, expected: float
) -> None:
    assert seconds(given) == expected
