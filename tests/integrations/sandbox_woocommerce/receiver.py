"""A webhook receiver on loopback that records each POST (raw body and headers)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrations.sandbox.loopback import LoopbackHandler, serve_in_thread


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200  # what to answer


class _Handler(LoopbackHandler):
    def do_POST(self) -> None:  # noqa: N802
        receiver: Receiver = self.server.app
        receiver.received.append(Received(self.path, dict(self.headers.items()), self.read_body()))
        self.send_json(receiver.status, {})


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver(url="")
    serving = serve_in_thread(_Handler, receiver, host="127.0.0.1", port=0, name="receiver")
    receiver.url = serving.base_url + "/hooks/woocommerce"
    try:
        yield receiver
    finally:
        serving.shutdown()
