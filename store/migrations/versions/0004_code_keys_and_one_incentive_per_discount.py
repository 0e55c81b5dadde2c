"""Code keys fold Unicode look-alikes; one discount feeds one incentive.

- ``code_norm`` (codes, code_requests, order_codes) widens to ``MAX_CODE_KEY_LENGTH``
  characters, since folding can make the key longer than the code (``İ`` → two).
- Existing keys are recomputed with the new rule (NFKC + case folding, see
  ``sync.codes_input.normalize_code``). Only codes with a non-ASCII character can change
  (for ASCII the rule is ``lower()`` as before). A code whose new key is already taken in
  its scope (two look-alikes uploaded under the old rule) keeps its old key, and, when it
  is still available, is quarantined so it is never handed out next to its twin.
- ``uq_incentives_store_name_source_id``: a unique index, so a race of two
  ``incentives link`` commands cannot feed one discount into two pools.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_WIDTHS = {"codes": 150, "code_requests": 150, "order_codes": 255}
KEY_WIDTH = 450  # store.models.MAX_CODE_KEY_LENGTH at this revision
INDEX = "uq_incentives_store_name_source_id"
LOOK_ALIKE = "looks the same as another code"
BATCH = 1_000


def code_key(code: str) -> str:
    """The comparison key at this revision (frozen: a migration must not change later).

    tests/store/test_migrations.py checks that it still equals
    ``sync.codes_input.normalize_code``; a new rule needs a new migration.
    """
    if code.isascii():
        return code.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", code).casefold())


def upgrade() -> None:
    _refuse_shared_discounts()
    for table, old in OLD_WIDTHS.items():
        _retype(table, "code_norm", old, KEY_WIDTH)
    _rekey("codes", "scope", "code", quarantine=True)
    _rekey("code_requests", "scope", "code", quarantine=False)
    _rekey("order_codes", "order_id", "code_norm", quarantine=False)
    op.create_index(INDEX, "incentives", ["store_name", "source_id"], unique=True)


def downgrade() -> None:
    # Keys stay folded: under the old rule they are still unique, only wider than it needed.
    op.drop_index(INDEX, table_name="incentives")
    for table, old in OLD_WIDTHS.items():
        _retype(table, "code_norm", KEY_WIDTH, old)


def _refuse_shared_discounts() -> None:
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT store_name, source_id, COUNT(*) FROM incentives "
                "WHERE source_id IS NOT NULL GROUP BY store_name, source_id HAVING COUNT(*) > 1"
            )
        )
        .all()
    )
    if shared:
        listed = ", ".join(
            f"{store} discount {source} ({n} incentives)" for store, source, n in shared
        )
        raise RuntimeError(
            f"Cannot upgrade: a store discount feeds more than one incentive ({listed}); "
            "one discount serves one incentive, so link all but one of them to another "
            "discount, then run `promosync db upgrade` again"
        )


def _retype(table: str, column: str, old: int, new: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            table,
            column,
            type_=sa.String(new),
            existing_type=sa.String(old),
            existing_nullable=False,
        )
        return
    # SQLite keeps text whatever the declared length, so only the declaration changes.
    # Rebuilding the table instead (alembic's batch mode) would drop it with foreign keys
    # on, cascading the delete to every assignment. This is SQLite's documented way to
    # change a table's schema without touching its content (sqlite.org/lang_altertable.html).
    before, after = f"{column} VARCHAR({old}) ", f"{column} VARCHAR({new}) "
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    changed = bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = ? AND instr(sql, ?) > 0",
        (before, after, table, before),
    ).rowcount
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    if changed != 1:
        raise RuntimeError(f"{table}.{column} is not declared VARCHAR({old}); cannot widen it")


def _non_ascii(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[bool]:
    """Rows whose ``column`` has a non-ASCII character: more bytes than characters."""
    octets = (
        sa.func.length(sa.cast(column, sa.LargeBinary))
        if dialect == "sqlite"
        else sa.func.octet_length(column)
    )
    return octets != sa.func.length(column)


def _rekey(table_name: str, scope: str, text: str, *, quarantine: bool) -> None:
    bind = op.get_bind()
    names = dict.fromkeys(["id", scope, text, "code_norm"])
    table = sa.table(table_name, *(sa.column(name) for name in names))
    rows: Sequence[Any] = bind.execute(
        sa.select(table.c.id, table.c[scope], table.c[text], table.c.code_norm)
        .where(_non_ascii(table.c[text], bind.dialect.name))
        .order_by(table.c.id)
    ).all()
    changes = [(row_id, s, old, code_key(code)) for row_id, s, code, old in rows]
    # A key longer than the column (an order's code of 255 ligatures) keeps its old form.
    changes = [c for c in changes if c[3] != c[2] and len(c[3]) <= KEY_WIDTH]
    taken = _taken_keys(bind, table, scope, [(s, new) for _, s, _, new in changes])
    rekeyed, twins = [], []
    for row_id, s, _, new in changes:
        if (s, new) in taken:
            twins.append(row_id)
        else:
            taken.add((s, new))
            rekeyed.append({"row_id": row_id, "new": new})
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("row_id"))
        .values(code_norm=sa.bindparam("new"))
    )
    for batch in _batches(rekeyed):
        bind.execute(update, batch)
    if quarantine:
        for chunk in _batches(twins):
            bind.execute(
                sa.text(
                    f"UPDATE {table_name} SET status = 'quarantined', quarantine_reason = :why "
                    "WHERE status = 'available' AND id IN :ids"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                {"why": LOOK_ALIKE, "ids": chunk},
            )


def _taken_keys(
    bind: sa.Connection, table: Any, scope: str, wanted: Sequence[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of the ``(scope, key)`` pairs some row holds now."""
    taken: set[tuple[str, str]] = set()
    for chunk in _batches(wanted):
        keys = sorted({key for _, key in chunk})
        found = bind.execute(
            sa.select(table.c[scope], table.c.code_norm).where(table.c.code_norm.in_(keys))
        ).all()
        taken.update((s, k) for s, k in found)
    return taken


def _batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
