"""Merge tags: every problem reported with its position, codes blank until released."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.errors import DomainError
from sync.merge_tags import (
    SIMPLE_TAGS,
    RenderContext,
    Tag,
    TemplateError,
    lint,
    parse,
    promo_code_keys,
    render,
    uses_portal_link,
    validate,
)

STAGES = [
    "candidates",
    "invited",
    "applied",
    "confirmation",
    "pre_payment",
    "draft",
    "draft_review",
    "content_creation",
    "post_review",
    "post_payment",
    "complete",
]


def context(**promo_codes: str | None) -> RenderContext:
    return RenderContext("Ana", "Summer Glow", "A free kit", promo_codes)


def problems_of(template: str, keys: list[str]) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        validate(parse(template), incentive_keys=keys)
    assert isinstance(caught.value, DomainError)
    return [str(problem) for problem in caught.value.problems]


# --- parse -------------------------------------------------------------------------------


def test_parse_finds_tags_with_line_and_column_and_allows_inner_whitespace() -> None:
    template = parse("Hi {{ first_name }},\n\tcode: {{promo_code.summer-kit}}")
    assert template.tags == (
        Tag("first_name", None, "{{ first_name }}", 1, 4),
        Tag("promo_code", "summer-kit", "{{promo_code.summer-kit}}", 2, 8),
    )
    assert template.syntax_problems == ()
    assert template.tags[1].canonical == "{{promo_code.summer-kit}}"


def test_simple_tags_are_pinned() -> None:
    assert SIMPLE_TAGS == (
        "first_name",
        "campaign_name",
        "incentive_description",
        "promo_code",
        "portal_link",
    )


@given(st.text(alphabet=st.sampled_from("ab {}.\n_\t"), max_size=60))
def test_parse_keeps_every_character_of_the_source(source: str) -> None:
    template = parse(source)
    rebuilt = "".join(part if isinstance(part, str) else part.raw for part in template.parts)
    assert rebuilt == source


def test_a_lone_closing_pair_is_literal_text_because_css_is_full_of_them() -> None:
    template = parse("<style>@media (x) { p { color: red }}</style>{{first_name}}")
    assert template.syntax_problems == ()
    validate(template, incentive_keys=[])


# --- validate ----------------------------------------------------------------------------


def test_validate_accepts_known_tags_for_a_campaign_with_one_promo_code_incentive() -> None:
    source = "{{first_name}} {{campaign_name}} {{incentive_description}} {{promo_code}}"
    validate(parse(source + " {{promo_code.kit}}"), incentive_keys=["kit"])


def test_validate_reports_unknown_tag_with_position_suggestion_and_known_tags() -> None:
    [problem] = problems_of("Hello\n  {{frist_name}}", ["kit"])
    assert problem.startswith("line 2, column 3: unknown tag {{frist_name}}")
    assert "did you mean {{first_name}}?" in problem
    assert "{{campaign_name}}" in problem and "{{promo_code}}" in problem


def test_validate_refuses_promo_code_when_the_campaign_has_no_promo_code_incentive() -> None:
    [problem] = problems_of("{{promo_code}}", [])
    assert "the campaign has no promo code incentive: add one or remove the tag" in problem


def test_validate_refuses_ambiguous_promo_code_and_names_each_keyed_tag() -> None:
    [problem] = problems_of("{{ promo_code }}", ["summer", "winter"])
    assert "ambiguous" in problem
    assert "use {{promo_code.summer}} or {{promo_code.winter}}" in problem


def test_validate_refuses_unknown_incentive_key() -> None:
    [problem] = problems_of("{{promo_code.autumn}}", ["summer", "winter"])
    assert problem == (
        "line 1, column 1: unknown incentive 'autumn' in {{promo_code.autumn}}: "
        "use {{promo_code.summer}} or {{promo_code.winter}}"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hi {{first_name}", "line 1, column 4: '{{first_name}' opens a tag that is not closed"),
        ("{{first_name\n}}", "line 1, column 1: '{{first_name' opens a tag that is not closed"),
        ("a {{}} b", "line 1, column 3: empty tag '{{}}'"),
        ("{{  }}", "line 1, column 1: empty tag '{{  }}'"),
        ("{{first name}}", "'{{first name}}' is not a tag name"),
        ("{{promo_code.}}", "'{{promo_code.}}' is not a tag name"),
        ("{{{first_name}}}", "line 1, column 1: '{{{first_name}}}' has extra braces"),
    ],
)
def test_validate_reports_unbalanced_or_malformed_braces(source: str, expected: str) -> None:
    [problem] = problems_of(source, ["kit"])
    assert problem.startswith(expected) or expected in problem


def test_validate_reports_every_problem_in_source_order() -> None:
    source = "{{promo_code}} {{nope}}\n{{first_name} {{promo_code.x}}\n{{}}"
    problems = problems_of(source, ["a", "b"])
    assert [p.split(":")[0] for p in problems] == [
        "line 1, column 1",
        "line 1, column 16",
        "line 2, column 1",
        "line 2, column 15",
        "line 3, column 1",
    ]
    with pytest.raises(TemplateError) as caught:
        validate(parse(source), incentive_keys=["a", "b"])
    assert str(caught.value).startswith("The template has 5 problems:\n  line 1, column 1:")
    assert str(caught.value).endswith("Fix the template and save it again.")


# --- lint --------------------------------------------------------------------------------


def test_lint_warns_when_the_code_is_released_after_the_sending_stage() -> None:
    warnings = lint(
        parse("Welcome! {{promo_code}}"),
        send_on_stage="invited",
        release_stage_by_key={"kit": "pre_payment"},
        stage_order=STAGES,
    )
    assert warnings == [
        "{{promo_code}} will be blank at this stage: 'invited' comes before the code's "
        "release at 'pre_payment'"
    ]


@pytest.mark.parametrize("stage", ["pre_payment", "draft", "complete"])
def test_lint_is_silent_when_sent_at_or_after_the_release(stage: str) -> None:
    assert (
        lint(
            parse("{{promo_code}}"),
            send_on_stage=stage,
            release_stage_by_key={"kit": "pre_payment"},
            stage_order=STAGES,
        )
        == []
    )


def test_lint_checks_each_keyed_tag_against_its_own_release_once() -> None:
    warnings = lint(
        parse("{{promo_code.pre}} {{promo_code.post}} {{ promo_code.post }}"),
        send_on_stage="draft",
        release_stage_by_key={"pre": "pre_payment", "post": "post_payment"},
        stage_order=STAGES,
    )
    assert warnings == [
        "{{promo_code.post}} will be blank at this stage: 'draft' comes before the code's "
        "release at 'post_payment'"
    ]


def test_lint_is_silent_for_manually_sent_templates() -> None:
    assert (
        lint(
            parse("{{promo_code}}"),
            send_on_stage=None,
            release_stage_by_key={"kit": "post_payment"},
            stage_order=STAGES,
        )
        == []
    )


def test_lint_warns_when_the_sending_stage_is_not_in_the_stage_order() -> None:
    [warning] = lint(
        parse("{{promo_code}}"),
        send_on_stage="draft",
        release_stage_by_key={"kit": "pre_payment"},
        stage_order=[stage for stage in STAGES if stage != "draft"],
    )
    assert warning.startswith("{{promo_code}} may be blank at this stage")


@pytest.mark.parametrize("stage_order", [STAGES, [*STAGES, "dropped"]])
def test_lint_warns_that_a_code_may_be_blank_on_entry_to_dropped(stage_order: list[str]) -> None:
    [warning] = lint(
        parse("Sorry to see you go. {{promo_code}}"),
        send_on_stage="dropped",
        release_stage_by_key={"kit": "pre_payment"},
        stage_order=stage_order,
    )
    assert warning == (
        "{{promo_code}} may be blank at 'dropped': entering it releases no code, so a creator "
        "dropped before the code's release at 'pre_payment' has none"
    )


def test_lint_warns_that_a_disabled_on_drop_code_is_no_use_on_entry_to_dropped() -> None:
    warnings = lint(
        parse("{{promo_code.kept}} {{promo_code.off}}"),
        send_on_stage="dropped",
        release_stage_by_key={"kept": "pre_payment", "off": "pre_payment"},
        stage_order=[*STAGES, "dropped"],
        disabled_on_drop={"off"},
    )
    assert [w.split(" ", 2)[:2] for w in warnings] == [
        ["{{promo_code.kept}}", "may"],
        ["{{promo_code.off}}", "is"],
    ]
    assert "disables the code of a dropped creator" in warnings[1]


def test_lint_warns_that_incentive_description_is_blank_with_several_incentives() -> None:
    [warning] = lint(
        parse("{{incentive_description}}"),
        send_on_stage=None,
        release_stage_by_key={"a": "pre_payment", "b": "post_payment"},
        stage_order=STAGES,
    )
    assert "{{incentive_description}} will be blank" in warning


# --- render ------------------------------------------------------------------------------


def test_render_fills_every_tag() -> None:
    source = "Hi {{ first_name }}, {{campaign_name}}: {{incentive_description}} = {{promo_code}}"
    assert render(parse(source), context(kit="GLOW-7Q2X")) == (
        "Hi Ana, Summer Glow: A free kit = GLOW-7Q2X"
    )


def test_render_leaves_promo_code_blank_until_released() -> None:
    assert render(parse("[{{promo_code}}]"), context(kit=None)) == "[]"


def test_render_picks_each_keyed_code() -> None:
    template = parse("{{promo_code.a}}/{{promo_code.b}}")
    assert render(template, context(a="AAA", b=None)) == "AAA/"


def test_render_inserts_values_verbatim_unless_given_an_escape() -> None:
    ctx = RenderContext("<b>Ana</b>", "R&D", "", {"kit": "A<1>"})
    template = parse("<p>{{first_name}} {{campaign_name}} {{promo_code}}</p>")
    assert render(template, ctx) == "<p><b>Ana</b> R&D A<1></p>"
    assert render(template, ctx, escape=html.escape) == (
        "<p>&lt;b&gt;Ana&lt;/b&gt; R&amp;D A&lt;1&gt;</p>"
    )


def test_render_never_expands_tags_inside_values() -> None:
    ctx = RenderContext(
        "{{promo_code.secret}}", "{{promo_code}}", "", {"kit": None, "secret": "S3CR3T"}
    )
    assert render(parse("{{first_name}} {{campaign_name}}"), ctx) == (
        "{{promo_code.secret}} {{promo_code}}"
    )


def test_render_refuses_an_invalid_template() -> None:
    with pytest.raises(TemplateError, match="ambiguous"):
        render(parse("{{promo_code}}"), context(a="A", b="B"))


def test_promo_code_keys_resolves_the_plain_tag_to_the_only_incentive() -> None:
    assert promo_code_keys(parse("{{promo_code}} {{first_name}}"), ["kit"]) == {"kit"}
    assert promo_code_keys(parse("{{promo_code.b}}"), ["a", "b"]) == {"b"}
    assert promo_code_keys(parse("{{promo_code}}"), ["a", "b"]) == frozenset()


_LITERAL = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=8)
_CODE = st.from_regex(r"[A-Z0-9]{6,10}", fullmatch=True)
_KEYS = st.lists(
    st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), min_size=1, max_size=4, unique=True
)


@given(keys=_KEYS, data=st.data())
def test_render_matches_a_model_where_unreleased_codes_are_blank(
    keys: list[str], data: st.DataObject
) -> None:
    codes = {key: data.draw(st.none() | _CODE) for key in keys}
    tag_names = ["first_name", "campaign_name", *(f"promo_code.{key}" for key in keys)]
    names = data.draw(st.lists(st.sampled_from(tag_names), max_size=8))
    literals = [data.draw(_LITERAL) for _ in range(len(names) + 1)]
    first_name = data.draw(st.text(max_size=10))
    source = literals[0] + "".join(
        f"{{{{ {name} }}}}{literal}" for name, literal in zip(names, literals[1:], strict=True)
    )

    rendered = render(parse(source), RenderContext(first_name, "Camp", "", codes))

    values = {"first_name": first_name, "campaign_name": "Camp"}
    values |= {f"promo_code.{key}": code or "" for key, code in codes.items()}
    expected = literals[0] + "".join(
        values[name] + literal for name, literal in zip(names, literals[1:], strict=True)
    )
    assert rendered == expected


@given(keys=_KEYS, data=st.data())
def test_render_never_shows_a_code_for_an_unreleased_incentive(
    keys: list[str], data: st.DataObject
) -> None:
    hidden = data.draw(st.sampled_from(keys))
    codes: dict[str, str | None] = {key: data.draw(_CODE) for key in keys}
    codes[hidden] = None
    template = parse(f"Your code: {{{{promo_code.{hidden}}}}}.")
    assert render(template, RenderContext("A", "C", "", codes)) == "Your code: ."


def test_portal_link_is_a_known_tag_rendered_from_the_callers_link() -> None:
    template = parse('<a href="{{ portal_link }}">Your page</a>')
    validate(template, incentive_keys=["kit"])
    assert uses_portal_link(template) and not uses_portal_link(parse("{{first_name}}"))
    ctx = RenderContext("Ana", "C", "", {"kit": None}, portal_link="https://p.example/c/a&b")
    assert render(template, ctx, escape=html.escape) == (
        '<a href="https://p.example/c/a&amp;b">Your page</a>'
    )
    assert (
        render(template, RenderContext("Ana", "C", "", {"kit": None})) == '<a href="">Your page</a>'
    )
