"""run_audit.py's result and table shapes, with and without the pointblank peer.

Nothing is timed: ``measure()`` is replaced by fake measurements, so these tests need neither
pointblank nor the peers virtualenv, and take about a second (the versions of the project's
interpreter are still asked for, as in a real run).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run_audit.py"

#: The table header of a run without peers; it must not change when peers are possible.
PLAIN_HEADER = (
    "| input | rows | size | read: wall | read: CPU | read: peak RSS | audit: wall | audit: CPU "
    "| audit: peak RSS | audit/read wall | audit/read CPU | audit/read RSS |"
)
#: Fake (wall, CPU, RSS KiB) per step: medians 1/2, 10/20 and 4/6 s; peaks 100, 300, 200 MiB.
FAKE = {
    "read": [(1.0, 0.5, 100 * 1024), (3.0, 0.5, 90 * 1024)],
    "audit": [(10.0, 20.0, 300 * 1024), (10.0, 20.0, 250 * 1024)],
    "pointblank": [(4.0, 6.0, 200 * 1024), (4.0, 6.0, 150 * 1024)],
}


@pytest.fixture(scope="module")
def run_audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_audit", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up by name while the class bodies run.
    sys.modules["run_audit"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake_run(run_audit: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``run()`` on a tiny file with fake measurements; returns a function of ``peer_python``."""
    data = tmp_path / "customers.csv"
    data.write_text("customer_id,email\nC-1000,a@b.de\n", encoding="utf-8")
    counters = dict.fromkeys(FAKE, 0)

    def measure(command: Sequence[str], use_gnu_time: bool, env: Mapping[str, str] | None = None) -> Any:
        if str(run_audit.POINTBLANK_SCRIPT) in command:
            name, stdout = "pointblank", "pointblank 1.1.1: 3 rows, 3 steps; failing units: ..."
            report = Path(command[command.index("-o") + 1])
            steps = [
                {"brief": "email-valid", "n_failed": 1},
                {"brief": "postal-code", "n_failed": 2},
                {"brief": "postal-code", "n_failed": 3},
            ]
            report.write_text(json.dumps(steps), encoding="utf-8")
        elif "-c" in command:
            name, stdout = "read", "3 15\n"
        else:
            name, stdout = "audit", ""
        wall, cpu, rss = FAKE[name][counters[name]]
        counters[name] += 1
        # run_audit.py put benchmarks/ on the path for its own modules.
        return importlib.import_module("timing").Outcome(wall, cpu, rss, 0, 1, stdout)

    monkeypatch.setattr(run_audit, "measure", measure)
    monkeypatch.setattr(run_audit.machine, "git_state", lambda: None)
    monkeypatch.setattr(
        run_audit,
        "peer_versions",
        lambda python: {"python": "3.11.7", "polars": "2.1.0", "pointblank": "1.1.1"},
    )

    def run(peer_python: str | None) -> dict[str, Any]:
        for name in counters:
            counters[name] = 0
        # `true` stands in for veracity: only its warm-up (`audit --help`) really runs.
        result: dict[str, Any] = run_audit.run(
            data, run_audit.DEFAULT_RULES, 2, sys.executable, "true", None, False, peer_python
        )
        return result

    return run


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_without_peers_the_result_and_table_keep_their_shape(run_audit: ModuleType, fake_run: Any) -> None:
    result = fake_run(None)
    assert set(result) == {
        "input", "rules", "runs", "steps", "ratio", "truth_check", "software", "machine", "load_1min",
    }  # fmt: skip
    assert set(result["steps"]) == {"read", "audit"}
    assert result["ratio"] == {"wall": 5.0, "cpu": 40.0, "rss": 3.0}
    lines = run_audit.markdown(result).splitlines()
    assert lines[0] == PLAIN_HEADER
    assert lines[1] == "|---|---:|---:|" + "---:|" * 9
    assert _cells(lines[2])[3:] == [
        "2.00 s", "0.50 s", "100 MiB", "10.00 s", "20.00 s", "300 MiB", "5.0x", "40.0x", "3.0x",
    ]  # fmt: skip
    assert not any("pointblank" in line for line in lines)


