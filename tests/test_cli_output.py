"""--json on every command, contradictory flags refused, wording, help as plain text."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from sync.cli.main import EXIT_USAGE, cli
from sync.cli.shared import walk
from sync.wording import plural
from tests.test_cli import Run, setup_campaign
from tests.test_cli import run as cli_run

run = cli_run  # the fixture, under the name the tests ask for


def _leaf_paths() -> list[list[str]]:
    def paths(command: click.Command, prefix: list[str]) -> list[list[str]]:
        if not isinstance(command, click.Group):
            return [prefix]
        return [p for name, sub in command.commands.items() for p in paths(sub, [*prefix, name])]

    return paths(cli, [])


def test_json_after_the_command_equals_json_before_it(run: Run) -> None:
    setup_campaign(run)
    for args in (("report", "summer"), ("incentives", "list", "summer"), ("codes", "status")):
        status, after, _ = run(*args, "--json")
        assert status == 0, args
        assert json.loads(after) == json.loads(run("--json", *args)[1])


def test_every_command_accepts_json_at_the_command(run: Run) -> None:
    leaves = _leaf_paths()
    assert ["report"] in leaves and ["codes", "export"] in leaves and len(leaves) > 20
    for path in leaves:
        status, out, err = run(*path, "--json", "--help")
        assert status == 0, (path, err)
        assert "--json" in out, path


def test_json_with_a_csv_or_table_format_is_refused(run: Run) -> None:
    setup_campaign(run)
    for fmt in ("csv", "table"):
        status, out, _ = run("report", "summer", "--format", fmt, "--json")
        assert status == EXIT_USAGE
        assert "contradict" in json.loads(out)["error"]["message"]
        status, out, _ = run("--json", "report", "summer", "--format", fmt)
        assert status == EXIT_USAGE
        assert "--json and --format" in json.loads(out)["error"]["message"]
    status, out, _ = run("report", "summer", "--format", "json", "--json")
    assert status == 0 and isinstance(json.loads(out), list)


def test_an_input_format_is_not_an_output_format(run: Run, tmp_path: Path) -> None:
    setup_campaign(run)
    codes = tmp_path / "more.txt"
    codes.write_text("code\nCSV001\n")
    status, out, _ = run(
        "codes", "upload", "summer/kit", "--file", str(codes), "--format", "csv", "--json"
    )
    assert status == 0 and json.loads(out)["stored"] == 1


def test_demo_json_is_one_json_document(run: Run, tmp_path: Path) -> None:
    status, out, _ = run("demo", "--db-file", str(tmp_path / "demo.db"), "--json")
    assert status == 0
    result = json.loads(out)
    assert result["campaigns"] == ["summer"]
    assert result["database"] == str(tmp_path / "demo.db")
    assert any("REFUSED" in line for line in result["steps"])
    assert any(line.startswith("   | Subject: ") for line in result["steps"])
    status, report, _ = run("--db", result["database_url"], "report", "summer", "--json")
    assert status == 0 and json.loads(report)


def test_usage_errors_are_json_in_json_mode(run: Run) -> None:
    status, out, _ = run("creators", "move", "summer", "--json", "--to", "pre_payment")
    assert status == EXIT_USAGE and json.loads(out)["error"]["kind"] == "UsageError"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 codes"), (1, "1 code"), (2, "2 codes"), (1500, "1,500 codes")],
)
def test_plural(count: int, expected: str) -> None:
    assert plural(count, "code") == expected
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"


def test_counts_in_messages_have_the_right_plural(run: Run) -> None:
    setup_campaign(run, codes="ONE001")
    _, out, _ = run("codes", "upload", "summer/kit", "--codes", "TWO002,,")
    assert "Stored 1 code in summer/kit" in out and "Ignored 1 empty entry " in out
    run("creators", "add", "summer", "ann")
    _, out, _ = run(
        "creators", "move", "summer", "--from", "candidates", "--to", "pre_payment", "--dry-run"
    )
    assert "1 creator would move" in out and "kit: 1 code needed" in out


def test_help_text_has_no_rest_markup(run: Run) -> None:
    for command in walk(cli):
        for text in [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]:
            assert "``" not in text and ":class:" not in text, command.name
    status, out, _ = run("sync", "pull", "--help")
    assert status == 0 and "``" not in out and "'sync revoke'" in out


def test_campaign_stages_have_column_headers(run: Run) -> None:
    setup_campaign(run)
    status, out, _ = run("campaigns", "stages", "summer")
    assert status == 0
    header = next(line for line in out.splitlines() if "Stage " in line and "#" in line)
    assert "Phase" in header and "On" in header
    assert "pre_payment" in out and "participants" in out
