"""The append-only event log: who did what, when.

Details hold counts and ids, never an unassigned code (those are secret).
"""

from __future__ import annotations

import functools
import getpass
import os
from typing import Any

from store.db import Tx
from store.models import Event


def default_actor() -> str:
    """The OS user and process, unless ``PROMOSYNC_ACTOR`` names someone else."""
    return os.environ.get("PROMOSYNC_ACTOR") or _process_actor(os.getpid())


@functools.cache
def _process_actor(pid: int) -> str:
    # Looked up once per process: getuser() reads the password database.
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        user = "unknown"
    return f"{user}@pid{pid}"


def record(
    tx: Tx,
    kind: str,
    *,
    campaign_id: int | None = None,
    incentive_id: int | None = None,
    creator_id: int | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    tx.add(
        Event(
            kind=kind,
            actor=actor or default_actor(),
            campaign_id=campaign_id,
            incentive_id=incentive_id,
            creator_id=creator_id,
            detail=detail,
        )
    )
