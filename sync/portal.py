"""Creator page links: make one, revoke them, and open the page a token leads to.

A link is ``[portal] base_url`` + ``/c/`` + a signed, expiring token
(:mod:`sync.portal_tokens`). Opening it shows the creator's view
(:func:`sync.creators.view_in`): the same rule as ``promosync creators show`` decides
which codes appear. Every refusal (malformed, forged, expired, revoked, unknown) is the
same ``None``, so the page cannot tell an attacker which one it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from store import events, portal_access
from store.db import Database, Tx
from sync import lookup, portal_tokens
from sync.config import Config, ConfigError
from sync.creators import CreatorView, view_in

#: The path creator pages are served under (``sync.web.portal``).
PAGE_PREFIX = "/c/"


@dataclass(frozen=True)
class PortalLink:
    """A link to a creator's page, and until when it opens."""

    campaign: str
    handle: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Revoked:
    """Every link of ``handle`` in ``campaign`` signed before ``revoked_at`` stopped working."""

    campaign: str
    handle: str
    revoked_at: datetime


def link(
    db: Database,
    config: Config,
    campaign_key: str,
    handle: str,
    *,
    lifetime: float | None = None,
    now: float | None = None,
) -> PortalLink:
    """A signed link to ``handle``'s page in ``campaign_key``, valid for ``lifetime`` seconds.

    ``lifetime`` defaults to ``[portal] link_expires``. ``ConfigError`` when ``[portal]``
    lacks ``base_url`` or ``secret``; ``NotFound`` for an unknown campaign or creator.
    """
    _settings(config)  # a missing setting is refused before the database is touched
    return db.run(lambda tx: link_in(tx, config, campaign_key, handle, lifetime=lifetime, now=now))


def link_in(
    tx: Tx,
    config: Config,
    campaign_key: str,
    handle: str,
    *,
    lifetime: float | None = None,
    now: float | None = None,
) -> PortalLink:
    """:func:`link` inside a transaction the caller holds (a move queueing its messages)."""
    base_url, secret = _settings(config)
    issued = time.time() if now is None else now
    expires = int(issued + (config.portal.link_expires if lifetime is None else lifetime))
    campaign = lookup.campaign(tx, campaign_key)
    member = lookup.member(tx, campaign, handle)
    access = portal_access.ensure(tx, member.membership.id, portal_tokens.new_portal_id())
    token = portal_tokens.sign(secret, access.portal_id, access.version, expires)
    return PortalLink(
        campaign=campaign.key,
        handle=member.creator.handle,
        url=f"{base_url}{PAGE_PREFIX}{token}",
        expires_at=datetime.fromtimestamp(expires, UTC),
    )


@dataclass(frozen=True)
class PortalLinkTag:
    """``{{portal_link}}`` in messages (:mod:`sync.message_tags`): a fresh link per message.

    Without a loaded configuration (a library caller) it renders blank; with one that
    lacks ``[portal]`` it raises ``ConfigError`` naming the fix, so a message never goes
    out with a link that was silently left out.
    """

    name: str = "portal_link"

    def value(self, tx: Tx, creator: CreatorView, config: Config | None) -> str:
        if config is None:
            return ""
        return link_in(tx, config, creator.campaign, creator.handle).url

    def unusable(self, config: Config) -> str | None:
        try:
            _settings(config)
        except ConfigError as error:
            return (
                f"{{{{{self.name}}}}} cannot be filled yet, so sending this template (and a "
                f"move that would send it) is refused: {error}"
            )
        return None


PORTAL_LINK_TAG = PortalLinkTag()


def portal_link(db: Database, config: Config, campaign_key: str, handle: str) -> str:
    """The URL for ``{{portal_link}}``: a fresh link with the configured lifetime."""
    return link(db, config, campaign_key, handle).url


def revoke(db: Database, campaign_key: str, handle: str) -> Revoked:
    """Stop every link made so far for ``handle`` in ``campaign_key``; new links work again."""
    at = datetime.now(UTC)

    def work(tx: Tx) -> tuple[str, str]:
        campaign = lookup.campaign(tx, campaign_key)
        member = lookup.member(tx, campaign, handle)
        portal_access.ensure(tx, member.membership.id, portal_tokens.new_portal_id())
        portal_access.bump_version(tx, member.membership.id, at)
        events.record(tx, "portal.revoked", campaign_id=campaign.id, creator_id=member.creator.id)
        return campaign.key, member.creator.handle

    campaign, creator = db.run(work)
    return Revoked(campaign=campaign, handle=creator, revoked_at=at)


def open_page(
    db: Database, config: Config, token: str, *, now: float | None = None
) -> CreatorView | None:
    """The view a token opens, or None for any token that must not open one."""
    secret = config.portal.secret
    if secret is None:
        return None
    claims = portal_tokens.verify(secret.reveal(), token, time.time() if now is None else now)
    if claims is None:
        return None
    with db.transaction() as tx:
        holder = portal_access.find_holder(tx, claims.portal_id)
        if holder is None or holder.access.version != claims.version:
            return None
        return view_in(tx, holder.campaign, holder.creator.handle)


def _settings(config: Config) -> tuple[str, str]:
    """``[portal] base_url`` and the revealed secret, or ``ConfigError`` naming the fix."""
    where = config.source or "the config file"
    portal = config.portal
    if portal.base_url is None:
        raise ConfigError(
            f"[portal] base_url is not set in {where}: add it, e.g. "
            '[portal] base_url = "https://promo.brand.example" (where `promosync serve` is '
            "reachable; see config.example.toml)"
        )
    if portal.secret is None:
        raise ConfigError(
            f"[portal] secret is not set in {where}: add "
            'secret = "${PROMOSYNC_PORTAL_SECRET}" under [portal] and export a random value, '
            "e.g. `export PROMOSYNC_PORTAL_SECRET=$(python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')`"
        )
    return portal.base_url, check_secret(portal.secret.reveal(), portal.secret.env_var)


def check_secret(value: str, env_var: str | None) -> str:
    """``value`` when it is long enough to sign links; ``ConfigError`` otherwise."""
    if len(value) >= portal_tokens.MIN_SECRET_LENGTH:
        return value
    source = f"${{{env_var}}}" if env_var else "the literal value"
    raise ConfigError(
        f"[portal] secret ({source}) is shorter than {portal_tokens.MIN_SECRET_LENGTH} "
        "characters, too weak to sign links: use a random value, e.g. "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
    )
