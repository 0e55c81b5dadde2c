"""``promosync serve`` answers /healthz and /metrics over real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.types import ASGIApp

from store.db import Database
from sync import config
from sync.web.app import WebContext, create_app
from tests.support.serving import free_port, promosync_process


def test_serve_reports_a_reachable_database_and_metrics(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["--db", db_url, "serve", "--port", str(port)]
    with promosync_process(args, f"{base}/healthz", env={"PROMOSYNC_CONFIG": ""}):
        health = httpx.get(f"{base}/healthz")
        metrics = httpx.get(f"{base}/metrics")
        refused = httpx.post(f"{base}/healthz")
    assert health.status_code == 200
    assert health.json()["database"] == "ok"
    assert metrics.status_code == 200
    assert "promosync_build_info" in metrics.text
    assert refused.status_code == 405


def test_healthz_answers_503_when_the_database_does_not_answer() -> None:
    unreachable = Database("postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    app = create_app(WebContext(config.Config(), unreachable))
    health = asyncio.run(_get(app, "/healthz"))
    assert health.status_code == 503
    assert health.json()["status"] == "failing"
    assert "127.0.0.1:9" in health.json()["database"]


async def _get(app: ASGIApp, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://promosync.test") as client:
        return await client.get(path)
