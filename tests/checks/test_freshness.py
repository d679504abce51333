"""The freshness check through the command line: file modification times, several sources,
chunks, database sources and its parameters (the table-driven cases are in cases/)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write_rules(workdir: Path, *rules: str) -> None:
    body = "".join(f"  - {rule}\n" for rule in rules)
    (workdir / "rules.yaml").write_text(f"version: 1\nrules:\n{body}", encoding="utf-8")


def _audit(*args: str) -> tuple[int, dict, str]:
    code, out, err = run_audit(CliRunner(), "-r", "rules.yaml", *args, "-f", "json")
    return code, json.loads(out) if out else {}, err


def _csv(path: Path, dates: list[str], *, hours_ago: float | None = None) -> None:
    path.write_text(
        "id,last_updated\n" + "".join(f"{i},{d}\n" for i, d in enumerate(dates)), encoding="utf-8"
    )
    if hours_ago is not None:
        moment = time.time() - hours_ago * 3600
        os.utime(path, (moment, moment))


@pytest.mark.parametrize(
    ("limit", "code"), [("hours: 31", 0), ("hours: 29", 1), ("days: 2", 0), ("days: 1", 1)]
)
def test_source_modified_reads_the_file_time(workdir: Path, limit: str, code: int) -> None:
    _csv(workdir / "data.csv", ["2024-01-01"], hours_ago=30)
    _write_rules(workdir, f"{{id: file-fresh, check: freshness, source: modified, {limit}}}")
    got, report, err = _audit("data.csv")
    assert got == code, err
    rule = report["rules"][0]
    assert rule["fields"] == []
    (age,) = rule["details"]["sources"]
    assert age["source"] == "data.csv"
    assert age["age_hours"] == pytest.approx(30, abs=0.1)
    assert age["fresh"] is (code == 0)


def test_a_stale_file_is_reported_with_its_age(workdir: Path) -> None:
    _csv(workdir / "data.csv", ["2024-01-01"], hours_ago=30)
    _write_rules(workdir, "{id: file-fresh, check: freshness, source: modified, hours: 24}")
    code, _, err = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv", "--findings", "f.csv")
    assert code == 1, err
    findings = (workdir / "f.csv").read_text(encoding="utf-8")
    assert (
        "the file was last modified 30 hours before the audit, older than the limit of 24 hours" in findings
    )


def test_each_source_is_judged_by_its_own_newest_date(workdir: Path) -> None:
    _csv(workdir / "june.csv", ["2024-05-01", "2024-06-28", "oops"])
    _csv(workdir / "may.csv", ["2024-05-31", "2024-04-01"])
    _write_rules(workdir, "{id: fresh-export, check: freshness, field: last_updated, days: 7}")
    code, report, err = _audit("june.csv", "may.csv", "--as-of", "2024-06-30")
    assert code == 1, err
    rule = report["rules"][0]
    assert (rule["evaluated"], rule["failed"]) == (2, 1)
    ages = {s["source"]: (s["age_days"], s["fresh"]) for s in rule["details"]["sources"]}
    assert ages == {"june.csv": (2, True), "may.csv": (30, False)}
    assert rule["samples"][0]["source"] == "may.csv"
    code, _, err = run_audit(
        CliRunner(), "-r", "rules.yaml", "june.csv", "may.csv", "--as-of", "2024-06-30", "--findings", "f.csv"
    )
    assert "the newest 'last_updated' is 30 days before the audit date, older than the limit of 7 days" in (
        workdir / "f.csv"
    ).read_text(encoding="utf-8")


def test_the_newest_date_is_exact_in_chunks(workdir: Path) -> None:
    """The newest date sits in the second of three chunks; the others hold only older ones."""
    dates = ["2024-01-01"] * 2500
    dates[1500] = "2024-06-25"
    _csv(workdir / "data.csv", dates)
    _write_rules(workdir, "{id: fresh-export, check: freshness, field: last_updated, days: 5}")
    whole = _audit("data.csv", "--as-of", "2024-06-30")
    chunked = _audit("data.csv", "--as-of", "2024-06-30", "--chunk-rows", "1000")
    assert whole[0] == chunked[0] == 0
    assert whole[1]["rules"] == chunked[1]["rules"]
    assert whole[1]["rules"][0]["details"]["sources"][0]["age_days"] == 5


def test_a_database_table_has_no_modification_time(workdir: Path) -> None:
    with sqlite3.connect(workdir / "shop.db") as db:
        db.execute("CREATE TABLE customers (id TEXT, last_updated TEXT)")
        db.execute("INSERT INTO customers VALUES ('1', '2024-06-30')")
    db.close()
    _write_rules(workdir, "{id: table-fresh, check: freshness, source: modified, days: 1}")
    code, out, err = run_audit(CliRunner(), "-r", "rules.yaml", "sqlite:///shop.db?table=customers")
    assert code == 2
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("Error: sqlite:///")
    assert line.endswith(
        "freshness with source: modified needs a file's modification time, and this source has none "
        "(a database table or standard input); use field: with the date field that records each update instead"
    )
    # The newest value of a date field works on a table.
    _write_rules(workdir, "{id: table-fresh, check: freshness, field: last_updated, days: 1}")
    code, _, err = run_audit(
        CliRunner(), "-r", "rules.yaml", "sqlite:///shop.db?table=customers", "--as-of", "2024-06-30"
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ("{id: f, check: freshness, days: 1}", "give either field: (a date field) or source: modified"),
        (
            "{id: f, check: freshness, field: last_updated, source: modified, days: 1}",
            "give either field: (a date field) or source: modified",
        ),
        ("{id: f, check: freshness, field: last_updated}", "give the limit as either days: N or hours: N"),
        ("{id: f, check: freshness, field: last_updated, days: 1, hours: 2}", "either days: N or hours: N"),
        ("{id: f, check: freshness, source: created, days: 1}", "rules[0].source"),
        ("{id: f, check: freshness, field: last_updated, days: 0}", "rules[0].days"),
        (
            "{id: f, check: freshness, source: modified, days: 1, format: '%d.%m.%Y'}",
            "source: modified has none",
        ),
    ],
)
def test_bad_parameters_are_one_rule_error(workdir: Path, rule: str, complaint: str) -> None:
    _csv(workdir / "data.csv", ["2024-01-01"])
    _write_rules(workdir, rule)
    code, out, err = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv")
    assert code == 2
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("Error: rules.yaml:3:")
    assert complaint in line
