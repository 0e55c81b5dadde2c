"""The periodic jobs of ``promosync run``, one line each, and the keys they run for.

A job runs per linked incentive (``"incentive"``), per store with linked
incentives (``"store"``), or once for the whole database (``"global"``). Its
interval is the ``[daemon]`` key named by ``every``. Another periodic service
``fn(db, config) -> result`` is added with one line::

    Periodic("inbox", "inbox_every", "global", service(inbox.process)),

(and its ``inbox_every`` field in :class:`sync.config.DaemonConfig`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Literal

from integrations.ports import Shop
from store.db import Database
from sync import delivery, inbox
from sync.config import Config
from sync.shops import Timing, open_shop
from sync.shopsync import common, jobs, orders, revoke, usage
from sync.shopsync.common import Progress
from sync.shopsync.runs import JobRunning, WaitForJob
from sync.worker.stopping import StopFlag

log = logging.getLogger("promosync.worker")

Scope = Literal["incentive", "store", "global"]


@dataclass(frozen=True)
class JobKey:
    """One schedulable unit: a job, on a store, for an incentive (as the scope says)."""

    job: str
    store: str | None = None
    incentive_id: int | None = None
    ref: str | None = None  # CAMPAIGN/KEY of the incentive, for messages

    @property
    def lock(self) -> str:
        """The queue's lock name: one job of a key at a time, whoever runs it."""
        return f"promosync:{self.job}:{self.store or '-'}:{self.incentive_id or '-'}"

    def describe(self) -> str:
        parts = [self.job]
        if self.store is not None:
            parts.append(f"store={self.store}")
        if self.ref is not None:
            parts.append(f"incentive={self.ref}")
        return " ".join(parts)


@dataclass(frozen=True)
class Call:
    """What a periodic job is given: where, on which key, and how to stop and wait."""

    db: Database
    config: Config
    key: JobKey
    stop: StopFlag
    waits: Timing

    def shop(self) -> AbstractContextManager[tuple[str, Shop]]:
        """The key's store, connected with the daemon's patience and stoppable waits."""
        return open_shop(self.config, self.key.store, profile="daemon", waits=self.waits)

    @property
    def wait(self) -> WaitForJob:
        """A job of the same key running elsewhere (a CLI command, or a pull's revocation
        step) is waited for, not failed; the wait ends when the worker stops."""
        return WaitForJob(notify=_waiting, sleep=self.stop.sleep)

    @property
    def progress(self) -> Progress:
        """A progress callback that ends the job between pages once the worker stops."""
        return self.stop.check


@dataclass(frozen=True)
class Periodic:
    """A periodic job: its name, its ``[daemon]`` interval key, its scope and its body."""

    name: str
    every: str
    scope: Scope
    run: Callable[[Call], object]

    def interval(self, config: Config) -> float:
        seconds = getattr(config.daemon, self.every)
        assert isinstance(seconds, float)
        return seconds


def _waiting(busy: JobRunning) -> None:
    log.info("%s", busy.waiting_line())


def service(fn: Callable[[Database, Config], object]) -> Callable[[Call], object]:
    """A plain service ``fn(db, config) -> result`` as a periodic job's body."""
    return lambda call: fn(call.db, call.config)


def _pull(call: Call) -> object:
    with call.shop() as (store_name, shop):
        return jobs.sync_pull(
            call.db,
            shop,
            store_name,
            call.key.ref,
            progress_for=lambda _: nullcontext(call.progress),
            wait=call.wait,
        )


def _usage(call: Call) -> object:
    with call.shop() as (store_name, shop):
        (target,) = common.targets(call.db, store_name, call.key.ref)
        return usage.refresh_usage(call.db, shop, target, call.progress, wait=call.wait)


def _orders(call: Call) -> object:
    with call.shop() as (store_name, shop):
        return orders.pull_orders(call.db, shop, store_name, progress=call.progress, wait=call.wait)


def _revoke(call: Call) -> object:
    with call.shop() as (store_name, shop):
        return revoke.revoke_dropped(call.db, shop, store_name, wait=call.wait)


def _mail(call: Call) -> object:
    """Deliver the outbox, when ``[smtp]`` is set (without it messages wait, queued)."""
    if call.config.smtp is None:
        return None
    return delivery.deliver_outbox(call.db, call.config)


#: Every periodic job of the worker.
PERIODIC: tuple[Periodic, ...] = (
    Periodic("pull", "pull_every", "incentive", _pull),
    Periodic("usage", "usage_every", "incentive", _usage),
    Periodic("orders", "orders_every", "store", _orders),
    Periodic("revoke", "revoke_every", "store", _revoke),
    Periodic("inbox", "inbox_every", "global", service(inbox.process_inbox)),
    Periodic("mail", "mail_every", "global", _mail),
)
BY_NAME = {periodic.name: periodic for periodic in PERIODIC}


def keys(db: Database, config: Config) -> list[tuple[Periodic, JobKey]]:
    """Every (job, key) due on a schedule now: the configured stores' linked incentives."""
    targets = [t for t in common.targets(db, None, None) if t.store_name in config.stores]
    store_names = sorted({t.store_name for t in targets})
    found: list[tuple[Periodic, JobKey]] = []
    for periodic in PERIODIC:
        if periodic.scope == "incentive":
            found += [(periodic, JobKey(periodic.name, t.store_name, t.id, t.ref)) for t in targets]
        elif periodic.scope == "store":
            found += [(periodic, JobKey(periodic.name, name)) for name in store_names]
        else:
            found.append((periodic, JobKey(periodic.name)))
    return found
