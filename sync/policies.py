"""Incentive policies: how long a handed-out code must stay valid, when holders are warned,
what counts as a leak and what happens then.

Unlike the incentive itself, a policy may change while the campaign runs: moves read
``min_validity`` fresh on every claim. Refill settings are in :mod:`sync.refill`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from store import events, policies
from store.db import Database, Tx
from store.models_policy import ON_LEAK_POLICIES, IncentivePolicy
from sync import lookup
from sync.config import seconds
from sync.errors import UsageError

#: A code whose discount ends sooner than this after its release is never handed out.
DEFAULT_MIN_VALIDITY = timedelta(days=14)
#: Creators holding a code that ends within this are warned (``code.expiring``).
DEFAULT_WARN_BEFORE = timedelta(days=3)
#: A personal code used by more distinct customers than this has leaked.
DEFAULT_MAX_CUSTOMERS = 1
FLAG, DISABLE_AND_REISSUE = ON_LEAK_POLICIES
ON_LEAK_CHOICES: tuple[str, ...] = ON_LEAK_POLICIES


@dataclass(frozen=True)
class Policy:
    """An incentive's effective policy (its own settings over the defaults)."""

    min_validity: timedelta = DEFAULT_MIN_VALIDITY
    warn_before: timedelta = DEFAULT_WARN_BEFORE
    on_leak: str = FLAG
    max_customers: int = DEFAULT_MAX_CUSTOMERS
    max_uses: int | None = None  # None: no limit of its own

    def as_dict(self) -> dict[str, object]:
        return {
            "min_validity": _days(self.min_validity),
            "warn_before": _days(self.warn_before),
            "on_leak": self.on_leak,
            "max_customers": self.max_customers,
            "max_uses": self.max_uses,
        }


def _days(span: timedelta) -> str:
    whole = int(span.total_seconds())
    return f"{whole // 86400}d" if whole % 86400 == 0 else f"{whole}s"


def effective(row: IncentivePolicy | None) -> Policy:
    if row is None:
        return Policy()
    return Policy(
        min_validity=_span(row.min_validity_seconds, DEFAULT_MIN_VALIDITY),
        warn_before=_span(row.warn_before_seconds, DEFAULT_WARN_BEFORE),
        on_leak=row.on_leak,
        max_customers=row.max_customers or DEFAULT_MAX_CUSTOMERS,
        max_uses=row.max_uses,
    )


def _span(value: int | None, default: timedelta) -> timedelta:
    return default if value is None else timedelta(seconds=value)


def policy_for(tx: Tx, incentive_id: int) -> Policy:
    return effective(policies.policy_of(tx, incentive_id))


def valid_until(tx: Tx, incentive_id: int, now: datetime) -> datetime:
    """The earliest end a code may have to be handed out now."""
    own = policies.min_validity_seconds(tx, incentive_id)
    return now + _span(own, DEFAULT_MIN_VALIDITY)


def _duration(value: str, option: str) -> int:
    try:
        return int(seconds(value))
    except ValueError:
        raise UsageError(
            f"{option} '{value}' is not a duration: give days, hours or minutes such as 14d, "
            f"36h or 90m"
        ) from None


def positive(value: int, option: str) -> int:
    """``value`` when it is 1 or more, else ``UsageError`` naming ``option``."""
    if value < 1:
        raise UsageError(f"{option} {value} is out of range: give 1 or more")
    return value


def set_policy(
    db: Database,
    ref: str,
    *,
    on_leak: str | None = None,
    max_customers: int | None = None,
    max_uses: int | None = None,
    min_validity: str | None = None,
    warn_before: str | None = None,
) -> Policy:
    """Change the named policy fields of incentive ``CAMPAIGN/KEY``; returns the result."""
    values: dict[str, object] = {}
    if on_leak is not None:
        if on_leak not in ON_LEAK_POLICIES:
            raise UsageError(
                f"on_leak policy '{on_leak}' is not valid: use flag or disable_and_reissue"
            )
        values["on_leak"] = on_leak
    if max_customers is not None:
        values["max_customers"] = positive(max_customers, "--max-customers")
    if max_uses is not None:
        values["max_uses"] = positive(max_uses, "--max-uses")
    if min_validity is not None:
        values["min_validity_seconds"] = _duration(min_validity, "--min-validity")
    if warn_before is not None:
        values["warn_before_seconds"] = _duration(warn_before, "--warn-before")
    with db.transaction() as tx:
        incentive = lookup.incentive_by_ref(tx, ref)
        if not values:
            return policy_for(tx, incentive.id)
        row = policies.update(tx, incentive.id, **values)
        result = effective(row)
        events.record(
            tx,
            "incentive.policy",
            campaign_id=incentive.campaign_id,
            incentive_id=incentive.id,
            settings=result.as_dict(),
        )
    return result
