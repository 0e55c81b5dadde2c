"""Start ``promosync`` HTTP processes on a free loopback port and wait until they answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import httpx

READY_TIMEOUT = 30.0  # seconds for a fresh interpreter to import and bind


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def promosync_process(
    args: Sequence[str], ready_url: str, env: dict[str, str] | None = None, *, wait: bool = True
) -> Iterator[subprocess.Popen[bytes]]:
    """``promosync ARGS`` in a child process, yielded once ``ready_url`` answers at all
    (``wait=False``: at once; call :func:`wait_until_answering` later).

    The child is stopped with SIGTERM (then SIGKILL) when the block ends.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", "sync.cli.main", *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        if wait:
            wait_until_answering(child, ready_url)
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_until_answering(child: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            _, err = child.communicate()
            raise AssertionError(f"promosync exited {child.returncode}: {err.decode()}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)  # not yet listening: poll again (readiness, not timing)
    raise AssertionError(f"{url} did not answer within {READY_TIMEOUT} s")
