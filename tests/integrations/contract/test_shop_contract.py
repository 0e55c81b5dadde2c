"""What every platform's Shop promises the domain, checked once per local shop.

The sync jobs rely on exactly these behaviours and never ask which platform
they talk to; a platform that breaks one of them breaks the jobs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from integrations.ports import ShopConfigError, ShopError, ShopReferenceError
from tests.integrations.contract.conftest import SEEDED, Platform


def folded(codes: object) -> set[str]:
    return {str(code).casefold() for code in codes}  # type: ignore[attr-defined]


def listed(platform: Platform) -> set[str]:
    source = platform.shop.resolve_source(platform.ref)
    return {code.code for page in platform.shop.iter_codes(source) for code in page}


def test_check_names_the_platform_and_currency_and_misses_nothing(platform: Platform) -> None:
    info = platform.shop.check()
    assert (info.platform, info.currency) == (platform.name, platform.currency)
    assert info.missing_scopes == frozenset() and info.granted_scopes


def test_a_source_streams_every_code_and_the_total_matches(platform: Platform) -> None:
    source = platform.shop.resolve_source(platform.ref)
    stream = platform.shop.iter_codes(platform.shop.source_status(source))
    codes = [code for page in stream for code in page]
    assert folded(c.code for c in codes) == folded(platform.seeded)
    assert stream.expected_total == len(codes) == SEEDED
    assert source.usable and all(code.unusable is None for code in codes)


def test_a_missing_source_is_a_reference_error(platform: Platform) -> None:
    with pytest.raises((ShopReferenceError, ShopConfigError)):
        platform.shop.resolve_source(platform.missing_ref)


def test_usage_answers_in_the_callers_spelling_and_skips_unknown_codes(
    platform: Platform,
) -> None:
    code = platform.seeded[3]
    platform.place_order(code, Decimal("25.00"))
    source = platform.shop.resolve_source(platform.ref)
    asked = code.swapcase()
    seen = list(platform.shop.usage(source, [asked, "CON-NOT-THERE"]))
    assert [(o.code, o.usage_count) for o in seen] == [(asked, 1)]


def test_created_codes_join_the_source(platform: Platform) -> None:
    source = platform.shop.resolve_source(platform.ref)
    fresh = platform.fresh_codes(130)  # more than one batch on every platform
    result = platform.shop.create_codes(source, fresh)
    assert folded(c.code for c in result.created) == folded(fresh) and not result.failed
    assert folded(fresh) <= folded(listed(platform))


def test_a_code_someone_else_holds_is_reported_taken_not_raised(platform: Platform) -> None:
    source = platform.shop.resolve_source(platform.ref)
    theirs = platform.someone_elses()
    fresh = platform.fresh_codes(1)
    result = platform.shop.create_codes(source, [theirs, *fresh])
    assert result.failed == {theirs: "TAKEN"}
    assert folded(c.code for c in result.created) == folded(fresh)


def test_disabled_codes_leave_the_source_and_disabling_again_is_harmless(
    platform: Platform,
) -> None:
    source = platform.shop.resolve_source(platform.ref)
    gone = platform.seeded[10:12]
    platform.shop.disable_codes(source, gone)
    platform.shop.disable_codes(source, [*gone, "CON-NOT-THERE"])
    assert not folded(gone) & folded(listed(platform))
    assert len(listed(platform)) == SEEDED - 2


def test_orders_with_codes_are_listed_with_their_currency_and_filtered_by_code(
    platform: Platform,
) -> None:
    code = platform.seeded[5]
    platform.place_order(code, Decimal("40.00"))
    since = datetime.now(UTC) - timedelta(hours=1)
    (order,) = [o for o in platform.shop.iter_orders(since) if folded(o.codes) == folded([code])]
    assert order.currency == platform.currency and order.total == Decimal("40.00")
    assert not order.cancelled and order.financial_status.upper() not in ("REFUNDED", "UNPAID")
    assert list(platform.shop.iter_orders(since, codes=["CON-NOT-THERE"])) == []


def test_bad_credentials_are_a_configuration_error(platform: Platform) -> None:
    shop = platform.bad_credentials()
    with pytest.raises(ShopConfigError) as caught:
        shop.check()
    assert isinstance(caught.value, ShopError) and not caught.value.retryable
