"""JSON and NDJSON records nested too deeply are refused at their record, never an internal error.

Up to MAX_DEPTH levels (the record itself is one) a nested value is kept as compact JSON text;
beyond it the message names the record (NDJSON: its line; JSON: its number, and the line and
column where the nesting goes too deep when the json module itself gives up).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import assert_refused, prepare, run_audit

from veracity.sources import SourceSpec, load_sources
from veracity.sources._json import MAX_DEPTH

FLATTEN = f"; flatten it to at most {MAX_DEPTH} levels"
TOO_DEEP = f"nests arrays and objects more than {MAX_DEPTH} levels deep"


def _nested(levels: int, inner: str = "1") -> str:
    """``levels`` arrays around ``inner``."""
    return "[" * levels + inner + "]" * levels


CASES = [
    # id, file name, content, expected error line (without "Error: ")
    (
        "ndjson-one-level-too-deep",
        "deep.ndjson",
        '{"a": 1}\n{"a": ' + _nested(MAX_DEPTH) + "}\n",
        f"deep.ndjson:2: the record {TOO_DEEP} (in 'a'){FLATTEN}",
    ),
    (
        "ndjson-500-deep",
        "deep.ndjson",
        '{"a": 1}\n{"a": 2, "b": ' + _nested(500) + "}\n",
        f"deep.ndjson:2: the record {TOO_DEEP} (in 'b'){FLATTEN}",
    ),
    (
        "ndjson-beyond-the-json-module",
        "deep.ndjson",
        '{"a": 1}\n{"a": 1}\n{"a": ' + _nested(5000) + "}\n",
        f"deep.ndjson:3: the record {TOO_DEEP}{FLATTEN}",
    ),
    (
        "json-objects-500-deep",
        "deep.json",
        '[{"a": 1},\n {"a": 2, "b": ' + '{"x": ' * 500 + "1" + "}" * 500 + "}]",
        f"deep.json: record 2 {TOO_DEEP} (in 'b'){FLATTEN}",
    ),
    (
        "json-beyond-the-json-module",
        "deep.json",
        '[{"a": 1},\n {"a": "[[[", "b": ' + _nested(5000) + "}]",
        # The first "[" is in column 20; the record is level 1, so the 64th "[" is one too many.
        f"deep.json:2:{19 + MAX_DEPTH}: record 2 {TOO_DEEP}{FLATTEN}",
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_record_nested_too_deeply_is_refused_at_its_place(
    name: str, content: str, expected: str, tmp_path: Path
) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    before = prepare(tmp_path)
    assert assert_refused(run_audit(tmp_path, [name]), tmp_path, before) == f"Error: {expected}"


@pytest.mark.parametrize("name", ["ok.ndjson", "ok.json"])
def test_nesting_up_to_the_limit_is_kept_as_json_text(name: str, tmp_path: Path) -> None:
    record = '{"a": ' + _nested(MAX_DEPTH - 1) + "}"
    path = tmp_path / name
    path.write_text(record if name.endswith("ndjson") else f"[{record}]", encoding="utf-8")
    data = load_sources([SourceSpec(str(path))])
    assert data.frame["a"].to_list() == [_nested(MAX_DEPTH - 1)]
