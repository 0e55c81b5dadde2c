"""Pool invariants hold after any sequence of uploads, moves, rejections and bulk moves.

A hypothesis state machine drives one campaign with 1-3 incentives (random
timing and drop policy) and a few creators through random operations, keeping
a small independent model of what should happen. After every step the
database is checked against the model and against the invariants of SPEC §1:

- no code is assigned twice, and never more codes than were uploaded;
- counts add up: total = available + assigned + quarantined + revoked;
- a creator has at most one code per incentive, has it once past the
  incentive's release stage (unless rejected), and never has one they did not
  gain by passing that stage;
- a refused move or upload changes nothing.

SQLite runs get a fresh copy of the migrated template per example; PostgreSQL
gets a truncated database per example and fewer examples.
"""

from __future__ import annotations

import io
import itertools
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text

import store.models_sync  # noqa: F401  (so truncation covers the sync tables)
from store import pool
from store.db import Database
from store.models import (
    Assignment,
    Base,
    Code,
    Creator,
    Incentive,
    Membership,
    Rejection,
)
from sync import campaigns, codes, creators, incentives, moves
from sync.codes_input import InvalidCodes, NoCodes
from sync.errors import DomainError, OutOfCodes

CAMPAIGN = "summer"
#: The default workflow, in order, written out here so the model does not borrow
#: the code under test's idea of which stages a move passes.
LINEAR_STAGES = (
    "candidates",
    "invited",
    "applied",
    "confirmation",
    "pre_payment",
    "draft",
    "draft_review",
    "content_creation",
    "post_review",
    "post_payment",
    "complete",
)
DROPPED = "dropped"
ALL_STAGES = (*LINEAR_STAGES, DROPPED)
INVALID_ENTRIES = ("bad code", "X" * 151, "ab\x07c", "a\u200bb")

NewDatabase = Callable[[], tuple[Database, Callable[[], None]]]


# --- the model -----------------------------------------------------------------------------


@dataclass
class ModelIncentive:
    key: str
    timing: str
    on_drop: str
    available: int = 0
    assigned: int = 0
    revoked: int = 0

    @property
    def total(self) -> int:
        return self.available + self.assigned + self.revoked


@dataclass
class ModelCreator:
    handle: str
    stage: str = "candidates"
    held: set[str] = field(default_factory=set)  # incentive keys with a released code
    revoked: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)


def entered(source: str, target: str) -> tuple[str, ...]:
    """The stages a move enters: every stage after the source up to the target."""
    if target in (DROPPED, source):
        return ()
    end = LINEAR_STAGES.index(target) + 1
    if source == DROPPED:
        return LINEAR_STAGES[:end]
    start = LINEAR_STAGES.index(source) + 1
    return LINEAR_STAGES[start:end] if end > start else ()


def reached(stage: str, timing: str) -> bool:
    return stage != DROPPED and LINEAR_STAGES.index(stage) >= LINEAR_STAGES.index(timing)


# --- what the database says --------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    stages: dict[str, str]
    assignments: list[tuple[str, str, int]]  # (handle, incentive key, code id)
    code_statuses: dict[int, str]
    rejections: set[tuple[str, str]]
    counts: dict[str, pool.PoolCounts]
    code_incentive: dict[int, str]

    def comparable(self) -> tuple[Any, ...]:
        return (
            self.stages,
            sorted(self.assignments),
            self.code_statuses,
            self.rejections,
            self.counts,
        )


