"""``promosync stores ...``, ``promosync sync ...``, ``incentives link``, ``codes generate``."""

from __future__ import annotations

import click

from integrations.ports import SourceRef
from sync.cli.app import App, pass_app
from sync.cli.progress import progress_bar
from sync.errors import UsageError
from sync.shops import open_shop
from sync.shopsync import common, generate, jobs, link, orders, revoke, stores, usage
from sync.shopsync.runs import JobRunning, WaitForJob
from sync.wording import plural

STORE_HELP = "Store name (default: the incentive's own store, else every linked store)."
NOTHING_LINKED = "No incentives are linked to a store."
WAIT_HELP = (
    "When the same job (store, job, incentive) is already running, wait for it to end and "
    "then run, instead of exiting with status 1."
)
wait_option = click.option("--wait", is_flag=True, help=WAIT_HELP)


def _waiting(wait: bool) -> WaitForJob | None:
    """``--wait``: say once on stderr which run is waited for, then wait for it."""

    def notify(busy: JobRunning) -> None:
        click.echo(busy.waiting_line() + " ...", err=True)

    return WaitForJob(notify=notify) if wait else None


@click.group("stores")
def stores_group() -> None:
    """The merchant's stores (configured in [stores.NAME])."""


@stores_group.command("check")
@click.argument("name", required=False)
@pass_app
def check(app: App, name: str | None) -> None:
    """Connect and show the shop, API version and granted scopes (missing ones named).

    NAME is the store's [stores.NAME] table; it may be left out when only one is configured.
    """
    if name is None and len(app.config.stores) > 1:
        configured = sorted(app.config.stores)
        raise UsageError(
            f"{plural(len(configured), 'store')} are configured ({', '.join(configured)}): "
            f"name the one to check, e.g. `promosync stores check {configured[0]}`"
        )
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


def _progress_for(app: App) -> jobs.ProgressFor:
    return lambda label: progress_bar(app, label)


@sync_group.command("pull")
@click.argument("incentive", metavar="[CAMPAIGN/INCENTIVE]", required=False)
@click.option("--store", "store_name", help=STORE_HELP)
@wait_option
@pass_app
def pull_(app: App, incentive: str | None, store_name: str | None, wait: bool) -> None:
    """Pull every code of the linked discounts into their pools (fails on partial data).

    The same sync first disables the codes of creators dropped under
    on_drop = disable (see ``sync revoke``).
    """
    names = stores.for_command(app.db, app.config, incentive, store_name)
    outcomes = []
    for name in names:
        with open_shop(app.config, name) as (_, shop):
            outcomes.append(
                jobs.sync_pull(
                    app.db,
                    shop,
                    name,
                    incentive,
                    progress_for=_progress_for(app),
                    wait=_waiting(wait),
                )
            )
    revoked = sum(o.revoked for o in outcomes)
    results = [r for o in outcomes for r in o.pulls]
    if revoked and not app.as_json:
        click.echo(f"{plural(revoked, 'code')} of dropped creators disabled and marked revoked")
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.incentive}: {plural(r.fetched, 'code')} in the store "
                f"({r.expected:,} expected), {r.new:,} new, "
                f"{r.skipped:,} skipped, {r.quarantined:,} quarantined;\n"
                f"  {plural(r.flagged, 'released code')} gone "
                f"from the store; discount {r.source_status}"
                for r in results
            )
            or NOTHING_LINKED
        ),
    )


@sync_group.command("usage")
@click.argument("incentive", metavar="[CAMPAIGN/INCENTIVE]", required=False)
@click.option("--store", "store_name", help=STORE_HELP)
@wait_option
@pass_app
def usage_(app: App, incentive: str | None, store_name: str | None, wait: bool) -> None:
    """Record how often each released code was used."""
    names = stores.for_command(app.db, app.config, incentive, store_name)
    results: list[usage.UsageResult] = []
    for name in names:
        with open_shop(app.config, name) as (_, shop):
            results += jobs.sync_usage(app.db, shop, name, incentive, wait=_waiting(wait))
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.incentive}: {r.observed:,} of {plural(r.codes, 'released code')} "
                f"observed, {r.redeemed:,} redeemed"
                for r in results
            )
            or NOTHING_LINKED
        ),
    )


@sync_group.command("orders")
@click.option("--store", "store_name", help=STORE_HELP)
@wait_option
@pass_app
def orders_(app: App, store_name: str | None, wait: bool) -> None:
    """Pull orders that used pool codes (incremental) for revenue attribution."""
    results = []
    for name in stores.for_all_linked(app.db, app.config, store_name):
        with open_shop(app.config, name) as (_, shop), progress_bar(app, "orders") as advance:
            results.append(
                orders.pull_orders(app.db, shop, name, progress=advance, wait=_waiting(wait))
            )
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.store}: {plural(r.seen, 'order')} with codes since "
                f"{r.since:%Y-%m-%d %H:%M}, {plural(r.stored, 'used pool code')} "
                f"({r.new:,} new)"
                for r in results
            )
            or NOTHING_LINKED
        ),
    )


