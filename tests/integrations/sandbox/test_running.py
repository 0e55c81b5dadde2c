"""The command-line entry points: demo seeding, argument parsing, the benchmark."""

from __future__ import annotations

import pytest

from integrations.sandbox.shopify import SandboxShop
from integrations.sandbox.shopify.__main__ import _parser
from integrations.sandbox.shopify.bench import bench
from integrations.sandbox.shopify.seed import demo_codes, seed_demo_shop


def test_demo_codes_are_distinct_reproducible_and_free_of_look_alikes() -> None:
    codes = demo_codes(500, seed=3)
    assert codes == demo_codes(500, seed=3)
    assert len(set(codes)) == 500
    assert not any(ch in code.removeprefix("PROMO-") for code in codes for ch in "0O1IL")


def test_seeded_demo_shop_has_the_codes_and_some_orders(shop: SandboxShop) -> None:
    number = seed_demo_shop(shop, 50)
    assert len(shop.codes_of(number)) == 50
    assert len(shop.orders) == 5


def test_cli_arguments() -> None:
    args = _parser().parse_args(
        ["--port", "0", "--seed-codes", "10", "--http-503-rate", "0.1", "--no-throttle"]
    )
    assert (args.port, args.seed_codes, args.http_503, args.no_throttle) == (0, 10, 0.1, True)


def test_benchmark_runs_end_to_end_on_a_small_pool(capsys: pytest.CaptureFixture[str]) -> None:
    figures = bench(1_000)
    assert set(figures) == {"pages_per_second", "bulk_codes_per_second"}
    assert "pages/s" in capsys.readouterr().out
