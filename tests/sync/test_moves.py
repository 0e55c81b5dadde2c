"""Stage moves release one code per creator and incentive, refused when a pool is empty."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from store import moving
from store.db import Database, Tx
from sync import codes, creators, incentives, moves
from sync.cli.main import main
from sync.errors import NotFound, OutOfCodes, WrongCampaignState
from tests import builders


def test_entering_release_stage_assigns_one_code(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2})
    (handle,) = builders.add_creators(db, "summer", 1)

    outcome = moves.move(db, "summer", handle, "pre_payment")

    assert outcome.result == moves.MOVED
    assert [r.incentive for r in outcome.released] == ["kit"]
    status = codes.status(db, "summer/kit")
    assert status.counts.available == 1 and status.counts.assigned == 1
    assert [(r.handle, r.code) for r in status.released] == [(handle, outcome.released[0].code)]


def test_skipping_ahead_triggers_every_stage_in_between(db: Database) -> None:
    builders.campaign(
        db, pools={"pre": 1, "post": 1}, timing={"pre": "pre_payment", "post": "post_payment"}
    )
    (handle,) = builders.add_creators(db, "summer", 1)

    outcome = moves.move(db, "summer", handle, "complete")

    assert sorted(r.incentive for r in outcome.released) == ["post", "pre"]


def test_move_fails_when_pool_is_empty_and_creator_stays(db: Database) -> None:
    builders.campaign(db, pools={"kit": 1})
    first, second = builders.add_creators(db, "summer", 2)
    moves.move(db, "summer", first, "pre_payment")

    with pytest.raises(OutOfCodes) as refused:
        moves.move(db, "summer", second, "pre_payment")

    assert "kit" in str(refused.value) and "upload more" in str(refused.value)
    assert creators.view(db, "summer", second).stage == "candidates"


def test_refused_move_assigns_nothing_from_other_incentives(db: Database) -> None:
    builders.campaign(
        db, pools={"full": 5, "empty": 0}, timing={"full": "pre_payment", "empty": "post_payment"}
    )
    (handle,) = builders.add_creators(db, "summer", 1)

    with pytest.raises(OutOfCodes):
        moves.move(db, "summer", handle, "complete")

    assert codes.status(db, "summer/full").counts.available == 5
    view = creators.view(db, "summer", handle)
    assert view.stage == "candidates"
    assert all(i.code is None for i in view.incentives)


def test_moving_back_keeps_the_code_and_moving_forward_again_gives_no_second(db: Database) -> None:
    builders.campaign(db, pools={"kit": 3})
    (handle,) = builders.add_creators(db, "summer", 1)
    first = moves.move(db, "summer", handle, "pre_payment").released[0].code

    moves.move(db, "summer", handle, "confirmation")
    again = moves.move(db, "summer", handle, "post_payment")

    assert again.released == ()
    assert codes.status(db, "summer/kit").counts.assigned == 1
    assert creators.view(db, "summer", handle).incentives[0].code == first


def test_moves_need_an_active_campaign(db: Database) -> None:
    builders.campaign(db, active=False)
    (handle,) = builders.add_creators(db, "summer", 1)

    with pytest.raises(WrongCampaignState, match="activate it"):
        moves.move(db, "summer", handle, "pre_payment")


def test_move_to_switched_off_stage_is_refused(db: Database) -> None:
    from sync import campaigns

    builders.campaign(db, active=False)
    campaigns.switch_stages(db, "summer", off=["draft_review"])
    campaigns.set_status(db, "summer", "active")
    (handle,) = builders.add_creators(db, "summer", 1)

    with pytest.raises(Exception, match="switched off"):
        moves.move(db, "summer", handle, "draft_review")


def test_unknown_stage_names_the_stages(db: Database) -> None:
    builders.campaign(db)
    (handle,) = builders.add_creators(db, "summer", 1)

    with pytest.raises(Exception, match="pre_payment"):
        moves.move(db, "summer", handle, "prepaid")


def test_unknown_creator_says_how_to_add_them(db: Database) -> None:
    builders.campaign(db)

    with pytest.raises(NotFound, match="creators add summer ghost"):
        moves.move(db, "summer", "ghost", "pre_payment")


def test_rejected_incentive_releases_no_code(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2})
    (handle,) = builders.add_creators(db, "summer", 1)
    incentives.reject(db, "summer/kit", handle)

    outcome = moves.move(db, "summer", handle, "pre_payment")

    assert outcome.released == ()
    assert creators.view(db, "summer", handle).incentives[0].status == "rejected"


def test_drop_with_disable_policy_revokes_unlinked_code_now(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2}, on_drop={"kit": "disable"})
    (handle,) = builders.add_creators(db, "summer", 1)
    moves.move(db, "summer", handle, "pre_payment")

    outcome = moves.move(db, "summer", handle, "dropped")

    assert outcome.revoke_requested == ("kit",)
    counts = codes.status(db, "summer/kit").counts
    assert (counts.available, counts.revoked) == (1, 1)
    view = creators.view(db, "summer", handle)
    assert view.incentives[0].revoked and view.incentives[0].code is None


def test_drop_with_keep_policy_leaves_code_with_creator(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2})
    (handle,) = builders.add_creators(db, "summer", 1)
    code = moves.move(db, "summer", handle, "pre_payment").released[0].code

    moves.move(db, "summer", handle, "dropped")

    view = creators.view(db, "summer", handle)
    assert view.incentives[0].code == code
    assert codes.status(db, "summer/kit").counts.available == 1


def test_released_code_never_returns_to_pool_after_drop_and_return(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2}, on_drop={"kit": "disable"})
    (handle,) = builders.add_creators(db, "summer", 1)
    moves.move(db, "summer", handle, "pre_payment")
    moves.move(db, "summer", handle, "dropped")

    back = moves.move(db, "summer", handle, "post_payment")

    assert back.released == ()
    assert codes.status(db, "summer/kit").counts.available == 1


def test_dry_run_counts_without_changing_anything(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2})
    builders.add_creators(db, "summer", 3)

    report = moves.move_stage(db, "summer", "candidates", "pre_payment", dry_run=True)

    assert [o.result for o in report.outcomes] == [
        moves.WOULD_MOVE,
        moves.WOULD_MOVE,
        moves.WOULD_REFUSE,
    ]
    assert report.outcomes[2].error == "would be refused: no codes left in kit"
    assert report.count(moves.MOVED) == report.count(moves.REFUSED) == 0
    assert report.summary.startswith("2 creators would move to pre_payment; 1 would be refused")
    assert report.needed == {"kit": 3} and report.available == {"kit": 2}
    assert codes.status(db, "summer/kit").counts.available == 2


def test_bulk_move_reports_each_creator_and_stops_at_pool_size(db: Database) -> None:
    builders.campaign(db, pools={"kit": 2})
    handles = builders.add_creators(db, "summer", 3)

    report = moves.move_stage(db, "summer", "candidates", "pre_payment")

    assert [o.result for o in report.outcomes] == [moves.MOVED, moves.MOVED, moves.REFUSED]
    assert "no codes left" in (report.outcomes[2].error or "")
    assert creators.view(db, "summer", handles[2]).stage == "candidates"


def test_incentive_status_follows_phase(db: Database) -> None:
    builders.campaign(db, pools={"kit": 1})
    (handle,) = builders.add_creators(db, "summer", 1)

    assert creators.view(db, "summer", handle).incentives[0].status == "draft"
    moves.move(db, "summer", handle, "confirmation")
    assert creators.view(db, "summer", handle).incentives[0].status == "pending"
    moves.move(db, "summer", handle, "pre_payment")
    assert creators.view(db, "summer", handle).incentives[0].status == "fulfilled"


def test_bulk_move_reports_a_conflicting_creator_and_moves_the_others(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate a move deciding on stale holdings for one creator: her second claim of
    # 'kit' hits the unique constraint. Only her transaction rolls back; the batch goes on.
    builders.campaign(db, pools={"kit": 4})
    ann, bob, cara = builders.add_creators(db, "summer", 3)
    code = moves.move(db, "summer", ann, "pre_payment").released[0].code
    moves.move(db, "summer", ann, "candidates")
    fresh = moving.read_subject

    def forgetful(tx: Tx, campaign_key: str, handle: str, *, lock: bool = True) -> object:
        subject = fresh(tx, campaign_key, handle, lock=lock)
        return replace(subject, held=frozenset()) if subject and handle == ann else subject

    monkeypatch.setattr(moving, "read_subject", forgetful)

    report = moves.move_many(db, "summer", [ann, bob, cara], "pre_payment")

    assert [o.result for o in report.outcomes] == [moves.REFUSED, moves.MOVED, moves.MOVED]
    assert str(moves.MoveConflict("summer", ann, "pre_payment")) == report.outcomes[0].error
    assert "creators move summer" in (report.outcomes[0].error or "")
    assert "INSERT" not in (report.outcomes[0].error or "")
    assert creators.view(db, "summer", ann).stage == "candidates"
    status = codes.status(db, "summer/kit")
    assert sorted((r.handle, r.code) for r in status.released if r.handle == ann) == [(ann, code)]
    assert (status.counts.assigned, status.counts.available) == (3, 1)


def test_single_move_conflict_is_a_domain_refusal_that_changes_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    builders.campaign(db, pools={"kit": 3})
    (ann,) = builders.add_creators(db, "summer", 1)
    moves.move(db, "summer", ann, "pre_payment")
    moves.move(db, "summer", ann, "candidates")
    fresh = moving.read_subject

    def forgetful(tx: Tx, campaign_key: str, handle: str, *, lock: bool = True) -> object:
        subject = fresh(tx, campaign_key, handle, lock=lock)
        return subject and replace(subject, held=frozenset())

    monkeypatch.setattr(moving, "read_subject", forgetful)

    with pytest.raises(moves.MoveConflict, match="run `promosync creators move summer"):
        moves.move(db, "summer", ann, "pre_payment")

    assert creators.view(db, "summer", ann).stage == "candidates"
    assert codes.status(db, "summer/kit").counts.assigned == 1
    # The log names the constraint for whoever investigates, and never a code.
    [record] = [r for r in caplog.records if r.name == "sync.moves"]
    assert "assignments" in record.getMessage() and "SUMMER-KIT" not in record.getMessage()


def test_dry_run_json_says_what_would_happen(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    builders.campaign(db, pools={"kit": 1})
    builders.add_creators(db, "summer", 2)
    args = ["--db", db.url, "--json", "creators", "move", "summer", "--from", "candidates"]

    status = main([*args, "--to", "pre_payment", "--dry-run"])

    out = json.loads(capsys.readouterr().out)
    assert status == 0 and out["dry_run"] is True
    assert [(o["result"], o["error"]) for o in out["outcomes"]] == [
        ("would_move", None),
        ("would_refuse", "would be refused: no codes left in kit"),
    ]
    assert codes.status(db, "summer/kit").counts.available == 1
