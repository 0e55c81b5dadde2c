"""The Shopify commands end to end: config file, real HTTP to the local Shopify, exit statuses.

The config has two stores, like ``config.example.toml``: the README's flow must work with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from integrations.sandbox.shopify import SandboxServer, SandboxShop, serve
from sync.cli.main import main

Run = Callable[..., tuple[int, str, str]]
TOKEN_ENV = "SHOPIFY_ACCESS_TOKEN"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxShop() as shop, serve(shop) as server:
        yield server


@pytest.fixture
def run(
    db_url: str,
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Run:
    config = tmp_path / "promosync.toml"
    config.write_text(
        f'[stores.main]\nplatform = "shopify"\nshop = "{sandbox.shop.domain}"\n'
        f'access_token = "${{{TOKEN_ENV}}}"\nadmin_api_url = "{sandbox.admin_api_url}"\n'
        '[stores.woo]\nplatform = "woocommerce"\nurl = "https://shop.example.com"\n'
    )
    monkeypatch.setenv(TOKEN_ENV, sandbox.access_token)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--config", str(config), "--db", db_url, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def draft_campaign_with_incentive(run: Run) -> None:
    """Draft campaign ``summer`` with a pre-payment incentive ``kit``, made through the CLI."""
    assert run("campaigns", "create", "Summer", "--key", "summer")[0] == 0
    add = ("incentives", "add", "summer", "--key", "kit", "--description", "Kit")
    assert run(*add, "--value", "10", "--cost", "4", "--timing", "pre_payment")[0] == 0


def test_stores_check_names_shop_and_scopes(run: Run) -> None:
    status, out, _ = run("--json", "stores", "check", "main")
    assert status == 0
    info = json.loads(out)
    assert info["missing_scopes"] == [] and "read_discounts" in info["granted_scopes"]


def test_missing_scope_is_a_configuration_error(run: Run, sandbox: SandboxServer) -> None:
    sandbox.shop.set_scopes(["read_discounts"])
    status, out, _ = run("stores", "check", "main")
    assert status == 2
    assert "write_discounts" in out and "read_orders" in out


def test_wrong_token_exits_2_and_never_echoes_a_token(
    run: Run, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "shpat_wrong_secret_value")
    status, out, err = run("stores", "check", "main")
    assert status == 2
    assert TOKEN_ENV in err
    assert "shpat_wrong_secret_value" not in out + err
    assert sandbox.access_token not in out + err


def test_link_pull_generate_and_move_from_the_command_line(
    run: Run, sandbox: SandboxServer
) -> None:
    discount = sandbox.shop.create_code_discount("Summer", codes=["CLI-AAAA1111", "CLI-BBBB2222"])
    draft_campaign_with_incentive(run)
    status, out, _ = run("incentives", "link", "summer/kit", "--discount-code", "cli-aaaa1111")
    assert status == 0, out
    status, out, _ = run("--json", "sync", "pull", "summer/kit")
    assert status == 0 and json.loads(out)[0]["new"] == 2
    status, out, _ = run(
        "--json", "codes", "generate", "summer/kit", "--count", "3", "--prefix", "GEN-"
    )
    assert status == 0 and json.loads(out)["created"] == 3
    assert len(sandbox.shop.codes_of(discount)) == 5
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["available"] == 5
    assert "GEN-" not in out  # unassigned codes stay secret


def test_link_needs_exactly_one_discount_reference(run: Run) -> None:
    run("campaigns", "create", "Summer", "--key", "summer")
    status, _, err = run("incentives", "link", "summer/kit")
    assert status == 2 and "--discount-code" in err


def test_unknown_discount_code_is_named(run: Run) -> None:
    draft_campaign_with_incentive(run)
    status, _, err = run("incentives", "link", "summer/kit", "--discount-code", "NOPE")
    assert status == 2 and "NOPE" in err


def test_stores_check_without_a_name_asks_for_one_it_accepts(run: Run) -> None:
    status, _, err = run("stores", "check")
    assert status == 2
    assert "`promosync stores check main`" in err and "--store" not in err


def test_readme_flow_needs_no_store_option_with_two_stores_configured(
    run: Run, sandbox: SandboxServer
) -> None:
    discount = sandbox.shop.create_code_discount("Summer", codes=["CLI-AAAA1111"])
    draft_campaign_with_incentive(run)
    assert run("incentives", "link", "summer/kit", "--discount-code", "CLI-AAAA1111")[0] == 0
    assert run("sync", "pull", "summer/kit")[0] == 0
    assert run("codes", "generate", "summer/kit", "--count", "2")[0] == 0
    for command in (("sync", "pull"), ("sync", "usage"), ("sync", "orders"), ("sync", "revoke")):
        status, out, err = run(*command)
        assert status == 0, (command, err)
        assert "main" in out or "summer/kit" in out, command
    assert len(sandbox.shop.codes_of(discount)) == 3


def test_store_option_naming_another_store_than_the_link_is_refused(
    run: Run, sandbox: SandboxServer
) -> None:
    sandbox.shop.create_code_discount("Summer", codes=["CLI-AAAA1111"])
    draft_campaign_with_incentive(run)
    run("incentives", "link", "summer/kit", "--discount-code", "CLI-AAAA1111")
    status, _, err = run("sync", "pull", "summer/kit", "--store", "woo")
    assert status == 2
    assert "linked to store 'main', not 'woo'" in err and "leave out --store" in err


def test_upload_into_a_linked_incentive_exits_1_and_link_force_reports_missing_codes(
    run: Run, sandbox: SandboxServer
) -> None:
    sandbox.shop.create_code_discount("Summer", codes=["CLI-AAAA1111"])
    draft_campaign_with_incentive(run)
    assert run("codes", "upload", "summer/kit", "--codes", "CLI-AAAA1111,LOCAL-1234")[0] == 0
    status, _, err = run("incentives", "link", "summer/kit", "--discount-code", "CLI-AAAA1111")
    assert status == 1 and "1 of the 2 codes" in err and "LOCAL-1234" not in err

    status, out, _ = run(
        "incentives", "link", "summer/kit", "--discount-code", "CLI-AAAA1111", "--force"
    )
    assert status == 0 and "1 of its 2 pooled codes is not in the discount" in out
    status, _, err = run("codes", "upload", "summer/kit", "--codes", "LOCAL-5678")
    assert status == 1 and "`promosync codes generate summer/kit" in err
