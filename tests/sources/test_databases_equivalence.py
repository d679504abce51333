"""The shipped examples audited from CSV/NDJSON (as shipped), Parquet, PostgreSQL and SQLite with
the shipped rule file give the same rule counts and the same findings, key for key, whole and in
chunks: where the records come from changes only how a finding points at them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import db_data
import polars as pl
import pytest
import yaml
from pg_server import Server

RULES = db_data.EXAMPLES / "rules.yaml"
AS_OF = "2026-11-01"
#: What a finding says about a record, without where the record is (file line or table row).
FINDING = ["rule", "record_key", "field", "message", "value"]
#: Where a message points at another record ("duplicate of the record at crm_export.csv:5"):
#: a position, which differs by source; the record itself is the same.
POSITION = r" at \S+(:| row )\d+$"


def _rule_file(directory: Path, sources: list[dict[str, Any]]) -> Path:
    """The shipped rule file with its ``sources:`` replaced (renames and null markers kept)."""
    model = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    shipped = {Path(s["path"]).name: s for s in model["sources"]}
    model["sources"] = [
        {
            **source,
            "columns": shipped[name]["columns"],
            "read": {"null_markers": shipped[name].get("read", {}).get("null_markers", [])},
        }
        for name, source in zip(db_data.EXAMPLE_FILES, sources, strict=True)
    ]
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump(model, allow_unicode=True), encoding="utf-8")
    return path


def _audit(rules: Path, out: Path, chunk_rows: int | None) -> tuple[list[tuple[Any, ...]], pl.DataFrame]:
    command = [sys.executable, "-m", "veracity", "audit", "--no-progress", "-r", str(rules), "--as-of", AS_OF]
    command += [
        "-f",
        "json",
        "-o",
        str(out / "report.json"),
        "--findings",
        str(out / "findings.csv"),
        "--exit-zero",
    ]
    if chunk_rows is not None:
        command += ["--chunk-rows", str(chunk_rows)]
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ), check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rules = sorted((r["id"], r["status"], r["evaluated"], r["failed"]) for r in report["rules"])
    findings = (
        pl.read_csv(out / "findings.csv", infer_schema=False)
        .select(FINDING)
        .with_columns(pl.col("message").str.replace(POSITION, " at <position>"))
        .sort(FINDING, nulls_last=True)
    )
    return rules, findings


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory, postgres: Server) -> dict[str, Path]:
    """Rule file per way of holding the examples."""
    tables = db_data.example_tables()
    root = tmp_path_factory.mktemp("variants")
    found: dict[str, Path] = {"csv": RULES}
    parquet = root / "parquet"
    parquet.mkdir()
    for table, frame in tables.items():
        frame.write_parquet(parquet / f"{table}.parquet")
    found["parquet"] = _rule_file(parquet, [{"path": f"{table}.parquet"} for table in tables])
    sqlite = root / "sqlite"
    sqlite.mkdir()
    db_data.write_sqlite(sqlite / "shop.db", tables)
    found["sqlite"] = _rule_file(
        sqlite, [{"database": "sqlite:///shop.db", "table": table} for table in tables]
    )
    pg = root / "postgresql"
    pg.mkdir()
    found["postgresql"] = _rule_file(pg, [{"database": postgres.url(), "table": table} for table in tables])
    return found


@pytest.mark.parametrize("chunk_rows", [None, 1000], ids=["whole", "chunked"])
def test_every_way_of_holding_the_examples_audits_the_same(
    variants: dict[str, Path], tmp_path: Path, chunk_rows: int | None
) -> None:
    results = {}
    for name, rules in variants.items():
        out = tmp_path / name
        out.mkdir()
        results[name] = _audit(rules, out, chunk_rows)
    expected_rules, expected_findings = results["csv"]
    assert any(failed for *_, failed in expected_rules), "the examples are meant to fail some rules"
    assert expected_findings.height > 0
    assert expected_findings.get_column("message").str.ends_with(" at <position>").any()
    for name, (rules, findings) in results.items():
        assert rules == expected_rules, name
        assert findings.equals(expected_findings), name
    for name in ("sqlite", "postgresql"):
        # A table has no lines: another record is pointed at by its row in the read.
        messages = pl.read_csv(tmp_path / name / "findings.csv", infer_schema=False).get_column("message")
        duplicates = messages.filter(messages.str.starts_with("duplicate of the record at"))
        assert duplicates.len() > 0
        assert duplicates.str.contains(r"\?table=crm_export row \d+$").all(), duplicates.to_list()
