"""What promosync asks of the store and must not lose on a crash: codes to create, codes to disable.

Each request is written down before the store is asked, and settled after it
answers, so a run that died in between is reconciled by the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert, select

from store.db import Tx
from store.models import Assignment, Code, Incentive, utcnow
from store.models_sync import CodeRequest
from store.shop_sync import codes_by_norm


def request_codes(tx: Tx, incentive: Incentive, codes: Sequence[tuple[str, str]]) -> None:
    """Record codes about to be created in the store, before asking it."""
    tx.execute(
        insert(CodeRequest),
        [
            {
                "incentive_id": incentive.id,
                "scope": incentive.store_name,
                "code": code,
                "code_norm": norm,
                "state": "requested",
                "requested_at": utcnow(),
            }
            for code, norm in codes
        ],
    )


def settle_requests(tx: Tx, incentive_id: int, outcomes: dict[str, str | None]) -> None:
    """Mark requests by code norm: None → created, an error code → failed."""
    requests = tx.scalars(
        select(CodeRequest).where(
            CodeRequest.incentive_id == incentive_id, CodeRequest.code_norm.in_(list(outcomes))
        )
    )
    for request in requests:
        error = outcomes[request.code_norm]
        request.state, request.error = ("created", None) if error is None else ("failed", error)


def open_requests(tx: Tx, incentive_id: int) -> list[CodeRequest]:
    stmt = select(CodeRequest).where(
        CodeRequest.incentive_id == incentive_id, CodeRequest.state == "requested"
    )
    return list(tx.scalars(stmt.order_by(CodeRequest.id)))


def norms_known(tx: Tx, scope: str, norms: Iterable[str]) -> set[str]:
    """Which of ``norms`` are already a pool code or a pending/created request in ``scope``."""
    wanted = list(norms)
    in_pool = set(codes_by_norm(tx, scope, wanted))
    requested = set(
        tx.scalars(
            select(CodeRequest.code_norm).where(
                CodeRequest.scope == scope,
                CodeRequest.code_norm.in_(wanted),
                CodeRequest.state != "failed",
            )
        )
    )
    return in_pool | requested


def revocations_due(tx: Tx, store_name: str) -> list[tuple[Assignment, Code, Incentive]]:
    """Released codes of store-linked incentives waiting to be disabled in the store."""
    stmt = (
        select(Assignment, Code, Incentive)
        .join(Code, Code.id == Assignment.code_id)
        .join(Incentive, Incentive.id == Assignment.incentive_id)
        .where(
            Incentive.store_name == store_name,
            Assignment.revoke_requested_at.is_not(None),
            Assignment.revoked_at.is_(None),
        )
        .order_by(Assignment.id)
    )
    return [(a, c, i) for a, c, i in tx.execute(stmt).all()]


def mark_revoked(tx: Tx, assignment_ids: Sequence[int]) -> None:
    now = utcnow()
    for assignment in tx.scalars(select(Assignment).where(Assignment.id.in_(assignment_ids))):
        assignment.revoked_at = now
        tx.get_one(Code, assignment.code_id).status = "revoked"
