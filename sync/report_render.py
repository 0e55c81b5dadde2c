"""Rendering report rows as a terminal table, CSV or JSON.

Rows are mappings from column key to value; ``Column`` says how to show each:
``text`` (any value, shown with ``str``), ``int``, ``money`` (``Decimal``, never a
float) and ``ratio`` (a fraction such as ROI: ``2.125`` is ``212.5%``). ``None``
is "no value" in every kind: ``—`` in the table, an empty cell in CSV, ``null`` in
JSON.

Text comes from merchants and creators (handles, descriptions), so every output
treats it as data: the table never interprets rich markup or terminal escapes in
it, and CSV neutralises spreadsheet formulas (OWASP "CSV injection") and quotes every cell
that holds a separator of any spreadsheet locale (``,`` or ``;``), so a formula cannot be
split out of a cell into one of its own.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sync.money import ROUNDING, round_ratio

ColumnKind = Literal["text", "int", "money", "ratio"]
NUMERIC_KINDS: frozenset[str] = frozenset({"int", "money", "ratio"})

NO_VALUE = "—"
# Wide enough for any report: tables never expand, so they render at their natural width.
NATURAL_WIDTH = 1_000
RATIO_PERCENT_PLACES = Decimal("0.1")  # table: 212.5%
RATIO_PLACES = Decimal("0.0001")  # CSV and JSON: 2.1250

# OWASP's list of characters that make a spreadsheet read a cell as a formula, plus the
# full-width forms of = + - @ (some spreadsheet locales convert them) and line feed
# (defence in depth, harmless for real text).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
FORMULA_ESCAPE = "'"
# A CSV cell holding any of these is quoted: the comma and the semicolon (the list separator
# of spreadsheets in locales with a decimal comma), the quote itself and line breaks.
CSV_QUOTE_TRIGGERS: frozenset[str] = frozenset({",", ";", '"', "\r", "\n"})
CSV_LINE_END = "\r\n"


@dataclass(frozen=True)
class Column:
    """One report column: the row key, its title and how values are shown.

    ``places`` (optional) is the number of decimals money is shown with in the table, e.g.
    the campaign currency's minor units; without it money is shown as given.
    """

    key: str
    title: str
    kind: ColumnKind
    places: int | None = None


def render_table(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, object]],
    *,
    console_width: int | None = None,
) -> str:
    """The rows as a rich table, returned as plain text (no colour codes).

    Without ``console_width`` the table takes its natural width (it does not
    expand), so no column is squeezed to nothing when output is piped.

    Numbers are right-aligned; money keeps its decimals (or ``Column.places``) with
    thousands separators; ratios are percentages with one decimal; None is ``—``.
    """
    table = Table(title=Text(_printable(title)), title_justify="left")
    for column in columns:
        numeric = column.kind in NUMERIC_KINDS
        table.add_column(
            Text(_printable(column.title)),
            justify="right" if numeric else "left",
            no_wrap=numeric,  # a number cut over two lines reads as two numbers
            overflow="fold",
        )
    for index, row in enumerate(rows, start=1):
        table.add_row(
            *(Text(_table_cell(column, _value(row, column, index))) for column in columns)
        )
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=console_width or NATURAL_WIDTH,
        color_system=None,
        force_terminal=False,
        no_color=True,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    console.print(table)
    # rich pads the title to the table's width: trailing blanks only make lines longer.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def render_csv(columns: Sequence[Column], rows: Sequence[Mapping[str, object]]) -> str:
    """The rows as CSV with a header of column keys; safe to open in a spreadsheet.

    Numbers are written exactly (money as its decimal digits, ratios with four decimals)
    and stay numbers, negative ones included. Every text cell that a spreadsheet would read
    as a formula (see ``FORMULA_TRIGGERS``) is prefixed with ``'``, and every cell holding a
    comma, semicolon, quote or line break is quoted (RFC 4180 quoting), whichever separator
    the spreadsheet that opens it uses.
    """
    lines = [_csv_line(neutralize_formula(column.key) for column in columns)]
    for index, row in enumerate(rows, start=1):
        lines.append(_csv_line(_csv_cell(column, _value(row, column, index)) for column in columns))
    return "".join(lines)


def render_json(columns: Sequence[Column], rows: Sequence[Mapping[str, object]]) -> str:
    """The rows as a JSON array of objects, keys in column order.

    Money and ratios are strings (``"25.00"``, ``"2.1250"``) so no reader turns them into
    floats; ints are numbers; None is null.
    """
    items = [
        {column.key: _json_value(column, _value(row, column, index)) for column in columns}
        for index, row in enumerate(rows, start=1)
    ]
    return json.dumps(items, indent=2, ensure_ascii=False)


def neutralize_formula(text: str) -> str:
    """``text`` prefixed with ``'`` when a spreadsheet would otherwise run it as a formula."""
    return FORMULA_ESCAPE + text if text.startswith(FORMULA_TRIGGERS) else text


def _value(row: Mapping[str, object], column: Column, index: int) -> object:
    try:
        value = row[column.key]
    except KeyError:
        raise KeyError(f"report row {index} has no '{column.key}' value") from None
    if value is None or column.kind == "text":
        return value
    if column.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"column '{column.key}' expects an int, row {index} has {value!r}")
        return value
    if column.kind == "money" and isinstance(value, float):
        raise TypeError(
            f"column '{column.key}' is money and refuses floats (row {index}: {value!r}): "
            "pass a Decimal"
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"column '{column.key}' expects a Decimal, row {index} has {value!r}")
    # A ratio computed with floats is accepted: repr gives its shortest exact decimal form.
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"column '{column.key}' row {index} is not a finite number: {value}")
    return number


def _table_cell(column: Column, value: object) -> str:
    if value is None:
        return NO_VALUE
    if column.kind == "text":
        return _printable(str(value))
    if column.kind == "int":
        return f"{value:,}"
    assert isinstance(value, Decimal)
    if column.kind == "money":
        if column.places is not None:
            value = value.quantize(Decimal(1).scaleb(-column.places), rounding=ROUNDING)
        return f"{value:,f}"
    percent = round_ratio(value * 100, RATIO_PERCENT_PLACES)
    return f"{percent:,f}%"


def _csv_cell(column: Column, value: object) -> str:
    if value is None:
        return ""
    if column.kind == "text":
        return neutralize_formula(str(value))
    return _number_text(column, value)


def _csv_line(cells: Iterable[str]) -> str:
    return ",".join(_csv_quoted(cell) for cell in cells) + CSV_LINE_END


def _csv_quoted(cell: str) -> str:
    if CSV_QUOTE_TRIGGERS.isdisjoint(cell):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def _json_value(column: Column, value: object) -> object:
    if value is None or column.kind == "int":
        return value
    if column.kind == "text":
        return str(value)
    return _number_text(column, value)


def _number_text(column: Column, value: object) -> str:
    """Exact decimal text: no exponent, no separators, ratios with four decimals."""
    if column.kind == "int":
        return str(value)
    assert isinstance(value, Decimal)
    if column.kind == "ratio":
        value = round_ratio(value, RATIO_PLACES)
    return f"{value:f}"


def _printable(text: str) -> str:
    """Text safe for a terminal: control and format characters (ESC, bidi overrides, …)
    are shown as ``\\uXXXX`` instead of acting on the terminal."""
    if text.isprintable():
        return text
    return "".join(
        f"\\u{ord(char):04x}" if unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} else char
        for char in text
    )
