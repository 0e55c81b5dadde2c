"""``promosync creators ...``"""

from __future__ import annotations

import click

from sync import config as config_module
from sync import creators, moves, portal
from sync.cli.app import App, pass_app
from sync.errors import UsageError
from sync.fields import check_handle
from sync.report_render import Column, render_table


@click.group("creators")
def group() -> None:
    """Creators in a campaign: add, list, move through stages, see what they see."""


@group.command("add")
@click.argument("campaign")
@click.argument("handle")
@click.option("--email", help="Where messages go.")
@click.option("--first-name", help="For {{first_name}} in messages.")
@pass_app
def add(app: App, campaign: str, handle: str, email: str | None, first_name: str | None) -> None:
    """Add a creator to a campaign (they start in candidates)."""
    handle = check_handle(handle)  # echo the handle as stored (@maya → maya)
    stage = creators.add(app.db, campaign, handle, email=email, first_name=first_name)
    app.emit(
        {"campaign": campaign, "creator": handle, "stage": stage},
        f"Added '{handle}' to {campaign} at {stage}.",
    )


@group.command("move")
@click.argument("campaign")
@click.argument("handles", nargs=-1)
@click.option("--to", "target", required=True, metavar="STAGE", help="Target stage.")
@click.option("--from", "source", metavar="STAGE", help="Move everyone at this stage.")
@click.option("--dry-run", is_flag=True, help="Only say how many would move and codes needed.")
@pass_app
def move(
    app: App,
    campaign: str,
    handles: tuple[str, ...],
    target: str,
    source: str | None,
    dry_run: bool,
) -> None:
    """Move creators to a stage, releasing codes on the way (refused if a pool is empty)."""
    if bool(handles) == bool(source):
        raise UsageError("Name the creators to move, or use --from STAGE for everyone at a stage")
    if len(handles) == 1 and not dry_run:
        outcome = moves.move(app.db, campaign, handles[0], target, config=app.config)
        app.emit(outcome, lambda: _describe(outcome))
        return
    report = (
        moves.move_stage(app.db, campaign, source, target, dry_run=dry_run, config=app.config)
        if source
        else moves.move_many(
            app.db, campaign, list(handles), target, dry_run=dry_run, config=app.config
        )
    )
    app.emit(
        {
            "summary": report.summary,
            "outcomes": report.outcomes,
            "needed": report.needed,
            "available": report.available,
            "capacity": [c.as_dict() for c in report.capacity],
            "dry_run": report.dry_run,
        },
        lambda: "\n".join([*(_describe(o) for o in report.outcomes), report.summary]),
    )
    if report.count(moves.REFUSED) and not dry_run:
        raise click.exceptions.Exit(1)


def _describe(outcome: moves.MoveOutcome) -> str:
    if outcome.result == moves.REFUSED:
        return f"{outcome.handle}: refused — {outcome.error}"
    if outcome.result == moves.WOULD_REFUSE:
        return f"{outcome.handle}: {outcome.error}"
    if outcome.result == moves.UNCHANGED:
        return f"{outcome.handle}: already at {outcome.target}"
    verb = "would move" if outcome.result == moves.WOULD_MOVE else "moved"
    line = f"{outcome.handle}: {verb} {outcome.source} → {outcome.target}"
    if outcome.released:
        line += "; released " + ", ".join(f"{r.incentive} code {r.code}" for r in outcome.released)
    if outcome.revoke_requested:
        line += "; code to be disabled: " + ", ".join(outcome.revoke_requested)
    return line


@group.command("show")
@click.argument("campaign")
@click.argument("handle")
@pass_app
def show(app: App, campaign: str, handle: str) -> None:
    """What the creator sees: incentives, and their codes once released."""
    view = creators.view(app.db, campaign, handle)

    def text() -> str:
        lines = [f"{view.handle} in {view.campaign_name}: stage {view.stage} ({view.phase})"]
        for i in view.incentives:
            code = i.code if i.code else "(shown once they reach " + i.release_stage + ")"
            if i.revoked:
                code = "(revoked)"
            lines.append(f"  {i.description} — {i.status}; code: {code}")
        return "\n".join(lines)

    app.emit(view, text)


def _lifetime(expires: str | None) -> float | None:
    if expires is None:
        return None
    try:
        return config_module.link_lifetime(expires)
    except ValueError as error:
        raise UsageError(f"--expires '{expires}' {error}") from None


@group.command("link")
@click.argument("campaign")
@click.argument("handle")
@click.option(
    "--expires",
    metavar="DURATION",
    help="How long the link opens, e.g. 30d or 12h (default: [portal] link_expires, 30d).",
)
@click.option("--revoke", is_flag=True, help="Stop every link made so far (same as unlink).")
@pass_app
def link(app: App, campaign: str, handle: str, expires: str | None, revoke: bool) -> None:
    """Print a signed, expiring link to the creator's own page (served by `promosync serve`)."""
    if revoke:
        if expires is not None:
            raise UsageError("--expires makes no sense with --revoke: give one of them")
        _unlink(app, campaign, handle)
        return
    made = portal.link(app.db, app.config, campaign, handle, lifetime=_lifetime(expires))
    app.emit(made, made.url)
    if app.interactive:
        click.echo(
            f"Opens {made.handle}'s page until {made.expires_at:%Y-%m-%d %H:%M} UTC; "
            f"revoke with `promosync creators unlink {made.campaign} {made.handle}`.",
            err=True,
        )


@group.command("unlink")
@click.argument("campaign")
@click.argument("handle")
@pass_app
def unlink(app: App, campaign: str, handle: str) -> None:
    """Stop every page link made so far for the creator (a new `creators link` works again)."""
    _unlink(app, campaign, handle)


def _unlink(app: App, campaign: str, handle: str) -> None:
    revoked = portal.revoke(app.db, campaign, handle)
    app.emit(
        revoked,
        f"Every page link of '{revoked.handle}' in {revoked.campaign} made before now is "
        "revoked; `promosync creators link` makes a new one.",
    )


LIST_COLUMNS = (
    Column("handle", "Creator", "text"),
    Column("stage", "Stage", "text"),
    Column("phase", "Phase", "text"),
    Column("first_name", "First name", "text"),
    Column("email", "E-mail", "text"),
)


@group.command("list")
@click.argument("campaign")
@click.option("--stage", metavar="STAGE", help="Only the creators at this stage.")
@pass_app
def list_(app: App, campaign: str, stage: str | None) -> None:
    """The campaign's creators with their stage, in the order they joined."""
    found = creators.list_members(app.db, campaign, stage=stage)
    rows = [{c.key: getattr(m, c.key) for c in LIST_COLUMNS} for m in found]

    def text() -> str:
        if not rows:
            where = f" at {stage}" if stage else ""
            return f"No creators in {campaign}{where}."
        title = f"Creators of {campaign}" + (f" at {stage}" if stage else "")
        return render_table(f"{title}: {len(rows):,}", LIST_COLUMNS, rows)

    app.emit(found, text)


def register(cli: click.Group) -> None:
    cli.add_command(group)
