"""Code uploads follow every rule of SPEC §1 "The code pool", on both backends.

Uploads go through :func:`sync.codes.upload` (paste, text file, CSV file, a
stdin-like pipe). An upload is atomic: one bad entry and nothing is stored, and
the error names every offending entry with its position and reason; with
``skip_invalid`` the valid entries are stored and the rest reported. Codes are
unique per store scope, case-insensitively, and unassigned codes are secret.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest
from sqlalchemy import select

from store.db import Database
from store.models import Code, Event
from sync import codes, moves
from sync.codes_input import MAX_CODE_LENGTH, MAX_LISTED_OFFENDING, InvalidCodes
from tests import builders


@pytest.fixture
def pools(db: Database) -> Database:
    """Campaign 'summer' with incentives 'kit' (2 codes: SUMMER-KIT-00000{0,1}) and 'bonus' (0)."""
    builders.campaign(db, pools={"kit": 2, "bonus": 0})
    return db


def paste(text: str) -> TextIO:
    return io.StringIO(text)


def bonus_total(db: Database) -> int:
    return codes.status(db, "summer/bonus").counts.total


def offending_of(refused: pytest.ExceptionInfo[InvalidCodes]) -> list[tuple[int, int, str]]:
    return [(o.position, o.line, o.reason) for o in refused.value.offending]


# --- ways in -------------------------------------------------------------------------


def test_paste_accepts_commas_and_line_breaks(pools: Database) -> None:
    result = codes.upload(pools, "summer/bonus", paste("AAA1,AAA2\nAAA3\r\nAAA4, AAA5 \n"))

    assert (result.stored, result.empty, result.skipped) == (5, 0, [])
    assert result.available == bonus_total(pools) == 5


def test_text_file_upload_stores_one_code_per_line(pools: Database, tmp_path: Path) -> None:
    path = tmp_path / "codes.txt"
    path.write_text("FILE-1\nFILE-2\nFILE-3\n", encoding="utf-8")

    with path.open(encoding="utf-8") as stream:
        result = codes.upload(pools, "summer/bonus", stream)

    assert result.stored == 3 and bonus_total(pools) == 3


def test_csv_file_upload_reads_the_code_column_only(pools: Database, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("id,Code,note\n1,CSV-1,first\n2,CSV-2,second\n", encoding="utf-8")

    with path.open(encoding="utf-8", newline="") as stream:
        result = codes.upload(pools, "summer/bonus", stream, fmt="csv")

    assert result.stored == 2
    with pools.transaction() as tx:
        assert sorted(tx.scalars(select(Code.code).where(Code.code.like("CSV-%")))) == [
            "CSV-1",
            "CSV-2",
        ]
        assert tx.scalars(select(Code).where(Code.code.in_(["first", "1"]))).all() == []


@pytest.fixture
def stdin_pipe() -> Iterator[tuple[TextIO, threading.Thread]]:
    """A real OS pipe (not seekable, arrives in pieces), like ``promosync codes upload -``."""
    read_fd, write_fd = os.pipe()
    payload = "".join(f"PIPE-{n:05d}\n" for n in range(2_000)).encode()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as writer:
            for start in range(0, len(payload), 1_000):
                writer.write(payload[start : start + 1_000])
                writer.flush()

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(read_fd, encoding="utf-8") as reader:
        yield reader, feeder
    feeder.join()


def test_stdin_like_stream_is_read_to_the_end(
    pools: Database, stdin_pipe: tuple[TextIO, threading.Thread]
) -> None:
    stream, _ = stdin_pipe

    result = codes.upload(pools, "summer/bonus", stream)

    assert result.stored == 2_000 and bonus_total(pools) == 2_000


# --- what a code is ------------------------------------------------------------------


def test_code_of_the_maximum_length_is_accepted_and_one_more_is_refused(
    pools: Database,
) -> None:
    longest, too_long = "L" * MAX_CODE_LENGTH, "M" * (MAX_CODE_LENGTH + 1)

    assert codes.upload(pools, "summer/bonus", paste(longest)).stored == 1
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste(too_long))

    assert offending_of(refused) == [(1, 1, "longer than 150 characters (151)")]
    assert bonus_total(pools) == 1


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("AB\x07C", "contains a control character (U+0007)"),
        ("AB\u200bC", "contains a control character (U+200B)"),  # zero-width space
        ("AB CD", "contains whitespace"),
        ("AB\u00a0CD", "contains whitespace"),  # no-break space
    ],
)
def test_control_characters_and_inner_whitespace_are_refused(
    pools: Database, entry: str, reason: str
) -> None:
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste(f"GOOD-1\n{entry}\nGOOD-2"))

    assert offending_of(refused) == [(2, 2, reason)]
    assert bonus_total(pools) == 0


def test_surrounding_whitespace_is_trimmed(pools: Database) -> None:
    codes.upload(pools, "summer/bonus", paste("  TRIM-1\t\n\tTRIM-2  "))

    with pools.transaction() as tx:
        stored = sorted(tx.scalars(select(Code.code).where(Code.code.like("%TRIM%"))))
    assert stored == ["TRIM-1", "TRIM-2"]


def test_comma_inside_a_csv_cell_is_refused(pools: Database) -> None:
    stream = paste('code\nCSV-OK\n"CSV,BAD"\n')

    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", stream, fmt="csv")

    assert offending_of(refused) == [(2, 3, "contains a comma")]
    assert bonus_total(pools) == 0


def test_empty_entries_are_ignored_and_counted(pools: Database) -> None:
    result = codes.upload(pools, "summer/bonus", paste("E-1,,E-2\n\nE-3,\n , \n"))

    assert (result.stored, result.empty) == (3, 3)
    assert result.skipped == []


def test_empty_csv_cells_are_ignored_and_counted(pools: Database) -> None:
    result = codes.upload(pools, "summer/bonus", paste("code,x\nC-1,a\n,b\nC-2,c\n"), fmt="csv")

    assert (result.stored, result.empty) == (2, 1)


# --- uniqueness ----------------------------------------------------------------------


def test_duplicates_within_an_upload_are_found_case_insensitively(pools: Database) -> None:
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("ABC\nxyz\nabc\nAbC\nXYZ"))

    assert [(p, r) for p, _, r in offending_of(refused)] == [
        (3, "duplicate of entry 1 (codes are case-insensitive)"),
        (4, "duplicate of entry 1 (codes are case-insensitive)"),
        (5, "duplicate of entry 2 (codes are case-insensitive)"),
    ]
    assert bonus_total(pools) == 0


def test_code_already_in_another_incentives_pool_is_refused_in_any_case(
    pools: Database,
) -> None:
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("NEW-1\nsummer-kit-000001"))

    assert offending_of(refused) == [
        (2, 2, "already in the pool of summer/kit (codes are unique per store, case-insensitive)")
    ]
    assert bonus_total(pools) == 0


def test_code_already_in_the_same_pool_is_refused(pools: Database) -> None:
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/kit", paste("Summer-Kit-000000"))

    assert "already in the pool of summer/kit" in refused.value.offending[0].reason
    assert codes.status(pools, "summer/kit").counts.total == 2


def test_incentives_of_different_campaigns_may_not_share_a_code(pools: Database) -> None:
    builders.campaign(pools, "winter", pools={"gift": 0})

    with pytest.raises(InvalidCodes, match="already in the pool of summer/kit"):
        codes.upload(pools, "winter/gift", paste("SUMMER-KIT-000000"))

    assert codes.status(pools, "winter/gift").counts.total == 0


def test_an_assigned_code_still_blocks_the_same_code_elsewhere(pools: Database) -> None:
    builders.campaign(pools, "winter", pools={"gift": 1})
    (handle,) = builders.add_creators(pools, "winter", 1)
    released = moves.move(pools, "winter", handle, "pre_payment").released[0].code

    with pytest.raises(InvalidCodes, match="already in the pool"):
        codes.upload(pools, "summer/bonus", paste(released.lower()))


def test_entry_repeating_an_earlier_entry_and_a_known_code_is_reported_once(
    pools: Database,
) -> None:
    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("summer-kit-000000\nSUMMER-KIT-000000"))

    assert [o.position for o in refused.value.offending] == [1, 2]
    assert str(refused.value).startswith("2 entries of the upload cannot be stored")


# --- atomicity and reporting ---------------------------------------------------------


def test_one_bad_entry_stores_nothing_and_every_offender_is_listed(pools: Database) -> None:
    entries = ["OK-1", "BAD 1", "OK-2", "", "ok-1", "X" * 151, "SUMMER-KIT-000000", "OK-3"]

    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("\n".join(entries)))

    assert [(p, line) for p, line, _ in offending_of(refused)] == [(2, 2), (5, 5), (6, 6), (7, 7)]
    assert refused.value.empty_count == 1
    message = str(refused.value)
    assert "4 entries of the upload cannot be stored, so nothing was stored" in message
    for position in (2, 5, 6, 7):
        assert f"entry {position}, line {position}:" in message
    assert "--skip-invalid" in message
    assert bonus_total(pools) == 0
    assert codes.status(pools, "summer/kit").counts.total == 2


def test_every_offender_is_kept_even_when_the_message_is_shortened(pools: Database) -> None:
    bad = [f"BAD {n}" for n in range(MAX_LISTED_OFFENDING + 5)]

    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("\n".join(["GOOD", *bad])))

    assert [o.position for o in refused.value.offending] == list(range(2, len(bad) + 2))
    assert "... and 5 more" in str(refused.value)


def test_skip_invalid_stores_the_valid_codes_and_reports_the_rest(pools: Database) -> None:
    result = codes.upload(
        pools,
        "summer/bonus",
        paste("S-1\nS 2\ns-1\nS-3\nsummer-kit-000000\n\nS-4"),
        skip_invalid=True,
    )

    assert (result.stored, result.empty) == (3, 1)
    assert [(o.position, o.text) for o in result.skipped] == [
        (2, "S 2"),
        (3, "s-1"),
        (5, "summer-kit-000000"),
    ]
    assert result.available == bonus_total(pools) == 3
    with pools.transaction() as tx:
        assert sorted(tx.scalars(select(Code.code).where(Code.code.like("S-%")))) == [
            "S-1",
            "S-3",
            "S-4",
        ]


def test_refused_upload_leaves_the_connection_usable_for_the_next(pools: Database) -> None:
    with pytest.raises(InvalidCodes):
        codes.upload(pools, "summer/bonus", paste("R-1\nr-1"))

    assert codes.upload(pools, "summer/bonus", paste("R-1\nR-2")).stored == 2


# --- secrecy -------------------------------------------------------------------------


def test_error_never_shows_valid_entries_or_codes_already_in_a_pool(pools: Database) -> None:
    valid = ["SECRET-ONE", "SECRET-TWO", "SECRET-THREE"]

    with pytest.raises(InvalidCodes) as refused:
        codes.upload(pools, "summer/bonus", paste("\n".join([*valid, "bad one", "secret-one"])))

    message = str(refused.value)
    assert [o.position for o in refused.value.offending] == [4, 5]
    for code in ["SECRET-TWO", "SECRET-THREE", "SUMMER-KIT-000000", "SUMMER-KIT-000001"]:
        assert code.lower() not in message.lower(), code
    # The offending entry is echoed as the uploader typed it, never the stored spelling.
    assert "'secret-one'" in message and "SECRET-ONE" not in message


def test_upload_events_hold_counts_never_codes(pools: Database) -> None:
    codes.upload(pools, "summer/bonus", paste("HIDDEN-1\nHIDDEN-2\nbad one"), skip_invalid=True)

    with pools.transaction() as tx:
        details = [
            e.detail for e in tx.scalars(select(Event).where(Event.kind == "codes.uploaded"))
        ]
    assert {"stored": 2, "skipped": 1, "empty": 0}.items() <= details[-1].items()
    assert all("HIDDEN" not in repr(d) and "SUMMER-KIT" not in repr(d) for d in details)
