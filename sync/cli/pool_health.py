"""``incentives refill``, ``sync refill|leaks|expiry|notify``: keeping pools healthy.

The ``sync`` commands run once what the worker runs on a schedule.
"""

from __future__ import annotations

import click

from sync import expiry, leaks, notify, refill
from sync.cli.app import App, pass_app
from sync.wording import plural


@click.command("refill")
@click.argument("incentive", metavar="CAMPAIGN/INCENTIVE")
@click.option("--below", type=int, help="Refill when fewer than N codes can be handed out.")
@click.option("--batch", type=int, help="Codes to generate per refill.")
@click.option("--prefix", help="Prefix of the generated codes, e.g. SUMMER-.")
@click.option(
    "--max-per-day",
    type=int,
    help=f"At most K codes generated in any 24 hours (default {refill.DEFAULT_MAX_PER_DAY:,}).",
)
@click.option(
    "--auto",
    is_flag=True,
    help="Low-water mark from the pipeline: participants before the release stage + margin.",
)
@click.option("--off", is_flag=True, help="Stop refilling this pool.")
@pass_app
def incentives_refill(
    app: App,
    incentive: str,
    below: int | None,
    batch: int | None,
    prefix: str | None,
    max_per_day: int | None,
    auto: bool,
    off: bool,
) -> None:
    """Refill a store-linked pool automatically: generate codes in the store before it runs
    out (checked by the worker, or once with `promosync sync refill`)."""
    settings = refill.set_refill(
        app.db,
        incentive,
        below=below,
        batch=batch,
        prefix=prefix,
        max_per_day=max_per_day,
        auto=auto,
        off=off,
    )
    if settings.mode == refill.OFF:
        text = f"Refill of {incentive} is off."
    elif settings.mode == refill.AUTO:
        text = (
            f"{incentive} refills automatically: below the participants waiting plus a margin, "
            f"at most {settings.max_per_day:,} codes a day."
        )
    else:
        text = (
            f"{incentive} refills {plural(settings.batch or 0, 'code')} when fewer than "
            f"{settings.below:,} are left, at most {settings.max_per_day:,} a day."
        )
    app.emit({"incentive": incentive, **settings.as_dict()}, text)


@click.command("refill")
@pass_app
def sync_refill(app: App) -> None:
    """Check every pool with refill on once and refill those below their mark."""
    result = refill.refill_check(app.db, app.config)
    lines = [
        f"{o.incentive}: {o.available:,} available, mark {o.low_water:,}: {o.action}"
        + (f" ({plural(o.created, 'code')} created)" if o.created else "")
        + (f": {o.error}" if o.error else "")
        for o in result.outcomes
    ] or ["No pool has refill on: set one with `promosync incentives refill`."]
    app.emit(result, "\n".join(lines))
    if result.count("failed"):
        raise click.exceptions.Exit(1)


@click.command("leaks")
@pass_app
def sync_leaks(app: App) -> None:
    """Detect leaked codes from the stored orders and carry out disable_and_reissue."""
    result = leaks.leak_check(app.db, app.config)
    app.emit(
        result,
        f"{plural(result.detected, 'leaked code')} found, {result.reissued:,} reissued"
        + (f", {result.waiting:,} waiting (see `promosync events`)" if result.waiting else ""),
    )


@click.command("expiry")
@pass_app
def sync_expiry(app: App) -> None:
    """Warn (event code.expiring) about creators holding a code that ends soon."""
    result = expiry.expiry_check(app.db, app.config)
    queued = f" {plural(result.messages, 'message')} queued." if result.messages else ""
    app.emit(
        result, f"{plural(result.warned, 'creator')} newly warned about expiring codes.{queued}"
    )


@click.command("notify")
@pass_app
def sync_notify(app: App) -> None:
    """Send alert events not sent yet to the [notify] url."""
    if app.config.notify.url is None:
        app.emit(
            {"sent": 0, "refused": 0, "stopped": False},
            "No [notify] url is configured (see config.example.toml).",
        )
        return
    result = notify.notify_events(app.db, app.config)
    app.emit(
        result,
        f"{plural(result.sent, 'alert')} sent"
        + (f", {result.refused:,} refused by the receiver" if result.refused else "")
        + ("; the receiver kept failing, the next run goes on" if result.stopped else ""),
    )
    if result.stopped:
        raise click.exceptions.Exit(1)


def register(cli: click.Group) -> None:
    incentives, sync_group = cli.commands["incentives"], cli.commands["sync"]
    assert isinstance(incentives, click.Group) and isinstance(sync_group, click.Group)
    incentives.add_command(incentives_refill)
    for command in (sync_refill, sync_leaks, sync_expiry, sync_notify):
        sync_group.add_command(command)
