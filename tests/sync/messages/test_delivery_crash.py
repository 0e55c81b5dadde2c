"""A delivery process killed in the middle of the SMTP transaction: never sent twice silently."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from store.db import Database
from sync import delivery, moves, outbox
from tests.support.smtp import SmtpServer, smtp_toml
from tests.sync.messages.conftest import config_for
from tests.sync.messages.test_delivery import Clock, setup

DATA_DEADLINE_SECONDS = 60.0


def test_killed_mid_data_leaves_it_ambiguous_and_a_restart_sends_the_rest_once(
    db: Database, db_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    handles = setup(db, count=3)
    for handle in handles:
        moves.move(db, "summer", handle, "pre_payment")
    config_file = tmp_path / "promosync.toml"
    config_file.write_text(smtp_toml(smtp))
    smtp.mailbox.hold = threading.Event()  # DATA waits: the client is mid-transaction

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.cli.main",
            "--config",
            str(config_file),
            "--db",
            db_url,
            "messages",
            "deliver",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert smtp.mailbox.data_started.wait(DATA_DEADLINE_SECONDS), "DATA never started"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    smtp.mailbox.hold.set()  # the server got the whole message: it may deliver it
    assert [m.status for m in reversed(outbox.listing(db))] == ["sending", "claimed", "claimed"]

    clock = Clock()
    early = delivery.deliver_outbox(db, config_for(smtp), clock=clock)  # lease still running
    clock.advance(delivery.LEASE_SECONDS + 1)
    restart = delivery.deliver_outbox(db, config_for(smtp), clock=clock)

    assert (early.sent, early.ambiguous) == (0, 0)
    assert (restart.ambiguous, restart.requeued, restart.sent) == (1, 2, 2)
    listed = {m.handle: m for m in outbox.listing(db)}
    assert listed["c0"].status == "ambiguous"
    assert "may or may not have accepted" in (listed["c0"].last_error or "")
    assert [m.handle for m in outbox.listing(db, failed_only=True)] == ["c0"]
    ids = smtp.mailbox.message_ids
    assert len(ids) == len(set(ids)) <= 3  # nobody got a message twice

    clock.advance(delivery.LEASE_SECONDS + 1)
    assert delivery.deliver_outbox(db, config_for(smtp), clock=clock).sent == 0
    outbox.retry(db, listed["c0"].id)  # a person decides to send it again
    assert delivery.deliver_outbox(db, config_for(smtp), clock=clock).sent == 1
    resent = smtp.mailbox.to("c0@example.com")
    assert len({m["Message-ID"] for m in resent}) == 1  # same Message-ID: a visible duplicate
