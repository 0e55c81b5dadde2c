"""``promosync demo``: a whole promo-code incentive, start to finish, on a fresh SQLite file.

It runs what a merchant would do, against the bundled local Shopify or local
WooCommerce (real HTTP on loopback): codes made in the store are pulled into a pool, creators are
moved until the pool runs out (and the refusal that follows), more codes are
generated in the store, a creator's view and e-mail are shown, two creators buy with
their codes, one creator's code leaks to a coupon site and is disabled and reissued, the
pool refills itself in the store, and the report shows redemptions, revenue and ROI.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from integrations.ports import Shop, SourceRef
from integrations.sandbox.shopify import SandboxShop, serve
from store import migrate
from store.db import Database
from sync import (
    campaigns,
    creators,
    incentives,
    leaks,
    messages,
    moves,
    policies,
    refill,
    reports,
)
from sync.cli import report_view
from sync.config import Config, Secret, ShopifyShopConfig, WooShopConfig
from sync.errors import OutOfCodes
from sync.shops import open_shop
from sync.shopsync import common, generate, link, orders, pull, usage
from sync.wording import plural

DEMO_DB_FILE = "promosync-demo.db"
STORE_NAME = "main"
DEMO_SHOP_CODES = ("SUMMER-7KQ2MX", "SUMMER-R4HT9C", "SUMMER-PW3ZNB", "SUMMER-XE8DJU")
DEMO_CODE_PREFIX = "SUMMER-"
DEMO_WOO_TEMPLATE = "summer-kit-template"
DEMO_CREATORS = (
    ("maya.makes", "Maya"),
    ("leo_outdoors", "Leo"),
    ("ana.bakes", "Ana"),
    ("kofi.fits", "Kofi"),
    ("sam_travels", "Sam"),
    ("iris.reads", "Iris"),
)
DEMO_TEMPLATE = (
    "Hi {{first_name}}! Thanks for joining {{campaign_name}}.\n"
    "Your reward: {{incentive_description}}. Your personal code: {{promo_code}}"
)
#: (creator index, total, the shop's customer id): Maya orders twice, Ana once.
DEMO_ORDERS = (
    (0, Decimal("89.90"), 501),
    (0, Decimal("45.00"), 501),
    (2, Decimal("120.00"), 503),
)
#: Strangers who found Kofi's code on a coupon site.
LEAK_CREATOR, LEAK_CUSTOMERS = 3, (901, 902)
#: Every line the demo prints fits a terminal of this width (the report table too).
LINE_WIDTH = report_view.DEFAULT_WIDTH


@dataclass(frozen=True)
class LocalStore:
    """A local shop the demo runs against, and the merchant's hands on it."""

    platform: str  # "Shopify" | "WooCommerce", for the narrative
    source: str  # what the merchant made, e.g. "discount 'Summer kit 20% off'"
    config: Config
    ref: SourceRef
    place_order: Callable[[str, Decimal, int], object]  # code, total, the shop's customer id
    codes_in_store: Callable[[], int]
    holds_code: Callable[[str], bool]  # whether the store still takes the code


def run(
    path: str = DEMO_DB_FILE, say: Callable[[str], None] = print, platform: str = "shopify"
) -> Database:
    """Run the demo against a fresh SQLite file at ``path``; returns the database.

    ``platform`` names the local shop: ``"shopify"`` or ``"woocommerce"``.
    """
    say = _wrapped(say)
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    say(f"== A fresh database: {path}")
    with LOCAL_STORES[platform]() as local:
        say(
            f"== The merchant created {local.source} with {len(DEMO_SHOP_CODES)} codes in "
            f"their (local) {local.platform} admin"
        )
        with open_shop(local.config, STORE_NAME) as (store_name, shop):
            _set_up(db, shop, local, say)
            target = common.targets(db, store_name, "summer/kit")[0]
            result = pull.pull(db, shop, target)
            say(
                f"== Pulled the codes: {result.fetched} in {local.platform}, {result.new} new in "
                f"the pool (the codes stay secret until released)"
            )
            _move_everyone(db, say)
            made = generate.generate(db, shop, target, 3, prefix="SUMMER-")
            say(
                f"== Generated {made.created} more codes in {local.platform} and pulled them; "
                "moving the rest"
            )
            _move_everyone(db, say)
            _show_creator(db, say)
            for index, total, customer in DEMO_ORDERS:
                local.place_order(_code_of(db, index), total, customer)
            say(
                f"== {len(DEMO_ORDERS)} orders in {local.platform} used creators' codes; "
                "syncing usage and orders"
            )
            usage.refresh_usage(db, shop, target)
            orders.pull_orders(db, shop, store_name)
            _leak_and_refill(db, local, shop, store_name, say)
        say(f"   (the store now holds {local.codes_in_store()} codes of the pool's source)")
    say(report_view.render(reports.build(db, "summer")).rstrip("\n"))
    return db