@sync_group.command("revoke")
@click.option("--store", "store_name", help=STORE_HELP)
@wait_option
@pass_app
def revoke_(app: App, store_name: str | None, wait: bool) -> None:
    """Disable in the store the codes of creators dropped under on_drop = disable."""
    results = []
    for name in stores.for_all_linked(app.db, app.config, store_name):
        with open_shop(app.config, name) as (_, shop):
            results.append(revoke.revoke_dropped(app.db, shop, name, wait=_waiting(wait)))
    app.emit(
        results,
        lambda: (
            "\n".join(
                f"{r.store}: {plural(r.revoked, 'code')} disabled and marked revoked"
                for r in results
            )
            or NOTHING_LINKED
        ),
    )


@click.command("link")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option(
    "--store", "store_name", help="Store name (default: the only Shopify store configured)."
)
@click.option("--discount-id", help="The discount's id, e.g. gid://shopify/DiscountCodeNode/123.")
@click.option("--discount-code", help="Any code of the discount.")
@click.option(
    "--force",
    is_flag=True,
    help="Link even if codes already in the pool are not in the discount "
    "(the next pull quarantines them).",
)
@pass_app
def link_(
    app: App,
    incentive: str,
    store_name: str | None,
    discount_id: str | None,
    discount_code: str | None,
    force: bool,
) -> None:
    """Link an incentive's pool to a code discount in a store.

    Codes already in the pool are checked against the discount first; linking
    is refused when some are missing, unless --force.
    """
    if (discount_id is None) == (discount_code is None):
        raise UsageError("Name the discount one way: --discount-id GID or --discount-code CODE")
    option, given = (
        ("--discount-id", discount_id)
        if discount_id is not None
        else ("--discount-code", discount_code)
    )
    if not (given or "").strip():
        raise UsageError(
            f"{option} is empty: give the discount's id (e.g. gid://shopify/DiscountCodeNode/123) "
            f"or one of its codes"
        )
    name = stores.for_incentive(app.db, app.config, incentive, store_name)
    with open_shop(app.config, name) as (_, shop):
        result = link.link(
            app.db,
            shop,
            name,
            incentive,
            SourceRef(discount_id=discount_id, discount_code=discount_code),
            force=force,
        )
    codes_in_discount = (
        plural(result.code_count, "code") if result.code_count is not None else "codes not counted"
    )
    forced = (
        f" {result.missing:,} of its {plural(result.pooled, 'pooled code')} "
        f"{'is' if result.missing == 1 else 'are'} not in the discount: "
        f"the pull quarantines them."
        if result.missing
        else ""
    )
    app.emit(
        result,
        f"Linked {incentive} to {result.title!r} ({result.status}, "
        f"{codes_in_discount}) in store '{name}'.{forced}\n"
        f"Pull its codes with `promosync sync pull {incentive}`.",
    )


@click.command("generate")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option("--count", type=int, required=True, help="How many new codes.")
@click.option("--prefix", default="", help="Code prefix, e.g. SUMMER-.")
@click.option("--store", "store_name", help="Store name (default: the incentive's own store).")
@wait_option
@pass_app
def generate_(
    app: App, incentive: str, count: int, prefix: str, store_name: str | None, wait: bool
) -> None:
    """Create new random codes in the linked store discount and pull them into the pool."""
    generate.check_request(count, prefix)
    target = common.target(app.db, incentive, store_name)
    with (
        open_shop(app.config, target.store_name) as (name, shop),
        progress_bar(app, f"creating codes in {name}", count) as advance,
    ):
        result = generate.generate(
            app.db, shop, target, count, prefix=prefix, progress=advance, wait=_waiting(wait)
        )
    leftovers = result.leftovers
    settled = (
        f"First settled {plural(leftovers.requested, 'code')} left over from an interrupted "
        f"run ({leftovers.created:,} now in the store). "
        if leftovers.requested
        else ""
    )
    app.emit(
        result,
        f"{settled}Created {plural(result.created, 'new code')} in {incentive} "
        f"({plural(result.rounds, 'round')}); the pull added "
        f"{plural(result.pull.new if result.pull else 0, 'code')} to the pool.",
    )


def register(cli: click.Group) -> None:
    cli.add_command(stores_group)
    cli.add_command(sync_group)
    incentives = cli.commands["incentives"]
    codes = cli.commands["codes"]
    assert isinstance(incentives, click.Group) and isinstance(codes, click.Group)
    incentives.add_command(link_)
    codes.add_command(generate_)
