"""``promosync run`` in real processes against the local Shopify and a real database.

The local Shopify runs in the test process (its state is the merchant's admin);
workers are ``promosync run`` child processes talking to it over loopback.
Code pages can be slowed down so that a pull is still running when a test
stops or kills its worker.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from integrations.ports import SourceRef
from integrations.sandbox.shopify import (
    BucketConfig,
    Fault,
    FaultConfig,
    SandboxServer,
    SandboxShop,
    serve,
)
from integrations.shopify.shop import ShopifyShop
from store import scratch
from store.db import Database
from store.models import Code
from store.models_sync import SyncRun
from sync import campaigns
from sync.shopsync import link
from tests import builders
from tests.conftest import PG_ADMIN_URL
from tests.support.serving import free_port, promosync_process, wait_until_answering
from tests.sync.shops import FAST_RETRY, STORE

CODES_PAGE_OPERATION = "DiscountRedeemCodesPage"
TOKEN_ENV = "SHOPIFY_ACCESS_TOKEN"
#: Generous bound for anything a worker must do "soon" on a busy 2-core machine.
DEADLINE = 30.0


@pytest.fixture(params=["sqlite", "postgresql"])
def worker_db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated database of its own (PostgreSQL: with the job queue's tables)."""
    if request.param == "sqlite":
        path = tmp_path / "promosync.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    problem = scratch.unreachable(PG_ADMIN_URL)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    with scratch.fresh_postgresql(PG_ADMIN_URL, prefix="promosync_worker") as url:
        yield url


@pytest.fixture
def pg_worker_url() -> Iterator[str]:
    problem = scratch.unreachable(PG_ADMIN_URL)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    with scratch.fresh_postgresql(PG_ADMIN_URL, prefix="promosync_worker") as url:
        yield url


@dataclass
class Merchant:
    """The local Shopify (in this process) with one discount linked to summer/kit."""

    shop: SandboxShop
    server: SandboxServer
    discount_id: int

    def codes(self) -> set[str]:
        return set(self.shop.codes_of(self.discount_id))


@contextmanager
def merchant(db_url: str, codes: int, *, slow_page_seconds: float = 0.0) -> Iterator[Merchant]:
    """A shop whose discount holds ``codes`` codes, linked to summer/kit in ``db_url``."""
    faults = (
        FaultConfig(
            rates={Fault.SLOW: 1.0},
            operations=frozenset({CODES_PAGE_OPERATION}),
            slow_seconds=slow_page_seconds,
        )
        if slow_page_seconds
        else None
    )
    with SandboxShop(bucket=BucketConfig(enabled=False)) as shop:
        discount_id = shop.create_code_discount(
            "Creator campaign", builders.codes_named("LIVE-", codes)
        )
        with serve(shop, faults=faults) as server:
            db = Database(db_url)
            try:
                builders.campaign(db, pools={"kit": 0}, active=False)
                with ShopifyShop.connect(
                    shop=shop.domain,
                    access_token=server.access_token,
                    admin_api_url=server.admin_api_url,
                    retry=FAST_RETRY,
                    sleep=lambda _: None,
                ) as client:
                    link.link(
                        db,
                        client,
                        STORE,
                        "summer/kit",
                        SourceRef(discount_id=f"gid://shopify/DiscountCodeNode/{discount_id}"),
                    )
                campaigns.set_status(db, "summer", "active")
            finally:
                db.dispose()
            yield Merchant(shop, server, discount_id)


def write_config(
    tmp_path: Path, db_url: str, server: SandboxServer, name: str = "promosync.toml", **daemon: Any
) -> Path:
    """A config file for the workers: the database, the local Shopify, ``[daemon]``."""
    lines = [
        f'database_url = "{db_url}"',
        f'log_file = "{tmp_path / "promosync.log"}"',
        "[daemon]",
        *(f"{key} = {value!r}".replace("'", '"') for key, value in daemon.items()),
        f"[stores.{STORE}]",
        'platform = "shopify"',
        f'shop = "{server.shop.domain}"',
        f'access_token = "${{{TOKEN_ENV}}}"',
        f'admin_api_url = "{server.admin_api_url}"',
    ]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def worker(config: Path, server: SandboxServer) -> Iterator[subprocess.Popen[bytes]]:
    """``promosync run --http`` in a child process, yielded once it answers /healthz."""
    with workers(config, server, 1) as (child,):
        yield child


@contextmanager
def workers(
    config: Path, server: SandboxServer, count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` workers started together, yielded once each answers /healthz."""
    env = {TOKEN_ENV: server.access_token, "PROMOSYNC_DB": ""}
    with ExitStack() as stack:
        ports = [free_port() for _ in range(count)]
        starting = [
            stack.enter_context(
                promosync_process(
                    ["--config", str(config), "run", "--http", f"127.0.0.1:{port}"],
                    f"http://127.0.0.1:{port}/healthz",
                    env=env,
                    wait=False,
                )
            )
            for port in ports
        ]
        for port, child in zip(ports, starting, strict=True):
            wait_until_answering(child, f"http://127.0.0.1:{port}/healthz")
            child.base_url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        yield starting


def wait_for(what: str, probe: Callable[[], Any], deadline: float = DEADLINE) -> Any:
    """Poll ``probe`` until it returns something truthy (readiness, not timing)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {deadline} s")


def runs(db_url: str, kind: str = "pull") -> list[SyncRun]:
    db = Database(db_url)
    try:
        with db.transaction() as tx:
            stmt = select(SyncRun).where(SyncRun.kind == kind).order_by(SyncRun.id)
            return list(tx.scalars(stmt))
    finally:
        db.dispose()


def pool(db_url: str) -> dict[str, str]:
    """Every pooled code with its status (a test-side look)."""
    db = Database(db_url)
    try:
        with db.transaction() as tx:
            return {c.code: c.status for c in tx.scalars(select(Code))}
    finally:
        db.dispose()


def stop(child: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> tuple[int, float, str]:
    """Signal ``child``; its exit status, how long it took to exit, and its stderr."""
    started = time.monotonic()
    child.send_signal(signum)
    _, err = child.communicate(timeout=DEADLINE)
    return child.returncode, time.monotonic() - started, err.decode()
