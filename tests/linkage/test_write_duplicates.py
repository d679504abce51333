"""The duplicates file: every clustered record, why it is there, safe to open in a spreadsheet."""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest

from tests.linkage.conftest import people
from veracity import audit
from veracity.config import rule_set_from_objects
from veracity.errors import UsageError
from veracity.reports.duplicates import DUPLICATES_SCHEMA, duplicates_frame, write_duplicates
from veracity.results import AuditResult

RULE = {
    "id": "same-person",
    "check": "duplicates",
    "compare": [
        {"field": "first_name", "method": "jaro_winkler"},
        {"field": "last_name", "method": "jaro_winkler"},
        {"field": "email", "method": "email"},
    ],
    "blocking": [["email"], ["last_name_soundex"]],
}


def _result(keys: list[str] | None = None) -> AuditResult:
    crowd = people(30)
    first = [*crowd["first_name"], crowd["first_name"][0], crowd["first_name"][1]]
    last = [*crowd["last_name"], crowd["last_name"][0], crowd["last_name"][1]]
    email = [*crowd["email"], (crowd["email"][0] or "").upper(), crowd["email"][1]]
    ids = keys or [f"C{i}" for i in range(32)]
    frame = pl.DataFrame({"customer_id": ids, "first_name": first, "last_name": last, "email": email})
    return audit(frame, rule_set_from_objects([RULE], key="customer_id"))


@pytest.fixture
def result() -> AuditResult:
    return _result()


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    return pl.read_parquet(path)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_every_clustered_record_with_its_evidence(result: AuditResult, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"dupes{suffix}"
    write_duplicates(result, path)
    frame = _read(path)
    assert frame.columns == list(DUPLICATES_SCHEMA)
    assert frame.get_column("record_key").to_list() == ["C0", "C30", "C1", "C31"]
    assert frame.get_column("cluster_id").cast(pl.Int64).to_list() == [1, 1, 2, 2]
    assert frame.get_column("line").cast(pl.Int64).to_list() == [1, 31, 2, 32]
    assert set(frame.get_column("rule").to_list()) == {"same-person"}
    assert frame.get_column("agreeing_fields").to_list()[0] == "first_name, last_name, email"
    assert all(float(p) >= 0.9 for p in frame.get_column("match_probability").to_list())
    assert os.listdir(tmp_path) == [path.name]


def test_the_findings_and_the_file_agree_on_clusters(result: AuditResult) -> None:
    frame = duplicates_frame(result)
    flagged = result.findings.filter(pl.col("rule") == "same-person")
    assert flagged.get_column("record_key").to_list() == ["C30", "C31"]
    assert flagged.get_column("cluster_id").to_list() == [1, 2]
    assert flagged.get_column("message").to_list()[0].startswith("likely duplicate of <dataframe 0>:1 (p=")
    assert frame.filter(pl.col("record_key") == "C30").get_column("cluster_id").item() == 1


def test_record_keys_that_look_like_formulas_are_neutralised_in_csv(tmp_path: Path) -> None:
    keys = ["=HYPERLINK(1)", *(f"C{i}" for i in range(1, 30)), "+C30", "C31"]
    result = _result(keys)
    write_duplicates(result, tmp_path / "dupes.csv")
    assert _read(tmp_path / "dupes.csv").get_column("record_key").to_list()[:2] == ["'=HYPERLINK(1)", "'+C30"]
    write_duplicates(result, tmp_path / "dupes.parquet")
    assert _read(tmp_path / "dupes.parquet").get_column("record_key").to_list()[:2] == [
        "=HYPERLINK(1)",
        "+C30",
    ]


def test_details_are_json_for_the_report(result: AuditResult) -> None:
    details = result.details["same-person"].to_dict()
    text = json.dumps(details, allow_nan=False)
    assert "C30" not in text  # no values from the data
    assert details["clusters"] == 2
    assert details["records_in_clusters"] == 4
    assert {"prior", "comparisons", "em_iterations"} <= set(details["model"])


def test_without_a_key_record_key_is_empty(tmp_path: Path) -> None:
    crowd = people(20)
    frame = pl.DataFrame({n: [*crowd[n], crowd[n][0]] for n in ("first_name", "last_name", "email")})
    write_duplicates(audit(frame, [RULE]), tmp_path / "dupes.csv")
    written = _read(tmp_path / "dupes.csv")
    assert written.height == 2
    assert written.get_column("record_key").null_count() == 2


def test_wrong_suffix_and_no_duplicates_rule_are_usage_errors(result: AuditResult, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--duplicates must end in \.csv or \.parquet"):
        write_duplicates(result, tmp_path / "dupes.xlsx")
    other = audit(pl.DataFrame({"email": ["a@x.com"]}), [{"id": "e", "check": "not_null", "field": "email"}])
    with pytest.raises(UsageError, match="needs a rule with 'check: duplicates'"):
        write_duplicates(other, tmp_path / "dupes.csv")
    assert not (tmp_path / "dupes.csv").exists()


def test_an_existing_file_survives_a_failed_write(
    result: AuditResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "dupes.csv"
    target.write_text("old")

    def fail(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_csv", fail)
    with pytest.raises(OSError, match="disk full"):
        write_duplicates(result, target)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["dupes.csv"]
