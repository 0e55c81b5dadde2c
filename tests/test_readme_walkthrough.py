"""The README's walkthrough, run as a user pastes it: one shell, the block as written.

The block is read from README.md (after its ``walkthrough`` marker), so the README cannot
drift from what works. Only the two loopback ports are replaced by free ones (8025 and
8080 may be taken on a shared machine), and the database by the ``db_url`` fixture
(``$PROMOSYNC_DB``) so the story runs on both backends. The servers are the real ones
the block starts: ``python -m aiosmtpd`` printing what it receives, and ``promosync serve``;
the link is opened as the README says, in a browser (headless Chromium).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from store.db import Database
from sync import creators
from tests.support.browser import chromium
from tests.support.serving import free_port

README = Path(__file__).resolve().parent.parent / "README.md"
MARKER = "<!-- walkthrough:"
SMTP_PORT, PAGE_PORT = "8025", "8080"
DEADLINE = 120.0  # seconds for the whole block (a dozen fresh interpreters) on a busy machine
END_OF_MESSAGE = "------------ END MESSAGE ------------"
LINK = re.compile(r"Your page: (http://127\.0\.0\.1:\d+/c/\S+)")


def walkthrough_block() -> str:
    """The shell block that follows the walkthrough marker in README.md."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    found = re.search(r"```sh\n(.*?)```\n", after, re.DOTALL)
    assert found is not None, "README.md: no ```sh block after the walkthrough marker"
    return found.group(1)


class Output:
    """Everything the shell prints (stdout and stderr), read as it comes."""

    def __init__(self, stream: object) -> None:
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            with self._lock:
                self._chunks.append(line)

    @property
    def text(self) -> str:
        with self._lock:
            return "".join(self._chunks)


@contextmanager
def shell(
    script: str, cwd: Path, env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[str], Output]]:
    """``bash`` running ``script`` then waiting for its background jobs; its whole process
    group (the servers it started) is stopped when the block ends."""
    child = subprocess.Popen(
        ["bash", "-e", "-c", script + "\nwait\n"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = Output(child.stdout)
    try:
        yield child, output
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _page_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1.0).status_code == 200
    except httpx.TransportError:
        return False


def test_the_readme_walkthrough_delivers_the_code_and_a_link_that_shows_it(
    db_url: str, tmp_path: Path
) -> None:
    block = walkthrough_block()
    assert block.count(SMTP_PORT) >= 2 and block.count(PAGE_PORT) >= 2  # server and config
    smtp_port, page_port = free_port(), free_port()
    script = block.replace(SMTP_PORT, str(smtp_port)).replace(PAGE_PORT, str(page_port))
    venv_bin = str(Path(sys.executable).parent)  # `python` and `promosync` as installed
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ["PATH"]}
    env.pop("PROMOSYNC_CONFIG", None)  # ./promosync.toml, as the README writes it
    env.update(PROMOSYNC_DB=db_url, PYTHONUNBUFFERED="1")

    with shell(script, tmp_path, env) as (child, output):
        deadline = time.monotonic() + DEADLINE
        # Ready: the server printed the message and the page server answers (polling).
        while not (END_OF_MESSAGE in output.text and _page_answers(page_port)):
            assert child.poll() is None, f"the walkthrough stopped:\n{output.text}"
            assert time.monotonic() < deadline, f"not done in {DEADLINE} s:\n{output.text}"
            time.sleep(0.1)
        printed = output.text
        db = Database(db_url)
        try:
            code = creators.view(db, "summer", "maya.makes").incentives[0].code
        finally:
            db.dispose()
        assert code is not None
        # The preview, before the move, leaves the code blank; the delivered mail shows it.
        preview = printed[printed.index("Added template") : printed.index("maya.makes: moved")]
        assert "Your code for Summer launch: \n" in preview and code not in preview
        mail = printed.partition("MESSAGE FOLLOWS")[2]
        assert "Subject: Your code for Summer launch" in mail
        assert f"Your code for Summer launch: {code}" in mail
        found = LINK.search(mail)
        assert found is not None, mail  # whole on one line, as printed
        page = httpx.get(found.group(1), timeout=10.0)
        assert page.status_code == 200
        assert code in page.text and "Summer launch" in page.text
        # "Open that link in a browser": headless Chromium shows the code on screen.
        with chromium() as browser:
            tab = browser.new_page()
            response = tab.goto(found.group(1))
            assert response is not None and response.status == 200
            shown = tab.get_by_text(code, exact=True)
            assert shown.is_visible() and "Summer launch" in tab.inner_text("body")
