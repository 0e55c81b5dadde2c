"""``promosync report``: a table that fits 100 columns, --wide, every column explained in
--help, foreign currencies and early uses shown apart, and --output FILE."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from store.db import Database
from store.models import LOCAL_SCOPE
from sync.cli import report_view
from tests import builders
from tests.test_cli import Run
from tests.test_cli import run as cli_run

LONG_HANDLE = "a.creator.with.a.really.long.handle.that.goes.on.and.on"
LONG_CODE = "SUMMER-LAUNCH-2026-EXTRA-LONG-CODE-0001"


run = cli_run  # the fixture, under the name the tests ask for


def record_order(
    db: Database, number: int, code: str, total: str, currency: str, *, days_ago: int = 0
) -> None:
    """An order as the orders sync stores it, for codes not linked to a shop."""
    builders.record_order(
        db, LOCAL_SCOPE, f"order-{number}", number, code, total, currency, days_ago=days_ago
    )


def two_incentives_with_orders(run: Run, db: Database) -> None:
    """Campaign 'summer' (USD): 'kit' and 'bundle', a long handle and code, orders in USD
    and EUR, and one order with a code not released yet."""
    assert run("campaigns", "create", "Summer launch", "--key", "summer")[0] == 0
    for key in ("kit", "bundle"):
        added = run(
            "incentives", "add", "summer", "--key", key, "--description", f"The {key}",
            "--value", "25.00", "--cost", "8.50", "--timing", "pre_payment",
        )  # fmt: skip
        assert added[0] == 0
    assert run("codes", "upload", "summer/kit", "--codes", f"{LONG_CODE},KIT2")[0] == 0
    assert run("codes", "upload", "summer/bundle", "--codes", "BUNDLE1,BUNDLE2")[0] == 0
    assert run("campaigns", "activate", "summer")[0] == 0
    assert run("creators", "add", "summer", LONG_HANDLE)[0] == 0
    assert run("creators", "move", "summer", LONG_HANDLE, "--to", "pre_payment")[0] == 0
    record_order(db, 1, LONG_CODE, "120.00", "USD")
    record_order(db, 2, LONG_CODE, "99.99", "EUR")
    record_order(db, 3, "BUNDLE1", "10.00", "USD")
    record_order(db, 4, "KIT2", "5.00", "USD")  # neither KIT2 nor BUNDLE2 is released yet
    record_order(db, 5, "BUNDLE1", "15.00", "USD", days_ago=2)  # before its release


def test_default_table_fits_100_columns_and_shows_what_matters(run: Run, db: Database) -> None:
    two_incentives_with_orders(run, db)

    status, out, _ = run("report", "summer")

    assert status == 0
    assert max(len(line) for line in out.splitlines()) <= report_view.DEFAULT_WIDTH
    for shown in ("Total", "Revenue EUR", "Early", "99.99", "Creators", "Flags"):
        assert shown in out
    assert "Orders in EUR are shown in their own columns" in out
    assert "Quarantined" not in out  # a --wide figure


def test_wide_table_shows_every_figure(run: Run, db: Database) -> None:
    two_incentives_with_orders(run, db)

    out = run("report", "summer", "--wide")[1]

    titles = [f.title for f in report_view.FIGURES if f.key not in ("currency", "revenue_xxx")]
    assert all(title in out for title in [*titles, "Revenue EUR"])


def test_help_explains_every_column(run: Run) -> None:
    status, out, _ = run("report", "--help")

    assert status == 0
    for figure in report_view.FIGURES:
        assert f"{figure.title} [{figure.key}]" in out
    assert "Redemptions" not in out and "Uses [redemptions]" in out
    assert max(len(line) for line in out.splitlines()) <= report_view.DEFAULT_WIDTH


def test_csv_and_json_carry_every_figure_per_currency(run: Run, db: Database) -> None:
    two_incentives_with_orders(run, db)

    rows = list(csv.DictReader(io.StringIO(run("report", "summer", "--format", "csv")[1])))
    items = json.loads(run("report", "summer", "--format", "json")[1])

    assert [r["level"] for r in rows] == [i["level"] for i in items]
    campaign = items[0]
    assert (campaign["revenue"], campaign["revenue_eur"]) == ("130.00", "99.99")
    assert (campaign["currency"], campaign["early_uses"]) == ("USD", 2)
    assert rows[0]["revenue_eur"] == "99.99" and rows[0]["roi"] == campaign["roi"]
    assert set(rows[0]) == set(campaign)


def test_output_writes_the_report_to_a_file_and_says_where(
    run: Run, db: Database, tmp_path: Path
) -> None:
    two_incentives_with_orders(run, db)
    target = tmp_path / "summer.csv"
    target.write_text("an older report\n")

    status, out, _ = run("report", "summer", "--format", "csv", "--output", str(target))

    assert status == 0
    assert str(target) in out and "csv" in out
    written = target.read_bytes().decode("utf-8")
    assert written == run("report", "summer", "--format", "csv")[1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".summer.csv")]


def test_output_json_is_a_whole_json_document(run: Run, db: Database, tmp_path: Path) -> None:
    two_incentives_with_orders(run, db)
    target = tmp_path / "summer.json"

    assert run("report", "summer", "--format", "json", "--output", str(target))[0] == 0

    assert json.loads(target.read_text(encoding="utf-8"))[0]["level"] == "campaign"


def test_output_into_a_missing_directory_exits_2_and_writes_nothing(
    run: Run, db: Database, tmp_path: Path
) -> None:
    two_incentives_with_orders(run, db)
    target = tmp_path / "no-such-dir" / "summer.csv"

    status, out, err = run("report", "summer", "--output", str(target))

    assert status == 2 and out == ""
    assert "no-such-dir" in err and "--output" in err and len(err.strip().splitlines()) == 1
    assert not target.parent.exists()


def test_json_flag_writes_json_and_answers_in_json(run: Run, tmp_path: Path) -> None:
    assert run("campaigns", "create", "Empty", "--key", "empty")[0] == 0
    target = tmp_path / "empty.json"

    status, out, _ = run("--json", "report", "empty", "--output", str(target))

    assert status == 0
    assert json.loads(out) == {"written": str(target), "format": "json", "rows": 1}
    assert json.loads(target.read_text(encoding="utf-8"))[0]["codes_total"] == 0


def test_campaign_without_incentives_says_so(run: Run) -> None:
    assert run("campaigns", "create", "Empty", "--key", "empty")[0] == 0

    status, out, _ = run("report", "empty")

    assert status == 0 and "No incentives yet." in out and "┏" not in out
