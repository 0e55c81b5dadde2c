"""The command line: the contract scripts rely on (exit statuses, --json, messages)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from store.db import Database
from sync import creators, demo
from sync.cli.main import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Run:
    """Run ``promosync --db URL ARGS...`` in-process; returns (exit status, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROMOSYNC_CONFIG", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["--db", db_url, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


def setup_campaign(run: Run, codes: str = "AAA111,BBB222") -> None:
    assert run("campaigns", "create", "Summer", "--key", "summer")[0] == 0
    assert (
        run(
            "incentives",
            "add",
            "summer",
            "--key",
            "kit",
            "--description",
            "Summer kit",
            "--value",
            "25.00",
            "--cost",
            "8.50",
            "--timing",
            "pre_payment",
        )[0]
        == 0
    )
    assert run("codes", "upload", "summer/kit", "--codes", codes)[0] == 0
    assert run("campaigns", "activate", "summer")[0] == 0


def test_out_of_codes_exits_1_with_the_fix(run: Run) -> None:
    setup_campaign(run, codes="ONLY01")
    for handle in ("ann", "bob"):
        assert run("creators", "add", "summer", handle)[0] == 0
    assert run("creators", "move", "summer", "ann", "--to", "pre_payment")[0] == 0

    status, _, err = run("creators", "move", "summer", "bob", "--to", "pre_payment")

    assert status == 1
    assert "no codes left" in err and "promosync codes upload summer/kit" in err
    assert "Traceback" not in err


def test_json_output_is_parseable_and_errors_are_json_too(run: Run) -> None:
    setup_campaign(run)
    status, out, _ = run("--json", "incentives", "list", "summer")
    assert status == 0
    (kit,) = json.loads(out)
    assert kit["available"] == 2 and kit["value"] == "25.00"

    status, out, _ = run("--json", "campaigns", "activate", "nope")
    assert status == 2
    assert json.loads(out)["error"]["kind"] == "NotFound"


def test_invalid_upload_exits_1_listing_entries_and_stores_nothing(run: Run) -> None:
    setup_campaign(run)
    status, _, err = run("codes", "upload", "summer/kit", "--codes", "GOOD01,bad code,aaa111")
    assert status == 1
    assert "entry 2" in err.lower() or "2" in err
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["total"] == 2


def test_codes_status_never_shows_unassigned_codes(run: Run) -> None:
    setup_campaign(run, codes="SECRET1,SECRET2")
    run("creators", "add", "summer", "ann")
    run("creators", "move", "summer", "ann", "--to", "pre_payment")
    outputs = [
        run("codes", "status", "summer/kit")[1],
        run("--json", "codes", "status", "summer/kit")[1],
        run("incentives", "list", "summer")[1],
        run("campaigns", "show", "summer")[1],
        run("report", "summer", "--format", "csv")[1],
        run("report", "summer", "--format", "json")[1],
    ]
    assert "SECRET1" in outputs[0]  # released to ann, so shown
    assert all("SECRET2" not in out for out in outputs)


def test_upload_from_stdin_and_csv_file(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_campaign(run)
    csv_file = tmp_path / "codes.csv"
    csv_file.write_text("id,code\n1,CSV001\n2,CSV002\n")
    assert run("codes", "upload", "summer/kit", "--file", str(csv_file))[0] == 0
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("STD001\nSTD002\n"))
    assert run("codes", "upload", "summer/kit", "-")[0] == 0
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["available"] == 6


def test_bulk_move_dry_run_says_what_would_happen(run: Run) -> None:
    setup_campaign(run, codes="ONE001")
    for handle in ("ann", "bob"):
        run("creators", "add", "summer", handle)
    status, out, _ = run(
        "creators", "move", "summer", "--from", "candidates", "--to", "pre_payment", "--dry-run"
    )
    assert status == 0
    assert "1 creator would move" in out and "1 available" in out
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["available"] == 1


def test_bulk_move_with_refusals_exits_1(run: Run) -> None:
    setup_campaign(run, codes="ONE001")
    for handle in ("ann", "bob"):
        run("creators", "add", "summer", handle)
    status, out, _ = run(
        "creators", "move", "summer", "--from", "candidates", "--to", "pre_payment"
    )
    assert status == 1
    assert "bob: refused" in out


def test_creator_view_and_rendered_message(run: Run) -> None:
    setup_campaign(run, codes="VIEW01")
    run("creators", "add", "summer", "ann", "--first-name", "Ann")
    template = "Hi {{first_name}}, code: {{promo_code}}."
    _, before, _ = run("messages", "render", "summer", "ann", "--template", template)
    assert "Hi Ann, code: ." in before
    run("creators", "move", "summer", "ann", "--to", "pre_payment")
    _, after, _ = run("messages", "render", "summer", "ann", "--template", template)
    assert "Hi Ann, code: VIEW01." in after
    _, view, _ = run("--json", "creators", "show", "summer", "ann")
    assert json.loads(view)["incentives"][0]["code"] == "VIEW01"


def test_unknown_merge_tag_is_an_error(run: Run) -> None:
    setup_campaign(run)
    run("creators", "add", "summer", "ann")
    status, _, err = run("messages", "render", "summer", "ann", "--template", "Hi {{nickname}}")
    assert status == 1 and "nickname" in err


def test_missing_schema_tells_to_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--db", f"sqlite:///{tmp_path / 'fresh.db'}", "campaigns", "list"])
    assert status == 2
    assert "promosync db upgrade" in capsys.readouterr().err


def test_bad_usage_exits_2(run: Run) -> None:
    status, _, _ = run("creators", "move", "summer", "--to", "pre_payment")
    assert status == 2


def test_console_script_runs_the_demo(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sync.cli.main", "demo", "--db-file", str(tmp_path / "demo.db")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "REFUSED" in result.stdout and "has no codes left" in result.stdout
    # Fits a 100-column terminal and shows no internal ids (discount ids, gids).
    assert max(len(line) for line in result.stdout.splitlines()) <= demo.LINE_WIDTH
    assert "gid://" not in result.stdout and "discount 1000" not in result.stdout
    # The e-mail part: every creator moved got the pre_payment message over SMTP, maya's
    # arrived with her code and her page's link, and that link opened a page with the code.
    said = " ".join(result.stdout.split())
    code = _demo_code(tmp_path / "demo.db", "maya.makes")
    assert "Template 'code-ready' with {{promo_code}} and {{portal_link}}" in said
    assert "to the local SMTP server at 127.0.0.1:" in said and ": 6 sent" in said
    assert f"Your personal code: {code}" in said
    assert re.search(r"\| http://127\.0\.0\.1:\d+/c/\S+", said)
    assert f"HTTP 200, the page shows the code {code}" in said


def _demo_code(db_file: Path, handle: str) -> str:
    """The code the demo's database says ``handle`` holds (never printed by the test)."""
    db = Database(f"sqlite:///{db_file}")
    try:
        code = creators.view(db, "summer", handle).incentives[0].code
    finally:
        db.dispose()
    assert code is not None
    return code


def test_a_handle_typed_with_at_is_echoed_as_stored_and_found_everywhere(run: Run) -> None:
    setup_campaign(run, codes="AT0001,AT0002")
    status, out, _ = run("creators", "add", "summer", "@maya", "--first-name", "Maya")
    assert status == 0 and out.strip() == "Added 'maya' to summer at candidates."
    status, out, _ = run("creators", "show", "summer", "@maya")
    assert status == 0 and out.startswith("maya in Summer: stage candidates")
    status, _, err = run("creators", "add", "summer", "@maya")
    assert status == 1 and "Creator 'maya' already exists" in err
    run("creators", "add", "summer", "leo")

    status, out, _ = run("creators", "move", "summer", "@maya", "--to", "pre_payment")
    assert status == 0 and out.startswith("maya: moved candidates → pre_payment")
    status, out, _ = run("messages", "render", "summer", "@maya", "--template", "{{promo_code}}")
    assert status == 0 and out.strip() in ("AT0001", "AT0002")
    status, out, _ = run("incentives", "reject", "summer/kit", "@leo")
    assert status == 0 and out.strip() == "Rejected summer/kit for 'leo'."
    status, out, _ = run("creators", "move", "summer", "@maya", "@leo", "--to", "invited")
    assert status == 0
    assert out.splitlines()[:2] == [
        "maya: moved pre_payment → invited",
        "leo: moved candidates → invited",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("campaigns", "create", "x" * 300, "--key", "long"),
            "error: Campaign name is 300 characters long: shorten it to at most 200\n",
        ),
        (
            ("creators", "add", "summer", "jane", "--first-name", "J" * 500),
            "error: First name is 500 characters long: shorten it to at most 100\n",
        ),
        (
            ("creators", "add", "summer", "jane", "--email", "j" * 383 + "@example.com"),
            "error: E-mail is 395 characters long: shorten it to at most 254\n",
        ),
        (
            ("creators", "add", "summer", "jane", "--first-name", "Jane\r\nBcc: x@example.com"),
            "error: First name 'Jane\\u000d\\u000aBcc: x@example.com' contains a line break "
            "(U+000D): give it as one line of printable text\n",
        ),
        (
            ("campaigns", "create", "Summer", "--key", "kit\n"),
            "error: Campaign key 'kit\\u000a' is not valid: use 1-64 lower-case letters, digits, "
            "'-' or '_', starting with a letter or digit\n",
        ),
    ],
)
def test_a_malformed_field_exits_2_with_one_sentence_and_changes_nothing(
    run: Run, args: tuple[str, ...], message: str
) -> None:
    setup_campaign(run)
    status, _, err = run(*args)
    assert (status, err) == (2, message)
    _, out, _ = run("--json", "campaigns", "list")
    assert [c["key"] for c in json.loads(out)] == ["summer"]
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["released"] == []
    assert run("creators", "show", "summer", "jane")[0] == 2  # not added


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (("--codes", ",,,"), "The --codes text has no codes (only 3 empty entries): "),
        (("--codes", ""), "The --codes text has no codes: "),
        (("--file", "empty.txt"), "The file empty.txt has no codes: "),
        (("--file", "header.txt"), "The file header.txt has no codes: "),
        (("--file", "header.csv"), "The file header.csv has no codes: "),
        (("--file", "-"), "The standard input has no codes (only 3 empty entries): "),
    ],
)
def test_an_upload_without_a_single_code_exits_2_naming_the_input(
    run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: tuple[str, str],
    message: str,
) -> None:
    setup_campaign(run)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "header.txt").write_text("code\n")
    (tmp_path / "header.csv").write_text("id,code\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n\n\n"))
    status, out, err = run("codes", "upload", "summer/kit", *source)
    assert status == 2 and out == ""
    assert err.startswith(f"error: {message}give the codes separated by commas or line breaks")
    assert err.count("\n") == 1
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["total"] == 2


