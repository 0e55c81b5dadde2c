"""The hook for tags other features provide (``{{portal_link}}``): saved, rendered, escaped."""

from __future__ import annotations

import html

import pytest

from store.db import Database
from sync import creators, messages, moves, portal, templates
from sync.config import Config, ConfigError
from tests import builders
from tests.support.portal import portal_config, token_of
from tests.sync.messages import test_enqueue


def test_portal_link_in_an_automatic_message_opens_the_creators_page(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = portal_config(monkeypatch)
    builders.campaign(db)
    creators.add(db, "summer", "maya", email="maya@example.com")
    templates.add(
        db,
        "summer",
        "link",
        subject="Hi",
        body_text="Open {{portal_link}}",
        body_html='<a href="{{portal_link}}">open</a>',
        send_on="pre_payment",
    )
    moves.move(db, "summer", "maya", "pre_payment", config=config)

    (queued,) = test_enqueue.queued(db)  # the automatic send, rendered inside the move
    url = queued.body_text.removeprefix("Open ")
    opened = portal.open_page(db, config, token_of(url))
    assert opened is not None and opened.handle == "maya"
    assert queued.body_html == f'<a href="{html.escape(url)}">open</a>'
    shown = templates.preview(db, "summer", "link", "maya", config=config)
    assert shown.text.startswith("Open " + url.rsplit("/c/", 1)[0] + "/c/")


def test_a_move_is_refused_without_portal_settings_when_its_message_needs_a_link(
    db: Database,
) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "maya", email="maya@example.com")
    templates.add(
        db, "summer", "link", subject="Hi", body_text="{{portal_link}}", send_on="pre_payment"
    )
    with pytest.raises(ConfigError, match=r"\[portal\] base_url"):
        moves.move(db, "summer", "maya", "pre_payment", config=Config())
    assert creators.view(db, "summer", "maya").stage != "pre_payment"
    assert test_enqueue.queued(db) == []


def test_saving_a_template_with_portal_link_warns_when_the_config_cannot_make_links(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.campaign(db)
    body = "Your page: {{portal_link}}"
    saved = templates.add(db, "summer", "link", subject="Hi", body_text=body, config=Config())
    (warning,) = saved.warnings
    assert warning.startswith("{{portal_link}} cannot be filled yet") and "[portal] base_url" in (
        warning
    )
    # The secret's variable not exported where the template is saved: named, never a value.
    unset = portal_config(monkeypatch)
    monkeypatch.delenv("PROMOSYNC_PORTAL_SECRET")
    edited = templates.edit(db, "summer", "link", subject="Hello", config=unset)
    assert len(edited.warnings) == 1 and "PROMOSYNC_PORTAL_SECRET" in edited.warnings[0]
    assert messages.check(db, "summer", body, config=Config()) == [warning]

    usable = portal_config(monkeypatch)
    assert templates.edit(db, "summer", "link", subject="Hi", config=usable).warnings == []
    assert messages.check(db, "summer", body, config=usable) == []
    # No loaded configuration (a library caller): decided when a message is sent.
    assert templates.edit(db, "summer", "link", subject="Hi").warnings == []
    # A template without the tag needs no [portal].
    plain = templates.add(db, "summer", "plain", subject="Hi", body_text="Hi", config=Config())
    assert plain.warnings == []
