"""One-line text fields: what a name, e-mail, handle or description may hold, on every path.

Validation is ``fullmatch`` (``re.match(r"^...$")`` accepts a trailing newline) and a
field that can reach an e-mail header or a terminal never holds a line break or a
control character. Lengths are checked against the column widths in ``store.models``,
so SQLite (which does not enforce them) and PostgreSQL (which fails with a driver error)
refuse the same input with the same sentence.
"""

from __future__ import annotations

import pytest

from store import catalog
from store.db import Database
from store.models import (
    MAX_CAMPAIGN_NAME_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_FIRST_NAME_LENGTH,
    Campaign,
    Creator,
)
from sync import campaigns, creators, incentives, messages, moves
from sync.errors import UsageError
from sync.fields import check_handle, check_line, printable
from tests import builders

# Characters that break a header (CR, LF and the other line breaks), rewrite a terminal
# (ESC, BEL, backspace, NUL, TAB), or make text read differently (bidi override, zero-width
# space, BOM), and a lone surrogate from undecodable bytes.
HOSTILE = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x85",
    "\u2028",
    "\u2029",
    "\x1b[31m",
    "\x07",
    "\x08",
    "\x00",
    "\t",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\udcff",
]


@pytest.mark.parametrize("char", HOSTILE)
def test_a_line_field_refuses_line_breaks_and_control_characters_inside(char: str) -> None:
    with pytest.raises(UsageError, match=r"^First name '.*' contains a (line break|control)"):
        check_line(f"Ma{char}ya", field="First name", max_length=100, example="Jane")


def test_the_refusal_shows_the_input_without_letting_the_terminal_interpret_it() -> None:
    with pytest.raises(UsageError) as caught:
        check_line("Ma\x1b[2Jya", field="First name", max_length=100, example="Jane")
    message = str(caught.value)
    assert "\x1b" not in message and "\\u001b" in message
    assert message.count("\n") == 0


def test_surrounding_whitespace_and_a_trailing_newline_are_trimmed() -> None:
    assert check_line("  Maya\n", field="First name", max_length=100, example="Jane") == "Maya"


@pytest.mark.parametrize(
    "text", ["Zoë", "José María", "O'Brien", "میرزا\u200cزاده", "Ana 👩\u200d🍳"]
)
def test_a_line_field_accepts_real_names(text: str) -> None:
    assert check_line(text, field="First name", max_length=100, example="Jane") == text


def test_printable_escapes_only_what_a_field_may_not_hold() -> None:
    assert printable("kit\n") == "kit\\u000a"
    assert printable("Zoë") == "Zoë"


@pytest.mark.parametrize("handle", ["maya", "@maya", " @maya ", "@maya\n"])
def test_every_spelling_of_a_handle_normalises_to_the_stored_form(handle: str) -> None:
    assert check_handle(handle) == "maya"


@pytest.mark.parametrize("handle", ["@@maya", "ma\nya", "maya\x1b", "@", "ma ya"])
def test_malformed_handles_are_refused_wherever_they_are_typed(handle: str) -> None:
    with pytest.raises(UsageError, match="^Creator handle .* is not valid"):
        check_handle(handle)


# --- keys: fullmatch, not match(^...$) ------------------------------------------------------


@pytest.mark.parametrize("key", ["kit\n", "kit\r\n", "kit\x00"])
def test_a_key_with_a_trailing_newline_is_refused(db: Database, key: str) -> None:
    with pytest.raises(UsageError, match="Campaign key 'kit.*' is not valid"):
        campaigns.create(db, "Summer", key=key)
    builders.campaign(db, active=False)
    with pytest.raises(UsageError, match="Incentive key 'kit.*' is not valid"):
        incentives.add(
            db,
            "summer",
            key=key,
            description="d",
            value="1",
            cost="1",
            timing="pre_payment",
        )
    assert [c.key for c in campaigns.list_all(db)] == ["summer"]
    assert [i.key for i in incentives.list_for(db, "summer")] == ["kit"]


# --- fields that reach an e-mail header or a terminal ---------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "jane@example.com\nBcc: all@example.com",
        "jane@example.com\r\nX: y",
        "jane\x1b@example.com",
        "jane@exa\u202emple.com",
        '"jane"@example.com',
        "jane@example.com, bob@example.com",
    ],
)
def test_an_email_that_could_inject_a_header_is_refused(db: Database, email: str) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match="^E-mail "):
        creators.add(db, "summer", "jane", email=email)
    assert _creators(db) == []


def test_an_email_with_a_trailing_newline_is_stored_without_it(db: Database) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "jane", email="jane@example.com\n")
    assert creators.view(db, "summer", "jane").email == "jane@example.com"


