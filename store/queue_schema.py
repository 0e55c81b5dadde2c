"""The job queue's tables (procrastinate's schema) in our PostgreSQL database.

``promosync db upgrade`` applies procrastinate's own ``schema.sql`` once, under
an advisory lock so that two upgrades started together do not race; later runs
find its tables and leave them alone. SQLite has no queue (one worker runs its
jobs in-process), so there is nothing to do there.
"""

from __future__ import annotations

from sqlalchemy import make_url, text

from store.db import Database

#: Every table, index, type and function of the queue is named so (procrastinate's own names).
QUEUE_PREFIX = "procrastinate_"
#: Any constant key: serialises concurrent ``db upgrade`` runs while they create the queue.
SCHEMA_LOCK_KEY = 0x70726F63  # "proc"


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: compare and migrate our tables, never the queue's."""
    return not (type_ in ("table", "index") and (name or "").startswith(QUEUE_PREFIX))


def has_queue(db: Database) -> bool:
    """Whether this database can hold the job queue (PostgreSQL)."""
    return db.dialect == "postgresql"


def conninfo(db: Database) -> str:
    """A libpq connection string for the queue's own connections (psycopg, not SQLAlchemy)."""
    url = make_url(db.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def present(db: Database) -> bool:
    """Whether procrastinate's tables exist (``promosync db upgrade`` creates them)."""
    if not has_queue(db):
        return False
    with db.connect() as connection:
        found = connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    return found is not None


def ensure(db: Database) -> bool:
    """Create procrastinate's tables unless they exist; True when they were created now."""
    if not has_queue(db):
        return False
    from procrastinate.schema import SchemaManager

    with db.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        exists = connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
        if exists is not None:
            return False
        # psycopg runs a statement without parameters as it is, '%' and all.
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute(SchemaManager.get_schema())
        return True


def depth(db: Database) -> dict[str, int]:
    """Jobs in the queue by status (``todo``, ``doing``, ...); empty without a queue."""
    if not has_queue(db):
        return {}
    with db.connect() as connection:
        rows = connection.execute(
            text("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status")
        ).all()
    return {str(status): int(n) for status, n in rows}
