"""``promosync messages ...``: templates (add, edit, list, remove, preview, check, render)."""

from __future__ import annotations

from pathlib import Path

import click

from sync import messages, templates
from sync.cli.app import App, pass_app
from sync.errors import UsageError


def read_text(path: str, what: str) -> str:
    """A UTF-8 file's text, or a usage error naming the file and the fix."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"The {what} {path} is not UTF-8 text: save it as UTF-8") from None
    except OSError as error:
        raise UsageError(f"Cannot read the {what} {path}: {error.strerror}") from None


def _template(text: str | None, path: str | None) -> str:
    if (text is None) == (path is None):
        raise UsageError("Give the template one way: --template TEXT or --file PATH")
    if path is not None:
        return read_text(path, "template")
    assert text is not None
    return text


def _warnings(warnings: list[str]) -> list[str]:
    return [f"warning: {w}" for w in warnings]


@click.group("messages")
def group() -> None:
    """Message templates with merge tags such as {{first_name}} and {{promo_code}}, and
    the outbox that delivers them over SMTP."""


@group.command("add")
@click.argument("campaign")
@click.argument("name")
@click.option("--subject", required=True, help="Subject line; merge tags allowed.")
@click.option("--body-file", required=True, metavar="FILE", help="Plain-text body (UTF-8).")
@click.option("--html-file", metavar="FILE", help="Optional HTML body (UTF-8).")
@click.option(
    "--send-on",
    metavar="STAGE|EVENT",
    help="Send automatically when a creator enters the stage, or on code.expiring / code.reissued.",
)
@pass_app
def add(
    app: App,
    campaign: str,
    name: str,
    subject: str,
    body_file: str,
    html_file: str | None,
    send_on: str | None,
) -> None:
    """Save a template for a campaign (merge tags are checked now)."""
    saved = templates.add(
        app.db,
        campaign,
        name,
        subject=subject,
        body_text=read_text(body_file, "body file"),
        body_html=read_text(html_file, "HTML file") if html_file else None,
        send_on=send_on,
        config=app.config,
    )
    app.emit(saved, lambda: "\n".join([_saved_line("Added", saved), *_warnings(saved.warnings)]))


def _saved_line(verb: str, saved: templates.Saved) -> str:
    if templates.is_event(saved.send_on):
        when = f", sent on {saved.send_on}"
    elif saved.send_on:
        when = f", sent on entry to {saved.send_on}"
    else:
        when = ", sent by hand only"
    return f"{verb} template '{saved.name}' in {saved.campaign}{when}."


@group.command("edit")
@click.argument("campaign")
@click.argument("name")
@click.option("--subject", help="New subject line.")
@click.option("--body-file", metavar="FILE", help="New plain-text body.")
@click.option("--html-file", metavar="FILE", help="New HTML body.")
@click.option("--no-html", is_flag=True, help="Remove the HTML body.")
@click.option(
    "--send-on",
    metavar="STAGE|EVENT",
    help="Send automatically on entry to this stage, or on code.expiring / code.reissued.",
)
@click.option("--manual", is_flag=True, help="Stop sending automatically.")
@pass_app
def edit(
    app: App,
    campaign: str,
    name: str,
    subject: str | None,
    body_file: str | None,
    html_file: str | None,
    no_html: bool,
    send_on: str | None,
    manual: bool,
) -> None:
    """Change a template; messages already queued keep the content they were given."""
    if html_file and no_html:
        raise UsageError("--html-file and --no-html contradict each other: use one of them")
    if send_on and manual:
        raise UsageError("--send-on and --manual contradict each other: use one of them")
    if not any((subject, body_file, html_file, no_html, send_on, manual)):
        raise UsageError(
            "Nothing to change: give --subject, --body-file, --html-file, --no-html, "
            "--send-on or --manual"
        )
    html: object = templates.UNCHANGED
    if html_file:
        html = read_text(html_file, "HTML file")
    elif no_html:
        html = None
    trigger: object = send_on if send_on else (None if manual else templates.UNCHANGED)
    saved = templates.edit(
        app.db,
        campaign,
        name,
        subject=subject,
        body_text=read_text(body_file, "body file") if body_file else None,
        body_html=html,
        send_on=trigger,
        config=app.config,
    )
    app.emit(saved, lambda: "\n".join([_saved_line("Saved", saved), *_warnings(saved.warnings)]))


@group.command("list")
@click.argument("campaign")
@pass_app
def list_(app: App, campaign: str) -> None:
    """The campaign's templates: name, trigger and subject."""
    found = templates.list_templates(app.db, campaign)

    def text() -> str:
        if not found:
            return f"No templates in {campaign}: add one with `promosync messages add`."
        width = max(len(t.name) for t in found)
        return "\n".join(
            f"{t.name.ljust(width)}  {(t.send_on or 'manual').ljust(16)}  {t.subject}"
            + ("  (+HTML)" if t.has_html else "")
            for t in found
        )

    app.emit(found, text)


@group.command("remove")
@click.argument("campaign")
@click.argument("name")
@pass_app
def remove(app: App, campaign: str, name: str) -> None:
    """Delete a template and its still-queued messages (sent ones stay in the outbox)."""
    removed = templates.remove(app.db, campaign, name)
    app.emit(
        removed,
        f"Removed template '{removed.name}' from {removed.campaign}"
        + (
            f"; {removed.queued_dropped} queued message(s) dropped."
            if removed.queued_dropped
            else "."
        ),
    )


@group.command("preview")
@click.argument("campaign")
@click.argument("name")
@click.argument("handle")
@pass_app
def preview(app: App, campaign: str, name: str, handle: str) -> None:
    """Show a template as one creator would receive it now."""
    shown = templates.preview(app.db, campaign, name, handle, config=app.config)
    lines = [f"Subject: {shown.subject}", "", shown.text]
    if shown.html is not None:
        lines += ["", "--- HTML ---", shown.html]
    app.emit(shown, lambda: "\n".join([*lines, *_warnings(shown.warnings)]))


@group.command("render")
@click.argument("campaign")
@click.argument("handle")
@click.option("--template", "text", help="Template text.")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Template file.")
@pass_app
def render(app: App, campaign: str, handle: str, text: str | None, path: str | None) -> None:
    """Render a template for one creator, as they would receive it now."""
    rendered = messages.render(app.db, campaign, handle, _template(text, path), config=app.config)
    app.emit(rendered, lambda: "\n".join([rendered.text, *_warnings(rendered.warnings)]))


@group.command("check")
@click.argument("campaign")
@click.option("--template", "text", help="Template text.")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Template file.")
@click.option("--send-on", metavar="STAGE|EVENT", help="Stage (or code event) that would send it.")
@pass_app
def check(app: App, campaign: str, text: str | None, path: str | None, send_on: str | None) -> None:
    """Validate a template's merge tags and warn about codes that would render blank."""
    send_on = templates.check_send_on(send_on) if send_on else None
    stage = None if templates.is_event(send_on) else send_on
    warnings = messages.check(
        app.db, campaign, _template(text, path), send_on_stage=stage, config=app.config
    )
    app.emit(
        {"valid": True, "warnings": warnings},
        lambda: "\n".join(["Template is valid.", *_warnings(warnings)]),
    )


def register(cli: click.Group) -> None:
    from sync.cli import outbox  # adds send, deliver, outbox, retry to the group

    outbox.register(group)
    cli.add_command(group)
