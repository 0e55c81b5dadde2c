"""Jobs made of jobs, for the CLI, the daemon and webhook workers alike."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from integrations.ports import Shop
from store.db import Database
from sync.shopsync import common, pull, revoke, usage
from sync.shopsync.common import Progress, no_progress
from sync.shopsync.runs import WaitForJob

#: Given what is being worked on, a context yielding a progress callback (e.g. a bar).
ProgressFor = Callable[[str], AbstractContextManager[Progress]]


def no_progress_for(_: str) -> AbstractContextManager[Progress]:
    return nullcontext(no_progress)


@dataclass(frozen=True)
class SyncPullResult:
    store: str  # the [stores.NAME] the sync ran on
    revoked: int  # codes of dropped creators disabled in the store first
    pulls: tuple[pull.PullResult, ...]


def sync_pull(
    db: Database,
    shop: Shop,
    store_name: str,
    ref: str | None = None,
    *,
    progress_for: ProgressFor = no_progress_for,
    wait: WaitForJob | None = None,
) -> SyncPullResult:
    """Disable the codes of dropped creators, then pull every linked discount (or ``ref``'s).

    One call leaves store and pool in step: what was due to be disabled is disabled,
    then the pool is read back from the store. A job already running elsewhere is
    refused (:class:`~sync.shopsync.runs.JobRunning`), unless ``wait``.
    """
    revoked = revoke.revoke_dropped(db, shop, store_name, wait=wait)
    pulls = []
    for target in common.targets(db, store_name, ref):
        with progress_for(f"pulling {target.ref}") as advance:
            pulls.append(pull.pull(db, shop, target, advance, wait=wait))
    return SyncPullResult(store_name, revoked.revoked, tuple(pulls))


def sync_usage(
    db: Database,
    shop: Shop,
    store_name: str,
    ref: str | None = None,
    *,
    wait: WaitForJob | None = None,
) -> tuple[usage.UsageResult, ...]:
    """Record the usage counts of the released codes of every linked incentive (or ``ref``'s).

    A job already running elsewhere is refused, unless ``wait``.
    """
    return tuple(
        usage.refresh_usage(db, shop, target, wait=wait)
        for target in common.targets(db, store_name, ref)
    )
