"""Values from the data are personal data: no output shows them unless asked to."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.reports.report_fixture import FORMULA_VALUE, NEWLINE_VALUE, PIPE_VALUE, RAW_EMAILS, RAW_PHONE
from veracity.reports import FORMATS, render, write_findings
from veracity.results import AuditResult

#: Fragments of raw values; none of them survives masking (masks keep one character per part).
RAW_FRAGMENTS = (
    "jane.doe",
    "mustermann",
    "anna@",
    "user1@",
    "@example",
    "30 1234",
    "Hinterhaus",
    "HYPERLINK",
    "Am Markt",
    "Red Street",
)


def _outputs(result: AuditResult, tmp_path: Path, *, reveal: bool) -> dict[str, str]:
    outputs = {fmt: render(result, fmt, reveal_values=reveal) for fmt in FORMATS}
    outputs["table (colour)"] = render(result, "table", reveal_values=reveal, color=True)
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"findings.{suffix}"
        write_findings(result, path, reveal_values=reveal)
        frame = pl.read_csv(path, infer_schema=False) if suffix == "csv" else pl.read_parquet(path)
        outputs[f"findings.{suffix}"] = json.dumps(frame.to_dicts(), ensure_ascii=False)
    return outputs


def test_no_raw_value_in_any_output_by_default(audit_result: AuditResult, tmp_path: Path) -> None:
    for name, text in _outputs(audit_result, tmp_path, reveal=False).items():
        leaked = [fragment for fragment in RAW_FRAGMENTS if fragment in text]
        assert not leaked, f"{name} shows raw values: {leaked}"


def test_masked_shapes_are_shown_by_default(audit_result: AuditResult) -> None:
    report = json.loads(render(audit_result, "json"))
    values = [s["value"] for rule in report["rules"] for s in rule["samples"]]
    assert values[:3] == ["j***@e***.com", "m***@b***.de", "a***@@***.org"]
    assert "+49 *** *** 00" in values
    assert "H***s" in values


@pytest.mark.parametrize("fmt", FORMATS)
def test_reveal_values_shows_them(audit_result: AuditResult, fmt: str) -> None:
    text = render(audit_result, fmt, reveal_values=True)
    assert "jane.doe@example.com" in text
    assert "max.mustermann@beispiel.de" in text
    assert "Hinterhaus" in text
    assert "HYPERLINK" in text


def test_reveal_values_in_json_is_exact(audit_result: AuditResult) -> None:
    report = json.loads(render(audit_result, "json", reveal_values=True))
    values = [s["value"] for rule in report["rules"] for s in rule["samples"]]
    for raw in (*RAW_EMAILS, RAW_PHONE + "0000", PIPE_VALUE, FORMULA_VALUE, NEWLINE_VALUE):
        assert raw in values


def test_reveal_values_in_findings_files(audit_result: AuditResult, tmp_path: Path) -> None:
    outputs = _outputs(audit_result, tmp_path, reveal=True)
    for name in ("findings.csv", "findings.parquet"):
        assert "jane.doe@example.com" in outputs[name]
        assert "Hinterhaus" in outputs[name]


def test_outputs_say_whether_values_are_masked(audit_result: AuditResult) -> None:
    assert "values masked; --reveal-values shows them" in render(audit_result, "table")
    assert "values shown unmasked" in render(audit_result, "table", reveal_values=True)
    assert "run with `--reveal-values` to show them" in render(audit_result, "markdown")
    assert "Values are shown unmasked." in render(audit_result, "markdown", reveal_values=True)
