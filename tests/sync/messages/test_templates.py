"""Templates are validated when saved, linted against their trigger, and render safely."""

from __future__ import annotations

import pytest

from store.db import Database
from sync import creators, moves, templates
from sync.errors import AlreadyExists, NotFound, UsageError
from sync.merge_tags import TemplateError
from tests import builders

BODY = "Hi {{first_name}}, your code: {{promo_code}}"


def test_unknown_tags_in_every_part_are_reported_at_once_and_nothing_is_saved(
    db: Database,
) -> None:
    builders.campaign(db)

    with pytest.raises(TemplateError) as refused:
        templates.add(
            db,
            "summer",
            "code",
            subject="Hi {{nick}}",
            body_text="{{promo}}",
            body_html="<p>{{first_nam}}</p>",
        )

    text = str(refused.value)
    assert "subject: unknown tag {{nick}}" in text
    assert "plain-text body: unknown tag {{promo}}" in text
    assert "HTML body: unknown tag {{first_nam}}" in text and "did you mean {{first_name}}" in text
    assert templates.list_templates(db, "summer") == []


@pytest.mark.parametrize("subject", ["Hi\r\nBcc: spy@evil.example", "Hi\nthere", "a\x1bb"])
def test_subject_with_a_line_break_or_control_is_refused_at_save(
    db: Database, subject: str
) -> None:
    builders.campaign(db)

    with pytest.raises(UsageError, match="Subject .* contains a (line break|control character)"):
        templates.add(db, "summer", "code", subject=subject, body_text=BODY)

    assert templates.list_templates(db, "summer") == []


def test_promo_code_tag_sent_before_its_release_gets_a_lint_warning(db: Database) -> None:
    builders.campaign(db)

    early = templates.add(db, "summer", "hello", subject="Hi", body_text=BODY, send_on="invited")
    on_time = templates.add(
        db, "summer", "code", subject="Hi", body_text=BODY, send_on="pre_payment"
    )

    assert early.warnings == [
        "{{promo_code}} will be blank at this stage: 'invited' comes before the code's "
        "release at 'pre_payment'"
    ]
    assert on_time.warnings == []


def test_edit_changes_parts_and_relints_and_remove_deletes(db: Database) -> None:
    builders.campaign(db)
    templates.add(db, "summer", "code", subject="Hi", body_text=BODY, send_on="pre_payment")

    edited = templates.edit(
        db, "summer", "code", send_on="applied", body_html="<p>{{promo_code}}</p>"
    )

    assert edited.send_on == "applied" and len(edited.warnings) == 1
    (listed,) = templates.list_templates(db, "summer")
    assert (listed.name, listed.send_on, listed.has_html) == ("code", "applied", True)
    with pytest.raises(AlreadyExists):
        templates.add(db, "summer", "code", subject="x", body_text="y")
    templates.remove(db, "summer", "code")
    with pytest.raises(NotFound, match="messages list summer"):
        templates.remove(db, "summer", "code")


def test_preview_blanks_the_code_before_release_and_escapes_every_html_value(
    db: Database,
) -> None:
    builders.campaign(db, pools={"kit": 1})
    creators.add(db, "summer", "maya", first_name="<b>Maya</b> & Co", email="m@example.com")
    templates.add(
        db,
        "summer",
        "code",
        subject="Code for {{first_name}}",
        body_text=BODY,
        body_html="<p>{{first_name}}: <code>{{promo_code}}</code></p>",
    )

    before = templates.preview(db, "summer", "code", "maya")
    moves.move(db, "summer", "maya", "pre_payment")
    after = templates.preview(db, "summer", "code", "maya")

    code = builders.codes_named("SUMMER-KIT-", 1)[0]
    assert before.text.endswith("your code: ") and code not in (before.html or "")
    assert before.warnings and not after.warnings
    assert after.text.endswith(f"your code: {code}")
    assert after.subject == "Code for <b>Maya</b> & Co"  # the subject is plain text
    assert after.html == f"<p>&lt;b&gt;Maya&lt;/b&gt; &amp; Co: <code>{code}</code></p>"
