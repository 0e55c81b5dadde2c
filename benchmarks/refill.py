"""Auto-refill over a simulated campaign: refusals, waste and API calls, against no refill.

5,000 creators move through the stages over simulated days (a seeded schedule: 75 % are
confirmed 1-4 days after a staggered start, released 2-6 days later, 5 % of the confirmed
drop before their release). Each day's moves run in bursts; the worker's checks are
simulated the way ``promosync run`` calls them: ``refill_check`` at the start of each day
and after every burst. The store is the local Shopify over loopback HTTP; the database is
SQLite. Modes:

- ``auto``: ``incentives refill --auto`` on an empty pool;
- baseline ``upfront``: no refill, a pool generated once up front with as many codes as
  creators ("always generate extra codes", the peers' advice);
- baseline ``guess``: no refill, a pool of 60 % of the creators generated up front.

Figures per mode: moves refused for lack of codes, waste (codes generated and never
handed out, as a share of those generated), and API calls spent on code generation.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from benchmarks import fixtures
from benchmarks.harness import Row
from integrations.ports import Shop, SourceRef
from integrations.sandbox.shopify import SandboxShop, serve
from integrations.shopify.shop import ShopifyShop
from store.db import Database
from store.models import Code, utcnow
from store.models_policy import Refill
from sync import campaigns, capacity, incentives, moves, refill
from sync.config import Config
from sync.errors import OutOfCodes
from sync.shopsync import common, generate, link

STORE_NAME = "main"
CAMPAIGN = "sim"
REF = f"{CAMPAIGN}/{fixtures.INCENTIVE}"
BURSTS_PER_DAY = 3
CONFIRM_SHARE, DROP_SHARE = 0.75, 0.05
WASTE_TARGET = 0.10


@dataclass(frozen=True)
class Sizes:
    creators: int
    days: int
    runs: int


FULL = Sizes(creators=5_000, days=40, runs=3)
QUICK = Sizes(creators=120, days=14, runs=1)


@dataclass(frozen=True)
class Outcome:
    refusals: int
    generated: int
    released: int
    api_calls: int
    refills: int
    seconds: float

    @property
    def waste(self) -> float:
        return (self.generated - self.released) / self.generated if self.generated else 0.0


def schedule(creators: int, days: int, seed: int) -> dict[int, list[tuple[str, str]]]:
    """Day -> (handle, target stage) moves, seeded."""
    rng = random.Random(seed)
    plan: dict[int, list[tuple[str, str]]] = {}
    start_span = max(1, int(days * 0.6))
    for handle in fixtures.handles(creators):
        if rng.random() >= CONFIRM_SHARE:
            continue  # stays a candidate
        confirmed = rng.randrange(start_span) + rng.randint(1, 4)
        plan.setdefault(confirmed, []).append((handle, "confirmation"))
        later = confirmed + rng.randint(2, 6)
        target = "dropped" if rng.random() < DROP_SHARE else "pre_payment"
        plan.setdefault(later, []).append((handle, target))
    return plan


def simulate(mode: str, sizes: Sizes, seed: int, work: Path, template: Path) -> Outcome:
    url = fixtures.fresh_sqlite(template, work)
    db = Database(url)
    started = time.perf_counter()
    with SandboxShop() as sandbox, serve(sandbox) as server:
        discount = sandbox.create_code_discount("Simulation")
        with ShopifyShop.connect(
            shop=sandbox.domain,
            access_token=server.access_token,
            admin_api_url=server.admin_api_url,
        ) as shop:
            campaigns.create(db, "Sim", key=CAMPAIGN, currency="USD")
            incentives.add(
                db,
                CAMPAIGN,
                key=fixtures.INCENTIVE,
                description="Simulated kit",
                value="25.00",
                cost="8.50",
                timing=fixtures.TARGET_STAGE,
            )
            gid = f"gid://shopify/DiscountCodeNode/{discount}"
            link.link(db, shop, STORE_NAME, REF, SourceRef(discount_id=gid))
            campaigns.set_status(db, CAMPAIGN, "active")
            fixtures.creators(db, CAMPAIGN, fixtures.handles(sizes.creators))
            calls_before = shop.client.stats.requests
            upfront = {"upfront": sizes.creators, "guess": int(sizes.creators * 0.6)}.get(mode)
            if upfront:
                generate.generate(db, shop, common.target(db, REF), upfront, prefix="SIM-")
            else:
                refill.set_refill(db, REF, auto=True)
            opener = _opener(shop)
            plan = schedule(sizes.creators, sizes.days, seed)
            refusals = 0
            base = utcnow()
            day = 0
            while day <= max(plan, default=0):
                todo = plan.get(day, [])
                random.Random(seed + day).shuffle(todo)
                step = max(1, -(-len(todo) // BURSTS_PER_DAY))
                now = base + timedelta(days=day)
                if not upfront:
                    refill.refill_check(db, Config(), opener=opener, now=now)
                for start in range(0, len(todo), step):
                    for handle, target in todo[start : start + step]:
                        try:
                            moves.move(db, CAMPAIGN, handle, target)
                        except OutOfCodes:
                            refusals += 1  # the creator waits at their stage
                    if not upfront:
                        refill.refill_check(db, Config(), opener=opener, now=now)
                day += 1
            calls = shop.client.stats.requests - calls_before
            (pool,) = capacity.capacity(db, CAMPAIGN)
    with db.transaction() as tx:
        generated = int(tx.scalar(select(func.count()).select_from(Code)) or 0)
        refills = int(tx.scalar(select(func.count()).select_from(Refill)) or 0)
    released = generated - pool.available - pool.short_validity
    db.dispose()
    fixtures.remove_sqlite(url)
    return Outcome(refusals, generated, released, calls, refills, time.perf_counter() - started)


def _opener(shop: ShopifyShop) -> refill.ShopOpener:
    @contextmanager
    def opened(_: str) -> Iterator[Shop]:
        yield shop

    return opened


def bench_refill(sizes: Sizes, work: Path, template: Path) -> list[Row]:
    seeds = [11 + n for n in range(sizes.runs)]
    results: dict[str, list[Outcome]] = {}
    for mode in MODES:
        for seed in seeds:
            outcome = simulate(mode, sizes, seed, work, template)
            results.setdefault(mode, []).append(outcome)
            print(f"  refill {mode} seed {seed}: {outcome}", file=sys.stderr, flush=True)
    rows = []
    auto = results["auto"]
    for mode, outcomes in results.items():
        refused = statistics.median(o.refusals for o in outcomes)
        waste = statistics.median(o.waste for o in outcomes)
        calls = statistics.median(o.api_calls for o in outcomes)
        ratio = (
            ""
            if mode == "auto"
            else f"; auto/this waste {statistics.median(a.waste for a in auto) / waste:.2f}×"
            if waste
            else ""
        )
        rows.append(
            Row(
                name=f"simulated campaign, {sizes.creators:,} creators, {mode}",
                figure=f"{refused:,.0f} refused, {waste:.1%} waste, {calls:,.0f} API calls",
                target="0 refused, waste < 10 %" if mode == "auto" else "baseline",
                met=(refused == 0 and waste < WASTE_TARGET) if mode == "auto" else None,
                runs=len(outcomes),
                detail="runs: "
                + ", ".join(
                    f"{o.refusals} refused/{o.waste:.1%}/{o.api_calls} calls/"
                    f"{o.refills} refills/{o.seconds:.0f} s"
                    for o in outcomes
                )
                + ratio,
            )
        )
    return rows


MODES = ("auto", "upfront", "guess")
BENCHMARKS = (("refill", bench_refill),)
ROWS = len(MODES)  # one row per mode


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """The simulated campaign in every mode (unless ``only`` leaves it out); one row per mode."""
    if only and "refill" not in only:
        return []
    sizes = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="promosync-bench-refill-") as tmp:
        work = Path(tmp)
        rows = bench_refill(sizes, work, fixtures.migrated_sqlite_template(work))
    print("  done: refill", file=sys.stderr, flush=True)
    return rows
