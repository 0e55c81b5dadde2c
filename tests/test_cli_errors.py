"""No traceback reaches a user; the log file gets the details; exit statuses mean one thing."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from sync import campaigns
from sync.cli.logs import redact
from sync.cli.main import EXIT_DOMAIN, EXIT_INTERNAL, EXIT_USAGE, main
from tests.test_cli import Run, setup_campaign
from tests.test_cli import run as cli_run

run = cli_run  # the fixture, under the name the tests ask for


def _explode(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("internal detail the user should not see")


def test_unexpected_error_prints_one_line_naming_the_log_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaigns, "list_all", _explode)
    log_file = tmp_path / "logs" / "run.log"

    status, out, err = run("--log-file", str(log_file), "campaigns", "list")

    assert status == EXIT_INTERNAL
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "Unexpected error (RuntimeError)" in err and str(log_file) in err
    assert "internal detail" not in err
    logged = log_file.read_text()
    assert "Traceback" in logged and "RuntimeError: internal detail" in logged
    assert "_explode" in logged  # the frame where it happened


def test_unexpected_error_with_json_is_a_json_error(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaigns, "list_all", _explode)
    log_file = tmp_path / "run.log"

    status, out, err = run("--log-file", str(log_file), "campaigns", "list", "--json")

    assert status == EXIT_INTERNAL and err == ""
    error = json.loads(out)["error"]
    assert error["kind"] == "InternalError" and error["log_file"] == str(log_file)
    assert "Traceback" in log_file.read_text()


def test_default_log_file_is_under_xdg_state_home(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(campaigns, "list_all", _explode)

    status, _, err = run("campaigns", "list")

    expected = tmp_path / "state" / "promosync" / "promosync.log"
    assert status == EXIT_INTERNAL and str(expected) in err
    assert "RuntimeError" in expected.read_text()


def test_log_file_from_config_is_relative_to_the_config_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    (config_dir / "promosync.toml").write_text('log_file = "logs/promosync.log"\n')
    monkeypatch.setattr(campaigns, "list_all", _explode)

    status, _, err = run("--config", str(config_dir / "promosync.toml"), "campaigns", "list")

    expected = config_dir / "logs" / "promosync.log"
    assert status == EXIT_INTERNAL and str(expected) in err
    assert "RuntimeError" in expected.read_text()


def test_logged_details_hide_database_values_and_passwords(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = Exception(
        'duplicate key value violates unique constraint "uq_codes"\n'
        "DETAIL:  Key (scope, code_norm)=(main, unassigned9) already exists."
    )

    def clash(*_args: object, **_kwargs: object) -> None:
        raise IntegrityError(
            "INSERT INTO codes (code) VALUES (%(code)s) -- postgresql://app:hunter2@db/x",
            {"code": "UNASSIGNED9"},
            driver,
        )

    monkeypatch.setattr(campaigns, "list_all", clash)
    log_file = tmp_path / "run.log"

    status, out, err = run("--log-file", str(log_file), "campaigns", "list")

    assert status == EXIT_INTERNAL
    logged = log_file.read_text()
    assert "IntegrityError" in logged and "INSERT INTO codes" in logged
    for secret in ("UNASSIGNED9", "unassigned9", "hunter2"):
        assert secret not in logged and secret not in out + err


def test_unwritable_log_file_still_gives_one_line(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(campaigns, "list_all", _explode)

    status, out, err = run("--log-file", str(blocker / "run.log"), "campaigns", "list")

    assert status == EXIT_INTERNAL and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "could not be written" in err and "--log-file" in err


def test_verbose_shows_progress_on_stderr_and_the_file_keeps_it(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = campaigns.list_all

    def chatty(db: object) -> object:
        logging.getLogger("sync.campaigns").info("listing campaigns now")
        return real(db)  # type: ignore[arg-type]

    monkeypatch.setattr(campaigns, "list_all", chatty)
    log_file = tmp_path / "run.log"

    status, _, quiet = run("--log-file", str(log_file), "campaigns", "list")
    assert status == 0 and "listing campaigns now" not in quiet
    status, _, verbose = run("-v", "--log-file", str(log_file), "campaigns", "list")
    assert status == 0 and "listing campaigns now" in verbose
    assert log_file.read_text().count("listing campaigns now") == 2


def test_handlers_are_removed_after_each_run(run: Run, tmp_path: Path) -> None:
    before = list(logging.getLogger().handlers)
    run("--log-file", str(tmp_path / "run.log"), "campaigns", "list")
    assert logging.getLogger().handlers == before


MALFORMED = [
    ("campaigns", "create", "X", "--currency", "usdx"),
    ("campaigns", "create", "X", "--currency", "XAU"),
    ("campaigns", "create", "X", "--key", "Bad Key"),
    ("campaigns", "stages", "draft1", "--on", "nostage"),
    *(
        (
            "incentives",
            "add",
            "draft1",
            "--key",
            "k",
            "--description",
            "x",
            "--value",
            value,
            "--cost",
            "1",
            "--timing",
            "pre_payment",
        )
        for value in ("abc", "-1", "1.234", "1e5", "NaN")
    ),
    (
        "incentives",
        "add",
        "draft1",
        "--key",
        "Bad Key",
        "--description",
        "x",
        "--value",
        "1",
        "--cost",
        "1",
        "--timing",
        "pre_payment",
    ),
    ("incentives", "reject", "summerkit", "ann"),
    ("codes", "upload", "summer", "--codes", "A"),
    ("codes", "status", "summer/"),
    ("codes", "export", "x/y/z"),
    ("creators", "add", "summer", "bad handle!"),
    ("creators", "add", "summer", "bob", "--email", "nope"),
    ("creators", "move", "summer", "ann", "--to", "nowhere"),
    ("creators", "move", "summer", "--from", "nowhere", "--to", "invited"),
    ("creators", "list", "summer", "--stage", "nowhere"),
    ("messages", "check", "summer", "--template", "x", "--send-on", "nowhere"),
    ("events", "summer", "--kind", "Bad Kind"),
    ("events", "summer", "--limit", "-1"),
]


def test_malformed_arguments_exit_2_and_domain_refusals_exit_1(run: Run) -> None:
    setup_campaign(run, codes="ONLY01")
    assert run("campaigns", "create", "Draft", "--key", "draft1")[0] == 0
    assert run("creators", "add", "summer", "ann")[0] == 0
    for args in MALFORMED:
        status, _, err = run(*args)
        assert status == EXIT_USAGE, (args, err)
        assert "Traceback" not in err
    refusals = [
        ("campaigns", "activate", "summer"),
        ("codes", "upload", "summer/kit", "--codes", "bad code"),
        ("campaigns", "stages", "draft1", "--off", "complete"),
    ]
    for args in refusals:
        assert run(*args)[0] == EXIT_DOMAIN, args
    assert run("creators", "move", "summer", "ann", "--to", "pre_payment")[0] == 0
    assert run("creators", "add", "summer", "bob")[0] == 0
    assert run("creators", "move", "summer", "bob", "--to", "pre_payment")[0] == EXIT_DOMAIN


def test_malformed_money_changes_nothing(run: Run) -> None:
    assert run("campaigns", "create", "Draft", "--key", "draft1")[0] == 0
    args = ["--key", "k", "--description", "x", "--value", "12.345", "--cost", "1"]
    status, _, err = run("incentives", "add", "draft1", *args, "--timing", "pre_payment")
    assert status == EXIT_USAGE and "12.345" in err
    _, out, _ = run("--json", "incentives", "list", "draft1")
    assert json.loads(out) == []


def test_missing_schema_without_a_database_is_still_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--db", f"sqlite:///{tmp_path / 'fresh.db'}", "creators", "list", "x"])
    assert status == EXIT_USAGE and "Traceback" not in capsys.readouterr().err


def test_redact_masks_passwords_and_echoed_values() -> None:
    text = (
        "could not connect to postgresql+psycopg://app:s3cret@db:5432/promosync\n"
        "DETAIL:  Key (scope, code_norm)=(main, code7) already exists.\n"
        "CONTEXT:  unnamed portal parameter $1 = 'CODE7'\n"
        "[SQL: INSERT INTO codes (code) VALUES (%(code)s)]\n"
        "[parameters: {'code': 'CODE7'}]"
    )
    redacted = redact(text)
    assert "s3cret" not in redacted and "app:***@db" in redacted
    assert "code7" not in redacted.lower()
    assert "[SQL: INSERT INTO codes" in redacted and "DETAIL: (redacted)" in redacted
