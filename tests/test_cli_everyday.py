"""Everyday commands: creators list, events, codes export, pool levels across campaigns."""

from __future__ import annotations

import csv
import io
import json

from tests.test_cli import Run, setup_campaign
from tests.test_cli import run as cli_run

run = cli_run  # the fixture, under the name the tests ask for


def test_creators_list_with_and_without_stage(run: Run) -> None:
    setup_campaign(run)
    for handle in ("ann", "bob", "cat"):
        assert run("creators", "add", "summer", handle, "--first-name", handle.title())[0] == 0
    assert run("creators", "move", "summer", "bob", "--to", "pre_payment")[0] == 0

    status, out, _ = run("--json", "creators", "list", "summer")
    assert status == 0
    assert [(c["handle"], c["stage"]) for c in json.loads(out)] == [
        ("ann", "candidates"),
        ("bob", "pre_payment"),
        ("cat", "candidates"),
    ]
    _, out, _ = run("creators", "list", "summer", "--stage", "Pre-Payment", "--json")
    assert [c["handle"] for c in json.loads(out)] == ["bob"]
    status, text, _ = run("creators", "list", "summer", "--stage", "candidates")
    assert status == 0 and "ann" in text and "cat" in text and "bob" not in text
    assert "Creator" in text and "Stage" in text  # headers
    _, text, _ = run("creators", "list", "summer", "--stage", "complete")
    assert "No creators in summer at complete" in text


def test_events_show_what_happened_filtered_by_creator_and_kind(run: Run) -> None:
    setup_campaign(run, codes="SECRET1,SECRET2")
    run("creators", "add", "summer", "ann")
    run("creators", "add", "summer", "bob")
    run("creators", "move", "summer", "ann", "--to", "pre_payment")
    run("incentives", "reject", "summer/kit", "bob", "--reason", "not a fit")

    status, out, _ = run("--json", "events", "summer")
    assert status == 0
    kinds = [e["kind"] for e in json.loads(out)]
    assert kinds[0] == "campaign.created" and kinds[-1] == "incentive.rejected"
    assert {"codes.uploaded", "creator.added", "creator.moved"} <= set(kinds)
    assert "SECRET" not in out  # no code is in the log

    _, out, _ = run("events", "summer", "--creator", "@bob", "--json")
    bobs = json.loads(out)
    assert [e["kind"] for e in bobs] == ["creator.added", "incentive.rejected"]
    assert bobs[-1]["detail"]["reason"] == "not a fit" and bobs[-1]["incentive"] == "kit"

    _, out, _ = run("events", "summer", "--kind", "creator", "--json")
    assert {e["kind"] for e in json.loads(out)} == {"creator.added", "creator.moved"}
    _, out, _ = run("events", "summer", "--kind", "creator.moved", "--limit", "5", "--json")
    assert [e["creator"] for e in json.loads(out)] == ["ann"]
    _, out, _ = run("events", "summer", "--limit", "2", "--json")
    assert [e["kind"] for e in json.loads(out)] == kinds[-2:]

    status, text, _ = run("events", "summer", "--creator", "bob")
    assert status == 0 and "reason=not a fit" in text and "When (UTC)" in text

    status, _, err = run("events", "summer", "--creator", "zed")
    assert status == 2 and "'zed' is not in campaign 'summer'" in err


def test_events_of_one_campaign_only(run: Run) -> None:
    setup_campaign(run)
    assert run("campaigns", "create", "Winter", "--key", "winter")[0] == 0
    _, out, _ = run("--json", "events", "winter")
    assert [e["kind"] for e in json.loads(out)] == ["campaign.created"]


def test_codes_export_lists_released_codes_never_unassigned_ones(run: Run) -> None:
    setup_campaign(run, codes="=SUM(1),UNASSIGNED1,UNASSIGNED2")
    run("creators", "add", "summer", "ann", "--email", "ann@example.com", "--first-name", "@nn")
    run("creators", "move", "summer", "ann", "--to", "pre_payment")

    status, out, _ = run("codes", "export", "summer/kit")

    assert status == 0 and "UNASSIGNED" not in out
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert row["code"] == "'=SUM(1)" and row["first_name"] == "'@nn"  # formula-safe cells
    assert row["creator"] == "ann" and row["email"] == "ann@example.com"
    assert row["stage"] == "pre_payment" and row["released_at"] and row["revoked_at"] == ""

    status, out, _ = run("codes", "export", "summer/kit", "--json")
    assert status == 0 and "UNASSIGNED" not in out
    (item,) = json.loads(out)
    assert item["code"] == "=SUM(1)" and item["creator"] == "ann" and item["revoked_at"] is None


def test_codes_export_of_a_pool_nobody_got_a_code_from_is_a_header(run: Run) -> None:
    setup_campaign(run, codes="UNASSIGNED1")
    status, out, _ = run("codes", "export", "summer/kit")
    assert status == 0 and out.splitlines() == [
        "code,creator,email,first_name,stage,released_at,revoked_at"
    ]


def test_codes_status_without_argument_shows_every_pool(run: Run) -> None:
    setup_campaign(run, codes="AAA111,BBB222,CCC333")
    run("creators", "add", "summer", "ann")
    run("creators", "move", "summer", "ann", "--to", "pre_payment")
    run("campaigns", "create", "Winter", "--key", "winter", "--currency", "EUR")
    args = ["--description", "Scarf", "--value", "9", "--cost", "2", "--timing", "post_payment"]
    assert run("incentives", "add", "winter", "--key", "scarf", *args)[0] == 0

    status, out, _ = run("--json", "codes", "status")

    assert status == 0
    levels = {p["incentive"]: p for p in json.loads(out)}
    assert set(levels) == {"summer/kit", "winter/scarf"}
    assert levels["summer/kit"]["counts"]["available"] == 2
    assert levels["summer/kit"]["counts"]["assigned"] == 1
    assert levels["winter/scarf"]["counts"]["total"] == 0
    assert levels["winter/scarf"]["campaign_status"] == "draft"
    assert "AAA111" not in out and "BBB222" not in out

    status, text, _ = run("codes", "status")
    assert status == 0 and "summer/kit" in text and "Available" in text
