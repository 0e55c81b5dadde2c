"""``promosync demo``"""

from __future__ import annotations

from pathlib import Path

import click

from sync import campaigns, demo
from sync.cli.app import App, pass_app


@click.command("demo")
@click.option(
    "--db-file",
    default=demo.DEMO_DB_FILE,
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
@click.option(
    "--platform",
    type=click.Choice(sorted(demo.LOCAL_STORES)),
    default="shopify",
    show_default=True,
    help="Which bundled local shop to run against.",
)
@pass_app
def command(app: App, db_file: str, platform: str) -> None:
    """Run a whole promo-code incentive end to end on a fresh SQLite file.

    With --json the narrative comes as a list of lines, with the database to explore
    afterwards (e.g. promosync --db URL report summer).
    """
    if not app.as_json:
        demo.run(db_file, say=click.echo, platform=platform)
        return
    said: list[str] = []
    db = demo.run(db_file, say=lambda text: said.extend(text.splitlines()), platform=platform)
    app.emit(
        {
            "database": str(Path(db_file).resolve()),
            "database_url": db.url,
            "campaigns": [c.key for c in campaigns.list_all(db)],
            "steps": said,
        }
    )
    db.dispose()


def register(cli: click.Group) -> None:
    cli.add_command(command)
