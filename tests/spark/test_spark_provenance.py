"""Where a finding is, on Spark as locally: the shipped examples give the same JSON report byte
for byte (run metadata aside) and the same findings; CSV/TSV lines and JSON record numbers are
veracity's own (quoted line breaks, blank lines, CRLF); an unusable file is the same one-line
error; a text file too large for one task says that its positions are record numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import veracity
from veracity.config import rule_set_from_objects
from veracity.errors import SourceError
from veracity.reports import render
from veracity.reports.findings import write_findings
from veracity.runners import _spark_files

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 1)
_RUN = re.compile(r'\n  "run": \{\n.*?\n  \},', re.DOTALL)


def _without_run(report: str) -> str:
    """A JSON report's text without its run metadata (start time, duration, runner)."""
    stripped, found = _RUN.subn("", report, count=1)
    assert found == 1
    return stripped


def _same_findings(written: pl.DataFrame, local: pl.DataFrame) -> None:
    """The same rows (a dataset's files come in no order), the same columns and types."""
    assert written.columns == local.columns
    order = list(local.columns)
    assert_frame_equal(
        written.cast(local.schema).sort(order, nulls_last=True),  # type: ignore[arg-type]
        local.sort(order, nulls_last=True),
    )


def test_the_shipped_examples_give_the_same_json_report_and_findings(spark: Any, tmp_path: Path) -> None:
    rules = ROOT / "examples" / "rules.yaml"
    local = veracity.audit(None, rules, as_of=AS_OF)
    on_spark = veracity.audit(None, rules, as_of=AS_OF, runner="spark", findings_path=tmp_path / "spark")
    assert _without_run(render(on_spark, "json")) == _without_run(render(local, "json"))
    write_findings(local, tmp_path / "local.parquet")
    _same_findings(
        pl.read_parquet(tmp_path / "spark" / "*.parquet"), pl.read_parquet(tmp_path / "local.parquet")
    )


TEXTS = {
    "csv/a.csv": b'id,email,note\r\n1,a@x.org,"two\r\nlines"\r\n\r\n2,,plain\r\n3,bad,"x"\r\n',
    "csv/b.csv": b'id,email,note\n4,"q@x.org","three\n\nlines"\n5,,\n\n\n6,also bad,\n',
    "tsv/c.tsv": b"id\temail\tnote\n7\t\tn/a\n\n8\tc@x.org\t\n",
    "d.json": b'[{"id": 9, "email": null},\n\n {"id": 10, "email": "d@x"}]',
    "e.ndjson": b'{"id": 11, "email": "e@x.org"}\n\n{"id": 12}\n{"id": 13, "email": "  "}\n',
}
RULES = [
    {"id": "email-present", "check": "not_null", "field": "email"},
    {"id": "email-valid", "check": "email", "field": "email"},
    {"id": "one-id", "check": "unique", "field": "id"},
    {"id": "note-present", "check": "not_null", "field": "note"},
]


def test_text_files_keep_their_lines_and_record_numbers(spark: Any, tmp_path: Path) -> None:
    for name, text in TEXTS.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(text)
    rules = rule_set_from_objects(RULES, null_markers=["n/a"])
    files = [str(tmp_path / name) for name in TEXTS]
    local = veracity.audit(files, rules, as_of=AS_OF)
    # Spark is given globs (it lists their files) and the JSON files themselves.
    given = [str(tmp_path / "csv" / "*.csv"), str(tmp_path / "tsv" / "*.tsv"), files[3], files[4]]
    on_spark = veracity.audit(given, rules, as_of=AS_OF, runner="spark")
    assert [s.path for s in on_spark.sources] == files
    lines = sorted(local.findings.filter(pl.col("source") == files[1]).get_column("line").unique())
    assert lines == [5, 8]  # after a quoted record spanning three lines, and two blank lines
    assert _without_run(render(on_spark, "json")) == _without_run(render(local, "json"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("ragged.csv", b"id,email\n1,a@x.org\n\n2\n"),
        ("comments.csv", b"# exported today\n# by the CRM\nid,email\n1,a\n"),
        ("broken.json", b'[{"id": 1},'),
    ],
)
def test_an_unusable_file_is_the_local_one_line_error(
    spark: Any, tmp_path: Path, name: str, text: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(text)
    rules = rule_set_from_objects(RULES[:1])
    with pytest.raises(SourceError) as local:
        veracity.audit([str(path)], rules, as_of=AS_OF)
    with pytest.raises(SourceError) as on_spark:
        veracity.audit([str(path)], rules, as_of=AS_OF, runner="spark")
    assert str(on_spark.value) == str(local.value)
    assert "\n" not in str(on_spark.value)


def test_a_text_file_too_large_for_one_task_says_its_positions_are_record_numbers(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"id,email\n1,a@x.org\n2,\n3,bad\n")
    monkeypatch.setattr(_spark_files, "WHOLE_FILE_LIMIT", 10)
    rules = rule_set_from_objects(RULES[:2])
    local = veracity.audit([str(path)], rules, as_of=AS_OF)
    on_spark = veracity.audit([str(path)], rules, as_of=AS_OF, runner="spark")
    source = on_spark.sources[0]
    assert source.position_kind == "record"
    assert source.details["position"].startswith("record number, not line: a file over ")
    assert [(r.id, r.evaluated, r.failed) for r in on_spark.rules] == [
        (r.id, r.evaluated, r.failed) for r in local.rules
    ]
    # Record numbers: the local lines less the header's.
    assert on_spark.findings.get_column("line").to_list() == [
        n - 1 for n in local.findings.get_column("line")
    ]
