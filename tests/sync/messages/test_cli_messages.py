"""``promosync messages ...`` end to end: exit statuses, --json, the outbox listing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from sync import creators
from sync.cli.main import main
from tests import builders
from tests.support.smtp import SmtpServer, smtp_toml

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--db", db_url, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def test_add_move_deliver_and_list(
    run: Run, db: Database, smtp: SmtpServer, tmp_path: Path
) -> None:
    builders.campaign(db, pools={"kit": 1})
    creators.add(db, "summer", "maya", email="maya@example.com", first_name="Maya")
    (tmp_path / "body.txt").write_text("Hi {{first_name}}, your code: {{promo_code}}\n")
    (tmp_path / "promosync.toml").write_text(smtp_toml(smtp))

    status, out, _ = run(
        "messages",
        "add",
        "summer",
        "code",
        "--subject",
        "Your code",
        "--body-file",
        "body.txt",
        "--send-on",
        "pre_payment",
    )
    assert status == 0 and "sent on entry to pre_payment" in out
    assert run("creators", "move", "summer", "maya", "--to", "pre_payment")[0] == 0
    status, out, _ = run("messages", "deliver", "--json")
    assert status == 0 and json.loads(out)["sent"] == 1
    status, out, _ = run("messages", "outbox")
    assert status == 0 and "sent" in out and "summer/code → maya <maya@example.com>" in out
    (mail,) = smtp.mailbox.received
    assert "your code: SUMMER-KIT-000000" in mail.get_content()


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (
            ("messages", "add", "summer", "x", "--subject", "{{nope}}", "--body-file", "body.txt"),
            1,
            "unknown tag {{nope}}",
        ),
        (
            ("messages", "add", "summer", "x", "--subject", "a\rb", "--body-file", "body.txt"),
            2,
            "contains a line break",
        ),
        (
            ("messages", "add", "summer", "x", "--subject", "s", "--body-file", "missing.txt"),
            2,
            "Cannot read the body file missing.txt",
        ),
        (("messages", "preview", "summer", "nothere", "maya"), 2, "No template 'nothere'"),
        (("messages", "deliver"), 2, r"No [smtp] table"),
        (("messages", "retry", "42"), 2, "No message '42'"),
        (("messages", "send", "summer", "x"), 2, "name creators, or give --stage"),
    ],
)
def test_bad_input_gets_one_sentence_and_the_right_status(
    run: Run, db: Database, tmp_path: Path, args: tuple[str, ...], status: int, message: str
) -> None:
    builders.campaign(db)
    (tmp_path / "body.txt").write_text("Hi")

    got, out, err = run(*args)

    assert got == status and message in err and "Traceback" not in err + out


def test_add_edit_and_check_warn_about_portal_link_without_a_usable_portal_section(
    run: Run, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.campaign(db)
    (tmp_path / "body.txt").write_text("Your page: {{portal_link}}\n")
    add = ("messages", "add", "summer", "page", "--subject", "Hi", "--body-file", "body.txt")
    status, out, _ = run(*add, "--send-on", "pre_payment")
    assert status == 0 and "warning: {{portal_link}} cannot be filled yet" in out
    assert "[portal] base_url is not set" in out
    status, out, _ = run("messages", "edit", "summer", "page", "--subject", "Hello")
    assert status == 0 and "warning: {{portal_link}}" in out
    status, out, _ = run("messages", "check", "summer", "--template", "{{portal_link}}")
    assert status == 0 and "warning: {{portal_link}}" in out

    monkeypatch.setenv("PROMOSYNC_PORTAL_SECRET", "s" * 40)
    (tmp_path / "promosync.toml").write_text(
        '[portal]\nbase_url = "http://127.0.0.1:8080"\nsecret = "${PROMOSYNC_PORTAL_SECRET}"\n'
    )
    status, out, _ = run("messages", "edit", "summer", "page", "--subject", "Hi")
    assert status == 0 and "warning" not in out
    status, out, _ = run("messages", "check", "summer", "--template", "{{portal_link}}")
    assert status == 0 and out.strip() == "Template is valid."


def test_send_on_takes_a_code_event_and_refuses_anything_else(
    run: Run, db: Database, tmp_path: Path
) -> None:
    builders.campaign(db)
    (tmp_path / "body.txt").write_text("Your new code: {{promo_code}}\n")
    add = ("messages", "add", "summer", "new-code", "--subject", "New code", "--body-file")

    status, out, err = run(*add, "body.txt", "--send-on", "code.reissuing")
    assert status == 2 and "Traceback" not in err
    assert "neither a stage nor an event" in err and "code.reissued" in err
    assert run("messages", "list", "summer", "--json")[1].strip() == "[]"

    status, out, _ = run(*add, "body.txt", "--send-on", "code.reissued")
    assert status == 0 and "sent on code.reissued" in out and "warning" not in out
    status, out, _ = run(
        "messages", "check", "summer", "--template", "{{promo_code}}", "--send-on", "code.expiring"
    )
    assert status == 0 and "Template is valid." in out
