"""Shared by the duplicates benchmarks: how to run ``veracity audit`` and measure it, and how to
score clusters against known duplicates.

Run time and peak RSS come from GNU ``/usr/bin/time -v`` when it is there, else from
``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process (which keeps the maximum over all the
children it waited for, hence one wrapper per command).
"""

from __future__ import annotations

import itertools
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

__all__ = [
    "Measurement",
    "Scores",
    "machine",
    "measure",
    "score",
    "supports_duplicates_option",
    "veracity_command",
]

#: Registers the duplicates check before the CLI runs, for checkouts whose check catalogue
#: does not import it yet; otherwise the same as the ``veracity`` script.
_CLI = (
    "import sys, veracity.checks.duplicates; from veracity.cli import main; sys.argv[0] = 'veracity'; main()"
)


def veracity_command() -> list[str]:
    """The command that runs the veracity CLI with the duplicates check available."""
    script = Path(sys.executable).with_name("veracity")
    known = subprocess.run([str(script), "rules", "explain", "duplicates"], capture_output=True, check=False)
    return [str(script)] if known.returncode == 0 else [sys.executable, "-c", _CLI]


def supports_duplicates_option(command: list[str]) -> bool:
    """Whether ``audit --duplicates PATH`` is wired into the CLI yet."""
    help_text = subprocess.run(
        [*command, "audit", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--duplicates" in help_text


@dataclass(frozen=True)
class Measurement:
    wall_seconds: float
    #: User plus system time: less sensitive than wall time to other work on a shared machine.
    cpu_seconds: float
    peak_rss_kib: int
    exit_code: int
    how: str

    @property
    def peak_rss_gib(self) -> float:
        return self.peak_rss_kib / 1024 / 1024


def _gnu_time() -> str | None:
    path = shutil.which("time", path="/usr/bin:/bin")
    if path is None:
        return None
    probe = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return path if "GNU" in probe.stdout + probe.stderr else None


def measure(command: list[str]) -> Measurement:
    """Run ``command``; its wall time, peak resident set size and exit code."""
    gnu_time = _gnu_time()
    if gnu_time is not None:
        with tempfile.TemporaryDirectory() as temp:
            log = Path(temp) / "time.log"
            started = time.perf_counter()
            code = subprocess.run([gnu_time, "-v", "-o", str(log), *command], check=False).returncode
            wall = time.perf_counter() - started
            text = log.read_text()

        def field(label: str) -> float:
            found = re.search(rf"{re.escape(label)}: ([\d.]+)", text)
            return float(found.group(1)) if found else 0.0

        cpu = field("User time (seconds)") + field("System time (seconds)")
        return Measurement(
            wall, cpu, int(field("Maximum resident set size (kbytes)")), code, "/usr/bin/time -v"
        )
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "c = subprocess.run(sys.argv[1:]).returncode; w = time.perf_counter() - t; "
        "r = resource.getrusage(resource.RUSAGE_CHILDREN); print(w, r.ru_utime + r.ru_stime, r.ru_maxrss, c)"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True
    )
    wall, cpu, rss, code = out.stdout.split()[-4:]
    return Measurement(float(wall), float(cpu), int(rss), int(code), "getrusage(RUSAGE_CHILDREN)")


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (
        f"{platform.platform()}, Python {platform.python_version()}, polars {pl.__version__}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )


@dataclass(frozen=True)
class Scores:
    true_pairs: int
    predicted_pairs: int
    precision: float
    recall: float
    f1: float

    def line(self) -> str:
        return (
            f"precision {self.precision:.4f}, recall {self.recall:.4f}, F1 {self.f1:.4f} "
            f"({self.predicted_pairs:,} predicted, {self.true_pairs:,} true)"
        )


def score(
    predicted: set[tuple[str, str]] | set[frozenset[str]], true: set[tuple[str, str]] | set[frozenset[str]]
) -> Scores:
    """Precision, recall and F1 of a predicted set of pairs (or clusters) against the truth."""
    hits = len(predicted & true)  # type: ignore[operator]
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Scores(len(true), len(predicted), precision, recall, f1)


def pairs_of_clusters(clusters: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    """Every pair of records within each cluster (the transitive closure of the matches)."""
    return {
        tuple(sorted(pair)) for cluster in clusters for pair in itertools.combinations(sorted(cluster), 2)
    }  # type: ignore[misc]
