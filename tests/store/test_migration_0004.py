"""Revision 0004 re-keys existing codes with the look-alike folding rule and guards discounts."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from store import migrate, scratch
from store.db import Database
from store.models import Code, Incentive, utcnow
from sync.codes_input import InvalidCodes, normalize_code
from tests import builders

BEFORE = "0004"
PREVIOUS = "0003"


def _revision_module() -> ModuleType:
    path = next((migrate.MIGRATIONS_DIR / "versions").glob(f"{BEFORE}_*.py"))
    spec = importlib.util.spec_from_file_location("revision_0004", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    return config


def _downgrade(db: Database, revision: str) -> None:
    config = _alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.fixture(params=("sqlite", "postgresql"))
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database at the revision before 0004 (PostgreSQL: migrated to head, then down)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'old.db'}")
        migrate.upgrade(db, PREVIOUS)
        yield db
        db.dispose()
        return
    request.getfixturevalue("pg_url")  # skips when PostgreSQL is not reachable
    with scratch.fresh_postgresql(scratch.admin_url(), prefix="promosync_mig") as url:
        db = Database(url)
        _downgrade(db, PREVIOUS)
        yield db
        db.dispose()


def _insert_codes(db: Database, incentive_id: int, codes: list[tuple[str, str]]) -> None:
    """Codes as the old rule keyed them (``lower()``), with their status."""
    with db.transaction() as tx:
        tx.execute(
            insert(Code),
            [
                {
                    "incentive_id": incentive_id,
                    "scope": "",
                    "code": code,
                    "code_norm": code.lower(),
                    "status": status,
                    "origin": "upload",
                    "missing_from_store": False,
                    "created_at": utcnow(),
                }
                for code, status in codes
            ],
        )


def test_upgrade_folds_keys_and_quarantines_available_look_alikes(old_db: Database) -> None:
    builders.campaign(old_db, pools={"kit": 0}, active=False)
    with old_db.transaction() as tx:
        kit = tx.scalars(select(Incentive.id)).one()
    composed, decomposed = "CAF\u00c9", "CAFE\u0301"
    full_width = "\uff21\uff22\uff23\uff11"  # ＡＢＣ1
    _insert_codes(
        old_db,
        kit,
        [
            ("ABC1", "available"),
            (full_width, "available"),
            (composed, "available"),
            (decomposed, "assigned"),
            ("\uff38\uff39", "available"),  # ＸＹ, no twin
        ],
    )
    migrate.upgrade(old_db)
    with old_db.transaction() as tx:
        rows = {c.code: c for c in tx.scalars(select(Code))}
    assert rows["ABC1"].code_norm == "abc1" and rows["ABC1"].status == "available"
    # The later twin keeps its old key and, being still available, is never handed out.
    assert rows[full_width].code_norm == full_width.lower()
    assert rows[full_width].status == "quarantined"
    assert rows[full_width].quarantine_reason == "looks the same as another code"
    assert rows[composed].code_norm == normalize_code(composed)
    assert rows[decomposed].code_norm == decomposed.lower()
    assert rows[decomposed].status == "assigned"  # released codes are left as they are
    assert rows["\uff38\uff39"].code_norm == "xy"
    with pytest.raises(InvalidCodes):  # the folded key now blocks its look-alike
        builders.upload(old_db, "summer/kit", ["xY"])


def test_upgrade_refuses_a_discount_that_feeds_two_incentives(old_db: Database) -> None:
    builders.campaign(old_db, pools={"kit": 0, "gift": 0}, active=False)
    with old_db.transaction() as tx:
        tx.execute(update(Incentive).values(store_name="shop", source_id="gid://Discount/1"))
    with pytest.raises(RuntimeError, match="feeds more than one incentive"):
        migrate.upgrade(old_db)
    assert migrate.current_revision(old_db) == PREVIOUS


REVISION = _revision_module()


@given(st.text(max_size=40))
def test_the_frozen_rule_of_the_migration_is_the_rule_in_force(code: str) -> None:
    assert REVISION.code_key(code) == normalize_code(code)
