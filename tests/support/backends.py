"""Killing a PostgreSQL backend from outside, as a server restart or an admin would."""

from __future__ import annotations

import psycopg

from store import scratch

GONE_DEADLINE_POLLS = 10_000  # pg_stat_activity looks before giving up on a terminated backend


def terminate(pid: int) -> None:
    """Kill a backend from another connection, and wait until it is gone."""
    url = scratch.admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(GONE_DEADLINE_POLLS):
            row = admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,))
            if row.fetchone() is None:
                return
    raise AssertionError(f"backend {pid} did not go away")