def _wrapped(say: Callable[[str], None]) -> Callable[[str], None]:
    """``say`` with every line cut to ``LINE_WIDTH`` at spaces, continuations indented."""

    def wrapped(text: str) -> None:
        lines = []
        for line in text.splitlines() or [""]:
            if len(line) <= LINE_WIDTH:
                lines.append(line)
                continue
            indent = " " * (len(line) - len(line.lstrip()) + 2)
            lines.extend(
                textwrap.wrap(
                    line,
                    LINE_WIDTH,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
        say("\n".join(lines))

    return wrapped


@contextmanager
def _local_shopify() -> Iterator[LocalStore]:
    with SandboxShop(name="Sunny Outfitters") as sandbox, serve(sandbox) as server:
        discount = sandbox.create_code_discount("Summer kit 20% off", codes=DEMO_SHOP_CODES)
        yield LocalStore(
            platform="Shopify",
            source="discount 'Summer kit 20% off'",
            config=Config(
                stores={
                    STORE_NAME: ShopifyShopConfig(
                        platform="shopify",
                        shop=sandbox.domain,
                        access_token=Secret(server.access_token, key="access_token"),
                        admin_api_url=server.admin_api_url,
                    )
                }
            ),
            ref=SourceRef(discount_code=DEMO_SHOP_CODES[0]),
            place_order=lambda code, total, customer: sandbox.place_order(
                [code], total, customer_id=customer
            ),
            codes_in_store=lambda: len(sandbox.codes_of(discount)),
            holds_code=lambda code: sandbox.find_code(code) is not None,
        )


@contextmanager
def _local_woocommerce() -> Iterator[LocalStore]:
    from integrations.sandbox.woocommerce import SandboxWooShop
    from integrations.sandbox.woocommerce import serve as serve_woo

    sandbox = SandboxWooShop(name="Sunny Outfitters")
    for code in DEMO_SHOP_CODES:
        sandbox.add_coupon(code, "20", discount_type="percent", usage_limit=1)
    sandbox.add_coupon(DEMO_WOO_TEMPLATE, "20", discount_type="percent", usage_limit=1)
    with serve_woo(sandbox) as server:
        yield LocalStore(
            platform="WooCommerce",
            source=f"coupons starting with {DEMO_CODE_PREFIX} (and a template coupon)",
            config=Config(
                stores={
                    STORE_NAME: WooShopConfig(
                        platform="woocommerce",
                        url=server.base_url,
                        consumer_key=Secret(server.consumer_key, key="consumer_key"),
                        consumer_secret=Secret(server.consumer_secret, key="consumer_secret"),
                    )
                }
            ),
            ref=SourceRef(prefix=DEMO_CODE_PREFIX, template_code=DEMO_WOO_TEMPLATE),
            place_order=lambda code, total, customer: sandbox.place_order(
                [code], total, customer_id=customer
            ),
            holds_code=lambda code: _published(sandbox.coupon_by_code(code)),
            codes_in_store=lambda: sum(
                1
                for c in sandbox.coupons.values()
                if c.code.startswith(DEMO_CODE_PREFIX.lower()) and c.code != DEMO_WOO_TEMPLATE
            ),
        )


def _published(coupon: Any) -> bool:
    """Whether a local WooCommerce coupon is live (not in the trash)."""
    return coupon is not None and coupon.status == "publish"


#: The local shops the demo runs against, by ``--platform``.
LOCAL_STORES: dict[str, Callable[[], AbstractContextManager[LocalStore]]] = {
    "shopify": _local_shopify,
    "woocommerce": _local_woocommerce,
}


def _set_up(db: Database, shop: Shop, local: LocalStore, say: Callable[[str], None]) -> None:
    campaigns.create(db, "Summer launch", key="summer", currency="USD")
    incentives.add(
        db,
        "summer",
        key="kit",
        description="20% off the summer kit",
        value="25.00",
        cost="8.50",
        timing="pre_payment",
    )
    link.link(db, shop, STORE_NAME, "summer/kit", local.ref)
    say(
        "== Campaign 'summer', incentive 'kit' (value 25.00, cost 8.50, released at pre_payment), "
        f"linked to the {local.platform} {local.source.split(' (')[0]}"
    )
    campaigns.set_status(db, "summer", "active")
    for handle, first_name in DEMO_CREATORS:
        creators.add(
            db,
            "summer",
            handle,
            email=f"{handle.replace('.', '_')}@example.com",
            first_name=first_name,
        )
    say(f"== {len(DEMO_CREATORS)} creators added at 'candidates'")


def _move_everyone(db: Database, say: Callable[[str], None]) -> None:
    plan = moves.move_stage(db, "summer", "candidates", "pre_payment", dry_run=True)
    say(f"   dry run: {plan.summary}")
    for member in plan.outcomes:
        try:
            outcome = moves.move(db, "summer", member.handle, "pre_payment")
            got = ", ".join(f"{r.incentive} → {r.code}" for r in outcome.released)
            say(f"   {member.handle}: {outcome.source} → {outcome.target}, released {got}")
        except OutOfCodes as refused:
            say(f"   {member.handle}: REFUSED — {refused}")


def _code_of(db: Database, index: int) -> str:
    code = creators.view(db, "summer", DEMO_CREATORS[index][0]).incentives[0].code
    assert code is not None
    return code


def _leak_and_refill(
    db: Database, local: LocalStore, shop: Shop, store_name: str, say: Callable[[str], None]
) -> None:
    """A leaked code disabled and reissued, then the pool refilled in the store."""
    opener = _opener(shop)
    handle = DEMO_CREATORS[LEAK_CREATOR][0]
    leaked = _code_of(db, LEAK_CREATOR)
    policies.set_policy(db, "summer/kit", on_leak=policies.DISABLE_AND_REISSUE)
    for customer in LEAK_CUSTOMERS:
        local.place_order(leaked, Decimal("30.00"), customer)
    say(
        f"== {handle}'s code was posted on a coupon site: {len(LEAK_CUSTOMERS)} strangers used "
        f"it; policy on_leak = disable_and_reissue"
    )
    orders.pull_orders(db, shop, store_name)
    found = leaks.leak_check(db, Config(), opener=opener)
    say(
        f"   leak check: {plural(found.detected, 'leaked code')}, {found.reissued} reissued; "
        f"{leaked} is {'still' if local.holds_code(leaked) else 'gone'} in {local.platform}, "
        f"{handle} now holds {_code_of(db, LEAK_CREATOR)}"
    )
    refill.set_refill(db, "summer/kit", below=3, batch=5, prefix=DEMO_CODE_PREFIX)
    checked = refill.refill_check(db, Config(), opener=opener)
    for outcome in checked.outcomes:
        say(
            f"== Refill (below 3, batch 5): {outcome.available} codes left, "
            f"{plural(outcome.created, 'code')} made in {local.platform} and pooled"
        )


def _opener(shop: Shop) -> refill.ShopOpener:
    @contextmanager
    def opened(_: str) -> Iterator[Shop]:
        yield shop

    return opened


def _show_creator(db: Database, say: Callable[[str], None]) -> None:
    view = creators.view(db, "summer", DEMO_CREATORS[0][0])
    say(
        f"== What {view.handle} sees: "
        + "; ".join(f"{i.description} — {i.status}, code {i.code}" for i in view.incentives)
    )
    rendered = messages.render(db, "summer", DEMO_CREATORS[0][0], DEMO_TEMPLATE)
    say(
        "== The e-mail they get:\n"
        + "\n".join("   | " + line for line in rendered.text.splitlines())
    )