def snapshot(db: Database) -> Snapshot:
    with db.transaction() as tx:
        keys = dict(tx.execute(select(Incentive.id, Incentive.key)).all())
        handles = dict(tx.execute(select(Creator.id, Creator.handle)).all())
        stages = {
            handles[c]: s for c, s in tx.execute(select(Membership.creator_id, Membership.stage))
        }
        assignments = [
            (handles[c], keys[i], code)
            for c, i, code in tx.execute(
                select(Assignment.creator_id, Assignment.incentive_id, Assignment.code_id)
            )
        ]
        code_rows = tx.execute(select(Code.id, Code.status, Code.incentive_id)).all()
        rejections = {
            (handles[c], keys[i])
            for c, i in tx.execute(select(Rejection.creator_id, Rejection.incentive_id))
        }
        counts = {keys[i]: c for i, c in pool.counts(tx, list(keys)).items()}
    return Snapshot(
        stages=stages,
        assignments=assignments,
        code_statuses={i: s for i, s, _ in code_rows},
        rejections=rejections,
        counts=counts,
        code_incentive={i: keys[inc] for i, _, inc in code_rows},
    )


# --- the machine -------------------------------------------------------------------------

valid_codes = st.text(alphabet="ABCabc12-", min_size=1, max_size=4)
entries = st.one_of(
    valid_codes, valid_codes, valid_codes, st.sampled_from(INVALID_ENTRIES), st.just("")
)
incentive_specs = st.lists(
    st.tuples(
        st.sampled_from(("pre_payment", "post_payment")), st.sampled_from(("keep", "disable"))
    ),
    min_size=1,
    max_size=3,
)


