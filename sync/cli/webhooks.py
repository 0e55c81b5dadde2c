"""``stores subscribe / unsubscribe`` and ``sync inbox``: webhooks from the stores."""

from __future__ import annotations

import click

from store import inbox as inbox_store
from sync import subscriptions
from sync.cli.app import App, pass_app
from sync.inbox import process_inbox
from sync.shops import open_shop
from sync.wording import plural


@click.command("subscribe")
@click.argument("name")
@click.option("--url", required=True, help="Public address of POST /webhooks/PLATFORM.")
@click.option("--dry-run", is_flag=True, help="Show what would be subscribed; change nothing.")
@pass_app
def subscribe_(app: App, name: str, url: str, dry_run: bool) -> None:
    """Have store NAME send its webhooks to URL (only the topics not yet subscribed)."""
    with open_shop(app.config, name) as (store_name, shop):
        result = subscriptions.subscribe(shop, store_name, url, dry_run=dry_run)
    verb = "would subscribe" if dry_run else "subscribed"
    app.emit(
        result,
        lambda: (
            f"Store '{result.store}': {verb} {plural(len(result.created), 'topic')} to "
            f"{result.uri}"
            + (f" ({', '.join(result.created)})" if result.created else "")
            + f"; {plural(len(result.present), 'topic')} already subscribed"
        ),
    )


@click.command("unsubscribe")
@click.argument("name")
@pass_app
def unsubscribe_(app: App, name: str) -> None:
    """Remove store NAME's subscriptions to the topics promosync applies."""
    with open_shop(app.config, name) as (store_name, shop):
        result = subscriptions.unsubscribe(shop, store_name)
    app.emit(
        result,
        lambda: f"Store '{result.store}': removed {plural(len(result.removed), 'subscription')}",
    )


@click.command("inbox")
@click.option("--failed", "show_failed", is_flag=True, help="List the deliveries given up on.")
@pass_app
def inbox_(app: App, show_failed: bool) -> None:
    """Apply the webhook deliveries waiting in the inbox, once (the worker does it continuously).

    With --failed, list the deliveries that failed too often and were given up on.
    """
    if show_failed:
        with app.db.transaction() as tx:
            rows = inbox_store.failed(tx)
        app.emit(
            rows,
            lambda: (
                "\n".join(
                    f"{r.triggered_at:%Y-%m-%d %H:%M:%S} {r.store_name} {r.topic} "
                    f"(delivery {r.delivery_id}, {plural(r.attempts, 'attempt')}): {r.last_error}"
                    for r in rows
                )
                or "No failed deliveries."
            ),
        )
        return
    result = process_inbox(app.db, app.config)
    app.emit(
        result,
        lambda: (
            f"{plural(result.applied, 'delivery', 'deliveries')} applied, "
            f"{result.superseded:,} with nothing to change, {result.retrying:,} to retry, "
            f"{result.given_up:,} given up; {result.pending:,} pending, {result.failed:,} failed"
            + (" (see `promosync sync inbox --failed`)" if result.failed else "")
        ),
    )


def register(cli: click.Group) -> None:
    stores_group = cli.commands["stores"]
    sync_group = cli.commands["sync"]
    assert isinstance(stores_group, click.Group) and isinstance(sync_group, click.Group)
    stores_group.add_command(subscribe_)
    stores_group.add_command(unsubscribe_)
    sync_group.add_command(inbox_)
