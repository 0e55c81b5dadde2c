"""Capacity of each pool: who will need a code, what can be handed out, and when it runs out.

One service serves ``codes capacity``, the dry run of ``creators move`` and ``report``:

- *participants waiting*: creators in participant stages before the release stage who
  neither hold nor had rejected the incentive, per stage;
- *candidates waiting*: the same in the candidates phase (shown separately: many never
  become participants);
- *available*: codes that can be handed out now (codes ending sooner than the incentive's
  ``min_validity`` are counted apart as *short validity*);
- *shortfall*: participants waiting minus available (never negative), and the same with
  the candidates counted too;
- *runs out*: when the available codes are gone at the rate codes were released over the
  last :data:`RATE_WINDOW` (None when nothing was released in that window).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from store import capacity as store_capacity
from store import catalog
from store.db import Database, Tx
from store.models import Campaign, utcnow
from sync import lookup, policies, workflow

#: The window over which the move rate is measured.
RATE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class IncentiveCapacity:
    incentive: str
    release_stage: str
    participants: dict[str, int] = field(default_factory=dict)  # stage -> creators waiting
    candidates: dict[str, int] = field(default_factory=dict)
    available: int = 0
    short_validity: int = 0  # available codes that end too soon to be handed out
    released_in_window: int = 0
    window_days: int = RATE_WINDOW.days
    runs_out_on: date | None = None

    @property
    def participants_waiting(self) -> int:
        return sum(self.participants.values())

    @property
    def candidates_waiting(self) -> int:
        return sum(self.candidates.values())

    @property
    def shortfall(self) -> int:
        """Codes missing for the participants already on the way to the release stage."""
        return max(0, self.participants_waiting - self.available)

    @property
    def shortfall_with_candidates(self) -> int:
        return max(0, self.participants_waiting + self.candidates_waiting - self.available)

    @property
    def rate_per_day(self) -> float:
        return self.released_in_window / self.window_days

    def as_dict(self) -> dict[str, object]:
        return {
            "incentive": self.incentive,
            "release_stage": self.release_stage,
            "participants": dict(self.participants),
            "participants_waiting": self.participants_waiting,
            "candidates": dict(self.candidates),
            "candidates_waiting": self.candidates_waiting,
            "available": self.available,
            "short_validity": self.short_validity,
            "shortfall": self.shortfall,
            "shortfall_with_candidates": self.shortfall_with_candidates,
            "rate_per_day": round(self.rate_per_day, 2),
            "rate_window_days": self.window_days,
            "runs_out_on": self.runs_out_on.isoformat() if self.runs_out_on else None,
        }


def of_campaign(
    tx: Tx, campaign: Campaign, now: datetime | None = None, *, only: int | None = None
) -> list[IncentiveCapacity]:
    """The capacity of every incentive of ``campaign`` (or of the one ``only`` names)."""
    now = now or utcnow()
    stages = {s.key: s for s in catalog.stages_of(tx, campaign.id)}
    incentives = [i for i in catalog.incentives_of(tx, campaign.id) if only is None or i.id == only]
    released = store_capacity.released_since(tx, [i.id for i in incentives], now - RATE_WINDOW)
    found = []
    for incentive in incentives:
        release = stages[incentive.timing]
        waiting = store_capacity.waiting_by_stage(tx, campaign.id, incentive.id)
        participants: dict[str, int] = {}
        candidates: dict[str, int] = {}
        for stage in sorted(stages.values(), key=lambda s: s.position):
            n = waiting.get(stage.key, 0)
            if not n:
                continue
            if stage.phase == workflow.PARTICIPANTS and stage.position < release.position:
                participants[stage.key] = n
            elif stage.phase == workflow.CANDIDATES:
                candidates[stage.key] = n
        available, short = store_capacity.available_split(
            tx, incentive.id, policies.valid_until(tx, incentive.id, now)
        )
        rate = released[incentive.id] / RATE_WINDOW.days
        runs_out = (now + timedelta(days=math.floor(available / rate))).date() if rate > 0 else None
        found.append(
            IncentiveCapacity(
                incentive=incentive.key,
                release_stage=incentive.timing,
                participants=participants,
                candidates=candidates,
                available=available,
                short_validity=short,
                released_in_window=released[incentive.id],
                runs_out_on=runs_out,
            )
        )
    return found


def capacity(
    db: Database, campaign_key: str, now: datetime | None = None
) -> list[IncentiveCapacity]:
    with db.transaction() as tx:
        return of_campaign(tx, lookup.campaign(tx, campaign_key), now)
