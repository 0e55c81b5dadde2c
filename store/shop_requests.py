"""What promosync asks of the store and must not lose on a crash: codes to create, codes to disable.

Each request is written down before the store is asked, and settled after it
answers, so a run that died in between is reconciled by the next one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from store.chunks import chunked
from store.db import Tx
from store.models import Assignment, Code, Incentive, utcnow
from store.models_sync import CodeRequest
from store.shop_sync import codes_by_norm


def request_codes(tx: Tx, incentive_id: int, scope: str, codes: Sequence[tuple[str, str]]) -> None:
    """Record ``(code, code_norm)`` about to be created in the store, before asking it."""
    now = utcnow()
    for chunk in chunked(codes):
        tx.execute(
            insert(CodeRequest),
            [
                {
                    "incentive_id": incentive_id,
                    "scope": scope,
                    "code": code,
                    "code_norm": norm,
                    "state": "requested",
                    "requested_at": now,
                }
                for code, norm in chunk
            ],
        )


def settle_requests(tx: Tx, incentive_id: int, outcomes: dict[str, str | None]) -> None:
    """Mark requests by code norm: None → created, an error code → failed."""
    by_outcome: dict[str | None, list[str]] = defaultdict(list)
    for norm, error in outcomes.items():
        by_outcome[error].append(norm)
    for error, norms in by_outcome.items():
        state = "created" if error is None else "failed"
        for chunk in chunked(norms):
            tx.execute(
                update(CodeRequest)
                .where(CodeRequest.incentive_id == incentive_id, CodeRequest.code_norm.in_(chunk))
                .values(state=state, error=error)
            )


def open_requests(tx: Tx, incentive_id: int) -> list[tuple[str, str]]:
    """``(code, code_norm)`` of requests not settled yet (a run died before hearing back)."""
    stmt = select(CodeRequest.code, CodeRequest.code_norm).where(
        CodeRequest.incentive_id == incentive_id, CodeRequest.state == "requested"
    )
    return [(c, n) for c, n in tx.execute(stmt.order_by(CodeRequest.id)).all()]


def norms_known(tx: Tx, scope: str, norms: Iterable[str]) -> set[str]:
    """Which of ``norms`` are already a pool code or a pending/created request in ``scope``."""
    wanted = list(norms)
    known = set(codes_by_norm(tx, scope, wanted))
    for chunk in chunked(wanted):
        known.update(
            tx.scalars(
                select(CodeRequest.code_norm).where(
                    CodeRequest.scope == scope,
                    CodeRequest.code_norm.in_(chunk),
                    CodeRequest.state != "failed",
                )
            )
        )
    return known


@dataclass(frozen=True)
class Revocation:
    """A released code waiting to be disabled in its incentive's store discount."""

    assignment_id: int
    code: str
    incentive_id: int
    source_id: str | None
    source_title: str | None
    source_status: str | None


def revocations_due(tx: Tx, store_name: str) -> list[Revocation]:
    """Released codes of store-linked incentives waiting to be disabled in the store."""
    stmt = (
        select(
            Assignment.id,
            Code.code,
            Incentive.id,
            Incentive.source_id,
            Incentive.source_title,
            Incentive.source_status,
        )
        .join(Code, Code.id == Assignment.code_id)
        .join(Incentive, Incentive.id == Assignment.incentive_id)
        .where(
            Incentive.store_name == store_name,
            Assignment.revoke_requested_at.is_not(None),
            Assignment.revoked_at.is_(None),
        )
        .order_by(Assignment.id)
    )
    return [Revocation(*row) for row in tx.execute(stmt).all()]


def mark_revoked(tx: Tx, assignment_ids: Sequence[int]) -> None:
    """The store disabled these assignments' codes: mark both revoked."""
    now = utcnow()
    for chunk in chunked(assignment_ids):
        tx.execute(update(Assignment).where(Assignment.id.in_(chunk)).values(revoked_at=now))
        released = select(Assignment.code_id).where(Assignment.id.in_(chunk))
        tx.execute(update(Code).where(Code.id.in_(released)).values(status="revoked"))
