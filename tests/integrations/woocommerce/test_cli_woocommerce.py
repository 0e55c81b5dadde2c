"""The WooCommerce commands end to end, in-process, against the local WooCommerce on loopback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from integrations.sandbox.woocommerce import SandboxWooShop, WooServer, serve
from sync.cli.main import main
from tests.integrations.woocommerce.local import TEMPLATE, seed

Run = Callable[..., tuple[int, str, str]]
KEY_ENV, SECRET_ENV = "WC_KEY", "WC_SECRET"


@pytest.fixture
def shop() -> SandboxWooShop:
    return SandboxWooShop(name="Fans Shop", currency="EUR")


@pytest.fixture
def server(shop: SandboxWooShop) -> Iterator[WooServer]:
    with serve(shop) as running:
        yield running


def write_config(path: Path, url: str, extra: str = "") -> Path:
    path.write_text(
        f'[stores.woo]\nplatform = "woocommerce"\nurl = "{url}"\n'
        f'consumer_key = "${{{KEY_ENV}}}"\nconsumer_secret = "${{{SECRET_ENV}}}"\n{extra}'
    )
    return path


@pytest.fixture
def run(
    db_url: str,
    server: WooServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    config = write_config(tmp_path / "promosync.toml", server.base_url)
    monkeypatch.setenv(KEY_ENV, server.consumer_key)
    monkeypatch.setenv(SECRET_ENV, server.consumer_secret)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, config_file: Path = config) -> tuple[int, str, str]:
        status = main(["--config", str(config_file), "--db", db_url, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def test_stores_check_names_the_store_currency_version_and_read_write(run: Run) -> None:
    status, out, _ = run("--json", "stores", "check", "woo")
    info = json.loads(out)
    assert status == 0
    assert (info["platform"], info["name"], info["currency"]) == ("woocommerce", "Fans Shop", "EUR")
    assert "WooCommerce 1" in info["api_version"]
    assert sorted(info["granted_scopes"]) == ["read", "write"] and info["missing_scopes"] == []


def test_a_read_only_key_is_named_and_exits_2(
    run: Run, shop: SandboxWooShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_only = shop.add_key("read")
    monkeypatch.setenv(KEY_ENV, read_only.consumer_key)
    monkeypatch.setenv(SECRET_ENV, read_only.consumer_secret)
    status, out, _ = run("stores", "check", "woo")
    assert status == 2 and "MISSING: write" in out and "Read/Write" in out


def test_a_wrong_secret_exits_2_names_the_variables_and_never_echoes_them(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "cs_wrong_secret_value")
    status, out, err = run("stores", "check", "woo")
    assert status == 2
    assert f"check {KEY_ENV} and {SECRET_ENV}" in err
    assert "cs_wrong_secret_value" not in out + err


def test_a_host_that_strips_authorization_is_served_through_the_query_string(
    run: Run, shop: SandboxWooShop
) -> None:
    shop.strip_authorization = True
    status, out, _ = run("--json", "stores", "check", "woo")
    assert status == 0 and json.loads(out)["missing_scopes"] == []


def test_plain_http_to_a_remote_host_is_refused_with_one_sentence(run: Run, tmp_path: Path) -> None:
    remote = write_config(tmp_path / "remote.toml", "http://shop.example.com")
    status, _, err = run("stores", "check", "woo", config_file=remote)
    assert status == 2
    assert "must be an https:// URL (plain http:// only for loopback addresses)" in err
    assert "Traceback" not in err


def test_link_by_prefix_pull_and_generate_from_the_command_line(
    run: Run, shop: SandboxWooShop
) -> None:
    seed(shop, 12)
    shop.add_coupon(TEMPLATE, "20", discount_type="percent", usage_limit=1)
    assert run("campaigns", "create", "Summer", "--key", "summer")[0] == 0
    add = ("incentives", "add", "summer", "--key", "kit", "--description", "Kit")
    assert run(*add, "--value", "10", "--cost", "4", "--timing", "pre_payment")[0] == 0

    status, out, err = run(
        "incentives",
        "link",
        "summer/kit",
        "--coupon-prefix",
        "Summer-",
        "--template-coupon",
        TEMPLATE.upper(),
    )
    assert status == 0, err
    assert "coupons starting with 'Summer-'" in out and "12 codes" in out

    status, out, _ = run("--json", "sync", "pull", "summer/kit")
    (pulled,) = json.loads(out)
    assert status == 0 and (pulled["fetched"], pulled["new"]) == (12, 12)

    status, out, _ = run("--json", "codes", "generate", "summer/kit", "--count", "30")
    assert status == 0 and json.loads(out)["created"] == 30
    assert len(shop.coupons) == 12 + 1 + 30


def test_linking_with_a_shopify_option_names_the_woocommerce_ones(run: Run) -> None:
    assert run("campaigns", "create", "Summer", "--key", "summer")[0] == 0
    add = ("incentives", "add", "summer", "--key", "kit", "--description", "Kit")
    assert run(*add, "--value", "10", "--cost", "4", "--timing", "pre_payment")[0] == 0
    status, _, err = run(
        "incentives", "link", "summer/kit", "--discount-code", "X", "--store", "woo"
    )
    assert status == 2 and "--coupon-prefix PREFIX" in err


def test_the_demo_runs_against_the_local_woocommerce(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db_file = str(tmp_path / "demo.db")
    status = main(["--json", "demo", "--platform", "woocommerce", "--db-file", db_file])
    out = json.loads(capsys.readouterr().out)
    assert status == 0 and out["campaigns"] == ["summer"]
    steps = "\n".join(out["steps"])
    assert "Pulled the codes: 4 in WooCommerce" in steps
    assert "Generated 3 more codes in WooCommerce" in steps
    assert "released kit → summer-7kq2mx" in steps  # shown as the store holds it
    said = " ".join(steps.split())
    assert ": 6 sent" in said and "| Subject: Your code for Summer launch" in said
    assert "Your personal code: summer-7kq2mx" in said
    assert "HTTP 200, the page shows the code summer-7kq2mx" in said


def test_query_string_credentials_never_reach_the_log_file(
    run: Run, shop: SandboxWooShop, server: WooServer, tmp_path: Path
) -> None:
    shop.strip_authorization = True  # every request after the probe carries the secret in its URL
    log_file = tmp_path / "promosync.log"
    status, _, _ = run("-vv", "--log-file", str(log_file), "stores", "check", "woo")
    logged = log_file.read_text()
    assert status == 0 and "consumer_secret=***" in logged  # httpx logged the URLs
    assert server.consumer_secret not in logged and server.consumer_key not in logged


def test_a_store_without_a_secret_names_the_key_to_add(
    run: Run, server: WooServer, tmp_path: Path
) -> None:
    partial = tmp_path / "partial.toml"
    partial.write_text(
        f'[stores.woo]\nplatform = "woocommerce"\nurl = "{server.base_url}"\n'
        f'consumer_key = "${{{KEY_ENV}}}"\n'
    )
    status, _, err = run("stores", "check", "woo", config_file=partial)
    assert status == 2
    assert 'has no consumer_secret: add consumer_secret = "${WC_CONSUMER_SECRET}"' in err
