"""Webhook intake under load: verified and persisted deliveries per second, p50 and p99.

``wrk`` (Debian package ``wrk``) posts a signed ``orders/paid`` delivery over loopback,
each request with its own ``X-Shopify-Webhook-Id`` (a header, outside the signature), so
every answer is a new inbox row. The same run measures a bare ASGI endpoint that only
answers 200, served by the same uvicorn settings in the same kind of child process, and
reports the ratio. After each promosync run the inbox is counted: every 200 must be a row.

Run standalone: ``python -m benchmarks.webhooks [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import fixtures
from benchmarks.harness import Row
from integrations.shopify.webhooks import sign
from store import scratch
from store.db import Database

SHOP = "bench.myshopify.com"
SECRET = "bench-webhook-secret"
RATE_TARGET = 1_000.0  # deliveries/s
P99_TARGET_MS = 25.0
CONNECTIONS = 16
WRK_THREADS = 1  # the server needs the other core
HOST = "127.0.0.1"  # both apps are served by sync.web.app.serve: promosync serve's settings
STOP_TIMEOUT_S = 15
READY_TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(child: subprocess.Popen[bytes], port: int) -> None:
    """Poll (readiness, not timing) until the child accepts connections."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"server exited {child.returncode}: {child.stderr!r}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port} within {READY_TIMEOUT_S} s")


@dataclass(frozen=True)
class Sizes:
    seconds: int
    runs: int


FULL = Sizes(seconds=5, runs=3)
QUICK = Sizes(seconds=1, runs=1)

ORDER = {
    "id": 820982911946154508,
    "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
    "name": "#9999",
    "created_at": "2026-12-01T10:00:00Z",
    "processed_at": "2026-12-01T10:00:00Z",
    "updated_at": "2026-12-01T10:00:01Z",
    "currency": "USD",
    "presentment_currency": "USD",
    "financial_status": "paid",
    "test": False,
    "total_price": "199.00",
    "total_price_set": {
        "shop_money": {"amount": "199.00", "currency_code": "USD"},
        "presentment_money": {"amount": "199.00", "currency_code": "USD"},
    },
    "subtotal_price": "219.00",
    "total_discounts": "20.00",
    "discount_codes": [{"code": "MAYA-SUMMER-20", "amount": "20.00", "type": "fixed_amount"}],
    "line_items": [
        {"id": 866550311766439020 + n, "title": f"Item {n}", "quantity": 1, "price": "73.00"}
        for n in range(3)
    ],
    "refunds": [],
}

