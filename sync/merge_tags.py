"""Merge tags in message templates: parse, validate for a campaign, lint, render.

Tags are double-braced names, whitespace inside the braces allowed::

    Hi {{ first_name }}, your code for {{campaign_name}} is {{promo_code}}.
    With several promo code incentives: {{promo_code.summer-kit}}

``parse`` never fails: it keeps every character of the source (as literal text or
as a tag) and records syntax problems, so that ``validate`` can report every
problem of a template at once, with line and column. A lone ``}}`` is literal
text, since CSS in HTML bodies is full of them. Values are inserted once and
never re-read as template text, so a creator named ``{{promo_code}}`` stays a name.

Exceptions::

    DomainError
    └── TemplateError    every problem of a template (exit status 1)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sync.errors import DomainError
from sync.workflow import EXIT_STAGE

FIRST_NAME = "first_name"
CAMPAIGN_NAME = "campaign_name"
INCENTIVE_DESCRIPTION = "incentive_description"
PROMO_CODE = "promo_code"
#: The creator's own page (``sync.portal.portal_link``): a signed, expiring URL.
PORTAL_LINK = "portal_link"
SIMPLE_TAGS: tuple[str, ...] = (
    FIRST_NAME,
    CAMPAIGN_NAME,
    INCENTIVE_DESCRIPTION,
    PROMO_CODE,
    PORTAL_LINK,
)

OPEN, CLOSE = "{{", "}}"

# A tag whose content has no brace and no line break; what the content may be is checked
# separately so a malformed one is reported rather than left as literal text.
_TAG = re.compile(r"\{\{([^{}\n]*)\}\}")
_TAG_NAME = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?P<key>[A-Za-z0-9_-]+))?")
_INSIDE_SPACE = " \t"


@dataclass(frozen=True, slots=True)
class Tag:
    """One merge tag as written (``raw``) and where: 1-based ``line`` and ``column``.

    ``key`` is the incentive key of ``{{promo_code.<key>}}``, else None.
    """

    name: str
    key: str | None
    raw: str
    line: int
    column: int

    @property
    def canonical(self) -> str:
        """The tag written without inner whitespace, as messages show it."""
        inner = self.name if self.key is None else f"{self.name}.{self.key}"
        return f"{OPEN}{inner}{CLOSE}"

    @property
    def is_promo_code(self) -> bool:
        """True for ``{{promo_code}}`` and ``{{promo_code.<key>}}``."""
        return self.name == PROMO_CODE


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    """Something wrong in a template, at a 1-based line and column."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and tags in order, plus its syntax problems.

    Joining the literal parts and each tag's ``raw`` text gives back the source exactly.
    """

    source: str
    parts: tuple[str | Tag, ...]
    syntax_problems: tuple[TemplateProblem, ...] = ()

    @property
    def tags(self) -> tuple[Tag, ...]:
        """The tags in the order they appear."""
        return tuple(part for part in self.parts if isinstance(part, Tag))


@dataclass(frozen=True)
class RenderContext:
    """The values of one creator's message.

    ``promo_codes`` maps each promo code incentive of the campaign to the creator's code,
    or to None while the code is not released to them (the tag then renders blank).
    ``portal_link`` is the creator's page link, given by the caller only when the template
    uses ``{{portal_link}}`` (:func:`uses_portal_link`), since making one needs ``[portal]``.
    """

    first_name: str
    campaign_name: str
    incentive_description: str
    promo_codes: Mapping[str, str | None] = field(default_factory=dict)
    portal_link: str = ""


class TemplateError(DomainError):
    """A template that cannot be saved or rendered; lists every problem found."""

    def __init__(self, problems: Sequence[TemplateProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        heading = "a problem" if count == 1 else f"{count} problems"
        listing = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(
            f"The template has {heading}:\n{listing}\nFix the template and save it again."
        )


def parse(template: str) -> Template:
    """Split ``template`` into literal text and tags; malformed tags become problems."""
    parts: list[str | Tag] = []
    problems: list[TemplateProblem] = []
    for line_number, line in enumerate(template.split("\n"), start=1):
        if line_number > 1:
            _append_literal(parts, "\n")
        position = 0
        for match in _TAG.finditer(line):
            literal = line[position : match.start()]
            _scan_literal(literal, line_number, position, problems)
            _append_literal(parts, literal)
            _append_part(parts, problems, match, line, line_number)
            position = match.end()
        _scan_literal(line[position:], line_number, position, problems)
        _append_literal(parts, line[position:])
    return Template(template, tuple(parts), tuple(problems))


def validate(template: Template, *, incentive_keys: Sequence[str]) -> None:
    """Raise ``TemplateError`` listing every problem of ``template`` for a campaign.

    ``incentive_keys`` are the keys of the campaign's promo code incentives. Problems:
    syntax (unclosed or empty braces, malformed names), unknown tags, ``{{promo_code}}``
    when the campaign has no promo code incentive or several, unknown incentive keys.
    """
    problems = list(template.syntax_problems)
    problems += (
        TemplateProblem(tag.line, tag.column, message)
        for tag in template.tags
        if (message := _tag_problem(tag, incentive_keys)) is not None
    )
    if problems:
        problems.sort(key=lambda problem: (problem.line, problem.column))
        raise TemplateError(problems)


def promo_code_keys(template: Template, incentive_keys: Sequence[str]) -> frozenset[str]:
    """Keys of the incentives whose code the template shows (``{{promo_code}}`` resolved)."""
    return frozenset(
        key for tag in template.tags if (key := _resolve_promo_key(tag, incentive_keys)) is not None
    )


def uses_portal_link(template: Template) -> bool:
    """True when the template holds ``{{portal_link}}`` (the caller must then make a link)."""
    return any(tag.name == PORTAL_LINK and tag.key is None for tag in template.tags)


def lint(
    template: Template,
    *,
    send_on_stage: str | None,
    release_stage_by_key: Mapping[str, str],
    stage_order: Sequence[str],
    disabled_on_drop: Collection[str] = (),
) -> list[str]:
    """Warnings for a template that is valid but will not read as intended.

    For a template sent automatically on entry to ``send_on_stage``: every promo code tag
    whose incentive releases its code at a later stage renders blank. Entering ``dropped``
    releases nothing, so there a promo code tag is blank for every creator dropped before
    the release, and useless for the incentives in ``disabled_on_drop`` (their
    ``on_drop`` policy disables a dropped creator's code). Also: with several promo code incentives
    ``{{incentive_description}}`` names none of them and is blank.
    """
    keys = list(release_stage_by_key)
    warnings: list[str] = []
    seen: set[str] = set()
    for tag in template.tags:
        if tag.canonical in seen:
            continue
        seen.add(tag.canonical)
        if tag.name == INCENTIVE_DESCRIPTION and tag.key is None and len(keys) > 1:
            warnings.append(
                f"{tag.canonical} will be blank: the campaign has {len(keys)} promo code "
                "incentives and the tag does not say which"
            )
        key = _resolve_promo_key(tag, keys)
        if key is None or send_on_stage is None:
            continue
        release = release_stage_by_key[key]
        if send_on_stage == EXIT_STAGE:
            warnings.append(_dropped_warning(tag, key, release, key in disabled_on_drop))
        elif send_on_stage not in stage_order or release not in stage_order:
            warnings.append(
                f"{tag.canonical} may be blank at this stage: '{send_on_stage}' and the code's "
                f"release at '{release}' are not both stages of this campaign"
            )
        elif stage_order.index(send_on_stage) < stage_order.index(release):
            warnings.append(
                f"{tag.canonical} will be blank at this stage: '{send_on_stage}' comes before "
                f"the code's release at '{release}'"
            )
    return warnings


def _dropped_warning(tag: Tag, key: str, release: str, disabled: bool) -> str:
    """The warning for a promo code tag in a template sent on entry to ``dropped``."""
    if disabled:
        return (
            f"{tag.canonical} is no use at '{EXIT_STAGE}': incentive '{key}' disables the code "
            "of a dropped creator, so it renders blank or shows a code that no longer works"
        )
    return (
        f"{tag.canonical} may be blank at '{EXIT_STAGE}': entering it releases no code, so a "
        f"creator dropped before the code's release at '{release}' has none"
    )


def render(
    template: Template,
    context: RenderContext,
    *,
    escape: Callable[[str], str] | None = None,
) -> str:
    """The template with each tag replaced by its value from ``context``.

    Values are inserted verbatim, or through ``escape`` (``html.escape`` for HTML bodies);
    literal text is never escaped. A promo code that is None renders blank. The template
    is validated against ``context.promo_codes`` first: ``TemplateError`` if it is invalid.
    """
    keys = list(context.promo_codes)
    validate(template, incentive_keys=keys)
    return "".join(_render_parts(template, context, keys, escape))


def _render_parts(
    template: Template,
    context: RenderContext,
    keys: Sequence[str],
    escape: Callable[[str], str] | None,
) -> Iterator[str]:
    simple = {
        FIRST_NAME: context.first_name,
        CAMPAIGN_NAME: context.campaign_name,
        INCENTIVE_DESCRIPTION: context.incentive_description,
        PORTAL_LINK: context.portal_link,
    }
    for part in template.parts:
        if isinstance(part, str):
            yield part
            continue
        if part.is_promo_code:
            key = _resolve_promo_key(part, keys)
            value = (context.promo_codes.get(key) if key is not None else None) or ""
        else:
            value = simple[part.name]
        yield escape(value) if escape is not None and value else value


def _append_part(
    parts: list[str | Tag],
    problems: list[TemplateProblem],
    match: re.Match[str],
    line: str,
    line_number: int,
) -> None:
    raw = match.group()
    column = match.start() + 1
    content = match.group(1).strip(_INSIDE_SPACE)
    name = _TAG_NAME.fullmatch(content)
    # "{{{x}}}" (a Handlebars habit) parses as the tag {{x}} between literal braces, which
    # would render the value in braces: report it instead.
    before = 1 if line[match.start() - 1 : match.start()] == "{" else 0
    after = 1 if line[match.end() : match.end() + 1] == "}" else 0
    if not content:
        problems.append(
            TemplateProblem(
                line_number,
                column,
                f"empty tag '{raw}': put a tag name inside, e.g. {OPEN}{FIRST_NAME}{CLOSE}",
            )
        )
    elif name is None:
        problems.append(
            TemplateProblem(
                line_number,
                column,
                f"'{raw}' is not a tag name: tags look like {OPEN}{FIRST_NAME}{CLOSE} or "
                f"{OPEN}{PROMO_CODE}.<incentive>{CLOSE}",
            )
        )
    elif before or after:
        wrapped = line[match.start() - before : match.end() + after]
        problems.append(
            TemplateProblem(
                line_number,
                column - before,
                f"'{wrapped}' has extra braces: write the tag with two on each side, "
                f"{OPEN}{content}{CLOSE}",
            )
        )
    else:
        parts.append(Tag(name["name"], name["key"], raw, line_number, column))
        return
    _append_literal(parts, raw)


def _scan_literal(
    text: str, line_number: int, offset: int, problems: list[TemplateProblem]
) -> None:
    """Report each ``{{`` in literal text: a tag that is never closed on its line."""
    for found in re.finditer(re.escape(OPEN) + "+", text):
        snippet = text[found.start() : found.start() + 30]
        problems.append(
            TemplateProblem(
                line_number,
                offset + found.start() + 1,
                f"'{snippet}' opens a tag that is not closed on this line: end it with '{CLOSE}'",
            )
        )


def _append_literal(parts: list[str | Tag], text: str) -> None:
    if not text:
        return
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


def _tag_problem(tag: Tag, incentive_keys: Sequence[str]) -> str | None:
    if tag.is_promo_code:
        return _promo_code_problem(tag, incentive_keys)
    if tag.key is None and tag.name in SIMPLE_TAGS:
        return None
    known = _known_tags(incentive_keys)
    close = difflib.get_close_matches(tag.canonical, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown tag {tag.raw}: {hint}known tags are {', '.join(known)}"


def _promo_code_problem(tag: Tag, incentive_keys: Sequence[str]) -> str | None:
    if not incentive_keys:
        return f"{tag.raw}: the campaign has no promo code incentive: add one or remove the tag"
    choices = " or ".join(f"{OPEN}{PROMO_CODE}.{key}{CLOSE}" for key in incentive_keys)
    if tag.key is None:
        if len(incentive_keys) == 1:
            return None
        return (
            f"{tag.raw} is ambiguous: the campaign has {len(incentive_keys)} promo code "
            f"incentives: use {choices}"
        )
    if tag.key in incentive_keys:
        return None
    return f"unknown incentive '{tag.key}' in {tag.raw}: use {choices}"


def _resolve_promo_key(tag: Tag, incentive_keys: Sequence[str]) -> str | None:
    """The incentive a promo code tag shows, or None (not a promo tag, ambiguous, unknown)."""
    if not tag.is_promo_code:
        return None
    if tag.key is None:
        return incentive_keys[0] if len(incentive_keys) == 1 else None
    return tag.key if tag.key in incentive_keys else None


def _known_tags(incentive_keys: Sequence[str]) -> list[str]:
    names = [f"{OPEN}{name}{CLOSE}" for name in SIMPLE_TAGS if name != PROMO_CODE]
    if len(incentive_keys) == 1:
        names.append(f"{OPEN}{PROMO_CODE}{CLOSE}")
    names += [f"{OPEN}{PROMO_CODE}.{key}{CLOSE}" for key in incentive_keys]
    return names
