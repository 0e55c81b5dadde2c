"""Fixtures for the benchmarks: migrated databases, campaigns, creators, code files.

Campaigns, incentives and codes are made through the ``sync`` services, as a
user would. Creators are inserted in bulk: adding 20,000 creators one
transaction at a time would take longer than the benchmark itself and is not
what is being measured.
"""

from __future__ import annotations

import io
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import insert, select

from store import migrate
from store.db import Database
from store.models import Campaign, Creator, Membership, utcnow
from sync import campaigns, codes, incentives, workflow

INCENTIVE = "kit"
TARGET_STAGE = "pre_payment"
INSERT_BATCH = 5_000


def code_lines(prefix: str, count: int) -> Iterator[str]:
    """``count`` distinct, valid codes, one per line."""
    for n in range(count):
        yield f"{prefix}-{n:08d}\n"


def write_code_file(path: Path, prefix: str, count: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(code_lines(prefix, count))
    return path


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    path = directory / f"bench-{uuid.uuid4().hex[:8]}.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def remove_sqlite(url: str) -> None:
    path = url.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)


def campaign(db: Database, key: str, *, pool_size: int = 0) -> str:
    """An active campaign with one pre-payment incentive holding ``pool_size`` codes."""
    campaigns.create(db, key.title(), key=key, currency="USD")
    incentives.add(
        db,
        key,
        key=INCENTIVE,
        description="Benchmark kit",
        value="25.00",
        cost="8.50",
        timing=TARGET_STAGE,
    )
    if pool_size:
        stream = io.StringIO("".join(code_lines(key.upper(), pool_size)))
        codes.upload(db, f"{key}/{INCENTIVE}", stream)
    campaigns.set_status(db, key, "active")
    return key


def creators(db: Database, campaign_key: str, handles: Sequence[str]) -> None:
    """Put ``handles`` (created when new) into the campaign at its entry stage, in bulk."""
    now = utcnow()
    with db.transaction() as tx:
        campaign_id = tx.scalar(select(Campaign.id).where(Campaign.key == campaign_key))
        known = set(tx.scalars(select(Creator.handle)))
        new = [h for h in handles if h not in known]
        for start in range(0, len(new), INSERT_BATCH):
            tx.execute(
                insert(Creator),
                [{"handle": h, "created_at": now} for h in new[start : start + INSERT_BATCH]],
            )
        ids = dict(tx.execute(select(Creator.handle, Creator.id)).all())
        rows = [
            {
                "campaign_id": campaign_id,
                "creator_id": ids[h],
                "stage": workflow.ENTRY_STAGE,
                "joined_at": now,
                "moved_at": now,
            }
            for h in handles
        ]
        for start in range(0, len(rows), INSERT_BATCH):
            tx.execute(insert(Membership), rows[start : start + INSERT_BATCH])


def handles(count: int, prefix: str = "bench") -> list[str]:
    return [f"{prefix}{n:06d}" for n in range(count)]
