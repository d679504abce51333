"""A file read from bytes fetched elsewhere (a Spark task's) is the file read from disk: the
same records, lines, description and one-line errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from veracity.errors import SourceError
from veracity.sources import LINE_COL, ReadOptions, SourceSpec, load_sources, read_bytes

ROOT = Path(__file__).resolve().parents[2]

TEXTS = {
    # A quoted line break, a blank line and CRLF line ends: lines are not record numbers.
    "quoted.csv": b'id,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,\r\n',
    "semicolons.csv": "\ufeffid;name\n1;Jos\u00e9\n2;n/a\n".encode(),
    "tabs.tsv": b"id\tname\n1\tA\n\n\n2\tB\n",
    "array.json": b'[{"id": 1, "name": "A"},\n {"id": 2, "name": null}]',
    "lines.ndjson": b'{"id": 1}\n\n{"id": 2, "extra": true}\n',
}


@pytest.mark.parametrize("batch_rows", [1, 2, 10_000])
@pytest.mark.parametrize("name", sorted(TEXTS))
def test_bytes_read_as_the_file_on_disk(tmp_path: Path, name: str, batch_rows: int) -> None:
    path = tmp_path / name
    path.write_bytes(TEXTS[name])
    spec = SourceSpec(str(path), columns={"id": "key"}, read=ReadOptions(null_markers=("n/a",)))
    local = load_sources([spec])
    fetched = read_bytes(TEXTS[name], spec, str(path), batch_rows=batch_rows)
    expected = local.sources[0]
    assert fetched.info == replace(
        expected,
        modified=None,
        columns=[replace(c, missing_replaced=0) for c in expected.columns],
    )
    assert fetched.fields == [c.field for c in expected.columns]
    records = pl.concat(list(fetched.batches()))
    # Values as stored: the null markers are the caller's to apply (Spark's workers do).
    cleaned = records.with_columns(
        pl.when(pl.col(f).str.strip_chars().eq("") | pl.col(f).eq("n/a"))
        .then(None)
        .otherwise(pl.col(f))
        .alias(f)
        for f in fetched.fields
    )
    assert_frame_equal(cleaned, local.frame.select(*fetched.fields, LINE_COL))


def test_the_examples_csv_keeps_its_lines_after_a_quoted_line_break() -> None:
    path = ROOT / "examples" / "crm_export.csv"
    spec = SourceSpec("crm_export.csv", read=ReadOptions(delimiter=";", encoding="utf-8-sig"))
    fetched = read_bytes(path.read_bytes(), spec, "crm_export.csv", batch_rows=5)
    lines = pl.concat(list(fetched.batches())).get_column(LINE_COL).to_list()
    assert len(lines) == fetched.info.rows == 24
    assert lines[-1] == 26  # 24 records, the header and one quoted line break


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("ragged.csv", b"a,b\n1,2\n3\n", "ragged.csv:3: "),
        ("empty.csv", b"  \n", "empty.csv: "),
        ("broken.json", b"[{", "broken.json:1:3: "),
    ],
)
def test_unusable_bytes_are_the_files_one_line_error(name: str, raw: bytes, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        read_bytes(raw, SourceSpec(name), f"s3a://bucket/{name}", batch_rows=10)
    text = str(caught.value)
    assert text.startswith(f"s3a://bucket/{message}")
    assert "\n" not in text