def test_with_peers_pointblank_stands_beside_veracity(run_audit: ModuleType, fake_run: Any) -> None:
    result = fake_run(sys.executable)
    assert set(result["steps"]) == {"read", "audit", "pointblank"}
    assert result["ratio"] == {"wall": 5.0, "cpu": 40.0, "rss": 3.0}
    peer = result["peers"]["pointblank"]
    assert peer["ratio"] == {"wall": 2.0, "cpu": 12.0, "rss": 2.0}
    assert peer["versions"]["pointblank"] == "1.1.1"
    # Steps are summed per rule of the pack (postal-code has one step per country).
    assert peer["failing"] == {"email-valid": 1, "postal-code": 5}
    assert peer["output"].startswith("pointblank 1.1.1:")
    assert peer["truth_check"] is None  # no truth file beside the data
    step = result["steps"]["pointblank"]
    assert step["median_wall_s"] == 4.0
    assert step["peak_mib"] == 200.0
    assert "TMPDIR/pointblank.json" in step["command"]
    assert "benchmarks/peers/pointblank_audit.py" in step["command"]

    lines = run_audit.markdown(result).splitlines()
    header = _cells(lines[0])
    assert header[:9] == _cells(PLAIN_HEADER)[:9]
    assert header[9:] == [
        "pointblank: wall", "pointblank: CPU", "pointblank: peak RSS",
        "audit/read wall", "audit/read CPU", "audit/read RSS",
        "pointblank/read wall", "pointblank/read CPU", "pointblank/read RSS",
    ]  # fmt: skip
    assert lines[1] == "|---|---:|---:|" + "---:|" * 15
    row = dict(zip(header, _cells(lines[2]), strict=True))
    assert row["pointblank: wall"] == "4.00 s"
    assert row["pointblank: peak RSS"] == "200 MiB"
    assert (row["audit/read CPU"], row["pointblank/read CPU"]) == ("40.0x", "12.0x")
    assert any(line.startswith("- pointblank 1.1.1 (polars 2.1.0, Python 3.11.7)") for line in lines)
    assert any(line.startswith("- pointblank: pointblank 1.1.1: 3 rows") for line in lines)


def test_pointblank_counts_are_compared_with_the_truth_file(run_audit: ModuleType, tmp_path: Path) -> None:
    data = tmp_path / "customers.csv"
    data.write_text("", encoding="utf-8")
    truth = {"expected_failures": {"records_failing": {"email-valid": 1, "postal-code": 4, "fresh": 0}}}
    (tmp_path / "customers.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    report = tmp_path / "pointblank.json"
    report.write_text(
        json.dumps(
            [
                {"brief": "email-valid", "n_failed": 1},
                {"brief": "postal-code", "n_failed": 2},
                {"brief": "postal-code", "n_failed": 3},
            ]
        ),
        encoding="utf-8",
    )
    failing = run_audit.pointblank_failures(report)
    check = run_audit.compare_with_truth(data, run_audit.DEFAULT_RULES, failing)
    assert check == {
        "truth_file": "customers.truth.json",
        "rules_checked": 3,
        "mismatches": {
            "postal-code": {"expected": 4, "reported": 5},
            "fresh": {"expected": 0, "reported": None},
        },
    }
    # Other rules than the shipped pack: no comparison.
    assert run_audit.compare_with_truth(data, tmp_path / "other.yaml", failing) is None


def test_peers_need_their_interpreter_and_the_shipped_pack(
    run_audit: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_audit.peer_versions(str(tmp_path / "no-such-python")) is None
    data = tmp_path / "customers.csv"
    data.write_text("customer_id\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        run_audit.main([str(data), "--peers", "--rules", str(tmp_path / "other.yaml")])
    assert "--peers compares the shipped rule pack only" in capsys.readouterr().err
