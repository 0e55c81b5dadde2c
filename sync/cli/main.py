"""``promosync``: the command line.

Exit status 0 success, 1 domain refusal, 2 bad usage / configuration / malformed argument,
3 an unexpected error (details in the log file, never on the terminal).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from store.db import StoreError
from store.migrate import SchemaOutOfDate
from sync.cli import (
    campaigns,
    codes,
    creators,
    database,
    demo,
    events,
    incentives,
    messages,
    pool_health,
    report,
    run,
    serve,
    shared,
    stores,
    webhooks,
)
from sync.cli.app import App
from sync.cli.logs import LogSession
from sync.errors import DomainError, UsageError
from sync.money import InvalidCurrency, InvalidMoney

EXIT_OK, EXIT_DOMAIN, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: Domain-side errors that are really a malformed argument (an amount, a currency): exit 2.
MALFORMED_ARGUMENT: tuple[type[Exception], ...] = (InvalidMoney, InvalidCurrency)


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
@click.option(
    "-v", "--verbose", count=True, help="Show progress details on stderr (-vv: debugging output)."
)
@click.option(
    "--log-file",
    metavar="FILE",
    help="Log file (else log_file in the config, else "
    "$XDG_STATE_HOME/promosync/promosync.log, by default under ~/.local/state).",
)
@click.version_option(package_name="promosync")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    db_url: str | None,
    as_json: bool,
    verbose: int,
    log_file: str | None,
) -> None:
    """Promo-code incentives for influencer campaigns, on your own store."""
    app = ctx.ensure_object(App)
    app.config_path, app.db_url = config_path, db_url
    app.as_json = app.as_json or as_json
    if app.log is not None:
        app.log.close()
    app.log = LogSession(Path(log_file).expanduser() if log_file else None, verbose)


for module in (
    campaigns,
    incentives,
    codes,
    creators,
    events,
    messages,
    report,
    database,
    demo,
    stores,
    webhooks,
    pool_health,
    serve,
    run,
):
    module.register(cli)
shared.finish(cli)


def _exit_status(error: Exception) -> int:
    """1 for a refusal by the rules or the database, 2 for malformed input or configuration."""
    if isinstance(error, StoreError):
        return error.exit_code
    usage = not isinstance(error, DomainError) or isinstance(error, MALFORMED_ARGUMENT)
    return EXIT_USAGE if usage else EXIT_DOMAIN


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become one line on stderr (or JSON) and an exit status.

    No traceback reaches the terminal: an unexpected error is logged with its details to the
    log file (:mod:`sync.cli.logs`), and the user is told where.
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    app = App()
    try:
        return _run(args, app)
    finally:
        if app.log is not None:
            app.log.close()


def _run(args: list[str], app: App) -> int:
    try:
        result = cli.main(args=args, prog_name="promosync", standalone_mode=False, obj=app)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        if _json_wanted(app, args):
            _echo_json_error("UsageError", error.format_message())
        else:
            error.show()
        return EXIT_USAGE
    except (DomainError, UsageError, SchemaOutOfDate, StoreError) as error:
        _report(app, args, type(error).__name__, str(error))
        return _exit_status(error)
    except Exception as error:  # a bug or an unmapped failure: details go to the log only
        return _unexpected(app, args, error)
    # click returns the exit code of click.exceptions.Exit (e.g. a bulk move with refusals)
    return result if isinstance(result, int) else EXIT_OK


def _unexpected(app: App, args: list[str], error: Exception) -> int:
    if app.log is None:  # failed before the options were read
        app.log = LogSession()
    log = app.log
    if log.log_unexpected(error):
        where = f"the details are in {log.path}; please include them when you report it"
    else:
        where = (
            f"the details could not be written to {log.path} ({log.file.failure}): "
            f"run it again with --log-file FILE"
        )
    message = f"Unexpected error ({type(error).__name__}): {where}"
    if _json_wanted(app, args):
        _echo_json_error("InternalError", message, log_file=log.path)
    else:
        click.echo(f"error: {message}", err=True)
    return EXIT_INTERNAL


def _json_wanted(app: App, args: list[str]) -> bool:
    # Before the options are parsed (a usage error), the flag itself is the best guess.
    return app.as_json or "--json" in args


def _report(app: App, args: list[str], kind: str, message: str) -> None:
    if _json_wanted(app, args):
        _echo_json_error(kind, message)
    else:
        click.echo(f"error: {message}", err=True)


def _echo_json_error(kind: str, message: str, **extra: str) -> None:
    click.echo(json.dumps({"error": {"kind": kind, "message": message, **extra}}))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
