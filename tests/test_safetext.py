"""The safe form of text: what reaches a terminal, a spreadsheet cell or an error line."""

from __future__ import annotations

import json
import sys

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from veracity.cli._common import print_debug_traceback
from veracity.safetext import (
    INVISIBLE_CODEPOINTS,
    error_text,
    json_safe,
    neutralise_formula,
    neutralise_formula_expr,
    printable,
    printable_expr,
    scrub_message,
)

INVISIBLE = frozenset(chr(code) for code in INVISIBLE_CODEPOINTS)
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text(
    alphabet=st.sampled_from([*INVISIBLE, "a", "=", "\\", "x", "1"]), max_size=20
)
visible_text = st.text(
    alphabet=st.characters(codec="utf-8").filter(lambda c: c not in INVISIBLE), max_size=40
)


@given(any_text)
def test_no_control_character_survives(text: str) -> None:
    assert not INVISIBLE.intersection(printable(text))


@given(visible_text)
def test_printable_text_comes_back_unchanged(text: str) -> None:
    assert printable(text) == text


@given(any_text)
def test_printable_is_idempotent(text: str) -> None:
    once = printable(text)
    assert printable(once) == once


@given(st.lists(st.none() | any_text, max_size=8))
def test_the_expression_agrees_with_the_function(values: list[str | None]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    shown = frame.select(printable_expr(pl.col("v"))).to_series().to_list()
    assert shown == [None if v is None else printable(v) for v in values]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("\x9b2J", "\\x9b2J"),
        ("\x7f", "\\x7f"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
        ("Müller ✓ 名前", "Müller ✓ 名前"),
    ],
)
def test_control_characters_are_shown_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+49 30", "'+49 30"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =cmd|' /C calc'!A0", "'  =cmd|' /C calc'!A0"),
        ("a=1", "a=1"),
        ("", ""),
        ("plain text", "plain text"),
    ],
)
def test_formula_cells_are_neutralised(cell: str, safe: str) -> None:
    assert neutralise_formula(cell) == safe
    expr = pl.DataFrame({"c": [cell]}).select(neutralise_formula_expr(pl.col("c"))).item()
    assert expr == safe


@given(any_text)
def test_a_neutralised_cell_never_starts_a_formula(cell: str) -> None:
    safe = neutralise_formula(cell)
    assert safe == cell or safe == "'" + cell
    assert not safe.lstrip().startswith(("=", "+", "-", "@")) or safe.startswith("'")


@given(st.dictionaries(any_text, any_text, max_size=4))
def test_json_safe_is_lossless_and_leaves_no_raw_control(document: dict[str, str]) -> None:
    text = json.dumps(document, ensure_ascii=False)
    safe = json_safe(text)
    assert json.loads(safe) == document
    assert not INVISIBLE.intersection(safe)


@pytest.mark.parametrize(
    ("message", "scrubbed"),
    [
        (
            "conversion from `str` to `i64` failed in column 'age' for 1 out of 3 values: [\"12a\"]",
            "conversion from `…` to `…` failed in column '…' for 1 out of 3 values: [\"…\"]",
        ),
        ("invalid literal for int() with base 10: 'jane'", "invalid literal for int() with base 10: '…'"),
        ("duplicate key ann@example.com found", "duplicate key … found"),
        ("no match for +49 30 1234567 here", "no match for … here"),
        ("index 3 is out of bounds for length 3", "index 3 is out of bounds for length 3"),
        ("bad\x1b[2J", "bad\\x1b[2J"),
        ("could not parse column\nshape: (1, 1)\n│ Zebulon │", "could not parse column […]"),
        # Values a library did not quote.
        (
            "Unknown string format: Thomas present at position 0",
            "Unknown string format: … present at position 0",
        ),
        ("no row for Müller-Lüdenscheidt in table", "no row for … in table"),
        ("cannot read Zoë", "cannot read …"),
        ("bad birth date 3/4/1987 in row", "bad birth date … in row"),
        ("bad date 30.02.21 in row", "bad date … in row"),
        ("not a number: 12ab", "not a number: …"),
        ("not a number: +4917", "not a number: …"),
        ("casting from Utf8View to Boolean not supported", "casting from Utf8View to Boolean not supported"),
        ("rules[2].threshold: must be between 0 and 1", "rules[2].threshold: must be between 0 and 1"),
    ],
)
def test_exception_messages_lose_their_values(message: str, scrubbed: str) -> None:
    assert scrub_message(message) == scrubbed


@pytest.mark.parametrize(
    ("message", "line"),
    [
        (
            "segment field 'ann.lee@example.com\x1b[2J' is in no source; see rules@v2",
            "segment field 'a***@e***.com\\x1b[2J' is in no source; see rules@v2",
        ),
        ("did you mean '+49 30 5550199'?", "did you mean '+49 *** *** 99'?"),
        ("did you mean '030 5550199'?", "did you mean '*** *** 99'?"),
        ("rules.yaml:12:7: rules[2].threshold: must be between 0 and 1", None),
        ("--as-of: '2024-06-31' is not a date", None),
        ("birth_date: '31.12.1999' is not in format %d.%m.%Y", None),
        ("limit of 104857600 bytes reached", None),
    ],
)
def test_error_text_masks_contact_data_and_escapes_controls(message: str, line: str | None) -> None:
    assert error_text(message) == (message if line is None else line)


def test_debug_traceback_shows_locations_and_types_not_data(capsys: pytest.CaptureFixture[str]) -> None:
    def parse(value: str) -> int:
        return int(value)

    # Values come from the data, not from the code the traceback quotes.
    record = {"email": "ann" + "@example.com", "name": "Zebulon" + "owitsch", "phone": "+49 170 " + "5550123"}
    try:
        try:
            parse(record["email"])
        except ValueError as exc:
            raise RuntimeError(f"could not read '{record['name']}' at {record['phone']}: {exc}") from exc
    except RuntimeError as exc:
        print_debug_traceback(exc)
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err
    assert "in parse" in err
    assert "test_safetext.py" in err
    assert "ValueError: invalid literal for int() with base 10: '…'" in err
    assert "The above exception was the direct cause of the following exception:" in err
    assert "RuntimeError: could not read '…' at …:" in err
    for value in ("ann@example.com", "Zebulonowitsch", "5550123"):
        assert value not in err
    assert sys.exc_info() == (None, None, None)