# Each request gets its own delivery id; ``done`` prints the figures as one JSON line.
WRK_SCRIPT = """
local counter = 0
local threads = {}
function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  wrk.headers["X-Shopify-Webhook-Id"] = string.format("%s-%d-%d", RUN, thread_id, counter)
  return wrk.format()
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Load:
    rate: float  # answered 2xx per second
    p50_ms: float
    p99_ms: float
    answered: int  # 2xx answers


def _wrk_script(directory: Path, run_id: str) -> Path:
    body = json.dumps(ORDER, separators=(",", ":"))
    lines = [
        f"RUN = {json.dumps(run_id)}",
        'wrk.method = "POST"',
        f"wrk.body = {json.dumps(body)}",
        'wrk.headers["Content-Type"] = "application/json"',
        'wrk.headers["X-Shopify-Topic"] = "orders/paid"',
        f'wrk.headers["X-Shopify-Shop-Domain"] = "{SHOP}"',
        f'wrk.headers["X-Shopify-Hmac-Sha256"] = "{sign(body.encode(), SECRET)}"',
        'wrk.headers["X-Shopify-Triggered-At"] = "2026-12-01T10:00:01.123Z"',
        'wrk.headers["X-Shopify-Event-Id"] = "bench-event"',
    ]
    path = directory / f"{run_id}.lua"
    path.write_text("\n".join(lines) + WRK_SCRIPT, encoding="utf-8")
    return path


def _load(url: str, script: Path, seconds: int) -> Load:
    completed = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    answered = report["requests"] - report["non2xx"]
    if report["non2xx"] or report["socket_errors"]:
        raise AssertionError(f"wrk saw errors: {report}")
    seconds_taken = report["duration_us"] / 1e6
    return Load(answered / seconds_taken, report["p50_us"] / 1e3, report["p99_us"] / 1e3, answered)


@contextmanager
def _served(kind: str, db_url: str, config: Path) -> Iterator[str]:
    """``kind`` ("bare" or "promosync") served by uvicorn in a child process."""
    port = _free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.webhooks",
            "--serve",
            kind,
            str(port),
            db_url,
            str(config),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(child, port)
        yield f"{base}/webhooks/shopify"
    finally:
        child.terminate()
        try:
            child.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _inbox_rows(db_url: str) -> int:
    from sqlalchemy import func, select

    from store.models_sync import WebhookDelivery

    db = Database(db_url)
    with db.transaction() as tx:
        rows = int(tx.scalar(select(func.count()).select_from(WebhookDelivery)) or 0)
    db.dispose()
    return rows


def _measure(name: str, sizes: Sizes, db_url: str, work: Path) -> Row:
    config = work / "promosync.toml"
    config.write_text(
        f'[stores.main]\nplatform = "shopify"\nshop = "{SHOP}"\nwebhook_secret = "{SECRET}"\n',
        encoding="utf-8",
    )
    bare: list[Load] = []
    ours: list[Load] = []
    for run in range(sizes.runs):
        with _served("bare", db_url, config) as url:
            bare.append(_load(url, _wrk_script(work, f"bare{run}"), sizes.seconds))
        before = _inbox_rows(db_url)
        with _served("promosync", db_url, config) as url:
            load = _load(url, _wrk_script(work, f"run{run}"), sizes.seconds)
        stored = _inbox_rows(db_url) - before
        if stored < load.answered:
            raise AssertionError(f"{load.answered} deliveries answered 200, {stored} stored")
        ours.append(load)
    rate = statistics.median(x.rate for x in ours)
    base_rate = statistics.median(x.rate for x in bare)
    p50, p99 = statistics.median(x.p50_ms for x in ours), statistics.median(x.p99_ms for x in ours)
    return Row(
        name,
        f"{rate:,.0f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms",
        f">= {RATE_TARGET:,.0f}/s, p99 < {P99_TARGET_MS:.0f} ms",
        rate >= RATE_TARGET and p99 < P99_TARGET_MS,
        sizes.runs,
        f"bare 200: {base_rate:,.0f}/s, p99 "
        f"{statistics.median(x.p99_ms for x in bare):.1f} ms; ratio {rate / base_rate:.2f}; "
        "runs: " + ", ".join(f"{x.rate:,.0f}/s p99 {x.p99_ms:.1f} ms" for x in ours),
    )


def sqlite_intake(sizes: Sizes, work: Path, template: Path) -> Row:
    name = f"webhook deliveries verified+stored, {CONNECTIONS} connections (SQLite)"
    if shutil.which("wrk") is None:
        return Row(name, "not measured", "", None, 0, "wrk is not installed (apt install wrk)")
    url = fixtures.fresh_sqlite(template, work)
    try:
        return _measure(name, sizes, url, work)
    finally:
        fixtures.remove_sqlite(url)


def postgresql_intake(sizes: Sizes, work: Path, template: Path) -> Row:
    name = f"webhook deliveries verified+stored, {CONNECTIONS} connections (PostgreSQL)"
    if shutil.which("wrk") is None:
        return Row(name, "not measured", "", None, 0, "wrk is not installed (apt install wrk)")
    problem = scratch.unreachable(scratch.admin_url())
    if problem:
        return Row(name, "not measured", "", None, 0, problem)
    with scratch.fresh_postgresql(scratch.admin_url(), prefix="promosync_bench") as url:
        return _measure(name, sizes, url, work)


BENCHMARKS: tuple[tuple[str, Callable[[Sizes, Path, Path], Row]], ...] = (
    ("webhooks_sqlite", sqlite_intake),
    ("webhooks_postgresql", postgresql_intake),
)


def run(quick: bool, only: Sequence[str] = ()) -> list[Row]:
    """Run the benchmarks (all, or those named in ``only``); one row each."""
    sizes = QUICK if quick else FULL
    rows = []
    with tempfile.TemporaryDirectory(prefix="promosync-bench-webhooks-") as tmp:
        work = Path(tmp)
        template = fixtures.migrated_sqlite_template(work)
        for name, benchmark in BENCHMARKS:
            if not only or name in only:
                rows.append(benchmark(sizes, work, template))
                print(f"  done: {rows[-1].name}", file=sys.stderr, flush=True)
    return rows


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The baseline: read the request, answer 200 with a small JSON body."""
    if scope["type"] != "http":  # lifespan: nothing to start
        return
    while (await receive()).get("more_body"):
        pass
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"status":"stored"}'})


def serve(kind: str, port: int, db_url: str, config_path: str) -> None:
    from sync import config as config_module
    from sync.web.app import WebContext, create_app
    from sync.web.app import serve as serve_app

    if kind == "bare":
        app: Any = bare_app
    else:
        config = config_module.load(config_path, db_url)
        app = create_app(WebContext(config, Database(config.database_url)))
    serve_app(app, host=HOST, port=port)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--serve"]:
        kind, port, db_url, config_path = args[1:]
        serve(kind, int(port), db_url, config_path)
        return 0
    from benchmarks.__main__ import render

    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhooks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run, not judged")
    parser.add_argument("--only", nargs="+", choices=[n for n, _ in BENCHMARKS], default=[])
    parsed = parser.parse_args(args)
    print(render(run(parsed.quick, parsed.only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
