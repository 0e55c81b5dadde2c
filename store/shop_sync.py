"""Persistence for syncing pools with a store: code upserts, quarantine, usage, orders.

A pull is a sequence of short transactions, one per page, each upserting the
page's codes and stamping them with the run's id. Only when the whole source
has been read *and* the count matched does :func:`finish_pull` quarantine the
codes the run did not see. A pull that dies half-way therefore leaves only
real codes behind, and the next complete run settles the pool.

Sync runs live in :mod:`store.sync_runs`, links of incentives to discounts in
:mod:`store.shop_links`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Dialect,
    Table,
    Update,
    and_,
    case,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from store.chunks import chunked
from store.db import Tx
from store.models import MAX_CODE_KEY_LENGTH, Code, Incentive, utcnow
from store.models_sync import (
    OrderCode,
    ShopOrder,
    SyncCursor,
    UsageObservation,
)

GONE_FROM_STORE = "gone from store"
#: Rows upserted per transaction when codes arrive other than by pages of the store.
PAGE_ROWS = 250
SOURCE_UNUSABLE = "discount is {status} in the store"
#: A code the store holds but would refuse (a WooCommerce coupon expired, used up, drafted).
CODE_UNUSABLE = "code is {why} in the store"


_CODES = cast(Table, Code.__table__)
_PAGE_COLUMNS = ("code", "code_norm", "platform_id")  # what varies from row to row
_FIXED_COLUMNS = (
    "incentive_id",
    "scope",
    "status",
    "quarantine_reason",
    "origin",
    "missing_from_store",
    "last_seen_run_id",
    "ends_at",
    "created_at",
)


@dataclass(frozen=True)
class _PageInsert:
    """``INSERT INTO codes`` compiled once per dialect, run as a driver-level executemany.

    A pull inserts 250 codes per transaction; SQLAlchemy's executemany builds and
    type-processes every parameter of every row, which cost more than SQLite's own work.
    Here the values shared by the page are type-processed once and each row adds only
    its three strings (which no bind processor changes, checked when compiling).
    """

    sql: str
    order: tuple[str, ...] | None  # bind names in order (positional paramstyles), else None
    processors: dict[str, Callable[[Any], Any]]

    @classmethod
    def compile(cls, dialect: Dialect) -> _PageInsert:
        columns = [*_FIXED_COLUMNS, *_PAGE_COLUMNS]
        # A code another command pooled since the page was read is skipped, not an error;
        # upsert_page then treats it like a code it had found.
        statement = _dialect_insert(dialect.name)(_CODES).on_conflict_do_nothing(
            index_elements=["scope", "code_norm"]
        )
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        processors: dict[str, Callable[[Any], Any]] = {}
        for name in columns:
            processor = _CODES.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                if name in _PAGE_COLUMNS:
                    raise TypeError(f"codes.{name} needs a bind processor on {dialect.name}")
                processors[name] = processor
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        return cls(compiled.string, order, processors)

    def execute(
        self, tx: Tx, fixed: dict[str, object], rows: Sequence[tuple[str, str, str | None]]
    ) -> int:
        """Insert ``rows``; returns how many were inserted (-1 when the driver cannot say)."""
        shared = {k: self.processors[k](v) if k in self.processors else v for k, v in fixed.items()}
        named = [{**shared, "code": c, "code_norm": n, "platform_id": p} for c, n, p in rows]
        if self.order is None:
            result = tx.connection().exec_driver_sql(self.sql, named)
        else:
            in_order = itemgetter(*self.order)
            result = tx.connection().exec_driver_sql(self.sql, [in_order(r) for r in named])
        return result.rowcount


_page_inserts: dict[str, _PageInsert] = {}


def _dialect_insert(dialect: str) -> Callable[[Table], Any]:
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]


def _insert_page(
    tx: Tx, fixed: dict[str, object], rows: Sequence[tuple[str, str, str | None]]
) -> int:
    dialect = tx.get_bind().dialect
    compiled = _page_inserts.get(dialect.name)
    if compiled is None:
        compiled = _page_inserts[dialect.name] = _PageInsert.compile(dialect)
    return compiled.execute(tx, fixed, rows)


@dataclass(frozen=True)
class PageResult:
    new: int  # codes added to the pool
    seen: int  # codes of this page now stamped with the run
    foreign: list[str]  # codes that belong to another incentive's pool (skipped)


def upsert_page(
    tx: Tx,
    incentive_id: int,
    scope: str,
    run_id: int,
    codes: Sequence[tuple[str, str, str | None]],
    *,
    quarantine_reason: str | None = None,
    holds: Mapping[str, str] | None = None,
    ends_at: Mapping[str, datetime | None] | None = None,
) -> PageResult:
    """Upsert ``(code, code_norm, platform_id)`` of one page into the incentive's pool.

    New codes arrive quarantined when ``quarantine_reason`` says the source is
    unusable, so a pull that dies half-way never leaves claimable dead codes.
    ``holds`` (code norm -> why) names codes the store holds but would refuse
    (:data:`CODE_UNUSABLE`): they are quarantined, new or pooled, and codes seen
    usable again are restored. A pooled code takes the store's spelling.
    ``ends_at`` (by code norm) is when the store stops honouring each code; it is
    stored on new codes and refreshed on known ones.
    """
    holds = holds or {}
    ends = ends_at or {}
    existing = codes_by_norm(tx, scope, (norm for _, norm, _ in codes))
    now = utcnow()
    new_rows: list[tuple[str, str, str | None]] = []
    added: set[str] = set()  # a repeat within the page is the same code
    foreign: list[str] = []
    for code, norm, platform_id in codes:
        known = existing.get(norm)
        if known is None and norm not in added:
            added.add(norm)
            new_rows.append((code, norm, platform_id))
        elif known is None or known.incentive_id != incentive_id:
            # Another incentive's code, or a repeat of a code new in this very page.
            foreign.append(code)
        else:
            _seen(known, run_id, platform_id, code, holds.get(norm), ends.get(norm))
    inserted = 0
    # One insert per (reason, end date): a discount's codes share both.
    for (reason, end), rows in _grouped(new_rows, quarantine_reason, holds, ends).items():
        fixed: dict[str, object] = {
            "incentive_id": incentive_id,
            "scope": scope,
            "status": "quarantined" if reason else "available",
            "quarantine_reason": reason,
            "origin": "store",
            "missing_from_store": False,
            "last_seen_run_id": run_id,
            "ends_at": end,
            "created_at": now,
        }
        counted = _insert_page(tx, fixed, rows)
        inserted = -1 if counted < 0 or inserted < 0 else inserted + counted
    if inserted != len(new_rows):
        # Another pull (or an upload) pooled some of these codes after they were looked up:
        # the insert skipped them, so settle them as codes found in the pool.
        inserted = 0
        raced = codes_by_norm(tx, scope, [norm for _, norm, _ in new_rows])
        for code, norm, platform_id in new_rows:
            row = raced[norm]
            if row.incentive_id != incentive_id:
                foreign.append(code)
            elif row.last_seen_run_id == run_id:  # only this run stamps with its id
                inserted += 1
            else:
                _seen(row, run_id, platform_id, code, holds.get(norm), ends.get(norm))
    return PageResult(inserted, len(codes) - len(foreign), foreign)


def _grouped(
    rows: Sequence[tuple[str, str, str | None]],
    source_reason: str | None,
    holds: Mapping[str, str],
    ends: Mapping[str, datetime | None],
) -> dict[tuple[str | None, datetime | None], list[tuple[str, str, str | None]]]:
    """New rows grouped by the quarantine reason they arrive with (None: available) and
    their end date."""
    groups: dict[tuple[str | None, datetime | None], list[tuple[str, str, str | None]]] = {}
    for row in rows:
        reason = source_reason or (
            CODE_UNUSABLE.format(why=holds[row[1]]) if row[1] in holds else None
        )
        groups.setdefault((reason, ends.get(row[1])), []).append(row)
    return groups


def _seen(
    code: Code,
    run_id: int,
    platform_id: str | None,
    spelling: str,
    hold: str | None,
    ends_at: datetime | None,
) -> None:
    """Stamp a pooled code as seen by ``run_id``, and back in circulation if it had gone.

    ``hold`` is why the store would refuse the code now (None: it takes it); ``ends_at``
    when the store stops honouring it.
    """
    # Never lower the stamp: a concurrent pull that started later (a higher id) saw the
    # code too, and its finish_pull must not take the code for gone. Computed in SQL, so
    # the row's latest stamp counts, not the one read before the row lock was granted.
    code.last_seen_run_id = case(
        (Code.last_seen_run_id > run_id, Code.last_seen_run_id), else_=run_id
    )
    code.platform_id = platform_id or code.platform_id
    code.missing_from_store = False
    if code.ends_at != ends_at:
        code.ends_at = ends_at
    if code.code != spelling:
        code.code = spelling  # what the creator is shown is what the store holds
    reason = code.quarantine_reason or ""
    held_here = reason == GONE_FROM_STORE or (
        reason.startswith("code is ") and reason.endswith(" in the store")
    )
    if hold is not None and (code.status == "available" or held_here):
        code.status, code.quarantine_reason = "quarantined", CODE_UNUSABLE.format(why=hold)
    elif hold is None and code.status == "quarantined" and held_here:
        code.status, code.quarantine_reason = "available", None


@dataclass(frozen=True)
class Settled:
    quarantined: int  # available codes taken out of circulation
    flagged: int  # released codes that vanished from the store
    restored: int  # codes back in circulation after their discount became usable


def finish_pull(
    tx: Tx,
    incentive_id: int,
    scope: str,
    run_id: int,
    *,
    source_status: str,
    source_title: str,
    usable: bool,
) -> Settled:
    """After a complete pull: settle codes the run did not see and the source's status."""
    # Seen by this run or by one that started after it (concurrent pulls) means present.
    unseen = or_(Code.last_seen_run_id.is_(None), Code.last_seen_run_id < run_id)
    quarantined, flagged = mark_gone(tx, incentive_id, scope, unseen)
    status = settle_source(
        tx,
        incentive_id,
        scope,
        source_status=source_status,
        source_title=source_title,
        usable=usable,
    )
    return Settled(quarantined + status.quarantined, flagged, status.restored)


