"""The benchmark shapes: each writes data, a rule file veracity accepts, and a truth it agrees with.

An audit of each shape (2,000 rows) must report exactly the truth file's failure counts: the
generator's injected errors, and e-mail and phone validity as the reference libraries judge
each value. So a shape that drifts from its truth, or a fast path that disagrees with a library
on data it was not tuned on, fails here before it spoils a benchmark.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import veracity

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import shapes  # noqa: E402


@pytest.mark.parametrize("name", sorted(shapes.SHAPES))
def test_the_audit_of_each_shape_reports_its_truth(name: str, tmp_path: Path) -> None:
    truth = shapes.write_shape(name, 2_000, 7, str(tmp_path / "s"))
    base = tmp_path / f"s-{name}"
    result = veracity.audit(
        [str(base.with_suffix(".csv"))], base.with_suffix(".rules.yaml"), as_of=date(2026, 11, 1)
    )
    expected = truth["expected_failures"]["records_failing"]
    assert {rule.id: rule.failed for rule in result.rules} == expected
    assert json.loads(base.with_suffix(".truth.json").read_text(encoding="utf-8")) == truth


def test_the_same_seed_writes_the_same_data(tmp_path: Path) -> None:
    shapes.write_shape("wide", 500, 3, str(tmp_path / "a"))
    shapes.write_shape("wide", 500, 3, str(tmp_path / "b"))
    assert (tmp_path / "a-wide.csv").read_bytes() == (tmp_path / "b-wide.csv").read_bytes()


def test_generate_writes_a_shape_under_its_out_path(tmp_path: Path) -> None:
    import generate

    assert (
        generate.main(["--shape", "wide", "--rows", "300", "--seed", "3", "--out", str(tmp_path / "w")]) == 0
    )
    shapes.write_shape("wide", 300, 3, str(tmp_path / "ref"))
    assert (tmp_path / "w.csv").read_bytes() == (tmp_path / "ref-wide.csv").read_bytes()
    assert (tmp_path / "w.rules.yaml").is_file()
    truth = json.loads((tmp_path / "w.truth.json").read_text(encoding="utf-8"))
    assert (truth["shape"], truth["rows"], truth["rules"]) == ("wide", 300, "w.rules.yaml")


def test_generate_writes_shapes_as_csv_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import generate

    with pytest.raises(SystemExit) as exit_info:
        generate.main(["--shape", "wide", "--format", "parquet", "--out", str(tmp_path / "w")])
    assert exit_info.value.code == 2
    assert "--shape wide is written as CSV only" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_run_audit_times_a_shape_set_into_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import run_audit

    timed: list[tuple[str, str]] = []

    def run(data: Path, rules: Path, runs: int, *args: object, **kwargs: object) -> dict[str, object]:
        timed.append((data.name, rules.name))
        step = {"median_wall_s": 1.0, "median_cpu_s": 1.5, "peak_mib": 100.0}
        return {
            "steps": {"read": step, "audit": {**step, "median_wall_s": 2.0}},
            "input": {"rows": 300, "columns": 3},
            "ratio": {"wall": 2.0, "cpu": 1.5, "rss": 1.0},
            "truth_check": {"mismatches": {}, "rules_checked": 5},
        }

    monkeypatch.setattr(run_audit, "run", run)
    out = str(tmp_path / "s")
    assert (
        run_audit.main(["--shapes", "free-text", "wide", "--rows", "300", "--runs", "1", "--out", out]) == 0
    )
    assert timed == [("s-free-text.csv", "s-free-text.rules.yaml"), ("s-wide.csv", "s-wide.rules.yaml")]
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")][2:]
    assert [row.split("|")[1].strip() for row in rows] == ["free-text", "wide"]
    assert all("| 2.0x, 1.5x, 1.0x | 5 rules exact |" in row for row in rows)
    with pytest.raises(SystemExit):
        run_audit.main(["--shapes", "nope", "--out", out])


def test_run_audit_times_pointblank_on_the_shapes_with_peers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import run_audit

    peers: list[object] = []

    def run(data: Path, rules: Path, runs: int, *args: object, **kwargs: object) -> dict[str, object]:
        peers.append(kwargs.get("peer_python"))
        step = {"median_wall_s": 1.0, "median_cpu_s": 1.0, "peak_mib": 100.0}
        truth = {"mismatches": {}, "rules_checked": 5}
        return {
            "steps": {
                "read": step,
                "audit": {**step, "median_wall_s": 2.0, "median_cpu_s": 3.0},
                "pointblank": {**step, "median_wall_s": 4.0, "median_cpu_s": 2.0},
            },
            "input": {"rows": 300, "columns": 3},
            "ratio": {"wall": 2.0, "cpu": 3.0, "rss": 1.0},
            "truth_check": truth,
            "peers": {
                "pointblank": {
                    "ratio": {"wall": 4.0, "cpu": 2.0, "rss": 1.0},
                    "truth_check": {"mismatches": {"email-valid": {}}, "rules_checked": 5},
                }
            },
        }

    monkeypatch.setattr(run_audit, "run", run)
    monkeypatch.setattr(run_audit, "peer_versions", lambda python: {"pointblank": "1"})
    out = str(tmp_path / "s")
    args = ["--shapes", "free-text", "--rows", "300", "--runs", "1", "--out", out, "--peers", "PEER"]
    assert run_audit.main(args) == 0
    assert peers == ["PEER"]
    header, _, row = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert "pointblank: wall, CPU, peak" in header
    # veracity / pointblank: 2.0 / 4.0 wall, 3.0 / 2.0 CPU; pointblank's counts equal the truth
    # on 4 of the 5 rules.
    assert row.endswith("| 0.50x, 1.50x | 5 rules exact | 4 of 5 |")


def test_pointblank_shapes_translates_every_check_of_the_shapes() -> None:
    """Every check type the shapes' rule files use has a translation in pointblank_shapes.py
    (which runs in the peers' virtualenv, so only its source is read here)."""
    source = (Path(shapes.__file__).parent / "peers" / "pointblank_shapes.py").read_text(encoding="utf-8")
    used = {
        rule["check"]
        for shape in shapes.SHAPES.values()
        for rule in shape.build(np.random.default_rng(1), 50)[1]
    }
    assert {"email", "phone", "unique", "consent"} <= used
    assert sorted(check for check in used if f'"{check}"' not in source) == []


def test_chunked_copies_of_a_shape_count_exactly(tmp_path: Path) -> None:
    """Three copies of a shape in chunks smaller than one copy: every rule fails three times
    the records, a key rule also every record of a key after its first."""
    import shapes_chunked

    shapes.write_shape("contacts-random", 1_200, 5, str(tmp_path / "s"))
    row = shapes_chunked.run_shape("contacts-random", str(tmp_path / "s"), 3, 1_000, sys.executable)
    assert row["records"] == 3_600
    assert row["exact"], row["mismatches"]


def test_expected_counts_of_copies() -> None:
    import shapes_chunked

    one = {
        "rules": [
            {"id": "email-valid", "check": "email", "evaluated": 90, "failed": 7},
            {"id": "one-per-id", "check": "unique", "evaluated": 100, "failed": 4},
        ]
    }
    assert shapes_chunked.expected_counts(one, 10) == {"email-valid": 70, "one-per-id": 1_000 - 96}
