"""``promosync db ...``"""

from __future__ import annotations

import click

from store import migrate
from sync.cli.app import App, pass_app


@click.group("db")
def group() -> None:
    """Database schema."""


@group.command("upgrade")
@pass_app
def upgrade(app: App) -> None:
    """Create or migrate the schema to this version (safe to run again)."""
    db = app.raw_db
    before = migrate.current_revision(db)
    migrate.upgrade(db)
    after = migrate.current_revision(db)
    app.emit(
        {"database": db.info.location, "from": before, "to": after},
        f"Database {db.info.location}: schema {before or 'none'} → {after}.",
    )


@group.command("status")
@pass_app
def status(app: App) -> None:
    """Show the schema revision and whether an upgrade is needed."""
    db = app.raw_db
    current, head = migrate.current_revision(db), migrate.head_revision()
    app.emit(
        {
            "database": db.info.location,
            "current": current,
            "head": head,
            "up_to_date": current == head,
        },
        f"Database {db.info.location}: at {current or 'no schema'}, code needs {head}"
        + ("" if current == head else " — run `promosync db upgrade`"),
    )


def register(cli: click.Group) -> None:
    cli.add_command(group)
