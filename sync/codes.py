"""Uploading codes into a pool, and what may be said about a pool.

An upload is atomic (and, when its input can be read again, run again after a transient
database failure): every entry is checked (format, duplicates within the
upload, duplicates of codes already known for the same store) and, unless the
user asked for ``--skip-invalid``, one bad entry means nothing is stored.
Unassigned codes are secret: results carry counts, never codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from store import catalog, events, pool
from store.db import Database, Tx
from store.pool import StagedConflict, Staging
from sync import lookup
from sync.codes_input import (
    EmptyEntry,
    Entry,
    Format,
    InvalidCodes,
    NoCodes,
    Offending,
    check_code,
    iter_entries,
    normalize_code,
)
from sync.errors import DomainError, WrongCampaignState


class LinkedPoolUpload(DomainError):
    """Codes of a store-linked pool come from its discount, never from an upload."""

    def __init__(self, ref: str, store_name: str) -> None:
        super().__init__(
            f"Incentive '{ref}' is linked to a discount in store '{store_name}', so uploaded "
            f"codes would not exist there: create the codes in the store and run "
            f"`promosync sync pull {ref}`, or have promosync create them with "
            f"`promosync codes generate {ref} --count N`"
        )


@dataclass(frozen=True)
class UploadResult:
    incentive: str
    stored: int
    empty: int
    skipped: list[Offending] = field(default_factory=list)
    available: int = 0


def upload(
    db: Database,
    ref: str,
    stream: TextIO,
    *,
    fmt: Format = "text",
    skip_invalid: bool = False,
    source: str = "the upload",
) -> UploadResult:
    """Add the codes read from ``stream`` to the pool of ``CAMPAIGN/INCENTIVE``.

    ``source`` names the input in messages (``--codes``, a file name, stdin): an input
    without a single code (empty, only separators, only a header) is refused with
    :class:`~sync.codes_input.NoCodes`, since storing nothing is never what was meant.
    """
    campaign_key, incentive_key = lookup.split_incentive_ref(ref)
    rewind = _rewinder(stream)

    def attempt(tx: Tx) -> UploadResult:
        if rewind is not None:
            rewind()  # a replay reads the input again from where the first attempt began
        return _upload_in(tx, ref, campaign_key, incentive_key, stream, fmt, skip_invalid, source)

    if rewind is None:
        # Input that can be read only once (a pipe on stdin) cannot be replayed after a
        # transient database failure: one attempt, and the error says to run it again.
        with db.transaction() as tx:
            return attempt(tx)
    return db.run(attempt)


def _rewinder(stream: TextIO) -> Callable[[], object] | None:
    """Seeks ``stream`` back to where it is now; None if it cannot be read again."""
    try:
        if not stream.seekable():
            return None
        start = stream.tell()
    except (OSError, ValueError):
        return None
    return lambda: stream.seek(start)


def _upload_in(
    tx: Tx,
    ref: str,
    campaign_key: str,
    incentive_key: str,
    stream: TextIO,
    fmt: Format,
    skip_invalid: bool,
    source: str,
) -> UploadResult:
    """One attempt at the upload, in ``tx``."""
    campaign = lookup.campaign(tx, campaign_key)
    if campaign.status == "archived":
        raise WrongCampaignState(
            campaign.key, "archived", "uploading codes", "archived campaigns are read-only"
        )
    # Locked, then read: an `incentives link` committing meanwhile is seen here.
    incentive = pool.lock_incentive(tx, lookup.incentive(tx, campaign, incentive_key).id)
    if incentive.source_id is not None:
        raise LinkedPoolUpload(ref, incentive.store_name)
    staging = Staging(tx)
    invalid: list[Offending] = []
    counter = _Counter()
    staging.add(_valid_rows(iter_entries(stream, fmt=fmt), invalid, counter))
    if not counter.entries:
        staging.close()
        raise NoCodes(source, counter.empty)
    conflicts = staging.conflicts(incentive.store_name)
    holders = catalog.incentive_refs(
        tx, {c.existing_incentive_id for c in conflicts if c.existing_incentive_id}
    )
    offending = sorted(
        invalid + [_describe(c, holders) for c in conflicts], key=lambda o: o.position
    )
    if offending and not skip_invalid:
        staging.close()
        raise InvalidCodes(offending, counter.empty)
    stored = staging.commit_into(incentive, (c.position for c in conflicts))
    events.record(
        tx,
        "codes.uploaded",
        campaign_id=campaign.id,
        incentive_id=incentive.id,
        stored=stored,
        skipped=len(offending),
        empty=counter.empty,
    )
    available = pool.counts(tx, [incentive.id])[incentive.id].available
    return UploadResult(ref, stored, counter.empty, offending, available)


class _Counter:
    """Entries with text, and empty ones, seen while streaming."""

    entries = 0
    empty = 0


def _valid_rows(
    entries: Iterable[Entry | EmptyEntry], invalid: list[Offending], counter: _Counter
) -> Iterator[tuple[int, int, str, str]]:
    """Staging rows for the well-formed entries; collects the others as it goes."""
    for entry in entries:
        if isinstance(entry, EmptyEntry):
            counter.empty += 1
            continue
        counter.entries += 1
        reason = check_code(entry.text)
        if reason is not None:
            invalid.append(Offending(entry.position, entry.line, entry.text, reason))
            continue
        yield entry.position, entry.line, entry.text, normalize_code(entry.text)


def _describe(conflict: StagedConflict, holders: dict[int, str]) -> Offending:
    if conflict.first_position is not None:
        reason = f"duplicate of entry {conflict.first_position} (codes are case-insensitive)"
    else:
        holder = holders.get(conflict.existing_incentive_id or 0, "another incentive")
        reason = f"already in the pool of {holder} (codes are unique per store, case-insensitive)"
    return Offending(conflict.position, conflict.line, conflict.code, reason)


@dataclass(frozen=True)
class ReleasedCode:
    handle: str
    code: str
    stage: str
    assigned_at: datetime
    revoked: bool


@dataclass(frozen=True)
class PoolStatus:
    incentive: str
    description: str
    counts: pool.PoolCounts
    released: list[ReleasedCode]


def status(db: Database, ref: str) -> PoolStatus:
    """Counts of a pool and the codes already released, with their creators."""
    with db.transaction() as tx:
        incentive = lookup.incentive_by_ref(tx, ref)
        counts = pool.counts(tx, [incentive.id])[incentive.id]
        released = [
            ReleasedCode(
                handle=creator.handle,
                code=code.code,
                stage=assignment.stage,
                assigned_at=assignment.assigned_at,
                revoked=assignment.revoked_at is not None,
            )
            for assignment, code, creator in catalog.releases_of(tx, incentive.id)
        ]
    return PoolStatus(ref, incentive.description, counts, released)


@dataclass(frozen=True)
class PoolLevel:
    """One pool's counts, for the overview across campaigns."""

    incentive: str  # CAMPAIGN/INCENTIVE
    campaign_status: str
    description: str
    counts: pool.PoolCounts


