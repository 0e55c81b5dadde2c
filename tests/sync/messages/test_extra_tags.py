"""The hook for tags other features provide (``{{portal_link}}``): saved, rendered, escaped."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from store.db import Database, Tx
from sync import creators, message_tags, moves, templates
from sync.creators import CreatorView
from sync.merge_tags import TemplateError
from tests import builders
from tests.sync.messages import test_enqueue


@dataclass(frozen=True)
class FakeLink:
    name: str = "portal_link"

    def value(self, tx: Tx, creator: CreatorView) -> str:
        return f"https://brand.example/c?h={creator.handle}&t=1"


def test_a_registered_tag_is_accepted_rendered_and_escaped_in_html(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.campaign(db)
    creators.add(db, "summer", "maya", email="maya@example.com")
    with pytest.raises(TemplateError, match="unknown tag {{portal_link}}"):
        templates.add(db, "summer", "link", subject="Hi", body_text="{{portal_link}}")

    monkeypatch.setattr(message_tags, "EXTRA_TAGS", (FakeLink(),))
    templates.add(
        db,
        "summer",
        "link",
        subject="Hi",
        body_text="Open {{portal_link}}",
        body_html='<a href="{{portal_link}}">open</a>',
        send_on="pre_payment",
    )
    moves.move(db, "summer", "maya", "pre_payment")

    (queued,) = test_enqueue.queued(db)  # the automatic send, rendered inside the move
    shown = templates.preview(db, "summer", "link", "maya")
    assert shown.text == "Open https://brand.example/c?h=maya&t=1"
    assert shown.html == '<a href="https://brand.example/c?h=maya&amp;t=1">open</a>'
    assert queued.body_text == shown.text and queued.body_html == shown.html
