"""Exact money: parsing user input, currency codes, the one rounding rule and splits.

Money is a ``Decimal`` in the campaign currency, non-negative, with at most the
currency's minor units (SPEC §1). Floats are refused outright: ``0.1 + 0.2`` is
not ``0.3``, and a value that went through a float cannot be trusted to be what
the merchant typed.

Exceptions (both ``DomainError``, exit status 1)::

    DomainError
    ├── InvalidMoney          field, text, reason
    │   └── MoneyIsFloat      (also a TypeError: the caller passed a float)
    └── InvalidCurrency       code
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from sync.errors import DomainError


def _codes(listing: str) -> frozenset[str]:
    """Read a whitespace-separated listing of currency codes (keeps the tables compact)."""
    return frozenset(listing.split())


# ISO 4217 List One, current codes (amendments through 2025: XCG replaced ANG, ZWG replaced
# ZWL, SLE replaced SLL, EUR replaced HRK and BGN). Fund codes and the X-codes for metals,
# SDR and testing are ISO codes too; they are listed here and refused separately below
# (NON_SPENDABLE_CODES) so the refusal can say why.
ISO_4217_CODES: frozenset[str] = _codes(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI
    UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF
    XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
    """
)

# ISO codes that are not money a store sells in: fund (accounting) units, precious metals,
# bond-market and IMF units, the testing code and "no currency". A campaign in one of these
# is a typo or a test.
NON_SPENDABLE_CODES: frozenset[str] = _codes(
    """
    BOV CHE CHW CLF COU MXV USN UYI UYW
    XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX
    """
)

DEFAULT_MINOR_UNITS = 2

#: The one rounding rule for money and ratios everywhere (reports, tables, suggestions):
#: half away from zero, as on a receipt (2.5 → 3, 0.125 → 0.13).
ROUNDING = ROUND_HALF_UP

# Minor units that differ from DEFAULT_MINOR_UNITS, from ISO 4217's "minor unit" column.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        _codes("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"), 0
    ),
    **dict.fromkeys(_codes("BHD IQD JOD KWD LYD OMR TND"), 3),
    **dict.fromkeys(_codes("CLF UYW"), 4),
}

# Fifteen integer digits (hundreds of trillions) is beyond any incentive or revenue figure
# and keeps every value inside a NUMERIC(19, 4) column and Decimal's default 28 digits.
MAX_INTEGER_DIGITS = 15

_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_EXPONENT = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")
_NOT_A_NUMBER = frozenset(
    {"nan", "snan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity", "-nan", "+nan"}
)
_DISPLAY_LIMIT = 40


class InvalidMoney(DomainError):
    """A money value the rules refuse; names the field, the input and the fix."""

    def __init__(self, field: str, text: object, reason: str) -> None:
        self.field, self.text, self.reason = field, text, reason
        super().__init__(f"{field} '{_display(text)}' {reason}")


class MoneyIsFloat(InvalidMoney, TypeError):
    """A float was passed where money is expected: a programming error, refused loudly."""


class InvalidCurrency(DomainError):
    """A currency code that is not a current ISO 4217 currency a store can sell in."""

    def __init__(self, code: object, reason: str) -> None:
        self.code, self.reason = code, reason
        super().__init__(f"Currency '{_display(code)}' {reason}")


def minor_units(currency: str) -> int:
    """Number of decimals the currency allows (ISO 4217 minor unit, default 2)."""
    return MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNITS)


def validate_currency(code: str) -> str:
    """Return ``code`` upper-cased when it is a current, spendable ISO 4217 code.

    Surrounding whitespace is ignored and lower case accepted (``" usd"`` → ``"USD"``);
    anything else raises ``InvalidCurrency`` naming the input and the fix.
    """
    if not isinstance(code, str):
        raise InvalidCurrency(code, "is not text: give a three-letter ISO 4217 code like USD")
    normalized = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", normalized):
        raise InvalidCurrency(
            code, "is not a three-letter ISO 4217 code: give one like USD, EUR or GBP"
        )
    if normalized not in ISO_4217_CODES:
        raise InvalidCurrency(
            code, "is not a current ISO 4217 currency code: give one like USD, EUR or GBP"
        )
    if normalized in NON_SPENDABLE_CODES:
        raise InvalidCurrency(
            code,
            "is an ISO 4217 code for a metal, fund unit or testing, not money a store sells "
            "in: give the store's currency, e.g. USD",
        )
    return normalized


