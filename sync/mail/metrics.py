"""Delivery metrics, in the process registry served at ``GET /metrics`` (:mod:`sync.metrics`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from sync.metrics import REGISTRY

#: Outcomes of delivery attempts: sent, retry (temporary failure), failed (permanent),
#: ambiguous (a sending process died mid-transaction).
MESSAGES = Counter(
    "promosync_messages",
    "Outcomes of e-mail delivery attempts by this process.",
    ["outcome"],
    registry=REGISTRY,
)
OUTBOX = Gauge(
    "promosync_outbox_messages",
    "Messages in the outbox per status, as of this process's last delivery run.",
    ["status"],
    registry=REGISTRY,
)
