"""The entry point: seeding, arguments, loopback only, and a real process serving."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from integrations.sandbox.woocommerce import SandboxWooShop, start
from integrations.sandbox.woocommerce.__main__ import _parser, faults_from
from integrations.sandbox.woocommerce.seed import seed_demo_shop


def test_seeded_shop_has_prefixed_coupons_and_orders_that_used_them() -> None:
    shop = SandboxWooShop()
    ids = seed_demo_shop(shop, 40, prefix="Creator-")
    codes = [shop.coupons[i].code for i in ids]
    assert len(set(codes)) == 40 and all(c.startswith("creator-") for c in codes)
    assert len(shop.orders) == 5
    assert sum(shop.coupons[i].usage_count for i in ids) == 5


def test_arguments_build_the_fault_config() -> None:
    args = _parser().parse_args(
        ["--port", "0", "--seed-coupons", "3", "--prefix", "X-", "--http-429-rate", "0.2"]
    )
    assert (args.port, args.seed_coupons, args.prefix) == (0, 3, "X-")
    assert dict(faults_from(args).rates) == {"http_429": 0.2}
    with pytest.raises(SystemExit):
        _parser().parse_args(["--graphql-internal-rate", "0.1"])


def test_only_loopback_addresses_are_served() -> None:
    with pytest.raises(ValueError, match="loopback"):
        start(SandboxWooShop(), host="0.0.0.0")


def test_module_runs_and_serves_until_stopped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "integrations.sandbox.woocommerce",
            "--port",
            "0",
            "--seed-coupons",
            "12",
            "--prefix",
            "demo-",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = {}
        deadline = time.monotonic() + 20
        while len(lines) < 3 and time.monotonic() < deadline:
            name, _, value = process.stdout.readline().partition("=")
            if value:
                lines[name.strip()] = value.strip()
        response = httpx.get(
            lines["url"] + "/wp-json/wc/v3/coupons",
            params={"per_page": 100},
            auth=(lines["consumer_key"], lines["consumer_secret"]),
        )
        assert response.headers["X-WP-Total"] == "12"
        assert all(c["code"].startswith("demo-") for c in response.json())
    finally:
        process.terminate()
        process.wait(timeout=10)
