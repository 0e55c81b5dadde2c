"""The code pool: staging an upload, counting. (Claiming a code is in :mod:`store.moving`.)

Uploads are staged in a temporary table so that duplicates, within the upload
and against codes already known for the store, are found with SQL: a
million-code upload never has to fit in Python memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    literal,
    select,
    text,
)

from store.chunks import chunked
from store.db import Tx
from store.models import (
    MAX_CODE_KEY_LENGTH,
    MAX_CODE_LENGTH,
    Code,
    Incentive,
    UTCDateTime,
    utcnow,
)

STAGING_BATCH = 5_000
#: Namespace of the PostgreSQL advisory lock that serialises uploads into one store scope.
UPLOAD_LOCK_PREFIX = "promosync.upload:"

_staging_metadata = MetaData()
#: Per-transaction scratch table for an upload; duplicates are found with SQL
#: so a million-code upload never has to fit in Python memory.
staging_table = Table(
    "upload_staging",
    _staging_metadata,
    Column("position", Integer, primary_key=True),
    Column("line", Integer, nullable=False),
    Column("code", String(MAX_CODE_LENGTH), nullable=False),
    Column("code_norm", String(MAX_CODE_KEY_LENGTH), nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


@dataclass(frozen=True)
class PoolCounts:
    total: int
    available: int
    assigned: int
    quarantined: int
    revoked: int


def counts(tx: Tx, incentive_ids: Sequence[int]) -> dict[int, PoolCounts]:
    """Pool counts per incentive (zeros for an empty pool)."""
    raw: dict[int, dict[str, int]] = {i: {} for i in incentive_ids}
    for chunk in chunked(raw):
        stmt = (
            select(Code.incentive_id, Code.status, func.count())
            .where(Code.incentive_id.in_(chunk))
            .group_by(Code.incentive_id, Code.status)
        )
        for incentive_id, status, n in tx.execute(stmt).all():
            raw[incentive_id][status] = n
    return {
        i: PoolCounts(
            total=sum(by_status.values()),
            available=by_status.get("available", 0),
            assigned=by_status.get("assigned", 0),
            quarantined=by_status.get("quarantined", 0),
            revoked=by_status.get("revoked", 0),
        )
        for i, by_status in raw.items()
    }


def _lock_uploads(tx: Tx, scope: str) -> None:
    # SQLite needs nothing: every transaction begins IMMEDIATE, so writers already queue.
    if tx.get_bind().dialect.name == "postgresql":
        key = func.hashtextextended(literal(UPLOAD_LOCK_PREFIX + scope), 0)
        tx.execute(select(func.pg_advisory_xact_lock(key)))


def lock_incentive(tx: Tx, incentive_id: int) -> Incentive:
    """The incentive, re-read after taking its row lock (PostgreSQL ``FOR UPDATE``).

    Uploads and ``incentives link`` both take it, so one waits for the other and
    then decides on what the other committed. (SQLite's ``BEGIN IMMEDIATE``
    already serialises every writing transaction.)
    """
    stmt = (
        select(Incentive)
        .where(Incentive.id == incentive_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return tx.scalars(stmt).one()


@dataclass(frozen=True)
class StagedConflict:
    """An uploaded entry that clashes: with an earlier entry, or with a known code."""

    position: int
    line: int
    code: str
    first_position: int | None  # the earlier entry in this upload, if that is the clash
    existing_incentive_id: int | None  # the incentive already holding it, if that is the clash


class Staging:
    """An upload in progress: rows go to a temporary table, then into the pool at once."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        connection = tx.connection()
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TABLE IF EXISTS temp.upload_staging"))
        staging_table.create(connection)
        self.staged = 0

    def add(self, rows: Iterable[tuple[int, int, str, str]]) -> None:
        """Stage ``(position, line, code, code_norm)`` rows."""
        iterator = iter(rows)
        while batch := list(islice(iterator, STAGING_BATCH)):
            self._tx.execute(
                insert(staging_table),
                [{"position": p, "line": ln, "code": c, "code_norm": n} for p, ln, c, n in batch],
            )
            self.staged += len(batch)

    def conflicts(self, scope: str) -> list[StagedConflict]:
        """Entries repeating an earlier entry, or a code already known in ``scope``.

        Takes the scope's upload lock first (held until the transaction ends), so a
        concurrent upload into the same store scope checks after this one has committed
        and finds its codes, instead of both passing the check and one failing on insert.
        """
        _lock_uploads(self._tx, scope)
        self._tx.execute(text("CREATE INDEX ix_upload_staging_norm ON upload_staging (code_norm)"))
        s = staging_table.alias("s")
        firsts = (
            select(staging_table.c.code_norm, func.min(staging_table.c.position).label("first"))
            .group_by(staging_table.c.code_norm)
            .having(func.count() > 1)
            .subquery()
        )
        repeats = select(
            s.c.position, s.c.line, s.c.code, firsts.c.first, literal(None).label("inc")
        ).join(firsts, (firsts.c.code_norm == s.c.code_norm) & (s.c.position > firsts.c.first))
        known = select(
            s.c.position, s.c.line, s.c.code, literal(None).label("first"), Code.incentive_id
        ).join(Code, (Code.scope == scope) & (Code.code_norm == s.c.code_norm))
        rows = self._tx.execute(repeats.union_all(known).order_by(s.c.position)).all()
        # An entry can clash both ways; report it once, naming the pool that holds it.
        by_position: dict[int, StagedConflict] = {}
        for position, line, code, first, holder in rows:
            if position not in by_position or holder is not None:
                by_position[position] = StagedConflict(position, line, code, first, holder)
        return list(by_position.values())

    def commit_into(self, incentive: Incentive, skip_positions: Iterable[int]) -> int:
        """Move staged rows (minus ``skip_positions``) into the pool; returns how many."""
        skip = sorted(set(skip_positions))
        if skip:
            for start in range(0, len(skip), STAGING_BATCH):
                chunk = skip[start : start + STAGING_BATCH]
                self._tx.execute(staging_table.delete().where(staging_table.c.position.in_(chunk)))
        now = utcnow()
        source = select(
            literal(incentive.id),
            literal(incentive.store_name),
            staging_table.c.code,
            staging_table.c.code_norm,
            literal("available"),
            literal("upload"),
            literal(False),
            literal(now, UTCDateTime()),
        ).order_by(staging_table.c.position)
        self._tx.execute(
            insert(Code).from_select(
                [
                    "incentive_id",
                    "scope",
                    "code",
                    "code_norm",
                    "status",
                    "origin",
                    "missing_from_store",
                    "created_at",
                ],
                source,
            )
        )
        inserted = self._tx.scalar(select(func.count()).select_from(staging_table)) or 0
        self.close()
        return inserted

    def close(self) -> None:
        connection = self._tx.connection()
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TABLE IF EXISTS temp.upload_staging"))