class PoolMachine(RuleBasedStateMachine):
    def __init__(self, new_database: NewDatabase) -> None:
        super().__init__()
        self.db, self._cleanup = new_database()
        self.incentives: dict[str, ModelIncentive] = {}
        self.creators: list[ModelCreator] = []
        self.known: dict[str, tuple[str, str]] = {}  # code_norm -> (code, incentive key)

    def teardown(self) -> None:
        self.db.dispose()
        self._cleanup()

    @initialize(specs=incentive_specs, creator_count=st.integers(1, 4))
    def campaign(self, specs: list[tuple[str, str]], creator_count: int) -> None:
        campaigns.create(self.db, "Summer", key=CAMPAIGN)
        for n, (timing, on_drop) in enumerate(specs):
            key = f"inc{n}"
            incentives.add(
                self.db,
                CAMPAIGN,
                key=key,
                description=f"reward {n}",
                value="10.00",
                cost="2.00",
                timing=timing,
                on_drop=on_drop,
            )
            self.incentives[key] = ModelIncentive(key, timing, on_drop)
        campaigns.set_status(self.db, CAMPAIGN, "active")

        for n in range(creator_count):
            creators.add(self.db, CAMPAIGN, f"creator{n}")
            self.creators.append(ModelCreator(f"creator{n}"))

    # --- operations ----------------------------------------------------------------------

    @precondition(lambda self: bool(self.incentives))
    @rule(data=st.data(), listed=st.lists(entries, max_size=6), skip_invalid=st.booleans())
    def upload(self, data: st.DataObject, listed: list[str], skip_invalid: bool) -> None:
        key = data.draw(st.sampled_from(sorted(self.incentives)), label="incentive")
        if self.known and data.draw(st.booleans(), label="add a case variant of a known code"):
            existing = data.draw(st.sampled_from(sorted(self.known)), label="known")
            variant = self.known[existing][0].swapcase()
            listed.insert(data.draw(st.integers(0, len(listed)), label="at"), variant)
        while listed and listed[-1] == "":  # the end of the input makes no empty entry
            listed.pop()
        if not any(listed):  # not a single code: refused as a whole, nothing changes
            before = snapshot(self.db)
            with pytest.raises(NoCodes):
                codes.upload(self.db, f"{CAMPAIGN}/{key}", _stream("\n".join(listed)))
            assert snapshot(self.db).comparable() == before.comparable()
            return

        expected: dict[int, str] = {}  # position -> reason prefix
        first_seen: dict[str, int] = {}
        fresh: list[tuple[str, str]] = []
        for position, entry in enumerate(listed, start=1):
            if entry == "":
                continue
            if entry in INVALID_ENTRIES:
                expected[position] = ""
            elif entry.lower() in self.known:
                holder = self.known[entry.lower()][1]
                expected[position] = f"already in the pool of {CAMPAIGN}/{holder}"
            elif entry.lower() in first_seen:
                expected[position] = f"duplicate of entry {first_seen[entry.lower()]}"
            else:
                first_seen[entry.lower()] = position
                fresh.append((entry.lower(), entry))
        before = snapshot(self.db)
        stream_text = "\n".join(listed)

        if expected and not skip_invalid:
            with pytest.raises(InvalidCodes) as refused:
                codes.upload(self.db, f"{CAMPAIGN}/{key}", _stream(stream_text))
            got: dict[int, list[str]] = {}
            for offending in refused.value.offending:
                got.setdefault(offending.position, []).append(offending.reason)
            assert sorted(got) == sorted(expected)
            assert all(len(reasons) == 1 for reasons in got.values()), got  # each entry once
            for position, prefix in expected.items():
                assert any(r.startswith(prefix) for r in got[position]), (position, got)
            assert snapshot(self.db).comparable() == before.comparable()
            return

        result = codes.upload(
            self.db, f"{CAMPAIGN}/{key}", _stream(stream_text), skip_invalid=skip_invalid
        )
        assert result.stored == len(fresh)
        assert result.empty == listed.count("")
        assert sorted(o.position for o in result.skipped) == sorted(expected)  # each once
        self.incentives[key].available += len(fresh)
        for norm, original in fresh:
            self.known[norm] = (original, key)

    @precondition(lambda self: bool(self.creators))
    @rule(data=st.data(), stage=st.sampled_from(ALL_STAGES))
    def move(self, data: st.DataObject, stage: str) -> None:
        target = stage
        creator = data.draw(st.sampled_from(self.creators), label="creator")
        before = snapshot(self.db)
        expected = self._predict_move(creator, target)
        if expected == moves.REFUSED:
            with pytest.raises(OutOfCodes):
                moves.move(self.db, CAMPAIGN, creator.handle, target)
            assert snapshot(self.db).comparable() == before.comparable()
            return
        outcome = moves.move(self.db, CAMPAIGN, creator.handle, target)
        assert outcome.result == expected
        self._apply_move(creator, target)

    @precondition(lambda self: bool(self.creators))
    @rule(
        data=st.data(),
        stage=st.sampled_from(ALL_STAGES),
        dry_run=st.booleans(),
    )
    def bulk_move(self, data: st.DataObject, stage: str, dry_run: bool) -> None:
        target = stage
        chosen = data.draw(
            st.lists(st.sampled_from(self.creators), min_size=1, max_size=4), label="creators"
        )
        before = snapshot(self.db)
        report = moves.move_many(
            self.db, CAMPAIGN, [c.handle for c in chosen], target, dry_run=dry_run
        )
        if dry_run:
            assert [o.result for o in report.outcomes] == self._predict_dry_run(chosen, target)
            assert snapshot(self.db).comparable() == before.comparable()
            return
        results = []
        for creator in chosen:
            result = self._predict_move(creator, target)
            if result != moves.REFUSED:
                self._apply_move(creator, target)
            results.append(result)
        assert [o.result for o in report.outcomes] == results

    @precondition(lambda self: bool(self.creators))
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        creator = data.draw(st.sampled_from(self.creators), label="creator")
        key = data.draw(st.sampled_from(sorted(self.incentives)), label="incentive")
        if key in creator.held:
            before = snapshot(self.db)
            with pytest.raises(DomainError, match="never taken back"):
                incentives.reject(self.db, f"{CAMPAIGN}/{key}", creator.handle)
            assert snapshot(self.db).comparable() == before.comparable()
            return
        incentives.reject(self.db, f"{CAMPAIGN}/{key}", creator.handle)
        creator.rejected.add(key)

    # --- the model's predictions -----------------------------------------------------

    def _due(self, creator: ModelCreator, target: str) -> list[ModelIncentive]:
        passing = entered(creator.stage, target)
        return [
            i
            for i in self.incentives.values()
            if i.timing in passing and i.key not in creator.held and i.key not in creator.rejected
        ]

    def _predict_move(self, creator: ModelCreator, target: str) -> str:
        if target == creator.stage:
            return moves.UNCHANGED
        if any(i.available == 0 for i in self._due(creator, target)):
            return moves.REFUSED
        return moves.MOVED

    def _apply_move(self, creator: ModelCreator, target: str) -> None:
        if target == creator.stage:
            return
        for incentive in self._due(creator, target):
            incentive.available -= 1
            incentive.assigned += 1
            creator.held.add(incentive.key)
        if target == DROPPED:
            for key in sorted(creator.held - creator.revoked):
                if self.incentives[key].on_drop == "disable":
                    creator.revoked.add(key)
                    self.incentives[key].assigned -= 1
                    self.incentives[key].revoked += 1
        creator.stage = target

    def _predict_dry_run(self, chosen: list[ModelCreator], target: str) -> list[str]:
        left = Counter({k: i.available for k, i in self.incentives.items()})
        results = []
        for creator in chosen:
            due = [i.key for i in self._due(creator, target)]
            if target == creator.stage:
                results.append(moves.UNCHANGED)
            elif any(left[k] < 1 for k in due):
                results.append(moves.WOULD_REFUSE)
            else:
                left.subtract(due)
                results.append(moves.WOULD_MOVE)
        return results

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def pool_invariants_hold(self) -> None:
        if not self.incentives:
            return
        state = snapshot(self.db)
        code_ids = [code for _, _, code in state.assignments]
        assert len(code_ids) == len(set(code_ids)), "a code was assigned twice"
        pairs = [(h, k) for h, k, _ in state.assignments]
        assert len(pairs) == len(set(pairs)), "a creator holds two codes of one incentive"
        for _, key, code in state.assignments:
            assert state.code_incentive[code] == key, "a code from another incentive's pool"
        for key, model in self.incentives.items():
            counts = state.counts[key]
            assert counts.total == (
                counts.available + counts.assigned + counts.quarantined + counts.revoked
            )
            assert sum(1 for _, k, _ in state.assignments if k == key) <= counts.total
            assert (counts.total, counts.available, counts.assigned, counts.revoked) == (
                model.total,
                model.available,
                model.assigned,
                model.revoked,
            ), key
        for creator in self.creators:
            assert state.stages[creator.handle] == creator.stage
            held = {k for h, k, _ in state.assignments if h == creator.handle}
            # Only codes gained by passing the release stage; never one without passing it.
            assert held == creator.held, creator.handle
            for key, incentive in self.incentives.items():
                if reached(creator.stage, incentive.timing) and key not in creator.rejected:
                    assert key in held, f"{creator.handle} is past {key}'s stage without code"
                if key in creator.rejected:
                    assert key not in held


def _stream(value: str) -> io.StringIO:
    return io.StringIO(value)


# --- running it on both backends ---------------------------------------------------------


def _truncate(db: Database) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """A factory of empty, migrated databases: one per hypothesis example."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        numbers = itertools.count()

        def new_sqlite() -> tuple[Database, Callable[[], None]]:
            path = tmp_path / f"example-{next(numbers)}.db"
            shutil.copy(template, path)

            def cleanup() -> None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)

            return Database(f"sqlite:///{path}"), cleanup

        yield new_sqlite
        return
    url: str = request.getfixturevalue("pg_url")

    def new_postgresql() -> tuple[Database, Callable[[], None]]:
        db = Database(url)
        _truncate(db)
        return db, lambda: None

    yield new_postgresql


EXAMPLES = {"sqlite": 30, "postgresql": 10}


def test_pool_invariants_hold_for_any_sequence_of_operations(
    new_database: NewDatabase, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["new_database"]
    run_state_machine_as_test(
        lambda: PoolMachine(new_database),
        settings=settings(
            max_examples=EXAMPLES[backend],
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        ),
    )