def mark_gone(tx: Tx, incentive_id: int, scope: str, which: ColumnElement[bool]) -> tuple[int, int]:
    """Codes of the pool matching ``which`` are gone from the store: available ones are
    quarantined, released ones flagged. Returns (quarantined, flagged)."""
    mine = and_(Code.incentive_id == incentive_id, Code.scope == scope, which)
    flagged = _changed(
        tx,
        update(Code)
        .where(
            mine,
            Code.status.in_(("assigned", "revoked")),
            Code.missing_from_store.is_(False),
        )
        .values(missing_from_store=True),
    )
    quarantined = _changed(
        tx,
        update(Code)
        .where(mine, Code.status == "available")
        .values(status="quarantined", quarantine_reason=GONE_FROM_STORE, missing_from_store=True),
    )
    return quarantined, flagged


def incentives_of_code_ids(tx: Tx, scope: str, platform_ids: Iterable[str]) -> list[int]:
    """The incentives whose pools (in ``scope``) hold codes with these store ids."""
    stmt = (
        select(Code.incentive_id)
        .where(Code.scope == scope, Code.platform_id.in_(list(platform_ids)))
        .distinct()
        .order_by(Code.incentive_id)
    )
    return [int(i) for i in tx.scalars(stmt)]


def settle_source(
    tx: Tx,
    incentive_id: int,
    scope: str,
    *,
    source_status: str,
    source_title: str,
    usable: bool,
) -> Settled:
    """Record a source's status; quarantine its available codes while it is unusable,
    bring back the codes quarantined for that reason once it is usable again."""
    mine = and_(Code.incentive_id == incentive_id, Code.scope == scope)
    unusable_reason = SOURCE_UNUSABLE.format(status=source_status)
    restored = quarantined = 0
    if usable:
        restored = _changed(
            tx,
            update(Code)
            .where(mine, Code.status == "quarantined", Code.quarantine_reason.like("discount is %"))
            .values(status="available", quarantine_reason=None),
        )
    else:
        quarantined = _changed(
            tx,
            update(Code)
            .where(mine, Code.status == "available")
            .values(status="quarantined", quarantine_reason=unusable_reason),
        )
    tx.execute(
        update(Incentive)
        .where(Incentive.id == incentive_id)
        .values(source_status=source_status, source_title=source_title)
    )
    return Settled(quarantined, 0, restored)


