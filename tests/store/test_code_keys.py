"""Codes are unique on their folded key (NFKC + case folding), and the key always fits.

Look-alikes a customer cannot tell apart are one code (item 33); a valid code whose key
is longer than the code itself (``İ`` folds to two characters) is stored, never a crash
(item 30). Both backends (the ``db`` fixture).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.db import Database
from store.models import MAX_CODE_KEY_LENGTH, Code
from sync.codes_input import MAX_CODE_LENGTH, InvalidCodes
from tests import builders

COMPOSED, DECOMPOSED = "CAF\u00c9", "CAFE\u0301"  # É as one character / E + combining accent
FULL_WIDTH, HALF_WIDTH = "\uff21\uff22\uff23\uff11", "ABC1"  # ＡＢＣ１ / ABC1
DOTTED_I_CODE = "\u0130" * MAX_CODE_LENGTH  # 150 × İ: its key is 300 characters


@pytest.fixture
def pools(db: Database) -> Database:
    builders.campaign(db, pools={"kit": 0, "bonus": 0})
    return db


@pytest.mark.parametrize(("first", "second"), [(COMPOSED, DECOMPOSED), (FULL_WIDTH, HALF_WIDTH)])
def test_look_alike_codes_are_one_code_within_an_upload(
    pools: Database, first: str, second: str
) -> None:
    with pytest.raises(InvalidCodes) as refused:
        builders.upload(pools, "summer/kit", [first, second])
    assert [o.position for o in refused.value.offending] == [2]


@pytest.mark.parametrize(("first", "second"), [(COMPOSED, DECOMPOSED), (HALF_WIDTH, FULL_WIDTH)])
def test_look_alike_of_a_pooled_code_is_refused_in_another_pool(
    pools: Database, first: str, second: str
) -> None:
    builders.upload(pools, "summer/kit", [first])
    with pytest.raises(InvalidCodes) as refused:
        builders.upload(pools, "summer/bonus", [second])
    assert "already in the pool of summer/kit" in refused.value.offending[0].reason


def test_accented_and_plain_letters_stay_different_codes(pools: Database) -> None:
    assert builders.upload(pools, "summer/kit", [COMPOSED, "CAFE"]).stored == 2


def test_a_valid_code_whose_key_grows_when_folded_is_stored(pools: Database) -> None:
    result = builders.upload(pools, "summer/kit", [DOTTED_I_CODE, "PLAIN-1"])

    assert result.stored == 2
    with pools.transaction() as tx:
        key = tx.scalars(select(Code.code_norm).where(Code.code == DOTTED_I_CODE)).one()
    assert len(key) == 2 * MAX_CODE_LENGTH <= MAX_CODE_KEY_LENGTH


def test_a_code_whose_key_outgrows_the_column_is_skipped_not_a_crash(pools: Database) -> None:
    ligatures = "\ufdfa" * 30  # each folds to 18 characters: 540 > MAX_CODE_KEY_LENGTH

    result = builders.upload(pools, "summer/kit", [ligatures, "PLAIN-1"], skip_invalid=True)

    assert result.stored == 1
    assert [o.position for o in result.skipped] == [1]
