"""``promosync stores ...``, ``promosync sync ...``, ``incentives link``, ``codes generate``."""

from __future__ import annotations

import click

from integrations.ports import SourceRef
from sync.cli.app import App, pass_app
from sync.cli.progress import progress_bar
from sync.errors import UsageError
from sync.shops import open_shop
from sync.shopsync import common, generate, link, orders, pull, revoke, usage

REQUIRED_SCOPES = ("read_discounts", "write_discounts", "read_orders")


@click.group("stores")
def stores_group() -> None:
    """The merchant's stores (configured in [stores.NAME])."""


@stores_group.command("check")
@click.argument("name", required=False)
@pass_app
def check(app: App, name: str | None) -> None:
    """Connect and show the shop, API version and granted scopes (missing ones named)."""
    with open_shop(app.config, name) as (store_name, shop):
        info = shop.check()

    def text() -> str:
        lines = [
            f"Store '{store_name}': {info.name} ({info.domain}), "
            f"{info.platform} API {info.api_version}, "
            f"currency {info.currency}",
            "Granted scopes: " + (", ".join(sorted(info.granted_scopes)) or "none"),
        ]
        if info.missing_scopes:
            lines.append(
                "MISSING scopes: "
                + ", ".join(sorted(info.missing_scopes))
                + " — grant them to the app in the store admin and reinstall"
            )
        return "\n".join(lines)

    app.emit({"store": store_name, **info.__dict__}, text)
    if info.missing_scopes:
        raise click.exceptions.Exit(2)


@click.group("sync")
def sync_group() -> None:
    """One-off syncs with the stores (the daemon runs these on a schedule)."""


@sync_group.command("pull")
@click.argument("incentive", metavar="[CAMPAIGN/INCENTIVE]", required=False)
@click.option("--store", "store_name", help="Store name (default: the only one).")
@pass_app
def pull_(app: App, incentive: str | None, store_name: str | None) -> None:
    """Pull every code of the linked discounts into their pools (fails on partial data).

    The same sync first disables the codes of creators dropped under
    ``on_drop = disable`` (see ``sync revoke``).
    """
    results = []
    with open_shop(app.config, store_name) as (name, shop):
        revoked = revoke.revoke_dropped(app.db, shop, name)
        for target in common.targets(app.db, name, incentive):
            with progress_bar(app, f"pulling {target.ref}") as advance:
                results.append(pull.pull(app.db, shop, target, advance))
    if revoked.revoked and not app.as_json:
        click.echo(f"{revoked.revoked} codes of dropped creators disabled and marked revoked")
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.incentive}: {r.fetched} codes in the store ({r.expected} expected), "
                f"{r.new} new, "
                f"{r.skipped} skipped, {r.quarantined} quarantined, "
                f"{r.flagged} released codes gone "
                f"from the store; discount {r.source_status}"
                for r in results
            )
            or "No incentives are linked to this store."
        ),
    )


@sync_group.command("usage")
@click.argument("incentive", metavar="[CAMPAIGN/INCENTIVE]", required=False)
@click.option("--store", "store_name", help="Store name (default: the only one).")
@pass_app
def usage_(app: App, incentive: str | None, store_name: str | None) -> None:
    """Record how often each released code was used."""
    with open_shop(app.config, store_name) as (name, shop):
        results = [
            usage.refresh_usage(app.db, shop, target)
            for target in common.targets(app.db, name, incentive)
        ]
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.incentive}: {r.observed} of {r.codes} released codes observed, "
                f"{r.redeemed} redeemed"
                for r in results
            )
            or "No incentives are linked to this store."
        ),
    )


@sync_group.command("orders")
@click.option("--store", "store_name", help="Store name (default: the only one).")
@pass_app
def orders_(app: App, store_name: str | None) -> None:
    """Pull orders that used pool codes (incremental) for revenue attribution."""
    with (
        open_shop(app.config, store_name) as (name, shop),
        progress_bar(app, "orders") as advance,
    ):
        result = orders.pull_orders(app.db, shop, name, progress=advance)
    app.emit(
        result,
        f"{result.store}: {result.seen} orders with codes since "
        f"{result.since:%Y-%m-%d %H:%M}, {result.stored} used pool codes ({result.new} new)",
    )


@sync_group.command("revoke")
@click.option("--store", "store_name", help="Store name (default: the only one).")
@pass_app
def revoke_(app: App, store_name: str | None) -> None:
    """Disable in the store the codes of creators dropped under on_drop = disable."""
    with open_shop(app.config, store_name) as (name, shop):
        result = revoke.revoke_dropped(app.db, shop, name)
    app.emit(result, f"{result.store}: {result.revoked} codes disabled and marked revoked")


@click.command("link")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option("--store", "store_name", help="Store name (default: the only one).")
@click.option("--discount-id", help="The discount's id, e.g. gid://shopify/DiscountCodeNode/123.")
@click.option("--discount-code", help="Any code of the discount.")
@pass_app
def link_(
    app: App,
    incentive: str,
    store_name: str | None,
    discount_id: str | None,
    discount_code: str | None,
) -> None:
    """Link an incentive's pool to a code discount in a store."""
    if (discount_id is None) == (discount_code is None):
        raise UsageError("Name the discount one way: --discount-id GID or --discount-code CODE")
    with open_shop(app.config, store_name) as (name, shop):
        result = link.link(
            app.db,
            shop,
            name,
            incentive,
            SourceRef(discount_id=discount_id, discount_code=discount_code),
        )
    app.emit(
        result,
        f"Linked {incentive} to {result.title!r} ({result.status}, "
        f"{result.code_count} codes) in store '{name}'. "
        f"Pull its codes with `promosync sync pull {incentive}`.",
    )


@click.command("generate")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option("--count", type=int, required=True, help="How many new codes.")
@click.option("--prefix", default="", help="Code prefix, e.g. SUMMER-.")
@click.option("--store", "store_name", help="Store name (default: the only one).")
@pass_app
def generate_(app: App, incentive: str, count: int, prefix: str, store_name: str | None) -> None:
    """Create new random codes in the linked store discount and pull them into the pool."""
    with open_shop(app.config, store_name) as (name, shop):
        (target,) = common.targets(app.db, name, incentive)
        with progress_bar(app, f"creating codes in {name}", count) as advance:
            result = generate.generate(
                app.db, shop, target, count, prefix=prefix, progress=advance
            )
    app.emit(
        result,
        f"Created {result.created} codes in {incentive} ({result.rounds} rounds); "
        f"the pool now has {result.pull.new if result.pull else 0} new codes.",
    )


def register(cli: click.Group) -> None:
    cli.add_command(stores_group)
    cli.add_command(sync_group)
    incentives = cli.commands["incentives"]
    codes = cli.commands["codes"]
    assert isinstance(incentives, click.Group) and isinstance(codes, click.Group)
    incentives.add_command(link_)
    codes.add_command(generate_)