def _changed(tx: Tx, statement: Update) -> int:
    """Run an UPDATE and return how many rows it changed."""
    return cast(CursorResult[Any], tx.execute(statement)).rowcount


@dataclass(frozen=True)
class ReleasedCode:
    id: int
    code: str
    code_norm: str


def assigned_codes(tx: Tx, incentive_id: int) -> list[ReleasedCode]:
    """Codes released for an incentive (assigned or revoked), oldest first."""
    stmt = (
        select(Code.id, Code.code, Code.code_norm)
        .where(Code.incentive_id == incentive_id, Code.status.in_(("assigned", "revoked")))
        .order_by(Code.id)
    )
    return [ReleasedCode(i, c, n) for i, c, n in tx.execute(stmt).all()]


def pool_codes(tx: Tx, incentive_id: int) -> list[tuple[str, str]]:
    """``(code, status)`` of every code in an incentive's pool, oldest first (secret: counts
    may be shown, never these)."""
    stmt = select(Code.code, Code.status).where(Code.incentive_id == incentive_id)
    return [(c, st) for c, st in tx.execute(stmt.order_by(Code.id)).all()]


def record_usage(tx: Tx, observations: Iterable[tuple[int, int, datetime, Sequence[str]]]) -> int:
    """Store ``(code_id, usage_count, observed_at, used_by)`` observations; returns how many.

    ``used_by`` holds ids or hashed e-mails (the shop adapters never pass raw addresses).
    """
    stored = 0
    for chunk in chunked(observations):
        rows = [
            {"code_id": c, "usage_count": n, "observed_at": at, "used_by": list(by) or None}
            for c, n, at, by in chunk
        ]
        tx.execute(insert(UsageObservation), rows)
        stored += len(rows)
    return stored


