"""Racing processes creating the same codes: each code is created once, the rest refused."""

from __future__ import annotations

import random
from multiprocessing.synchronize import Barrier
from queue import Queue

import httpx
import pytest

from integrations.sandbox.woocommerce import SandboxWooShop, serve
from tests.support.processes import run_processes

CODES = [f"race-{i:03d}" for i in range(100)]
WORKERS = 6


def _create_all(url: str, auth: tuple[str, str], seed: int, barrier: Barrier, out: Queue) -> None:
    codes = list(CODES)
    random.Random(seed).shuffle(codes)
    created = refused = 0
    with httpx.Client(base_url=url, auth=auth, timeout=30) as http:
        barrier.wait()
        for start in range(0, len(codes), 10):
            batch = [{"code": c.upper()} for c in codes[start : start + 10]]
            for item in http.post("/coupons/batch", json={"create": batch}).json()["create"]:
                if "error" in item:
                    assert item["error"]["code"] == "woocommerce_rest_coupon_code_already_exists"
                    refused += 1
                else:
                    created += 1
    out.put((created, refused))


@pytest.mark.slow
def test_racing_creates_make_each_code_once() -> None:
    shop = SandboxWooShop()
    with serve(shop) as woo:
        auth = (woo.consumer_key, woo.consumer_secret)
        seed = random.randrange(1_000_000)
        reports = run_processes(
            _create_all, [(woo.api_url, auth, seed + n) for n in range(WORKERS)], join_timeout=120
        )
    codes = sorted(c.code for c in shop.coupons.values())
    assert codes == CODES, f"seed {seed}"
    assert sum(created for created, _ in reports) == len(CODES)
    assert sum(refused for _, refused in reports) == len(CODES) * (WORKERS - 1)
