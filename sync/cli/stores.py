"""``promosync stores ...``, ``promosync sync ...``, ``incentives link``, ``codes generate``."""

from __future__ import annotations

import click

from integrations.ports import SourceRef
from sync.cli import sync_status
from sync.cli.app import App, pass_app
from sync.cli.progress import progress_bar
from sync.errors import UsageError
from sync.shops import open_shop, webhook_intakes
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
    """Connect and show the shop, its currency, the API (and WooCommerce) version, and what the
    credentials may do: Shopify scopes, WooCommerce read/write (missing ones named).

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
        subscribed = shop.webhook_subscriptions()
    intake = webhook_intakes().get(info.platform)
    ours = intake.topics if intake is not None else frozenset()
    webhooks = {
        "subscribed": sorted({s.topic for s in subscribed if s.topic in ours}),
        "missing": sorted(ours - {s.topic for s in subscribed}),
    }

    def text() -> str:
        lines = [
            f"Store '{store_name}': {info.name} ({info.domain}), "
            f"{info.platform} API {info.api_version}, "
            f"currency {info.currency}",
            "Granted: " + (", ".join(sorted(info.granted_scopes)) or "none"),
        ]
        if info.missing_scopes:
            lines.append(
                "MISSING: "
                + ", ".join(sorted(info.missing_scopes))
                + " — grant them in the store admin (Shopify: the app's access scopes, then "
                "reinstall; WooCommerce: a key with Read/Write permission)"
            )
        lines.append(
            "Webhooks subscribed: "
            + (", ".join(webhooks["subscribed"]) or "none")
            + (
                f" (not subscribed: {', '.join(webhooks['missing'])}; "
                f"see `promosync stores subscribe {store_name} --url URL`)"
                if webhooks["missing"]
                else ""
            )
        )
        return "\n".join(lines)

    app.emit({"store": store_name, **info.__dict__, "webhooks": webhooks}, text)
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


#: The options that name a code source, and the SourceRef field each fills.
SOURCE_OPTIONS = {
    "--discount-id": "discount_id",
    "--discount-code": "discount_code",
    "--coupon-prefix": "prefix",
    "--coupon-ids": "code_ids",
}


@click.command("link")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option(
    "--store",
    "store_name",
    help="Store name (default: the only store whose platform takes the option given).",
)
@click.option(
    "--discount-id", help="Shopify: the discount's id, e.g. gid://shopify/DiscountCodeNode/123."
)
@click.option("--discount-code", help="Shopify: any code of the discount.")
@click.option(
    "--coupon-prefix",
    help="WooCommerce: the coupons whose code starts with PREFIX (any case), e.g. summer-.",
)
@click.option("--coupon-ids", help="WooCommerce: these coupons, by id, e.g. 12,13,14.")
@click.option(
    "--template-coupon",
    help="WooCommerce: a coupon whose settings `codes generate` copies (amount, type, "
    "limits, expiry, restrictions).",
)
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
    coupon_prefix: str | None,
    coupon_ids: str | None,
    template_coupon: str | None,
    force: bool,
) -> None:
    """Link an incentive's pool to a code source in a store: a Shopify code discount,
    or WooCommerce coupons chosen by code prefix or by id.

    Codes already in the pool are checked against the source first; linking
    is refused when some are missing, unless --force.
    """
    given = {
        option: value
        for option, value in zip(
            SOURCE_OPTIONS, (discount_id, discount_code, coupon_prefix, coupon_ids), strict=True
        )
        if value is not None
    }
    if len(given) != 1:
        raise UsageError(
            "Name the code source one way: --discount-id GID or --discount-code CODE "
            "(Shopify), --coupon-prefix PREFIX or --coupon-ids ID,ID (WooCommerce)"
        )
    ((option, value),) = given.items()
    if not value.strip():
        raise UsageError(
            f"{option} is empty: give the discount's id (e.g. gid://shopify/DiscountCodeNode/123) "
            f"or one of its codes, or the coupons' code prefix or ids"
        )
    if template_coupon is not None and not template_coupon.strip():
        raise UsageError("--template-coupon is empty: give the code of an existing coupon")
    kind = SOURCE_OPTIONS[option]
    ids = tuple(part.strip() for part in value.split(",") if part.strip())
    source_ref = SourceRef(
        discount_id=discount_id,
        discount_code=discount_code,
        prefix=coupon_prefix,
        code_ids=ids if kind == "code_ids" else (),
        template_code=template_coupon,
    )
    name = stores.for_incentive(app.db, app.config, incentive, store_name, kind, option)
    with open_shop(app.config, name) as (_, shop):
        result = link.link(app.db, shop, name, incentive, source_ref, force=force)
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
    sync_group.add_command(sync_status.status_)
    cli.add_command(stores_group)
    cli.add_command(sync_group)
    incentives = cli.commands["incentives"]
    codes = cli.commands["codes"]
    assert isinstance(incentives, click.Group) and isinstance(codes, click.Group)
    incentives.add_command(link_)
    codes.add_command(generate_)
