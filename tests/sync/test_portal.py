"""Creator page links: who a token opens, and every token that must open nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from store.db import Database
from store.models_portal import PortalAccess
from sync import creators, messages, moves, portal, portal_tokens
from sync.config import Config, ConfigError, PortalConfig
from sync.errors import NotFound
from tests import builders
from tests.support.portal import SECRET_ENV, portal_config, token_of

DAY = 86400.0


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> Config:
    return portal_config(monkeypatch)


def _campaign_with(db: Database, handle: str = "maya") -> None:
    builders.campaign(db)
    creators.add(db, "summer", handle, first_name="Maya")


def test_link_opens_the_creators_view_with_the_code_only_once_released(
    db: Database, config: Config
) -> None:
    _campaign_with(db)
    url = portal.link(db, config, "summer", "maya").url
    assert url.startswith("http://127.0.0.1:8080/c/")
    before = portal.open_page(db, config, token_of(url))
    assert before is not None and before.handle == "maya"
    assert [i.code for i in before.incentives] == [None]
    released = moves.move(db, "summer", "maya", "pre_payment").released[0].code
    after = portal.open_page(db, config, token_of(url))
    assert after is not None and [i.code for i in after.incentives] == [released]


def test_token_holds_a_random_portal_id_not_a_database_id(db: Database, config: Config) -> None:
    _campaign_with(db)
    creators.add(db, "summer", "zoe")
    maya = token_of(portal.link(db, config, "summer", "maya").url)
    zoe = token_of(portal.link(db, config, "summer", "zoe").url)
    with db.transaction() as tx:
        stored = set(tx.execute(select(PortalAccess.portal_id)).scalars())
    ids = {maya.split(".")[0], zoe.split(".")[0]}
    assert ids == stored and len(ids) == 2
    assert all(len(portal_id) == 22 and not portal_id.isdigit() for portal_id in ids)


def test_each_link_of_a_creator_reuses_their_one_portal_id(db: Database, config: Config) -> None:
    _campaign_with(db)
    first = token_of(portal.link(db, config, "summer", "maya").url)
    second = token_of(portal.link(db, config, "summer", "maya", lifetime=3600).url)
    assert first.split(".")[0] == second.split(".")[0]
    assert portal.open_page(db, config, first) is not None
    assert portal.open_page(db, config, second) is not None


def test_expired_link_opens_nothing(db: Database, config: Config) -> None:
    _campaign_with(db)
    issued = time.time() - 31 * DAY
    token = token_of(portal.link(db, config, "summer", "maya", now=issued).url)
    assert portal.open_page(db, config, token, now=issued + 30 * DAY - 60) is not None
    assert portal.open_page(db, config, token) is None


def test_revoking_stops_every_earlier_link_and_new_links_work(db: Database, config: Config) -> None:
    _campaign_with(db)
    creators.add(db, "summer", "zoe")
    old = token_of(portal.link(db, config, "summer", "maya").url)
    other = token_of(portal.link(db, config, "summer", "zoe").url)
    portal.revoke(db, "summer", "maya")
    assert portal.open_page(db, config, old) is None
    assert portal.open_page(db, config, other) is not None  # per creator, not everyone
    fresh = token_of(portal.link(db, config, "summer", "maya").url)
    assert portal.open_page(db, config, fresh) is not None


@pytest.mark.parametrize(
    "forge",
    [
        "flip a signature character",
        "extend the expiry",
        "raise the version",
        "sign with another secret",
        "another creator's portal id",
        "truncate",
    ],
)
def test_forged_token_opens_nothing(
    db: Database, config: Config, monkeypatch: pytest.MonkeyPatch, forge: str
) -> None:
    _campaign_with(db)
    creators.add(db, "summer", "zoe")
    token = token_of(portal.link(db, config, "summer", "maya").url)
    zoe = token_of(portal.link(db, config, "summer", "zoe").url)
    portal_id, version, expires, signature = token.split(".")
    forged = {
        "flip a signature character": ".".join(
            [
                portal_id,
                version,
                expires,
                ("A" if signature[5] != "A" else "B").join([signature[:5], signature[6:]]),
            ]
        ),
        "extend the expiry": ".".join([portal_id, version, f"{int(expires, 16) + 1:x}", signature]),
        "raise the version": ".".join([portal_id, "2", expires, signature]),
        "sign with another secret": portal_tokens.sign(
            "another-secret-" + "x" * 32, portal_id, int(version, 16), int(expires, 16)
        ),
        "another creator's portal id": ".".join([zoe.split(".")[0], version, expires, signature]),
        "truncate": token[:-1],
    }[forge]
    assert forged != token
    assert portal.open_page(db, config, forged) is None
    assert portal.open_page(db, config, token) is not None


def test_link_needs_a_base_url_and_a_secret_and_says_how(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _campaign_with(db)
    no_url = Config(portal=PortalConfig.model_validate({"secret": "${" + SECRET_ENV + "}"}))
    with pytest.raises(ConfigError, match=r"\[portal\] base_url is not set"):
        portal.link(db, no_url, "summer", "maya")
    no_secret = Config(portal=PortalConfig(base_url="https://promo.brand.example"))
    with pytest.raises(ConfigError, match=r"\[portal\] secret is not set.*PROMOSYNC_PORTAL_SECRET"):
        portal.link(db, no_secret, "summer", "maya")
    unset = portal_config(monkeypatch)
    monkeypatch.delenv(SECRET_ENV)
    with pytest.raises(ConfigError, match=r"\$\{PROMOSYNC_PORTAL_SECRET\}, which is not set"):
        portal.link(db, unset, "summer", "maya")
    monkeypatch.setenv(SECRET_ENV, "short")
    with pytest.raises(ConfigError, match="shorter than 32 characters") as refused:
        portal.link(db, unset, "summer", "maya")
    assert "short" not in str(refused.value).replace("shorter", "")
    with db.transaction() as tx:  # nothing was stored by the refused links
        assert tx.execute(select(PortalAccess)).first() is None


def test_link_to_an_unknown_creator_is_refused(db: Database, config: Config) -> None:
    _campaign_with(db)
    with pytest.raises(NotFound, match="creators add summer nobody"):
        portal.link(db, config, "summer", "nobody")


def test_without_a_secret_in_the_server_no_token_opens(db: Database, config: Config) -> None:
    _campaign_with(db)
    token = token_of(portal.link(db, config, "summer", "maya").url)
    assert portal.open_page(db, Config(), token) is None


def test_link_expiry_is_reported(db: Database, config: Config) -> None:
    _campaign_with(db)
    made = portal.link(db, config, "summer", "maya", lifetime=2 * DAY, now=1_800_000_000.0)
    assert made.expires_at == datetime.fromtimestamp(1_800_000_000 + 2 * DAY, UTC)


def test_portal_link_tag_renders_a_link_that_opens_the_creators_page(
    db: Database, config: Config
) -> None:
    _campaign_with(db)
    assert (
        messages.check(db, "summer", "Your page: {{ portal_link }}", send_on_stage="invited") == []
    )
    rendered = messages.render(db, "summer", "maya", "Page: {{portal_link}}", config=config)
    url = rendered.text.removeprefix("Page: ")
    assert url.startswith("http://127.0.0.1:8080/c/")
    view = portal.open_page(db, config, token_of(url))
    assert view is not None and view.handle == "maya"


def test_portal_link_tag_without_portal_settings_is_refused_with_the_fix(db: Database) -> None:
    _campaign_with(db)
    with pytest.raises(ConfigError, match=r"\[portal\] base_url"):
        messages.render(db, "summer", "maya", "{{portal_link}}", config=Config())
    assert messages.render(db, "summer", "maya", "Hi {{first_name}}").text == "Hi Maya"
