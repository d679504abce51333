"""The Spark runner gives the local runner's results: a generated 200k-record set in 8 Parquet
files (duplicate clusters included), a Spark table; and one-line errors where Spark cannot run.
Every check case: test_spark_cases.py; the shipped examples and lines: test_spark_provenance.py."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import veracity
from tests.spark.conftest import _missing as _spark_missing
from tests.test_chunked import assert_same
from tests.test_partitions import _assert_same_duplicates, _scale_generator
from veracity.cli import app

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 1)
SAMPLES = 1_000_000


def _same(local: Any, on_spark: Any) -> None:
    """:func:`tests.test_chunked.assert_same`, also where no record-level rule ran (no scores)."""
    if local.records.mean is None:
        assert on_spark.records == local.records
        scored = dataclasses.replace(local.records, mean=0.0)
        local = dataclasses.replace(local, records=scored)
        on_spark = dataclasses.replace(on_spark, records=scored)
    assert_same(local, on_spark)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """200,000 people with planted duplicates, as 8 Parquet files."""
    generator = _scale_generator()
    frame, _ = generator.generate(200_000, 7)
    directory = tmp_path_factory.mktemp("spark200k")
    paths = []
    size = -(-frame.height // 8)
    for n in range(8):
        path = directory / f"people-{n}.parquet"
        frame.slice(n * size, size).select(pl.all().cast(pl.String)).write_parquet(path)
        paths.append(str(path))
    rules = directory / "rules.yaml"
    rules.write_text(
        generator.RULES + "  - {id: one-per-email, check: unique, field: email, ignore_case: true}\n",
        encoding="utf-8",
    )
    return paths, rules


def test_200k_records_in_8_parquet_files_give_the_same_counts_findings_and_clusters(
    spark: Any, generated: tuple[list[str], Path], tmp_path: Path
) -> None:
    paths, rules = generated
    assert len(paths) == 8
    local = veracity.audit(paths, rules, as_of=AS_OF)
    findings = tmp_path / "findings.parquet"
    on_spark = veracity.audit(
        paths, rules, as_of=AS_OF, runner="spark", findings_path=findings, max_samples=SAMPLES
    )
    assert sum(r.evaluated for r in on_spark.rules) > 0
    assert next(r for r in local.rules if r.id == "same-person").failed > 100
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
    # The findings dataset Spark wrote: every finding, the users' columns.
    from veracity.masking import mask_findings

    written = pl.read_parquet(findings / "*.parquet")
    expected = mask_findings(local.findings)
    order = ["rule", "source", "line", "message"]
    assert_frame_equal(
        written.sort(order, nulls_last=True),
        expected.select(written.columns).cast(written.schema).sort(order, nulls_last=True),
    )


def test_a_spark_table_from_the_rule_file(
    spark: Any, generated: tuple[list[str], Path], tmp_path: Path
) -> None:
    paths, rules = generated
    spark.read.parquet(paths[0]).createOrReplaceTempView("customers")
    text = rules.read_text(encoding="utf-8").replace(
        "rules:", "runner: spark\nsources:\n  - table: customers\nrules:", 1
    )
    table_rules = tmp_path / "rules.yaml"
    table_rules.write_text(text, encoding="utf-8")
    local = veracity.audit([paths[0]], rules, as_of=AS_OF)
    on_spark = veracity.audit(None, table_rules, as_of=AS_OF, max_samples=SAMPLES)
    assert on_spark.sources[0].path == "table customers"
    assert [(r.id, r.evaluated, r.failed) for r in on_spark.rules] == [
        (r.id, r.evaluated, r.failed) for r in local.rules
    ]
    assert on_spark.score == local.score


def test_a_spark_table_without_the_spark_runner_is_one_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nsources:\n  - table: db.customers\nrules:\n  - {id: a, check: not_null, field: x}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["audit", "--rules", str(rules)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: a 'table:' source without 'database:' is a Spark table; run with --runner spark"
    )


def test_without_pyspark_the_spark_runner_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    result = CliRunner().invoke(
        app, ["audit", "--rules", str(ROOT / "examples" / "rules.yaml"), "--runner", "spark", "--no-progress"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: --runner spark needs pyspark and pyarrow; install them with pip install 'veracity[spark]'"
    )


def test_an_unknown_runner_gets_a_suggestion() -> None:
    result = CliRunner().invoke(
        app, ["audit", "--rules", str(ROOT / "examples" / "rules.yaml"), "--runner", "sprak"]
    )
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == "Error: --runner: unknown runner 'sprak'; did you mean 'spark'?; choose one of local, spark"
    )


def test_a_spark_session_that_cannot_start_is_one_line() -> None:
    """In a process of its own: in this one the tests' session is active and would be reused."""
    import subprocess

    if _spark_missing() is not None:
        pytest.skip(f"Spark tests: {_spark_missing()}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "veracity",
            "audit",
            "--rules",
            str(ROOT / "examples" / "rules.yaml"),
            "--runner",
            "spark",
            "--spark-master",
            "nonsense://nowhere",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert errors[0].startswith("Error: cannot start a Spark session on nonsense://nowhere: ")
    assert errors[0].endswith("; check --spark-master and that Java 17+ is installed (java -version)")


def test_the_command_line_on_spark_writes_the_report_and_a_findings_dataset(
    spark: Any, tmp_path: Path
) -> None:
    report, findings = tmp_path / "report.json", tmp_path / "findings.parquet"
    findings.mkdir()
    (findings / "stale.parquet").write_bytes(b"an older run's dataset is replaced whole")
    args = ["audit", "--rules", str(ROOT / "examples" / "rules.yaml"), "--as-of", AS_OF.isoformat()]
    args += ["-f", "json", "-o", str(report), "--findings", str(findings), "--no-progress"]
    local = CliRunner().invoke(app, args)
    assert local.exit_code == 2  # a directory is no findings file for the local runner
    on_spark = CliRunner().invoke(app, [*args, "--runner", "spark"])
    assert on_spark.exit_code == 1, on_spark.output  # the examples fail the gate
    written = pl.read_parquet(findings / "*.parquet")
    assert not (findings / "stale.parquet").exists()
    assert written.height == json.loads(report.read_text(encoding="utf-8"))["findings"]["total"] > 0
    assert written.columns == list(pl.read_parquet(findings / "*.parquet").columns)
    assert written.get_column("value").drop_nulls().str.contains(r"\*").any()  # masked
