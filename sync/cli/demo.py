"""``promosync demo``"""

from __future__ import annotations

import click

from sync import demo


@click.command("demo")
@click.option(
    "--db-file",
    default=demo.DEMO_DB_FILE,
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
def command(db_file: str) -> None:
    """Run a whole promo-code incentive end to end on a fresh SQLite file."""
    demo.run(db_file, say=click.echo)


def register(cli: click.Group) -> None:
    cli.add_command(command)