@pytest.mark.parametrize("first_name", ["Jane\r\nBcc: all@example.com", "\x1b]0;pwned\x07", ""])
def test_a_first_name_is_validated(db: Database, first_name: str) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match="^First name "):
        creators.add(db, "summer", "jane", first_name=first_name)
    assert _creators(db) == []


def test_campaign_name_description_and_reason_refuse_control_characters(db: Database) -> None:
    with pytest.raises(UsageError, match="^Campaign name 'Sum.*' contains a line break"):
        campaigns.create(db, "Sum\nmer", key="summer")
    builders.campaign(db, active=False)
    with pytest.raises(UsageError, match="^Incentive description .* contains a control"):
        incentives.add(
            db,
            "summer",
            key="bonus",
            description="20% off\x1b[8m",
            value="1",
            cost="1",
            timing="pre_payment",
        )
    creators.add(db, "summer", "jane")
    with pytest.raises(UsageError, match="^Rejection reason .* contains a line break"):
        incentives.reject(db, "summer/kit", "jane", reason="off-brief\nsecond line")
    assert [i.key for i in incentives.list_for(db, "summer")] == ["kit"]
    assert creators.view(db, "summer", "jane").incentives[0].status == "draft"


# --- lengths: the column widths, the same refusal on both databases --------------------------


def test_a_campaign_name_over_its_column_width_is_refused_on_both_databases(
    db: Database,
) -> None:
    with pytest.raises(UsageError) as caught:
        campaigns.create(db, "x" * 300, key="long")
    assert str(caught.value) == (
        f"Campaign name is 300 characters long: shorten it to at most {MAX_CAMPAIGN_NAME_LENGTH}"
    )
    assert campaigns.list_all(db) == []
    campaigns.create(db, "x" * MAX_CAMPAIGN_NAME_LENGTH, key="long")  # the limit itself fits
    assert campaigns.list_all(db)[0].name == "x" * MAX_CAMPAIGN_NAME_LENGTH


def test_a_first_name_or_email_over_its_column_width_is_refused_on_both_databases(
    db: Database,
) -> None:
    builders.campaign(db)
    with pytest.raises(UsageError, match=f"^First name is 500 .* {MAX_FIRST_NAME_LENGTH}$"):
        creators.add(db, "summer", "jane", first_name="J" * 500)
    long_email = "j" * 383 + "@example.com"
    with pytest.raises(UsageError, match=f"^E-mail is 395 .* {MAX_EMAIL_LENGTH}$"):
        creators.add(db, "summer", "jane", email=long_email)
    assert _creators(db) == []
    at_limit = "j" * (MAX_EMAIL_LENGTH - len("@example.com")) + "@example.com"
    creators.add(db, "summer", "jane", email=at_limit, first_name="J" * MAX_FIRST_NAME_LENGTH)
    view = creators.view(db, "summer", "jane")
    assert (view.email, view.first_name) == (at_limit, "J" * MAX_FIRST_NAME_LENGTH)


def test_the_limits_are_the_column_widths() -> None:
    def width(column: object) -> object:
        return getattr(getattr(column, "type", None), "length", None)

    assert width(Campaign.__table__.c.name) == MAX_CAMPAIGN_NAME_LENGTH
    assert width(Creator.__table__.c.email) == MAX_EMAIL_LENGTH
    assert width(Creator.__table__.c.first_name) == MAX_FIRST_NAME_LENGTH


# --- handles: one normalisation on every input path ------------------------------------------


def test_a_handle_typed_with_at_is_found_on_every_path(db: Database) -> None:
    builders.campaign(db, pools={"kit": 3, "extra": 2})
    creators.add(db, "summer", "@maya", first_name="Maya")
    creators.add(db, "summer", "leo")

    assert creators.view(db, "summer", "@maya").handle == "maya"
    outcome = moves.move(db, "summer", "@maya", "invited")
    assert (outcome.handle, outcome.target) == ("maya", "invited")
    assert incentives.reject(db, "summer/extra", "@maya", reason="off-brief") == "maya"
    report = moves.move_many(db, "summer", ["@maya", " @leo "], "pre_payment", dry_run=True)
    assert [o.handle for o in report.outcomes] == ["maya", "leo"]
    report = moves.move_many(db, "summer", ["@maya", "@leo"], "pre_payment")
    assert [(o.handle, o.result) for o in report.outcomes] == [
        ("maya", moves.MOVED),
        ("leo", moves.MOVED),
    ]
    rendered = messages.render(db, "summer", "@maya", "Hi {{first_name}} {{promo_code.kit}}")
    assert rendered.text.startswith("Hi Maya SUMMER-KIT-")


def _creators(db: Database) -> list[str]:
    """Handles of the creators stored (any campaign)."""
    with db.transaction() as tx:
        return [handle for handle in ("jane",) if catalog.find_creator(tx, handle) is not None]
