"""Shop commands check their own arguments before opening the shop, and count in words."""

from __future__ import annotations

import json

import pytest

from integrations.sandbox.shopify import SandboxServer
from sync.shopsync.common import IncompletePull
from sync.shopsync.link import CodesNotInDiscount
from tests.test_cli_shopify import (  # noqa: F401  (run, sandbox: fixtures)
    TOKEN_ENV,
    Run,
    draft_campaign_with_incentive,
    run,
    sandbox,
)

MAX_LINE = 100


def linked_incentive(run: Run, sandbox: SandboxServer, codes: list[str]) -> None:  # noqa: F811
    sandbox.shop.create_code_discount("Summer", codes=codes)
    draft_campaign_with_incentive(run)
    assert run("incentives", "link", "summer/kit", "--discount-code", codes[0])[0] == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--count", "0"), "--count 0 is out of range: generate 1 to 100,000 codes a run"),
        (("--count", "100001"), "--count 100001 is out of range"),
        (("--count", "2", "--prefix", "BAD PREFIX"), "Code prefix 'BAD PREFIX' is not valid"),
    ],
)
def test_generate_checks_its_arguments_before_the_shop(
    run: Run,  # noqa: F811
    sandbox: SandboxServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    arguments: tuple[str, ...],
    message: str,
) -> None:
    linked_incentive(run, sandbox, ["CLI-AAAA1111"])
    monkeypatch.delenv(TOKEN_ENV)  # the shop cannot be opened: the argument must be named first
    status, out, err = run("codes", "generate", "summer/kit", *arguments)
    assert (status, out) == (2, "")
    assert message in err and TOKEN_ENV not in err


def test_generate_prefix_error_shows_neither_control_characters_nor_a_whole_paste(
    run: Run,  # noqa: F811
) -> None:
    status, _, err = run("codes", "generate", "summer/kit", "--count", "1", "--prefix", "\x1b[2J")
    assert status == 2 and "\x1b" not in err and "'\\u001b[2J'" in err
    status, _, err = run("codes", "generate", "summer/kit", "--count", "1", "--prefix", "X" * 500)
    assert status == 2 and "Code prefix of 500 characters is not valid" in err
    assert max(len(line) for line in err.splitlines()) <= MAX_LINE


@pytest.mark.parametrize("option", ["--discount-code", "--discount-id"])
def test_link_refuses_an_empty_discount_reference_before_the_shop(
    run: Run,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    option: str,
) -> None:
    draft_campaign_with_incentive(run)
    monkeypatch.delenv(TOKEN_ENV)
    status, out, err = run("incentives", "link", "summer/kit", option, " ")
    assert (status, out) == (2, "")
    assert f"error: {option} is empty: give the discount's id" in err and TOKEN_ENV not in err


def test_one_of_each_is_counted_in_the_singular(
    run: Run,  # noqa: F811
    sandbox: SandboxServer,  # noqa: F811
) -> None:
    sandbox.shop.create_code_discount("Summer", codes=["CLI-AAAA1111"])
    draft_campaign_with_incentive(run)
    status, out, _ = run("incentives", "link", "summer/kit", "--discount-code", "CLI-AAAA1111")
    assert status == 0 and "Linked summer/kit to 'Summer' (active, 1 code) in store 'main'." in out
    status, out, _ = run("sync", "pull", "summer/kit")
    assert status == 0 and "summer/kit: 1 code in the store (1 expected), 1 new" in out
    assert "\n  0 released codes gone from the store; discount active" in out
    assert max(len(line) for line in out.splitlines()) <= MAX_LINE
    status, out, _ = run("codes", "generate", "summer/kit", "--count", "1")
    assert status == 0
    assert "Created 1 new code in summer/kit (1 round); the pull added 1 code to the pool." in out
    for line in out.splitlines():
        assert len(line) <= MAX_LINE, line
    assert run("campaigns", "activate", "summer")[0] == 0
    assert run("creators", "add", "summer", "maya")[0] == 0
    assert run("creators", "move", "summer", "maya", "--to", "pre_payment")[0] == 0
    status, out, _ = run("sync", "usage", "summer/kit")
    assert status == 0 and "summer/kit: 1 of 1 released code observed" in out
    status, out, _ = run("sync", "revoke")
    assert status == 0 and out == "main: 0 codes disabled and marked revoked\n"
    status, out, _ = run("--json", "sync", "pull", "summer/kit")
    assert status == 0 and json.loads(out)[0]["fetched"] == 2


def test_two_stores_are_counted_in_words(run: Run) -> None:  # noqa: F811
    status, _, err = run("stores", "check")
    assert status == 2 and "2 stores are configured (main, woo): name the one to check" in err


def test_shop_sync_refusals_count_in_words() -> None:
    incomplete = str(IncompletePull("summer/kit", 1, 0))
    assert "the store reports 1 code but 0 arrived" in incomplete
    missing = str(CodesNotInDiscount("summer/kit", "Summer", 1, 1, 1))
    assert missing.startswith("1 of the 1 code in the pool of 'summer/kit' is not in discount")
    assert "(1 of them already released to creators)" in missing
