"""``promosync messages send|deliver|outbox|retry``: the outbox and its delivery."""

from __future__ import annotations

import click

from sync import outbox
from sync.cli.app import App, pass_app
from sync.config import require_smtp
from sync.delivery import deliver_outbox


@click.command("send")
@click.argument("campaign")
@click.argument("name")
@click.argument("handles", nargs=-1)
@click.option("--stage", metavar="STAGE", help="Everyone now at this stage.")
@click.option("--dry-run", is_flag=True, help="Only say who would get it.")
@pass_app
def send(
    app: App, campaign: str, name: str, handles: tuple[str, ...], stage: str | None, dry_run: bool
) -> None:
    """Queue a template for creators by hand (those who already have it are skipped)."""
    report = outbox.send(
        app.db, campaign, name, list(handles), stage=stage, dry_run=dry_run, config=app.config
    )

    def text() -> str:
        lines = [f"{o.handle}: {o.result.replace('_', ' ')}" for o in report.outcomes]
        lines += [f"warning: {o.handle}: {w}" for o in report.outcomes for w in o.warnings]
        return "\n".join([*lines, report.summary])

    app.emit({"summary": report.summary, **vars(report)}, text)


@click.command("deliver")
@pass_app
def deliver(app: App) -> None:
    """Send the messages due now over SMTP ([smtp] in the config), once."""
    require_smtp(app.config)
    result = deliver_outbox(app.db, app.config)
    app.emit({"summary": result.summary, **vars(result)}, result.summary)
    if result.stopped:
        raise click.exceptions.Exit(1)


@click.command("outbox")
@click.option("--failed", is_flag=True, help="Only failed and ambiguous messages.")
@click.option("--campaign", metavar="CAMPAIGN", help="Only this campaign's messages.")
@click.option("--limit", default=100, show_default=True, help="Newest N (0: all).")
@pass_app
def list_outbox(app: App, failed: bool, campaign: str | None, limit: int) -> None:
    """Messages in the outbox, newest first, with their status and last error."""
    rows = outbox.listing(app.db, failed_only=failed, campaign_key=campaign, limit=limit)

    def text() -> str:
        if not rows:
            return "No failed or ambiguous messages." if failed else "The outbox is empty."
        lines = []
        for r in rows:
            when = f" next try {r.next_attempt_at:%Y-%m-%d %H:%M}" if r.next_attempt_at else ""
            lines.append(
                f"{r.id:>6}  {r.status:<9}  {r.campaign}/{r.template} → {r.handle} "
                f"<{r.recipient or 'no address'}>  attempts {r.attempts}{when}"
            )
            if r.last_error and r.status != "sent":
                lines.append(f"        {r.last_error}")
        return "\n".join(lines)

    app.emit(rows, text)


@click.command("retry")
@click.argument("message_id", type=int)
@pass_app
def retry(app: App, message_id: int) -> None:
    """Queue a failed or ambiguous message again (an ambiguous one may then arrive twice)."""
    retried = outbox.retry(app.db, message_id)
    app.emit(
        retried,
        f"Message {retried.id} ({retried.previous_status}) queued again for {retried.recipient}: "
        "`promosync messages deliver` (or the worker) sends it.",
    )


def register(group: click.Group) -> None:
    for command in (send, deliver, list_outbox, retry):
        group.add_command(command)