def test_a_code_header_line_in_a_text_file_is_not_stored_as_a_code(
    run: Run, tmp_path: Path
) -> None:
    setup_campaign(run)
    (tmp_path / "codes.txt").write_text("Code\nTXT001\nTXT002\n")
    status, out, _ = run("codes", "upload", "summer/kit", "--file", "codes.txt")
    assert status == 0 and out.startswith("Stored 2 codes in summer/kit; 4 available now.")
    status, _, err = run("codes", "upload", "summer/kit", "--codes", "CODE")  # a lone header
    assert status == 2 and "has no codes" in err
    _, out, _ = run("--json", "codes", "status", "summer/kit")
    assert json.loads(out)["counts"]["total"] == 4


def test_file_dash_reads_the_codes_from_standard_input(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_campaign(run)
    monkeypatch.setattr(sys, "stdin", io.StringIO("code\nDASH01\nDASH02\n"))
    status, out, err = run("codes", "upload", "summer/kit", "--file", "-")
    assert (status, err) == (0, "")
    assert out.startswith("Stored 2 codes in summer/kit; 4 available now.")
    monkeypatch.setattr(sys, "stdin", io.StringIO("id,code\n1,DASH03\n"))
    status, out, _ = run("codes", "upload", "summer/kit", "--file", "-", "--format", "csv")
    assert status == 0 and out.startswith("Stored 1 code ")


@pytest.mark.parametrize("token", ["shpat_0123456789abcdef\n", "shpat_0123456789abcdé"])
def test_an_unusable_token_exits_2_at_once_naming_the_variable(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    # Nothing listens on the discard port: had the token been sent, the command would retry.
    (tmp_path / "promosync.toml").write_text(
        '[stores.main]\nplatform = "shopify"\nshop = "brand"\n'
        'access_token = "${SHOPIFY_ACCESS_TOKEN}"\n'
        'admin_api_url = "http://127.0.0.1:9/admin/api/2026-10/graphql.json"\n'
    )
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", token)
    status, out, err = run("--config", "promosync.toml", "stores", "check", "main")
    assert status == 2 and out == ""
    assert err.startswith("error: access_token refers to ${SHOPIFY_ACCESS_TOKEN}, which holds")
    assert "0123456789" not in err and "Traceback" not in err and err.count("\n") == 1
