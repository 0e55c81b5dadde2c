"""``promosync messages ...``"""

from __future__ import annotations

from pathlib import Path

import click

from sync import messages
from sync.cli.app import App, pass_app
from sync.errors import UsageError


def _template(text: str | None, path: str | None) -> str:
    if (text is None) == (path is None):
        raise UsageError("Give the template one way: --template TEXT or --file PATH")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"Cannot read template {path}: {error.strerror}") from None
    assert text is not None
    return text


@click.group("messages")
def group() -> None:
    """Message templates with merge tags such as {{first_name}} and {{promo_code}}."""


@group.command("render")
@click.argument("campaign")
@click.argument("handle")
@click.option("--template", "text", help="Template text.")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Template file.")
@pass_app
def render(app: App, campaign: str, handle: str, text: str | None, path: str | None) -> None:
    """Render a template for one creator, as they would receive it now."""
    rendered = messages.render(app.db, campaign, handle, _template(text, path), config=app.config)
    app.emit(
        rendered, lambda: "\n".join([rendered.text, *(f"warning: {w}" for w in rendered.warnings)])
    )


@group.command("check")
@click.argument("campaign")
@click.option("--template", "text", help="Template text.")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Template file.")
@click.option("--send-on", metavar="STAGE", help="Stage whose entry would send it.")
@pass_app
def check(app: App, campaign: str, text: str | None, path: str | None, send_on: str | None) -> None:
    """Validate a template's merge tags and warn about codes that would render blank."""
    warnings = messages.check(app.db, campaign, _template(text, path), send_on_stage=send_on)
    app.emit(
        {"valid": True, "warnings": warnings},
        lambda: "\n".join(["Template is valid.", *(f"warning: {w}" for w in warnings)]),
    )


def register(cli: click.Group) -> None:
    cli.add_command(group)
