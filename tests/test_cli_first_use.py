"""What a merchant sees on a first run: lines that fit 100 columns, counts in words."""

from __future__ import annotations

import json
import re
from pathlib import Path

from integrations.sandbox.shopify import SandboxShop
from integrations.sandbox.shopify.seed import seed_demo_shop
from sync.cli.report_view import DEFAULT_WIDTH
from tests.test_cli import Run, setup_campaign
from tests.test_cli import run as cli_run

run = cli_run  # the fixture, under the name the tests ask for
CAMPAIGN, INCENTIVE = "summer-launch-2026", "creator-kit"  # keys as a merchant writes them


def test_create_and_add_fit_the_width(run: Run) -> None:
    status, created, _ = run("campaigns", "create", "Summer launch 2026", "--key", CAMPAIGN)
    assert status == 0
    add = ("incentives", "add", CAMPAIGN, "--key", INCENTIVE, "--description", "Kit")
    status, added, _ = run(*add, "--value", "1", "--cost", "1", "--timing", "pre_payment")
    assert status == 0
    for line in (created + added).splitlines():
        assert len(line) <= DEFAULT_WIDTH, line
    assert f"Add incentives with `promosync incentives add {CAMPAIGN} ...`." in created
    assert f"`promosync codes upload {CAMPAIGN}/{INCENTIVE} --file codes.txt`." in added


def test_report_output_counts_rows_not_lines(run: Run, tmp_path: Path) -> None:
    setup_campaign(run)
    target = tmp_path / "summer.csv"
    status, out, _ = run("report", "summer", "--format", "csv", "--output", str(target))
    assert status == 0
    # a campaign line and an incentive line (no creator yet) under a header line
    assert len(target.read_text().splitlines()) == 3
    assert out == f"Wrote the report (csv, 2 rows) to {target}\n"
    status, out, _ = run("--json", "report", "summer", "--output", str(target))
    assert status == 0 and json.loads(out)["rows"] == 2


def test_a_mistyped_stage_gets_a_suggestion_and_is_echoed_safely(run: Run) -> None:
    setup_campaign(run)
    run("creators", "add", "summer", "maya")
    status, out, err = run("creators", "move", "summer", "maya", "--to", "pre_paymnt")
    assert (status, out) == (2, "")
    assert err.startswith("error: Unknown stage 'pre_paymnt': did you mean pre_payment? use one of")
    status, _, err = run("creators", "list", "summer", "--stage", "\x1b[2Jcandidates")
    assert status == 2 and "\x1b" not in err and "'\\u001b[2Jcandidates'" in err


def test_the_readme_links_the_discount_the_sandbox_seeds() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    found = re.search(r"--discount-id gid://shopify/DiscountCodeNode/(\d+)`", readme)
    assert found is not None
    with SandboxShop() as shop:
        assert seed_demo_shop(shop, 5) == int(found.group(1))


def test_events_as_json_name_incentives_by_key_and_hold_no_database_ids(run: Run) -> None:
    setup_campaign(run)
    run("creators", "add", "summer", "maya")
    assert run("creators", "move", "summer", "maya", "--to", "pre_payment")[0] == 0
    status, out, _ = run("--json", "events", "summer", "--kind", "creator.moved")
    assert status == 0
    (moved,) = json.loads(out)
    assert moved["detail"]["released"] == [{"incentive": "summer/kit"}]
    assert "_id" not in out
    status, out, _ = run("events", "summer", "--kind", "creator.moved")
    assert status == 0 and "released=1" in out