def parse_money(text: str | Decimal | int, currency: str, *, field: str) -> Decimal:
    """Parse a non-negative money amount, exactly, quantized to ``currency``'s minor units.

    Accepts a plain decimal string (``"25"``, ``"25.5"``, ``" 25.50 "``), a ``Decimal`` or an
    ``int``. Refuses floats, NaN/infinity, exponents (``1e3``), signs, thousands separators,
    currency symbols, empty input, negative values and more decimals than the currency has.
    Trailing zeros past the minor units are fine when the value is unchanged (``"12.340"`` is
    ``12.34`` in USD): nothing is ever rounded silently. ``field`` names the input in errors.
    """
    currency = validate_currency(currency)
    places = minor_units(currency)
    if isinstance(text, float):
        raise MoneyIsFloat(
            field, text, "is a float, which cannot hold money exactly: pass a str or Decimal"
        )
    if isinstance(text, bool):
        raise InvalidMoney(field, text, "is a boolean, not an amount: give a number like 25.00")
    if isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, Decimal):
        value = text
    elif isinstance(text, str):
        value = _parse_text(text, field, currency)
    else:
        raise InvalidMoney(
            field, text, f"is a {type(text).__name__}, not an amount: give a number like 25.00"
        )
    return _check_value(value, text, field, currency, places)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: ``0.01`` for USD, ``1`` for JPY, ``0.001`` for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` in ``currency``'s minor units, rounded by the one rule (``ROUNDING``)."""
    if isinstance(amount, float):
        raise MoneyIsFloat("amount", amount, "is a float: pass a Decimal")
    with localcontext() as ctx:
        ctx.prec = MAX_INTEGER_DIGITS + 10
        return Decimal(amount).quantize(minor_unit(currency), rounding=ROUNDING)


def round_ratio(ratio: Decimal, places: Decimal) -> Decimal:
    """A ratio (ROI, a percentage) rounded to ``places`` (e.g. ``Decimal("0.0001")``) by the
    one rule, so a figure is never rounded one way here and another way there."""
    return ratio.quantize(places, rounding=ROUNDING)


def split_money(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """``total`` split into ``parts`` shares in ``currency``'s minor units that add up to it.

    The total is first rounded to the minor units; the shares differ by at most one minor
    unit and the first shares get the extra units (largest remainder with equal weights, so
    the result is deterministic): JPY 1000 over 3 is 334, 333, 333; USD 10.00 over 3 is
    3.34, 3.33, 3.33.
    """
    if parts < 1:
        raise ValueError(f"cannot split money into {parts} shares: give 1 or more")
    places = minor_units(currency)
    units = int(round_money(total, currency).scaleb(places))
    base, extra = divmod(units, parts)
    return [Decimal(base + (index < extra)).scaleb(-places) for index in range(parts)]


def _parse_text(text: str, field: str, currency: str) -> Decimal:
    stripped = text.strip()
    if not stripped:
        raise InvalidMoney(field, text, "is empty: give an amount like 25.00")
    if _PLAIN_NUMBER.fullmatch(stripped):
        return Decimal(stripped)
    # The number is malformed; say which habit caused it, most specific first.
    lowered = stripped.lower()
    if lowered in _NOT_A_NUMBER:
        raise InvalidMoney(field, text, "is not a finite number: give an amount like 25.00")
    if stripped.startswith("-"):
        raise InvalidMoney(field, text, "is negative: give 0 or more")
    if stripped.startswith("+"):
        raise InvalidMoney(field, text, "has a sign: give the number alone, e.g. 25.00")
    if _EXPONENT.fullmatch(stripped):
        raise InvalidMoney(
            field, text, "uses exponent notation: write the number out in full, e.g. 1000.00"
        )
    if "," in stripped or "_" in stripped or "'" in stripped:
        raise InvalidMoney(
            field,
            text,
            "has a thousands separator or decimal comma: use a point for decimals and no "
            "separators, e.g. 1234.50",
        )
    if any(unicodedata.category(ch) == "Sc" or ch.isalpha() for ch in stripped):
        raise InvalidMoney(
            field,
            text,
            f"contains a currency symbol or letters: give the number alone, in {currency}, "
            "e.g. 25.00",
        )
    if any(ch.isspace() for ch in stripped):
        raise InvalidMoney(
            field, text, "contains spaces: give the number without separators, e.g. 1234.50"
        )
    raise InvalidMoney(field, text, "is not a plain decimal number: give one like 25.00")


def _check_value(value: Decimal, text: object, field: str, currency: str, places: int) -> Decimal:
    if not value.is_finite():
        raise InvalidMoney(field, text, "is not a finite number: give an amount like 25.00")
    if value < 0:
        raise InvalidMoney(field, text, "is negative: give 0 or more")
    value = abs(value)  # turns -0 into 0
    if value != 0 and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidMoney(
            field, text, f"is too large: give at most {MAX_INTEGER_DIGITS} digits before the point"
        )
    exponent = Decimal(1).scaleb(-places)
    given_exponent = value.as_tuple().exponent
    assert isinstance(given_exponent, int)  # finite, checked above
    with localcontext() as ctx:
        # Enough precision for MAX_INTEGER_DIGITS plus any number of decimals we might see,
        # so quantize never raises InvalidOperation and never rounds unnoticed.
        ctx.prec = MAX_INTEGER_DIGITS + max(-given_exponent, places) + 2
        try:
            quantized = value.quantize(exponent)
        except InvalidOperation:  # pragma: no cover - precision above makes this unreachable
            raise InvalidMoney(field, text, "cannot be represented exactly") from None
        if quantized != value:
            suggestion = value.quantize(exponent, rounding=ROUNDING)
            if places == 0:
                reason = (
                    f"has decimals, but {currency} has no minor unit: give a whole number, "
                    f"e.g. {suggestion:f}"
                )
            else:
                reason = (
                    f"has more than {places} decimals for {currency}: give at most {places}, "
                    f"e.g. {suggestion:f}"
                )
            raise InvalidMoney(field, text, reason)
    return quantized


def _display(value: object) -> str:
    """Show user input safely in a message: control characters escaped, long input cut."""
    text = value if isinstance(value, str) else str(value)
    shown = "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch
        for ch in text[:_DISPLAY_LIMIT]
    )
    return shown if len(text) <= _DISPLAY_LIMIT else shown + "…"
