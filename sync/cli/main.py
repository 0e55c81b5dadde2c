"""``promosync``: the command line. Exit status 0 success, 1 domain error, 2 usage/config."""

from __future__ import annotations

import json
import sys

import click

from store.db import StoreError
from store.migrate import SchemaOutOfDate
from sync.cli import (
    campaigns,
    codes,
    creators,
    database,
    demo,
    incentives,
    messages,
    report,
    stores,
)
from sync.cli.app import App
from sync.errors import DomainError, UsageError

EXIT_OK, EXIT_DOMAIN, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Config file (else $PROMOSYNC_CONFIG, else ./promosync.toml).",
)
@click.option(
    "--db", "db_url", metavar="URL", help="Database URL; overrides database_url ($PROMOSYNC_DB)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
@click.version_option(package_name="promosync")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db_url: str | None, as_json: bool) -> None:
    """Promo-code incentives for influencer campaigns, on your own store."""
    ctx.obj = App(config_path=config_path, db_url=db_url, as_json=as_json)


for module in (campaigns, incentives, codes, creators, messages, report, database, demo, stores):
    module.register(cli)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr (or JSON) and an exit status."""
    as_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        result = cli.main(args=argv, prog_name="promosync", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        error.show()
        return EXIT_USAGE
    except (DomainError, UsageError, SchemaOutOfDate, StoreError) as error:
        code = EXIT_DOMAIN if isinstance(error, DomainError) else error.exit_code
        if as_json:
            click.echo(json.dumps({"error": {"kind": type(error).__name__, "message": str(error)}}))
        else:
            click.echo(f"error: {error}", err=True)
        return code
    # click returns the exit code of click.exceptions.Exit (e.g. a bulk move with refusals)
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
