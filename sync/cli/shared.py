"""What every command gets, applied once to the whole command tree by :func:`finish`.

- ``--json`` after the command as well as before it (``promosync report summer --json``
  is ``promosync --json report summer``);
- contradictory output flags refused: ``--json`` with an output ``--format`` other than
  json (an output format is a ``--format`` whose choices include ``json``; an input format
  such as ``codes upload --format csv`` is not one);
- help text read as plain text: reStructuredText literals and roles in docstrings
  (double backquotes, ``:class:`X```) are shown without their markup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import click
from click.core import ParameterSource

from sync.cli.app import App

JSON_FLAG = "--json"
JSON_FORMAT = "json"
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_ROLE = re.compile(r":[a-z]+:`~?(.+?)`")


def finish(root: click.Group) -> None:
    """Give every command of ``root`` the shared options, checks and plain help."""
    for command in walk(root):
        command.help = plain_text(command.help)
        for param in command.params:
            if isinstance(param, click.Option):
                param.help = plain_text(param.help)
        if command is root or isinstance(command, click.Group):
            continue
        if not any(JSON_FLAG in p.opts for p in command.params):
            command.params.append(_json_option())
        command.callback = _checked(command.callback)


def walk(command: click.Command) -> Iterator[click.Command]:
    """``command`` and every command below it."""
    yield command
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            yield from walk(sub)


def plain_text(text: str | None) -> str | None:
    """Docstring text without reST markup: ``x`` and :role:`x` become 'x'."""
    if text is None:
        return None
    return _ROLE.sub(r"'\1'", _LITERAL.sub(r"'\1'", text))


def _json_option() -> click.Option:
    return click.Option(
        [JSON_FLAG],
        is_flag=True,
        expose_value=False,
        callback=_set_json,
        help="Machine-readable JSON output (same as promosync --json COMMAND).",
    )


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        app = ctx.find_object(App)
        if app is not None:
            app.as_json = True


def _checked(callback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    if callback is None:
        return None

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        refuse_contradictions(click.get_current_context())
        return callback(*args, **kwargs)

    return run


def refuse_contradictions(ctx: click.Context) -> None:
    """``--json`` with an explicit output ``--format`` other than json is a usage error."""
    app = ctx.find_object(App)
    if app is None or not app.as_json:
        return
    for param in ctx.command.params:
        if not _is_output_format(param) or param.name is None:
            continue
        value = ctx.params.get(param.name)
        explicit = ctx.get_parameter_source(param.name) not in (ParameterSource.DEFAULT, None)
        if explicit and value != JSON_FORMAT:
            raise click.UsageError(
                f"--json and --format {value} contradict each other: use one of them "
                f"(--format {JSON_FORMAT} is the same as --json)",
                ctx,
            )


def _is_output_format(param: click.Parameter) -> bool:
    return (
        isinstance(param, click.Option)
        and "--format" in param.opts
        and isinstance(param.type, click.Choice)
        and JSON_FORMAT in param.type.choices
    )
