"""Sync runs: a row per job run, from running to ok or failed, with a heartbeat."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, select, update

from store.chunks import chunked
from store.db import Tx
from store.models import LOCAL_SCOPE, Incentive, utcnow
from store.models_sync import SyncRun


@dataclass(frozen=True)
class RunningRun:
    """A run row still marked running: its owner may be alive, or may have died."""

    id: int
    owner: str | None  # "host:pid"
    heartbeat_at: datetime | None


def running_runs(tx: Tx, store_name: str, kind: str, incentive_id: int | None) -> list[RunningRun]:
    """Runs of the same job (store, kind, incentive) still marked running."""
    same_incentive = (
        SyncRun.incentive_id.is_(None)
        if incentive_id is None
        else SyncRun.incentive_id == incentive_id
    )
    stmt = select(SyncRun.id, SyncRun.owner, SyncRun.heartbeat_at).where(
        SyncRun.store_name == store_name,
        SyncRun.kind == kind,
        same_incentive,
        SyncRun.status == "running",
    )
    return [RunningRun(i, o, h) for i, o, h in tx.execute(stmt.order_by(SyncRun.id)).all()]


@dataclass(frozen=True)
class RunningJob:
    """A run row still marked running, with the job (store, kind, incentive) it belongs to."""

    id: int
    store_name: str
    kind: str
    incentive_id: int | None


def running_jobs(tx: Tx, store_name: str | None = None) -> list[RunningJob]:
    """Every run still marked running (of one store, or of all), oldest first."""
    stmt = select(SyncRun.id, SyncRun.store_name, SyncRun.kind, SyncRun.incentive_id).where(
        SyncRun.status == "running"
    )
    if store_name is not None:
        stmt = stmt.where(SyncRun.store_name == store_name)
    return [RunningJob(*row) for row in tx.execute(stmt.order_by(SyncRun.id)).all()]


@dataclass(frozen=True)
class RunRecord:
    """A run as ``sync status`` shows it."""

    id: int
    store_name: str
    kind: str
    incentive_id: int | None
    status: str  # running | ok | failed
    owner: str | None
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    error: str | None
    expected: int | None
    fetched: int
    stored: int
    skipped: int
    quarantined: int


def latest_runs(tx: Tx, store_name: str | None = None) -> list[RunRecord]:
    """Per job (store, kind, incentive): its last ``ok`` run, its last ``failed`` run and
    every run still marked running, oldest first."""
    last = (
        select(func.max(SyncRun.id))
        .where(SyncRun.status.in_(("ok", "failed")))
        .group_by(SyncRun.store_name, SyncRun.kind, SyncRun.incentive_id, SyncRun.status)
    )
    running = select(SyncRun.id).where(SyncRun.status == "running")
    if store_name is not None:
        last = last.where(SyncRun.store_name == store_name)
        running = running.where(SyncRun.store_name == store_name)
    ids = sorted({*tx.scalars(last), *tx.scalars(running)})
    records: list[RunRecord] = []
    for chunk in chunked(ids):
        rows = tx.execute(
            select(
                SyncRun.id,
                SyncRun.store_name,
                SyncRun.kind,
                SyncRun.incentive_id,
                SyncRun.status,
                SyncRun.owner,
                SyncRun.started_at,
                SyncRun.finished_at,
                SyncRun.heartbeat_at,
                SyncRun.error,
                SyncRun.expected,
                SyncRun.fetched,
                SyncRun.stored,
                SyncRun.skipped,
                SyncRun.quarantined,
            )
            .where(SyncRun.id.in_(chunk))
            .order_by(SyncRun.id)
        )
        records += [RunRecord(**row._mapping) for row in rows]
    return records


def begin_run(
    tx: Tx, store_name: str, kind: str, incentive_id: int | None = None, *, owner: str | None = None
) -> int:
    """A new run row, marked running; returns its id."""
    now = utcnow()
    run = SyncRun(
        store_name=store_name,
        kind=kind,
        incentive_id=incentive_id,
        status="running",
        owner=owner,
        started_at=now,
        heartbeat_at=now,
    )
    tx.add(run)
    tx.flush()
    return run.id


def beat(tx: Tx, run_id: int, **counts: int | None) -> None:
    """The run is alive: stamp its heartbeat and its counts so far."""
    tx.execute(update(SyncRun).where(SyncRun.id == run_id).values(heartbeat_at=utcnow(), **counts))


def finish_run(tx: Tx, run_id: int, status: str, error: str | None, **counts: int | None) -> None:
    """Close a run as ``ok`` or ``failed`` (with a message safe to show) and its final counts."""
    now = utcnow()
    tx.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(status=status, error=error, finished_at=now, heartbeat_at=now, **counts)
    )


def fail_runs(tx: Tx, run_ids: Sequence[int], error: str) -> int:
    """Mark runs whose process is gone as failed (only those still marked running: a run
    that finished meanwhile is left alone). Returns how many were marked."""
    marked = 0
    for chunk in chunked(run_ids):
        result = tx.execute(
            update(SyncRun)
            .where(SyncRun.id.in_(chunk), SyncRun.status == "running")
            .values(status="failed", error=error, finished_at=utcnow())
        )
        marked += int(cast(CursorResult[Any], result).rowcount)
    return marked


@dataclass(frozen=True)
class LastPull:
    """When the pull of a linked incentive last succeeded (None: never), and whether any failed."""

    store_name: str
    incentive_id: int
    last_ok: datetime | None
    ever_failed: bool


def last_pulls(tx: Tx) -> list[LastPull]:
    """For every linked incentive, its last successful pull and whether a pull ever failed."""
    ok = func.max(case((SyncRun.status == "ok", SyncRun.finished_at)))
    failed = func.count(case((SyncRun.status == "failed", 1)))
    stmt = (
        select(Incentive.store_name, Incentive.id, ok, failed)
        .outerjoin(
            SyncRun,
            (SyncRun.incentive_id == Incentive.id)
            & (SyncRun.kind == "pull")
            & (SyncRun.store_name == Incentive.store_name),
        )
        .where(Incentive.source_id.is_not(None), Incentive.store_name != LOCAL_SCOPE)
        .group_by(Incentive.store_name, Incentive.id)
        .order_by(Incentive.store_name, Incentive.id)
    )
    return [LastPull(s, i, last, n > 0) for s, i, last, n in tx.execute(stmt).all()]
