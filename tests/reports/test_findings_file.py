"""The findings file: fixed columns in fixed order, safe to open in a spreadsheet."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.reports.report_fixture import CSV_PATH, FORMULA_VALUE
from veracity.errors import UsageError
from veracity.reports import findings_frame, write_findings
from veracity.reports.findings import neutralise_formulas
from veracity.results import FINDINGS_COLUMNS, AuditResult


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".csv":
        return pl.read_csv(path, schema_overrides={"line": pl.Int64}, infer_schema=False)
    return pl.read_parquet(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".CSV"])
def test_columns_in_contract_order(audit_result: AuditResult, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"findings{suffix}"
    write_findings(audit_result, path)
    frame = _read(path) if suffix != ".CSV" else pl.read_csv(path, infer_schema=False)
    assert tuple(frame.columns) == FINDINGS_COLUMNS
    assert frame.height == audit_result.findings.height


def test_csv_header_line(audit_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.csv"
    write_findings(audit_result, path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(FINDINGS_COLUMNS)


def test_parquet_types(audit_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.parquet"
    write_findings(audit_result, path)
    frame = pl.read_parquet(path)
    assert (frame.schema["line"], frame.schema["cluster_id"]) == (pl.Int64, pl.Int64)
    assert all(
        frame.schema[name] == pl.String for name in FINDINGS_COLUMNS if name not in ("line", "cluster_id")
    )
    first = frame.row(0, named=True)
    assert (first["source"], first["line"], first["value"]) == (CSV_PATH, 14, "j***@e***.com")


def test_formulas_are_neutralised_in_csv(audit_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.csv"
    write_findings(audit_result, path, reveal_values=True)
    frame = _read(path)
    street = frame.filter(pl.col("rule") == "street-format")
    assert street["value"].to_list()[1] == "'" + FORMULA_VALUE
    assert street["record_key"].to_list()[2:] == ["'+100004", "'@100006"]
    # Ordinary text is untouched.
    assert street["value"].to_list()[0] == "Hauptstr. 5 | Hinterhaus"
    assert street["value"].to_list()[2] == "Am Markt 3\nApt 4"


def test_masked_formula_is_neutralised_too(audit_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.csv"
    write_findings(audit_result, path)
    street = _read(path).filter(pl.col("rule") == "street-format")
    assert street["value"].to_list()[1] == "'=***)"


def test_parquet_keeps_values_exact(audit_result: AuditResult, tmp_path: Path) -> None:
    path = tmp_path / "findings.parquet"
    write_findings(audit_result, path, reveal_values=True)
    street = pl.read_parquet(path).filter(pl.col("rule") == "street-format")
    assert street["value"].to_list()[1] == FORMULA_VALUE
    assert street["record_key"].to_list()[2] == "+100004"


TEXT_COLUMNS = [name for name in FINDINGS_COLUMNS if name not in ("line", "cluster_id")]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", " =", "\t =", "  @"])
def test_neutralise_formulas_each_trigger_in_every_text_column(start: str) -> None:
    # Field names come from the export's header and sources from file names: as untrusted as
    # the values, so every text column is neutralised (OWASP CSV injection).
    row: dict[str, Any] = dict.fromkeys(TEXT_COLUMNS, f"{start}cmd|' /C calc'!A0")
    out = neutralise_formulas(pl.DataFrame([row])).row(0, named=True)
    assert {name: out[name] for name in TEXT_COLUMNS} == {name: f"'{row[name]}" for name in TEXT_COLUMNS}


def test_carriage_return_start_is_escaped_not_run() -> None:
    out = neutralise_formulas(pl.DataFrame([dict.fromkeys(TEXT_COLUMNS, "\r=1+1")])).row(0)
    assert out == ("\\r=1+1",) * len(TEXT_COLUMNS)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("plain", "plain"),
        ("a-b", "a-b"),
        ("x=1", "x=1"),
        ("Am Markt 3\nApt 4", "Am Markt 3\nApt 4"),
        ("red\x1b[31mtext", "red\\x1b[31mtext"),
        ("evil\u202etxt.csv", "evil\\u202etxt.csv"),
        ("\x1b]0;title\x07=1", "\\x1b]0;title\\x07=1"),
    ],
)
def test_csv_cells_keep_text_and_show_control_characters(cell: str, shown: str) -> None:
    out = neutralise_formulas(pl.DataFrame([dict.fromkeys(TEXT_COLUMNS, cell)])).row(0)
    assert out == (shown,) * len(TEXT_COLUMNS)


def test_null_cells_stay_null() -> None:
    row: dict[str, Any] = dict.fromkeys(FINDINGS_COLUMNS)
    frame = pl.DataFrame([row], schema=dict.fromkeys(FINDINGS_COLUMNS, pl.String))
    assert neutralise_formulas(frame).row(0) == (None,) * len(FINDINGS_COLUMNS)


@pytest.mark.parametrize("name", ["findings.xlsx", "findings", "findings.csv.gz", "findings.json"])
def test_bad_suffix_is_a_usage_error(audit_result: AuditResult, tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError) as caught:
        write_findings(audit_result, tmp_path / name)
    assert str(caught.value) == "--findings must end in .csv or .parquet"
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_a_usage_error(audit_result: AuditResult, tmp_path: Path) -> None:
    target = tmp_path / "out" / "findings.csv"
    with pytest.raises(UsageError) as caught:
        write_findings(audit_result, target)
    assert str(caught.value) == (
        f"cannot write {target}: directory {target.parent} does not exist; create it first"
    )


def test_failed_write_keeps_the_old_file(
    audit_result: AuditResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "findings.csv"
    path.write_text("previous run\n", encoding="utf-8")

    def broken_write(self: pl.DataFrame, file: Path, **kwargs: Any) -> None:
        Path(file).write_text("rule,check\npartial", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken_write)
    with pytest.raises(OSError, match="disk full"):
        write_findings(audit_result, path)
    assert path.read_text(encoding="utf-8") == "previous run\n"
    assert os.listdir(tmp_path) == ["findings.csv"]


def test_empty_findings(audit_result: AuditResult, tmp_path: Path) -> None:
    empty = dataclasses.replace(audit_result, findings=audit_result.findings.clear())
    for suffix in (".csv", ".parquet"):
        path = tmp_path / f"findings{suffix}"
        write_findings(empty, path)
        frame = _read(path)
        assert tuple(frame.columns) == FINDINGS_COLUMNS
        assert frame.height == 0


def test_findings_frame_maps_source_indexes_and_keeps_dataset_findings(audit_result: AuditResult) -> None:
    dataset_finding = pl.DataFrame(
        [
            {
                "rule": "required-columns",
                "check": "required_columns",
                "dimension": "completeness",
                "severity": "error",
                "field": "email",
                "source": 1,
                "line": None,
                "record_key": None,
                "message": "column email is missing",
                "value": None,
                "cluster_id": None,
                "value_kind": "text",
            },
            {
                "rule": "required-columns",
                "check": "required_columns",
                "dimension": "completeness",
                "severity": "error",
                "field": None,
                "source": None,
                "line": None,
                "record_key": None,
                "message": "no source has column email",
                "value": None,
                "value_kind": "text",
            },
        ],
        schema_overrides={"source": pl.UInt16, "line": pl.UInt32},
    )
    frame = findings_frame(dataclasses.replace(audit_result, findings=dataset_finding))
    assert frame["source"].to_list() == ["exports/crm_contacts.xlsx", None]
    assert frame["line"].to_list() == [None, None]
    assert frame.schema["line"] == pl.Int64
