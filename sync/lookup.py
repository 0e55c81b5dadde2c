"""Find what the user named, or fail with a message that says how to find it."""

from __future__ import annotations

from store import catalog
from store.catalog import Member
from store.db import Tx
from store.models import Campaign, Incentive
from sync.errors import NotFound, UsageError
from sync.fields import check_handle, printable


def campaign(tx: Tx, key: str, *, lock: bool = False) -> Campaign:
    found = catalog.find_campaign(tx, key, lock=lock)
    if found is None:
        raise NotFound("campaign", printable(key), "list campaigns with `promosync campaigns list`")
    return found


def incentive(tx: Tx, camp: Campaign, key: str) -> Incentive:
    found = catalog.find_incentive(tx, camp.id, key)
    if found is None:
        raise NotFound(
            "incentive",
            f"{camp.key}/{printable(key)}",
            f"list them with `promosync incentives list {camp.key}`",
        )
    return found


def member(tx: Tx, camp: Campaign, handle: str, *, lock: bool = False) -> Member:
    """The creator ``handle`` (normalised as :func:`sync.fields.check_handle`) in ``camp``."""
    handle = check_handle(handle)
    found = catalog.find_member(tx, camp.id, handle, lock=lock)
    if found is None:
        raise NotFound(
            "creator",
            handle,
            f"'{handle}' is not in campaign '{camp.key}': add them with "
            f"`promosync creators add {camp.key} {handle}`",
        )
    return found


def split_incentive_ref(ref: str) -> tuple[str, str]:
    """``CAMPAIGN/INCENTIVE`` → (campaign key, incentive key)."""
    campaign_key, sep, incentive_key = ref.partition("/")
    if not sep or not campaign_key or not incentive_key or "/" in incentive_key:
        raise UsageError(
            f"'{printable(ref)}' does not name an incentive: write CAMPAIGN/INCENTIVE, "
            "e.g. summer/kit"
        )
    return campaign_key, incentive_key


def incentive_by_ref(tx: Tx, ref: str) -> Incentive:
    """The incentive ``CAMPAIGN/INCENTIVE`` names."""
    campaign_key, incentive_key = split_incentive_ref(ref)
    return incentive(tx, campaign(tx, campaign_key), incentive_key)
