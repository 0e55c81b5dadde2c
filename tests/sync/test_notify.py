"""Outbound alert webhooks to a real HTTP receiver on loopback: signed, retried, sent once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from store.db import Database
from sync import alerts, notify
from sync.config import Config
from tests import builders

SECRET = "whsec-test-0123456789"


@dataclass
class Receiver:
    """Records every POST; answers ``failures`` 503s first, then 200."""

    url: str = ""
    failures: int = 0
    status: int = 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.received.append((dict(self.headers.items()), body))
                failing = state.failures > 0
                state.failures -= failing
            self.send_response(503 if failing else state.status)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/promosync"
    yield state
    server.shutdown()
    server.server_close()


def _config(url: str) -> Config:
    return Config.model_validate({"notify": {"url": url, "secret": SECRET, "attempts": 3}})


def _alerts(db: Database, count: int) -> None:
    builders.campaign(db)
    with db.transaction() as tx:
        for n in range(count):
            alerts.raise_alert(tx, alerts.POOL_LOW, available=n, low_water=10)
        alerts.events.record(tx, "codes.uploaded", stored=3)  # not an alert: never sent


def test_alerts_are_posted_signed_and_once(db: Database, receiver: Receiver) -> None:
    _alerts(db, 3)
    sleeps: list[float] = []

    first = notify.notify_events(db, _config(receiver.url), sleep=sleeps.append)
    again = notify.notify_events(db, _config(receiver.url), sleep=sleeps.append)

    assert (first.sent, again.sent, sleeps) == (3, 0, [])
    ids = []
    for headers, body in receiver.received:
        assert notify.verify(body, SECRET, headers[notify.SIGNATURE_HEADER])
        assert not notify.verify(body + b" ", SECRET, headers[notify.SIGNATURE_HEADER])
        assert not notify.verify(body, "another secret", headers[notify.SIGNATURE_HEADER])
        payload = json.loads(body)
        assert payload["kind"] == "pool.low" and headers[notify.EVENT_KIND_HEADER] == "pool.low"
        assert str(payload["id"]) == headers[notify.EVENT_ID_HEADER]
        ids.append(payload["id"])
    assert len(set(ids)) == 3 and ids == sorted(ids)


def test_a_failing_receiver_is_retried_with_backoff(db: Database, receiver: Receiver) -> None:
    _alerts(db, 2)
    receiver.failures = 2
    sleeps: list[float] = []

    result = notify.notify_events(db, _config(receiver.url), sleep=sleeps.append)

    assert (result.sent, result.stopped) == (2, False)
    assert sleeps == [notify.FIRST_BACKOFF, notify.FIRST_BACKOFF * 2]
    bodies = [json.loads(body)["id"] for _, body in receiver.received]
    assert len(bodies) == 4 and len(set(bodies)) == 2  # the first event three times


def test_a_receiver_down_for_longer_stops_the_run_and_the_next_run_goes_on(
    db: Database, receiver: Receiver
) -> None:
    _alerts(db, 2)
    receiver.failures = 3  # every attempt of the first event

    stopped = notify.notify_events(db, _config(receiver.url), sleep=lambda _: None)
    resumed = notify.notify_events(db, _config(receiver.url), sleep=lambda _: None)

    assert (stopped.sent, stopped.stopped, resumed.sent) == (0, True, 2)
    delivered = [json.loads(body)["id"] for _, body in receiver.received[-2:]]
    assert delivered == sorted(delivered)


def test_nothing_is_sent_without_a_url(db: Database) -> None:
    _alerts(db, 1)
    assert notify.notify_events(db, Config()) == notify.NotifyResult(0, 0, False)


def test_a_plain_http_url_off_loopback_is_refused() -> None:
    with pytest.raises(ValueError, match="https://"):
        Config.model_validate({"notify": {"url": "http://hooks.example.com/x"}})
