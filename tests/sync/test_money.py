"""Money: exact decimals in the campaign currency, refused loudly when not exact."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.errors import DomainError
from sync.money import (
    DEFAULT_MINOR_UNITS,
    ISO_4217_CODES,
    MAX_INTEGER_DIGITS,
    MINOR_UNITS,
    NON_SPENDABLE_CODES,
    ROUNDING,
    InvalidCurrency,
    InvalidMoney,
    MoneyIsFloat,
    minor_units,
    parse_money,
    round_money,
    split_money,
    validate_currency,
)


def test_money_defaults_are_pinned() -> None:
    assert DEFAULT_MINOR_UNITS == 2
    assert MAX_INTEGER_DIGITS == 15
    assert {MINOR_UNITS[c] for c in ("JPY", "KRW", "VND", "CLP", "ISK", "UGX")} == {0}
    assert {MINOR_UNITS[c] for c in ("BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD")} == {3}
    assert minor_units("USD") == minor_units("EUR") == 2
    assert set(MINOR_UNITS) <= ISO_4217_CODES


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("25", "USD", Decimal("25.00")),
        ("25.5", "USD", Decimal("25.50")),
        (" 25.50 ", "EUR", Decimal("25.50")),
        ("0", "USD", Decimal("0.00")),
        ("1500", "JPY", Decimal("1500")),
        ("1.234", "KWD", Decimal("1.234")),
        ("12.340", "USD", Decimal("12.34")),
        ("1500.00", "JPY", Decimal("1500")),
        (Decimal("7.1"), "USD", Decimal("7.10")),
        (Decimal("-0"), "USD", Decimal("0.00")),
        (Decimal("1E+3"), "USD", Decimal("1000.00")),
        (12, "USD", Decimal("12.00")),
    ],
)
def test_parse_money_accepts_exact_non_negative_amounts(
    text: str | Decimal | int, currency: str, expected: Decimal
) -> None:
    value = parse_money(text, currency, field="value")
    assert value == expected
    assert value.as_tuple().exponent == expected.as_tuple().exponent


def test_parse_money_rejects_more_decimals_than_the_currency_has_and_suggests_a_fix() -> None:
    with pytest.raises(InvalidMoney) as caught:
        parse_money("12.345", "USD", field="value")
    assert str(caught.value) == (
        "value '12.345' has more than 2 decimals for USD: give at most 2, e.g. 12.35"
    )
    assert caught.value.field == "value" and caught.value.text == "12.345"
    assert isinstance(caught.value, DomainError)


def test_parse_money_rejects_decimals_for_a_currency_without_minor_unit() -> None:
    with pytest.raises(InvalidMoney, match=r"cost '1500.5' has decimals, but JPY has no minor"):
        parse_money("1500.5", "JPY", field="cost")


def test_parse_money_rejects_a_fourth_decimal_for_three_decimal_currencies() -> None:
    with pytest.raises(InvalidMoney, match="more than 3 decimals for BHD"):
        parse_money("1.2345", "BHD", field="value")


def test_parse_money_rejects_floats_as_a_type_error() -> None:
    with pytest.raises(MoneyIsFloat) as caught:
        parse_money(0.1, "USD", field="value")  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, InvalidMoney)
    assert "float" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("NaN", "not a finite number"),
        ("inf", "not a finite number"),
        ("-Infinity", "not a finite number"),
        ("1e3", "exponent notation"),
        ("1.5E-2", "exponent notation"),
        ("1,000.00", "thousands separator"),
        ("12,50", "decimal comma"),
        ("1_000", "thousands separator"),
        ("1 000", "contains spaces"),
        ("$25", "currency symbol"),
        ("25€", "currency symbol"),
        ("25 USD", "currency symbol or letters"),
        ("-5", "is negative"),
        ("-0.01", "is negative"),
        ("+5", "has a sign"),
        ("1.2.3", "not a plain decimal number"),
        (".5", "not a plain decimal number"),
        ("٣", "not a plain decimal number"),  # Arabic-Indic digit: Decimal() would accept it
        ("9" * 16, "too large"),
    ],
)
def test_parse_money_rejects_malformed_text_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidMoney) as caught:
        parse_money(text, "USD", field="value")
    assert reason in str(caught.value)
    assert str(caught.value).startswith("value '")


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-1")])
def test_parse_money_rejects_non_finite_or_negative_decimals(value: Decimal) -> None:
    with pytest.raises(InvalidMoney):
        parse_money(value, "USD", field="value")


def test_parse_money_rejects_booleans_although_they_are_ints() -> None:
    with pytest.raises(InvalidMoney, match="boolean"):
        parse_money(True, "USD", field="value")


def test_parse_money_error_escapes_control_characters_in_the_input() -> None:
    with pytest.raises(InvalidMoney) as caught:
        parse_money("12\x1b[31m", "USD", field="value")
    assert "\x1b" not in str(caught.value)
    assert "\\u001b" in str(caught.value)


def test_parse_money_validates_the_currency_first() -> None:
    with pytest.raises(InvalidCurrency):
        parse_money("1", "ZZZ", field="value")


@given(
    st.decimals(min_value=0, max_value=Decimal("9" * 13), places=2, allow_nan=False),
)
def test_parse_money_round_trips_the_text_of_a_quantized_decimal(value: Decimal) -> None:
    parsed = parse_money(str(value), "USD", field="value")
    assert parsed == value
    assert str(parsed) == f"{value:f}"


@given(st.sampled_from(sorted(MINOR_UNITS)), st.integers(min_value=0, max_value=10**12))
def test_parse_money_of_a_rounded_amount_is_the_identity(currency: str, minor: int) -> None:
    places = MINOR_UNITS[currency]
    amount = Decimal(minor).scaleb(-places)
    if currency in NON_SPENDABLE_CODES:
        return
    shown = round_money(amount, currency)
    assert f"{shown:f}" == f"{amount:f}"
    assert parse_money(f"{shown:f}", currency, field="value") == amount


@pytest.mark.parametrize(("code", "expected"), [("USD", "USD"), ("eur", "EUR"), (" gbp ", "GBP")])
def test_validate_currency_normalises_case_and_whitespace(code: str, expected: str) -> None:
    assert validate_currency(code) == expected


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("US", "three-letter"),
        ("USDX", "three-letter"),
        ("U5D", "three-letter"),
        ("", "three-letter"),
        ("ABC", "not a current ISO 4217"),
        ("HRK", "not a current ISO 4217"),  # replaced by EUR in 2023
        ("XAU", "metal"),
        ("XXX", "metal, fund unit or testing"),
        ("XTS", "testing"),
        ("CLF", "fund unit"),
        ("USN", "fund unit"),
    ],
)
def test_validate_currency_rejects_codes_that_are_not_current_spendable_iso_codes(
    code: str, reason: str
) -> None:
    with pytest.raises(InvalidCurrency) as caught:
        validate_currency(code)
    assert reason in str(caught.value)
    assert f"'{code}'" in str(caught.value)


def test_iso_list_holds_current_codes_and_only_three_upper_case_letters() -> None:
    assert {"USD", "EUR", "JPY", "XCG", "ZWG", "SLE", "VED"} <= ISO_4217_CODES
    assert all(len(c) == 3 and c.isascii() and c.isupper() for c in ISO_4217_CODES)
    assert not {"HRK", "ZWL", "ANG", "SLL", "BGN"} & ISO_4217_CODES


def test_one_rounding_rule_half_up_is_pinned() -> None:
    assert ROUNDING == ROUND_HALF_UP


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("25"), "USD", "25.00"),
        (Decimal("25.005"), "USD", "25.01"),  # half up, not half even (25.00)
        (Decimal("0.125"), "EUR", "0.13"),
        (Decimal("2.5"), "JPY", "3"),
        (Decimal("1500"), "JPY", "1500"),
        (Decimal("1.5"), "KWD", "1.500"),
        (Decimal("1E+3"), "EUR", "1000.00"),
    ],
)
def test_round_money_uses_the_currencys_minor_units_and_one_rule(
    amount: Decimal, currency: str, expected: str
) -> None:
    assert f"{round_money(amount, currency):f}" == expected


@pytest.mark.parametrize(
    ("total", "parts", "currency", "expected"),
    [
        ("1000", 3, "JPY", ["334", "333", "333"]),
        ("10.00", 3, "USD", ["3.34", "3.33", "3.33"]),
        ("0.02", 3, "EUR", ["0.01", "0.01", "0.00"]),
        ("1.000", 3, "KWD", ["0.334", "0.333", "0.333"]),
        ("99.99", 1, "USD", ["99.99"]),
    ],
)
def test_split_money_shares_are_in_minor_units_and_first_shares_get_the_remainder(
    total: str, parts: int, currency: str, expected: list[str]
) -> None:
    assert [f"{share:f}" for share in split_money(Decimal(total), parts, currency)] == expected


@given(
    st.sampled_from(["USD", "JPY", "KWD", "EUR", "CLP", "BHD"]),
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=1, max_value=40),
)
def test_split_money_adds_up_exactly_to_the_total(currency: str, minor: int, parts: int) -> None:
    total = Decimal(minor).scaleb(-minor_units(currency))
    shares = split_money(total, parts, currency)
    assert sum(shares) == total and len(shares) == parts
    assert max(shares) - min(shares) <= Decimal(1).scaleb(-minor_units(currency))
    assert all(share == round_money(share, currency) for share in shares)


def test_split_money_refuses_zero_shares() -> None:
    with pytest.raises(ValueError, match="1 or more"):
        split_money(Decimal(1), 0, "USD")
