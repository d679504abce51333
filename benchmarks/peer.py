"""The peer tool ``run_audit.py --peers`` times beside veracity: pointblank, run by the
interpreter of the peers' own virtualenv (``benchmarks/.venv-peers``, made by
``benchmarks/peers/setup.sh``; the peers are not dependencies of veracity). Its versions, its
failing units per rule, and the notes the results table gets about it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from timing import seconds_list

REPO = Path(__file__).resolve().parent.parent
#: The peers' own virtualenv (git-ignored) and the pointblank side of the comparison.
PEERS_PYTHON = REPO / "benchmarks" / ".venv-peers" / "bin" / "python"
POINTBLANK_SCRIPT = REPO / "benchmarks" / "peers" / "pointblank_audit.py"
#: Any other rule file of the shapes (benchmarks/shapes.py), translated rule by rule.
POINTBLANK_SHAPES_SCRIPT = REPO / "benchmarks" / "peers" / "pointblank_shapes.py"
PEERS_SETUP = "bash benchmarks/peers/setup.sh"


def peer_versions(python: str) -> dict[str, str] | None:
    """Python, polars and pointblank versions in the peers virtualenv, or None when it is
    missing or lacks them (then the benchmark runs without the peer)."""
    if not os.access(python, os.X_OK):
        return None
    script = (
        "import json, platform\n"
        "from importlib.metadata import version\n"
        "print(json.dumps({'python': platform.python_version(), 'polars': version('polars'),"
        " 'pointblank': version('pointblank')}))"
    )
    done = subprocess.run([python, "-c", script], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def pointblank_failures(report_path: Path) -> dict[str, int]:
    """Failing test units per rule of the pack, from pointblank's JSON report.

    pointblank_audit.py gives every step the pack's rule id as its brief; postal-code is one
    step per country, so steps are summed by brief.
    """
    failing: dict[str, int] = {}
    for step in json.loads(report_path.read_text(encoding="utf-8")):
        failing[step["brief"]] = failing.get(step["brief"], 0) + (step["n_failed"] or 0)
    return failing


def _count(value: int | None) -> str:
    return "no step" if value is None else f"{value:,}"


def peer_lines(step: Mapping[str, Any], peer: Mapping[str, Any], polars_version: str) -> list[str]:
    """The notes on pointblank's runs: times, memory, versions and its verdicts."""
    versions = peer["versions"]
    # A peer on another polars (or Python) would not read the file with the same code.
    mismatch = (
        f" -- NOT veracity's polars {polars_version}, rerun {PEERS_SETUP}"
        if versions["polars"] != polars_version
        else ""
    )
    lines = [
        f"- pointblank walls {seconds_list(step['walls_s'])} s (CPU {seconds_list(step['cpus_s'])} s); peak RSS per run: "
        f"largest process {', '.join(f'{k / 1024:,.0f}' for k in step['rss_kib'])} MiB, process tree "
        f"(sampled) {', '.join(f'{k / 1024:,.0f}' for k in step['tree_rss_kib'])} MiB",
        f"- pointblank {versions['pointblank']} (polars {versions['polars']}{mismatch}, Python "
        f"{versions['python']}), the shipped pack as far as pointblank expresses it: `{' '.join(step['command'])}`",
    ]
    truth = peer.get("truth_check")
    if truth is None:
        lines.append(f"- pointblank: {peer['output']}")
        return lines
    agree = truth["rules_checked"] - len(truth["mismatches"])
    detail = "; ".join(
        f"{rule}: {_count(m['reported'])} (expected {m['expected']:,})"
        for rule, m in truth["mismatches"].items()
    )
    lines.append(
        f"- pointblank's failing units ({truth['truth_file']}): {agree} of {truth['rules_checked']} rules "
        f"report the injected counts"
        + (f"; differ (its checks are not the pack's): {detail}" if detail else "")
    )
    return lines
