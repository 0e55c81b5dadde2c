"""``codes generate``: create new random codes in the store, then pull them into the pool.

Crash safety: every code is recorded (``code_requests``) *before* the store is
asked to create it, and settled after. A run that died in between leaves
requests open; the next run pulls the pool first, settles those that reached
the store, and asks again for the rest — reported apart from the new request,
whose count is always what gets created. Codes the store refuses (``TAKEN``:
someone else has it) are replaced by fresh ones, a bounded number of rounds.
A source that holds only codes with a given prefix (WooCommerce coupons linked by
prefix) gets codes with that prefix, or with a longer one the user names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from integrations.ports import CodeSource, Shop, ShopCode
from store import events, shop_requests, shop_sync
from store.db import Database, Tx
from sync import codegen
from sync.codes_input import normalize_code
from sync.errors import DomainError, UsageError
from sync.shopsync.common import Progress, Target, no_progress
from sync.shopsync.pull import PullResult, pool_created, pull
from sync.shopsync.runs import WaitForJob, sync_run

MAX_ROUNDS = 5
MAX_GENERATE = 100_000


@dataclass(frozen=True)
class Leftovers:
    """Codes an earlier, interrupted run asked for, settled before the new request."""

    requested: int  # open requests found
    created: int  # of those, how many now exist in the store (and are pooled)


@dataclass(frozen=True)
class GenerateResult:
    incentive: str
    requested: int  # what the user asked for
    created: int  # new codes created for this request (== requested on success)
    rounds: int
    leftovers: Leftovers
    failures: dict[str, int] = field(default_factory=dict)  # store error code -> how many
    pull: PullResult | None = None


def check_request(count: int, prefix: str) -> str:
    """``--count`` and ``--prefix`` checked before anything is opened; the prefix to use."""
    if not 1 <= count <= MAX_GENERATE:
        raise UsageError(
            f"--count {count} is out of range: generate 1 to {MAX_GENERATE:,} codes a run"
        )
    return codegen.check_prefix(prefix) if prefix else ""


def generate(
    db: Database,
    shop: Shop,
    target: Target,
    count: int,
    *,
    prefix: str = "",
    progress: Progress = no_progress,
    wait: WaitForJob | None = None,
    full_pull: bool = True,
) -> GenerateResult:
    """Create ``count`` new codes in the target's discount and pull them into the pool.

    Requests an earlier run left open are settled first and reported apart: they
    never count toward ``count``. Refuses (:class:`~sync.shopsync.runs.JobRunning`)
    while a generate of the same incentive runs elsewhere, unless ``wait``; its own
    pulls wait for a pull running elsewhere (refusing would strand codes just created).
    ``full_pull=False`` pools only the codes created
    (what a refill does: a full pull of a large discount after every refill would cost
    a request per 250 codes it already holds); the next scheduled pull checks the rest.
    """
    prefix = check_request(count, prefix)
    source = shop.source_status(target.source)
    prefix = _prefix_within(target.ref, source, prefix)
    target = replace(target, source=source)
    with sync_run(db, target.store_name, "generate", target.id, wait=wait) as run:
        run.count(expected=count)
        leftovers = _settle_leftovers(db, shop, target)
        created = 0
        made: list[ShopCode] = []
        failures: Counter[str] = Counter()
        rounds = 0
        while created < count and rounds < MAX_ROUNDS:
            rounds += 1
            batch = _fresh_codes(db, target, count - created, prefix)
            outcome = shop.create_codes(target.source, batch)
            created += len(outcome.created)
            made += outcome.created
            failures.update(outcome.failed.values())
            with db.transaction() as tx:
                _settle(tx, target, batch, outcome.failed)
                run.count(fetched=created, skipped=sum(failures.values()))
                run.beat(tx)
            progress(len(outcome.created))
        pulled = pull(db, shop, target, wait=wait or WaitForJob()) if full_pull else None
        if not full_pull:
            pool_created(db, shop, target, made, wait=wait or WaitForJob())
        with db.transaction() as tx:
            events.record(
                tx,
                "codes.generated",
                incentive_id=target.id,
                requested=count,
                created=created,
                rounds=rounds,
                leftovers=leftovers.requested,
                leftovers_created=leftovers.created,
            )
        run.count(stored=created)
        if created < count:
            raise DomainError(
                f"Only {created} of {count} codes could be created in '{target.ref}' after "
                f"{rounds} rounds (store refusals: {dict(failures)}): try another --prefix or "
                f"a longer one"
            )
    return GenerateResult(target.ref, count, created, rounds, leftovers, dict(failures), pulled)


def _prefix_within(ref: str, source: CodeSource, prefix: str) -> str:
    """The prefix of new codes: the one asked for, which must extend the source's own
    (a pool of coupons chosen by code prefix holds only codes that start with it)."""
    required = source.code_prefix
    if not required:
        return prefix
    if not prefix:
        return codegen.check_prefix(required)
    if not prefix.casefold().startswith(required.casefold()):
        raise UsageError(
            f"--prefix {prefix} does not start with '{required}', the code prefix the pool "
            f"of '{ref}' is linked by: new codes would not belong to it; leave out --prefix "
            f"or extend '{required}'"
        )
    return prefix


def _fresh_codes(db: Database, target: Target, count: int, prefix: str) -> list[str]:
    """New random codes, none already known here, recorded as requested before use."""
    codes: dict[str, str] = {}
    while len(codes) < count:
        drawn = (codegen.new_code(prefix) for _ in range(count - len(codes)))
        candidates = {normalize_code(c): c for c in drawn}
        with db.transaction() as tx:
            taken = shop_requests.norms_known(tx, target.store_name, candidates)
        codes.update((n, c) for n, c in candidates.items() if n not in taken)
    chosen = list(codes.items())[:count]
    with db.transaction() as tx:
        shop_requests.request_codes(
            tx, target.id, target.store_name, [(code, norm) for norm, code in chosen]
        )
    return [code for _, code in chosen]


def _settle(tx: Tx, target: Target, batch: list[str], failed: dict[str, str]) -> None:
    """Mark each requested code created, or failed with the store's error code."""
    by_norm = {normalize_code(code): error for code, error in failed.items()}
    shop_requests.settle_requests(
        tx, target.id, {normalize_code(c): by_norm.get(normalize_code(c)) for c in batch}
    )


def _settle_leftovers(db: Database, shop: Shop, target: Target) -> Leftovers:
    """Settle requests a crashed run left open: pull, then create those that never arrived."""
    with db.transaction() as tx:
        open_requests = shop_requests.open_requests(tx, target.id)
    if not open_requests:
        return Leftovers(0, 0)
    pull(db, shop, target, wait=WaitForJob())
    with db.transaction() as tx:
        present = shop_sync.pooled_norms(tx, target.store_name, [n for _, n in open_requests])
    missing = [code for code, norm in open_requests if norm not in present]
    failed = shop.create_codes(target.source, missing).failed if missing else {}
    with db.transaction() as tx:
        _settle(tx, target, [code for code, _ in open_requests], failed)
    return Leftovers(len(open_requests), len(open_requests) - len(failed))