def levels(db: Database) -> list[PoolLevel]:
    """Counts of every pool of every campaign (never a code)."""
    with db.transaction() as tx:
        pairs = catalog.all_incentives(tx)
        counts = pool.counts(tx, [incentive.id for _, incentive in pairs])
        return [
            PoolLevel(
                f"{campaign.key}/{incentive.key}",
                campaign.status,
                incentive.description,
                counts[incentive.id],
            )
            for campaign, incentive in pairs
        ]


@dataclass(frozen=True)
class ExportedCode:
    """A released code with its creator, for the merchant's records."""

    code: str
    creator: str
    email: str | None
    first_name: str | None
    stage: str  # the stage whose entry released it
    released_at: datetime
    revoked_at: datetime | None


def export(db: Database, ref: str) -> list[ExportedCode]:
    """Every code released for ``CAMPAIGN/INCENTIVE``, oldest first; unassigned codes never."""
    with db.transaction() as tx:
        incentive = lookup.incentive_by_ref(tx, ref)
        return [
            ExportedCode(
                code=code.code,
                creator=creator.handle,
                email=creator.email,
                first_name=creator.first_name,
                stage=assignment.stage,
                released_at=assignment.assigned_at,
                revoked_at=assignment.revoked_at,
            )
            for assignment, code, creator in catalog.releases_of(tx, incentive.id)
        ]
