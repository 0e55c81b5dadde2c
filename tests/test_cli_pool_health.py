"""Capacity, policies, refill and leaks from the command line, against the local Shopify."""

from __future__ import annotations

import json
from decimal import Decimal

from integrations.sandbox.shopify import SandboxServer
from tests.test_cli_shopify import Run, draft_campaign_with_incentive, run, sandbox  # noqa: F401


def _linked_and_active(run: Run, sandbox: SandboxServer, codes: int = 3) -> None:  # noqa: F811
    sandbox.shop.create_code_discount("Summer", codes=[f"POOL-{n:04d}AA" for n in range(codes)])
    draft_campaign_with_incentive(run)
    assert run("incentives", "link", "summer/kit", "--discount-code", "POOL-0000AA")[0] == 0
    assert run("campaigns", "activate", "summer")[0] == 0
    assert run("sync", "pull", "summer/kit")[0] == 0


def test_capacity_refill_and_leak_from_the_command_line(
    run: Run,  # noqa: F811
    sandbox: SandboxServer,  # noqa: F811
) -> None:
    _linked_and_active(run, sandbox)
    for handle in ("ann", "bob", "cy", "dee"):
        assert run("creators", "add", "summer", handle)[0] == 0
    assert run("creators", "move", "summer", "ann", "bob", "--to", "confirmation")[0] == 0

    status, out, _ = run("--json", "codes", "capacity", "summer")
    assert status == 0, out
    (pool,) = json.loads(out)
    assert (pool["participants_waiting"], pool["candidates_waiting"], pool["available"]) == (
        2,
        2,
        3,
    )
    status, out, _ = run("codes", "capacity", "summer")
    assert status == 0 and "no releases in 7 days" in out and "POOL-" not in out

    status, out, _ = run("incentives", "refill", "summer/kit", "--below", "5", "--batch", "4")
    assert status == 0, out
    status, out, _ = run("--json", "sync", "refill")
    assert status == 0, out
    assert json.loads(out)["outcomes"][0]["created"] == 4

    status, out, _ = run("incentives", "policy", "summer/kit", "--on-leak", "disable_and_reissue")
    assert status == 0 and "disable_and_reissue" in out
    status, out, _ = run("--json", "creators", "move", "summer", "ann", "--to", "pre_payment")
    code = json.loads(out)["released"][0]["code"]
    for customer in (1, 2):
        sandbox.shop.place_order([code], Decimal("20.00"), customer_id=customer)
    assert run("sync", "orders")[0] == 0
    status, out, _ = run("--json", "sync", "leaks")
    assert status == 0 and json.loads(out) == {"detected": 1, "reissued": 1, "waiting": 0}
    assert sandbox.shop.find_code(code) is None
    status, out, _ = run("--json", "events", "summer", "--kind", "code")
    kinds = [e["kind"] for e in json.loads(out)]
    assert "code.leaked" in kinds and "code.reissued" in kinds


def test_bad_policy_and_refill_input_exits_2_and_changes_nothing(
    run: Run,  # noqa: F811
    sandbox: SandboxServer,  # noqa: F811
) -> None:
    _linked_and_active(run, sandbox)
    status, _, err = run("incentives", "refill", "summer/kit", "--below", "5")
    assert status == 2 and "--batch" in err
    status, _, err = run("incentives", "policy", "summer/kit", "--min-validity", "two weeks")
    assert status == 2 and "--min-validity 'two weeks'" in err
    status, out, _ = run("--json", "incentives", "policy", "summer/kit")
    assert json.loads(out)["min_validity"] == "14d"
    status, out, _ = run("--json", "sync", "refill")
    assert status == 0 and json.loads(out)["outcomes"] == []