def codes_by_norm(tx: Tx, scope: str, norms: Iterable[str]) -> dict[str, Code]:
    """The pool codes of ``scope`` among ``norms``, by norm."""
    found: dict[str, Code] = {}
    for chunk in chunked(sorted(set(norms))):
        stmt = select(Code).where(Code.scope == scope, Code.code_norm.in_(chunk))
        found.update((c.code_norm, c) for c in tx.scalars(stmt))
    return found


def pooled_norms(tx: Tx, scope: str, norms: Iterable[str]) -> set[str]:
    """Which of ``norms`` are pool codes in ``scope``."""
    found: set[str] = set()
    for chunk in chunked(sorted(set(norms))):
        stmt = select(Code.code_norm).where(Code.scope == scope, Code.code_norm.in_(chunk))
        found.update(tx.scalars(stmt))
    return found


@dataclass(frozen=True)
class OrderFacts:
    platform_id: str
    name: str
    processed_at: datetime
    currency: str
    total: Decimal
    financial_status: str
    cancelled: bool
    test: bool
    code_norms: tuple[str, ...]
    refunded: Decimal = Decimal(0)
    updated_at: datetime | None = None  # the order's last change in the store
    customer_key: str | None = None


def upsert_order(tx: Tx, store_name: str, order: OrderFacts) -> bool:
    """Insert or refresh an order and its codes (matched to pool codes); True if new.

    A copy older than the stored one (by the store's own ``updated_at``: a late webhook,
    a replayed delivery) changes nothing.
    """
    existing = tx.scalars(
        select(ShopOrder).where(
            ShopOrder.store_name == store_name, ShopOrder.platform_id == order.platform_id
        )
    ).one_or_none()
    if (
        existing is not None
        and existing.source_updated_at is not None
        and order.updated_at is not None
        and order.updated_at < existing.source_updated_at
    ):
        return False
    row = existing or ShopOrder(store_name=store_name, platform_id=order.platform_id)
    row.name, row.processed_at, row.currency = order.name, order.processed_at, order.currency
    row.total, row.financial_status = order.total, order.financial_status
    row.cancelled, row.test, row.seen_at = order.cancelled, order.test, utcnow()
    row.refunded = order.refunded
    row.source_updated_at = order.updated_at or row.source_updated_at
    row.customer_key = order.customer_key
    if existing is None:
        tx.add(row)
    tx.flush()
    pool_codes = codes_by_norm(tx, store_name, order.code_norms)
    known = set(tx.scalars(select(OrderCode.code_norm).where(OrderCode.order_id == row.id)))
    for norm in order.code_norms:
        # A key longer than any pool code's (a 255-character code of ligatures) cannot be
        # ours, and would not fit the column.
        if norm not in known and len(norm) <= MAX_CODE_KEY_LENGTH:
            code = pool_codes.get(norm)
            tx.add(OrderCode(order_id=row.id, code_norm=norm, code_id=code.id if code else None))
    return existing is None


def cursor(tx: Tx, store_name: str, kind: str) -> datetime | None:
    stmt = select(SyncCursor.position).where(
        SyncCursor.store_name == store_name, SyncCursor.kind == kind
    )
    return tx.scalars(stmt).one_or_none()


def advance_cursor(tx: Tx, store_name: str, kind: str, position: datetime) -> None:
    """Move the cursor forward (never back) within the transaction that stored the data."""
    row = tx.scalars(
        select(SyncCursor).where(SyncCursor.store_name == store_name, SyncCursor.kind == kind)
    ).one_or_none()
    if row is None:
        tx.add(SyncCursor(store_name=store_name, kind=kind, position=position))
    elif position > row.position:
        row.position, row.updated_at = position, utcnow()
