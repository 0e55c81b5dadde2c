"""Reading uploaded codes: streamed entries with positions and lines, per-code checks."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.codes_input import (
    DISPLAY_CHARS,
    MAX_CODE_KEY_LENGTH,
    MAX_CODE_LENGTH,
    MAX_LISTED_OFFENDING,
    MAX_RECORD_CHARS,
    READ_CHUNK_CHARS,
    EmptyEntry,
    Entry,
    InvalidCodes,
    InvalidUploadFormat,
    Offending,
    check_code,
    detect_format,
    display_entry,
    iter_entries,
    normalize_code,
)
from sync.errors import DomainError, UsageError


def entries(text: str, fmt: str = "text") -> list[Entry | EmptyEntry]:
    return list(iter_entries(io.StringIO(text, newline=""), fmt=fmt))  # type: ignore[arg-type]


def codes(text: str, fmt: str = "text") -> list[str]:
    return [e.text for e in entries(text, fmt) if isinstance(e, Entry)]


def test_code_input_limits_are_pinned() -> None:
    assert MAX_CODE_LENGTH == 150
    assert MAX_LISTED_OFFENDING == 20
    assert READ_CHUNK_CHARS <= 64 * 1024 <= MAX_RECORD_CHARS


# --- text format -------------------------------------------------------------------------


def test_text_entries_are_separated_by_commas_and_newlines_and_trimmed() -> None:
    assert entries(" A1 ,B2\r\nC3\n  D4  ") == [
        Entry(1, "A1", 1),
        Entry(2, "B2", 1),
        Entry(3, "C3", 2),
        Entry(4, "D4", 3),
    ]


@pytest.mark.parametrize("header", ["code", "CODE", " Code ", "\ufeffcode"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_first_line_that_is_exactly_code_is_a_header_in_a_text_file(
    header: str, newline: str
) -> None:
    assert entries(f"{header}{newline}A1{newline}B2") == [Entry(1, "A1", 2), Entry(2, "B2", 3)]


def test_a_code_header_split_from_its_line_break_by_a_chunk_is_still_a_header() -> None:
    text = "code\r\n" + "A1\n"
    chunked = io.StringIO(text, newline="")
    reads = iter([text[:5], text[5:], ""])  # "code\r" | "\nA1\n"
    chunked.read = lambda size=-1: next(reads)  # type: ignore[method-assign]
    assert list(iter_entries(chunked, fmt="text")) == [Entry(1, "A1", 2)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code", []),
        ("code\n", []),
        ("A1\ncode", ["A1", "code"]),
        ("codes\nA1", ["codes", "A1"]),
        ("code,A1", ["code", "A1"]),
        ("A1,code", ["A1", "code"]),
        ("\ncode\nA1", ["code", "A1"]),
    ],
)
def test_only_a_first_line_of_exactly_code_is_a_header(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


def test_text_stray_commas_and_blank_lines_are_empty_entries_with_their_position() -> None:
    assert entries("A,,B\n\n   \nC") == [
        Entry(1, "A", 1),
        EmptyEntry(2, 1),
        Entry(3, "B", 1),
        EmptyEntry(4, 2),
        EmptyEntry(5, 3),
        Entry(6, "C", 4),
    ]


def test_text_trailing_comma_of_a_line_and_final_newline_make_no_empty_entry() -> None:
    assert entries("A,\nB,\r\nC,\n") == [Entry(1, "A", 1), Entry(2, "B", 2), Entry(3, "C", 3)]
    assert entries("A,B,") == [Entry(1, "A", 1), Entry(2, "B", 1)]


def test_text_a_line_holding_only_a_comma_is_one_empty_entry() -> None:
    assert entries("A\n,\nB") == [Entry(1, "A", 1), EmptyEntry(2, 2), Entry(3, "B", 3)]


def test_text_carriage_return_alone_is_a_line_break() -> None:
    assert entries("A\rB\rC") == [Entry(1, "A", 1), Entry(2, "B", 2), Entry(3, "C", 3)]


def test_text_crlf_split_across_read_chunks_counts_as_one_line_break() -> None:
    padding = "X" * (READ_CHUNK_CHARS - 1)
    text = padding + "\r\nB\nC"  # "\r" ends the first chunk, "\n" opens the second
    assert entries(text) == [Entry(1, padding, 1), Entry(2, "B", 2), Entry(3, "C", 3)]


def test_text_entry_spanning_read_chunks_is_read_whole() -> None:
    long_entry = "Y" * (READ_CHUNK_CHARS + 10)
    assert entries(f"A,{long_entry},B") == [
        Entry(1, "A", 1),
        Entry(2, long_entry, 1),
        Entry(3, "B", 1),
    ]


def test_text_leading_byte_order_mark_is_ignored() -> None:
    assert codes("\ufeffA1\nB2") == ["A1", "B2"]


def test_text_empty_input_has_no_entries() -> None:
    assert entries("") == []
    assert entries("\n") == [EmptyEntry(1, 1)]


def test_text_refuses_an_entry_longer_than_the_record_limit_without_buffering_it() -> None:
    stream = CountingStream("Z" * (MAX_RECORD_CHARS * 3))
    with pytest.raises(InvalidUploadFormat, match="not a list of codes") as caught:
        list(iter_entries(stream, fmt="text"))
    assert isinstance(caught.value, UsageError)
    assert stream.chars_read <= MAX_RECORD_CHARS + 2 * READ_CHUNK_CHARS


def test_text_not_utf8_is_refused_with_the_fix() -> None:
    stream = io.TextIOWrapper(io.BytesIO(b"A1\nB\xff\xfe2\n"), encoding="utf-8")
    with pytest.raises(InvalidUploadFormat, match="not UTF-8 text: save or export it as UTF-8"):
        list(iter_entries(stream, fmt="text"))


@given(
    st.lists(st.from_regex(r"[A-Za-z0-9_\-]{1,20}", fullmatch=True), max_size=40),
    st.data(),
)
def test_text_round_trips_codes_joined_with_any_separators(
    code_list: list[str], data: st.DataObject
) -> None:
    separator = st.sampled_from([",", "\n", "\r\n", ", ", " ,\n", ",\r\n", "\n\n", ",,"])
    parts: list[str] = []
    for code in code_list:
        parts += [data.draw(st.sampled_from(["", " ", "\t"])), code, data.draw(separator)]
    text = "".join(parts)
    result = entries(text)
    assert [e.text for e in result if isinstance(e, Entry)] == code_list
    assert [e.position for e in result] == list(range(1, len(result) + 1))
    for entry in result:
        if isinstance(entry, Entry):
            assert entry.text in text.replace("\r\n", "\n").split("\n")[entry.line - 1]


# --- streaming ---------------------------------------------------------------------------


class CountingStream(io.StringIO):
    """A stream that counts how many characters the reader has asked for and received."""

    def __init__(self, text: str) -> None:
        super().__init__(text, newline="")
        self.chars_read = 0

    def read(self, size: int | None = -1, /) -> str:
        chunk = super().read(size)
        self.chars_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1, /) -> str:
        line = super().readline(size)
        self.chars_read += len(line)
        return line


class EndlessCodes(io.TextIOBase):
    """An unbounded code list: reading it whole would never finish."""

    def __init__(self) -> None:
        self.chars_read = 0
        self._pending = ""
        self._numbers = itertools.count()

    def read(self, size: int | None = -1, /) -> str:
        assert size is not None and size > 0, "the reader must ask for bounded chunks"
        while len(self._pending) < size:
            self._pending += f"CODE{next(self._numbers):08d},"
        chunk, self._pending = self._pending[:size], self._pending[size:]
        self.chars_read += len(chunk)
        return chunk

    def readline(self, size: int | None = -1, /) -> str:
        assert size is not None and size > 0, "the reader must ask for bounded lines"
        line = f"CODE{next(self._numbers):08d}\n"
        self.chars_read += len(line)
        return line


def test_text_first_entry_is_yielded_after_reading_at_most_one_chunk() -> None:
    stream = CountingStream("FIRST\n" + "NEXTCODE1,\n" * 500_000)
    first = next(iter_entries(stream, fmt="text"))
    assert first == Entry(1, "FIRST", 1)
    assert stream.chars_read <= READ_CHUNK_CHARS


def test_text_reading_an_endless_stream_advances_in_bounded_steps() -> None:
    stream = EndlessCodes()
    taken = list(itertools.islice(iter_entries(stream, fmt="text"), 100_000))
    assert taken[-1] == Entry(100_000, "CODE00099999", 1)
    assert stream.chars_read <= 100_000 * 13 + READ_CHUNK_CHARS


def test_csv_reading_an_endless_stream_is_line_by_line() -> None:
    stream = EndlessCodes()
    entries_iter = iter_entries(stream, fmt="csv")
    # The first line is taken as the header; it has no "code" column, so this fails fast.
    with pytest.raises(InvalidUploadFormat):
        next(entries_iter)
    assert stream.chars_read == len("CODE00000000\n")


def test_csv_first_entry_is_yielded_after_reading_two_lines() -> None:
    stream = CountingStream("code\nFIRST\n" + "NEXTCODE1\n" * 100_000)
    assert next(iter_entries(stream, fmt="csv")) == Entry(1, "FIRST", 2)
    assert stream.chars_read == len("code\nFIRST\n")


# --- CSV format --------------------------------------------------------------------------


def test_csv_reads_the_code_column_whatever_its_case_and_position() -> None:
    text = "\ufeffName, CODE ,Value\r\nAnna,AB1,5\r\nBen, CD2 ,6\r\n"
    assert entries(text, "csv") == [Entry(1, "AB1", 2), Entry(2, "CD2", 3)]


def test_csv_quoted_cells_may_hold_commas_and_span_lines() -> None:
    text = 'code,note\n"AB1","a, b"\n"CD\n2",x\nEF3,y\n'
    assert entries(text, "csv") == [
        Entry(1, "AB1", 2),
        Entry(2, "CD\n2", 3),
        Entry(3, "EF3", 5),
    ]
    assert check_code("CD\n2") == "contains a control character (U+000A)"
    assert check_code(codes('code\n"A,B"\n', "csv")[0]) == "contains a comma"


def test_csv_blank_rows_and_empty_cells_are_empty_entries() -> None:
    assert entries("code,n\nA1,1\n\n,2\nB2\n", "csv") == [
        Entry(1, "A1", 2),
        EmptyEntry(2, 3),
        EmptyEntry(3, 4),
        Entry(4, "B2", 5),
    ]


def test_csv_without_code_header_names_the_headers_found_and_the_fix() -> None:
    with pytest.raises(InvalidUploadFormat) as caught:
        entries("Discount Code,Value\nAB1,5\n", "csv")
    message = str(caught.value)
    assert "'Discount Code', 'Value'" in message
    assert "name the column that holds the codes 'code'" in message
    assert "line 1" in message


def test_csv_with_two_code_columns_is_refused() -> None:
    with pytest.raises(InvalidUploadFormat, match="2 'code' columns"):
        entries("code,Code\nA,B\n", "csv")


def test_csv_empty_file_is_refused() -> None:
    with pytest.raises(InvalidUploadFormat, match="CSV file is empty"):
        entries("\n\n", "csv")


def test_csv_line_longer_than_the_record_limit_is_refused() -> None:
    with pytest.raises(InvalidUploadFormat, match="longer than") as caught:
        entries("code\nA1\n" + "x" * (MAX_RECORD_CHARS + 5) + "\n", "csv")
    assert caught.value.line == 3


def test_csv_malformed_quoting_is_refused_with_its_line() -> None:
    # A cell over the csv module's field size limit is the malformation it reports.
    with pytest.raises(InvalidUploadFormat, match="malformed CSV") as caught:
        entries('code\nA1\n"' + "x" * 200_000 + '"\n', "csv")
    assert caught.value.line == 3


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="use one of text, csv"):
        iter_entries(io.StringIO("A"), fmt="xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("codes.csv", "csv"),
        ("CODES.CSV", "csv"),
        ("codes.txt", "text"),
        ("-", "text"),
        ("codes", "text"),
        ("dir.csv/codes.txt", "text"),
    ],
)
def test_format_is_detected_by_extension(path: str, fmt: str) -> None:
    assert detect_format(path) == fmt


@given(st.lists(st.from_regex(r"[A-Za-z0-9\-]{1,20}", fullmatch=True), max_size=30))
def test_csv_round_trips_codes_written_by_the_csv_module(code_list: list[str]) -> None:
    import csv

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "Code"])
    writer.writerows([i, c] for i, c in enumerate(code_list))
    assert codes(buffer.getvalue(), "csv") == code_list


# --- per-code checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["A", "SUMMER-10", "x" * MAX_CODE_LENGTH, "ÉTÉ2024", "夏10", "A_B.C!"]
)
def test_upload_accepts_printable_codes_up_to_150_characters(code: str) -> None:
    assert check_code(code) is None


def test_upload_rejects_code_longer_than_150_characters() -> None:
    assert check_code("x" * 153) == "longer than 150 characters (153)"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("AB\x07C", "contains a control character (U+0007)"),
        ("AB\tC", "contains a control character (U+0009)"),
        ("AB\x85C", "contains a control character (U+0085)"),
        ("AB\u200bC", "contains a control character (U+200B)"),  # zero-width space (Cf)
        ("AB\u202eC", "contains a control character (U+202E)"),  # right-to-left override
        ("AB\u2028C", "contains a control character (U+2028)"),  # line separator (Zl)
        ("AB\u2029C", "contains a control character (U+2029)"),  # paragraph separator (Zp)
        ("AB C", "contains whitespace"),
        ("AB\u00a0C", "contains whitespace"),
        ("AB\u3000C", "contains whitespace"),
        ("AB,C", "contains a comma"),
        ("AB\ue000C", "contains a non-printable character (U+E000)"),
        ("AB\udcffC", "contains a non-printable character (U+DCFF)"),
        ("", "is empty"),
    ],
)
def test_upload_rejects_code_with_characters_a_store_or_creator_cannot_use(
    code: str, reason: str
) -> None:
    assert check_code(code) == reason


@given(st.text(min_size=1, max_size=MAX_CODE_LENGTH))
def test_check_code_accepts_exactly_printable_text_without_spaces_or_commas(code: str) -> None:
    expected_valid = (
        code.isprintable()
        and " " not in code
        and "," not in code
        and len(normalize_code(code)) <= MAX_CODE_KEY_LENGTH
    )
    assert (check_code(code) is None) == expected_valid


def test_normalize_code_folds_case_width_and_composition_but_not_accents() -> None:
    assert normalize_code("Summer-10") == normalize_code("SUMMER-10") == "summer-10"
    assert normalize_code("CAF\u00c9") == normalize_code("CAFE\u0301")  # one char vs E + accent
    assert normalize_code("\uff21\uff22\uff23\uff11") == normalize_code("ABC1")  # full width
    assert normalize_code("STRASSE") == normalize_code("straße")
    assert normalize_code("CAFÉ") != normalize_code("CAFE")


@given(st.text(min_size=1, max_size=MAX_CODE_LENGTH))
def test_normalize_code_is_idempotent(code: str) -> None:
    assert normalize_code(normalize_code(code)) == normalize_code(code)


def test_code_whose_key_outgrows_the_key_column_is_refused() -> None:
    assert check_code("\u0130" * MAX_CODE_LENGTH) is None  # İ folds to two characters: fits
    assert len(normalize_code("\u0130" * MAX_CODE_LENGTH)) <= MAX_CODE_KEY_LENGTH
    reason = check_code("\ufdfa" * 30)  # one ligature folds to 18 characters
    assert reason is not None and str(MAX_CODE_KEY_LENGTH) in reason


# --- the error for a refused upload ------------------------------------------------------


def test_invalid_codes_lists_each_entry_with_position_line_and_reason() -> None:
    error = InvalidCodes(
        [Offending(2, 1, "AB C", "contains whitespace"), Offending(5, 3, "x" * 153, "longer")],
        empty_count=1,
    )
    message = str(error)
    assert isinstance(error, DomainError)
    assert message.startswith("2 entries of the upload cannot be stored")
    assert "entry 2, line 1: 'AB C' — contains whitespace" in message
    assert f"entry 5, line 3: '{'x' * DISPLAY_CHARS}…' — longer" in message
    assert "x" * (DISPLAY_CHARS + 1) not in message
    assert "pass --skip-invalid to store the valid codes and skip these" in message
    assert "1 empty entry was ignored" in message
    assert error.empty_count == 1 and len(error.offending) == 2


def test_invalid_codes_message_shows_the_first_20_and_counts_the_rest() -> None:
    offending = [Offending(i, i, f"BAD {i}", "contains whitespace") for i in range(1, 26)]
    error = InvalidCodes(offending, empty_count=0)
    message = str(error)
    assert "'BAD 20'" in message and "'BAD 21'" not in message
    assert "... and 5 more" in message
    assert len(error.offending) == 25
    assert "empty" not in message


def test_invalid_codes_message_never_carries_raw_control_characters() -> None:
    message = str(InvalidCodes([Offending(1, 1, "A\x1b[2JB\r", "contains a control")], 0))
    assert "\x1b" not in message and "\r" not in message
    assert "'A\\u001b[2JB\\u000d'" in message


def test_display_entry_shortens_and_escapes() -> None:
    assert display_entry("abc") == "'abc'"
    assert display_entry("a\tb") == "'a\\u0009b'"
    assert display_entry("y" * 100) == f"'{'y' * DISPLAY_CHARS}…'"


def test_every_entry_is_checked_in_a_realistic_mixed_upload() -> None:
    upload = "GOOD1, bad code ,GOOD2\n\nTOO" + "O" * 150 + "\nGOOD3,"
    result: Iterator[Entry | EmptyEntry] = iter_entries(io.StringIO(upload), fmt="text")
    verdicts = [(e.position, e.line, check_code(e.text)) for e in result if isinstance(e, Entry)]
    assert verdicts == [
        (1, 1, None),
        (2, 1, "contains whitespace"),
        (3, 1, None),
        (5, 3, "longer than 150 characters (153)"),
        (6, 4, None),
    ]
