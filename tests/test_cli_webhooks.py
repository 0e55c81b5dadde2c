"""The README's webhook flow from the command line: serve, subscribe, an order in the local
Shopify, ``sync inbox``, the report; and the subscribe / unsubscribe / inbox commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from integrations.sandbox.shopify import SandboxServer, SandboxShop, serve
from store.db import Database
from store.models import Assignment, Code
from sync.cli.main import main
from tests.support.serving import free_port, promosync_process

Run = Callable[..., tuple[int, str, str]]
TOKEN_ENV, SECRET_ENV = "SHOPIFY_ACCESS_TOKEN", "SHOPIFY_API_SECRET"
TOPICS = 7  # redeemcode added/removed, discount update/delete, orders create/paid, refunds


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxShop() as shop, serve(shop) as server:
        yield server


@pytest.fixture
def config_file(sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "promosync.toml"
    config.write_text(
        f'[stores.main]\nplatform = "shopify"\nshop = "{sandbox.shop.domain}"\n'
        f'access_token = "${{{TOKEN_ENV}}}"\nadmin_api_url = "{sandbox.admin_api_url}"\n'
        f'webhook_secret = "${{{SECRET_ENV}}}"\n'
    )
    monkeypatch.setenv(TOKEN_ENV, sandbox.access_token)
    monkeypatch.setenv(SECRET_ENV, sandbox.shop.client_secret)
    monkeypatch.chdir(tmp_path)
    return config


@pytest.fixture
def run(db_url: str, config_file: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--config", str(config_file), "--db", db_url, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


URL = "http://127.0.0.1:8080/webhooks/shopify"


def test_subscribe_is_idempotent_dry_run_changes_nothing_and_check_lists_topics(
    run: Run, sandbox: SandboxServer
) -> None:
    status, out, _ = run("--json", "stores", "subscribe", "main", "--url", URL, "--dry-run")
    assert status == 0 and len(json.loads(out)["created"]) == TOPICS
    assert sandbox.shop.webhooks.subscriptions == {}
    status, out, _ = run("stores", "subscribe", "main", "--url", URL)
    assert status == 0 and f"subscribed {TOPICS} topics" in out
    status, out, _ = run("--json", "stores", "subscribe", "main", "--url", URL)
    assert json.loads(out)["created"] == [] and len(json.loads(out)["present"]) == TOPICS
    assert len(sandbox.shop.webhooks.subscriptions) == TOPICS
    status, out, _ = run("--json", "stores", "check", "main")
    assert status == 0 and "orders/paid" in json.loads(out)["webhooks"]["subscribed"]
    status, out, _ = run("stores", "unsubscribe", "main")
    assert status == 0 and f"removed {TOPICS} subscriptions" in out
    assert sandbox.shop.webhooks.subscriptions == {}
    _, out, _ = run("stores", "check", "main")
    assert "Webhooks subscribed: none" in out


def test_missing_read_orders_is_named_before_anything_is_subscribed(
    run: Run, sandbox: SandboxServer
) -> None:
    sandbox.shop.set_scopes(["read_discounts", "write_discounts"])
    status, _, err = run("stores", "subscribe", "main", "--url", URL)
    assert status == 2 and "read_orders" in err and "nothing was subscribed" in err
    assert sandbox.shop.webhooks.subscriptions == {}


def test_a_public_http_address_is_refused(run: Run, sandbox: SandboxServer) -> None:
    status, _, err = run("stores", "subscribe", "main", "--url", "http://example.com/webhooks")
    assert status == 2 and "https://" in err
    assert sandbox.shop.webhooks.subscriptions == {}


def test_sync_inbox_on_an_empty_inbox_and_failed_list(run: Run) -> None:
    status, out, _ = run("sync", "inbox")
    assert status == 0 and out.startswith("0 deliveries applied")
    status, out, _ = run("sync", "inbox", "--failed")
    assert status == 0 and "No failed deliveries." in out
    status, out, _ = run("--json", "sync", "inbox", "--failed")
    assert json.loads(out) == []


def test_readme_flow_an_order_reaches_the_report_without_sync_orders(
    run: Run, sandbox: SandboxServer, db_url: str, config_file: Path
) -> None:
    sandbox.shop.create_code_discount("Creators", codes=["HOOK-AAAA1111", "HOOK-BBBB2222"])
    assert run("campaigns", "create", "Summer", "--key", "summer")[0] == 0
    add = ("incentives", "add", "summer", "--key", "kit", "--description", "Kit")
    assert run(*add, "--value", "10", "--cost", "4", "--timing", "pre_payment")[0] == 0
    assert run("incentives", "link", "summer/kit", "--discount-code", "HOOK-AAAA1111")[0] == 0
    assert run("sync", "pull", "summer/kit")[0] == 0
    assert run("campaigns", "activate", "summer")[0] == 0
    assert run("creators", "add", "summer", "ann")[0] == 0
    assert run("creators", "move", "summer", "ann", "--to", "pre_payment")[0] == 0
    db = Database(db_url)
    with db.transaction() as tx:
        code = tx.scalars(select(Code.code).join(Assignment, Assignment.code_id == Code.id)).one()
    db.dispose()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["--config", str(config_file), "--db", db_url, "serve", "--port", str(port)]
    with promosync_process(args, f"{base}/healthz"):
        assert run("stores", "subscribe", "main", "--url", f"{base}/webhooks/shopify")[0] == 0
        placed = httpx.post(
            f"{sandbox.base_url}/sandbox/orders",
            json={"codes": [code], "total": "42.50"},
            headers={"X-Shopify-Access-Token": sandbox.access_token},
        )
        assert placed.status_code == 200
        assert sandbox.shop.webhooks.flush()
        assert {s.status for s in sandbox.shop.webhooks.log} == {200}
    status, out, _ = run("sync", "inbox")
    assert status == 0 and out.startswith("2 deliveries applied"), out  # orders/create + paid
    status, out, _ = run("report", "summer", "--format", "json")
    campaign = json.loads(out)[0]
    assert campaign["revenue"] == "42.50", campaign
