"""Uploads racing ``incentives link`` never leave codes in a linked pool that the store lacks (#29).

One process links each round's incentive while three others upload codes that
are not in the store into it, released together by a barrier, with random
delays (seeded). Whatever the interleaving, a linked pool holds only codes of
its discount, and an upload told "stored" put its codes in a pool that was not
linked when it committed. On SQLite and PostgreSQL, against the local Shopify.
"""

from __future__ import annotations

import random
import time
import traceback
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from integrations.ports import SourceRef
from integrations.sandbox.shopify import SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Code
from sync import lookup
from sync.errors import DomainError
from sync.shopsync import common, link
from tests import builders
from tests.support.processes import run_processes

ROUNDS = 10
UPLOADERS = 3
UPLOADS_PER_ROUND = 4
CODES_PER_UPLOAD = 3
SHOP_CODES = 10
POOLED_SHOP_CODES = 5  # uploaded before the race: the link has something to check
MAX_HEAD_START_S = 0.3  # how long the linker may have to itself, drawn per round
MAX_DELAY_S = 0.06  # jitter before each action
BARRIER_TIMEOUT_S = 120
JOIN_TIMEOUT_S = 240
STORE = "main"


@dataclass(frozen=True)
class Shopify:
    domain: str
    token: str
    url: str


def shop_code(round_: int, n: int) -> str:
    return f"R{round_}-IN-{n:04d}"


def _worker(
    role: str, index: int, db_url: str, shopify: Shopify, seed: int, barrier: Any, out: Any
) -> None:
    """Each round: wait for the others, then link (role "link") or upload a few times."""
    from sync.codes import LinkedPoolUpload

    rng = random.Random(seed * 100 + index)
    db = Database(db_url)
    outcomes: list[tuple[int, str, tuple[str, ...]]] = []
    try:
        with ShopifyShop.connect(
            shop=shopify.domain, access_token=shopify.token, admin_api_url=shopify.url
        ) as shop:
            for round_ in range(ROUNDS):
                ref = f"r{round_}/kit"
                barrier.wait(BARRIER_TIMEOUT_S)
                # Shared by all workers of a round: sometimes the link wins, sometimes uploads.
                head_start = random.Random(seed * 1000 + round_).uniform(0, MAX_HEAD_START_S)
                if role == "link":
                    time.sleep(rng.uniform(0, MAX_DELAY_S))
                    source = SourceRef(discount_code=shop_code(round_, 0))
                    try:
                        link.link(db, shop, STORE, ref, source)
                        outcomes.append((round_, "linked", ()))
                    except DomainError as error:
                        outcomes.append((round_, type(error).__name__, ()))
                    continue
                time.sleep(head_start)
                for upload in range(UPLOADS_PER_ROUND):
                    time.sleep(rng.uniform(0, MAX_DELAY_S))
                    batch = tuple(
                        f"R{round_}-W{index}-{upload}-{k}" for k in range(CODES_PER_UPLOAD)
                    )
                    try:
                        builders.upload(db, ref, batch)
                        outcomes.append((round_, "stored", batch))
                    except LinkedPoolUpload:
                        outcomes.append((round_, "refused", batch))
        out.put((role, index, outcomes, None))
    except Exception:
        out.put((role, index, outcomes, traceback.format_exc()))
    finally:
        db.dispose()


def is_linked(db: Database, ref: str) -> bool:
    try:
        common.target(db, ref)
    except common.NotLinked:
        return False
    return True


def test_uploads_racing_a_link_never_leave_foreign_codes_in_a_linked_pool(
    db: Database,
) -> None:
    seed = random.randrange(1_000_000)
    with SandboxShop() as sandbox, serve(sandbox) as server:
        discounts = {}
        for round_ in range(ROUNDS):
            wanted = [shop_code(round_, n) for n in range(SHOP_CODES)]
            discounts[round_] = sandbox.create_code_discount(f"Round {round_}", codes=wanted)
            builders.campaign(db, f"r{round_}", pools={"kit": 0}, active=False)
            builders.upload(db, f"r{round_}/kit", wanted[:POOLED_SHOP_CODES])
        shopify = Shopify(sandbox.domain, server.access_token, server.admin_api_url)

        roles = [("link", 0)] + [("upload", i) for i in range(1, UPLOADERS + 1)]
        arguments = [(role, i, db.url, shopify, seed) for role, i in roles]
        reports = run_processes(_worker, arguments, join_timeout=JOIN_TIMEOUT_S)
        crashes = [crash for *_, crash in reports if crash]
        assert not crashes, f"seed {seed}: {crashes[0]}"

        stored: dict[int, set[str]] = {r: set() for r in range(ROUNDS)}
        refused: dict[int, set[str]] = {r: set() for r in range(ROUNDS)}
        linked = {r: False for r in range(ROUNDS)}
        for _, _, outcomes, _ in reports:
            for round_, what, batch in outcomes:
                if what == "linked":
                    linked[round_] = True
                (stored if what == "stored" else refused)[round_].update(batch)
        for round_ in range(ROUNDS):
            ref = f"r{round_}/kit"
            in_store = {c.casefold() for c in sandbox.codes_of(discounts[round_])}
            with db.transaction() as tx:
                incentive_id = lookup.incentive(tx, lookup.campaign(tx, f"r{round_}"), "kit").id
                mine = select(Code.code).where(Code.incentive_id == incentive_id)
                pool = {c.casefold() for c in tx.scalars(mine)}
            assert is_linked(db, ref) == linked[round_], f"seed {seed}: round {round_}"
            if linked[round_]:
                assert pool <= in_store, f"seed {seed}: round {round_} linked with foreign codes"
            assert {c.casefold() for c in stored[round_]} <= pool, f"seed {seed}"
            assert not {c.casefold() for c in refused[round_]} & pool, f"seed {seed}"
