"""The local runner next to the Spark runner on ``local[2]``: 1M records as 8 Parquet files.

Two workloads, each audited in fresh processes by ``veracity audit``: wall time, and the CPU
time and peak resident memory of the whole process tree (the command, the JVM, Spark's Python
workers), sampled from /proc every 0.2 s (:class:`TreeSampler`):

- ``pack``: the shipped rule pack (``rules/customer-master.yaml``) on ``generate.py``'s 1M
  customers;
- ``duplicates``: the ``same-person`` rule of ``duplicates_scale.py`` on its 1M people.

Spark's start-up (a ``local[2]`` session started and stopped, nothing read) is measured apart,
so that it can be subtracted. Results: benchmarks/SPARK.md.

    .venv/bin/python benchmarks/spark_runner.py --runs 1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

import polars as pl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
VERACITY = [sys.executable, "-m", "veracity"]
AS_OF = "2026-11-01"
FILES = 8

_STARTUP = """\
import os, sys
os.environ["PYSPARK_PYTHON"] = sys.executable
from pyspark.sql import SparkSession
spark = SparkSession.builder.master("local[2]").config("spark.ui.showConsoleProgress", "false").getOrCreate()
spark.range(1).count()
spark.stop()
"""


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class TreeSampler(threading.Thread):
    """CPU seconds of a process tree, summed over every process ever seen in it (the JVM and
    Spark's Python workers are not waited for by the command, so rusage misses them): each
    process's last sampled user + system time, and the tree's peak resident memory, from /proc
    every 0.2 s."""

    def __init__(self, timing: ModuleType, root: int) -> None:
        super().__init__(daemon=True)
        self._timing = timing
        self.root = root
        self.ticks: dict[int, int] = {}
        #: Largest sampled sum of the tree's resident memory, the command's process included.
        self.peak_bytes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        children: dict[int, list[int]] = {}
        for pid, parent in self._timing.parents().items():
            children.setdefault(parent, []).append(pid)
        pending = [self.root]
        resident = 0
        while pending:
            pid = pending.pop()
            pending.extend(children.get(pid, []))
            try:
                with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
                    stat = handle.read()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2 :].split()
            self.ticks[pid] = max(self.ticks.get(pid, 0), int(fields[11]) + int(fields[12]))
            resident += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        self.peak_bytes = max(self.peak_bytes, resident)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")


def _measure(timing: ModuleType, command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak memory (GiB) of the whole process tree of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tree = TreeSampler(timing, process.pid)
    tree.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    seconds = tree.stop()
    if process.returncode != 0:
        raise RuntimeError(f"{command[:6]} ended with {process.returncode}: {stderr[-2000:]}")
    return wall, seconds, tree.peak_bytes / 2**30


def _split(frame: pl.DataFrame, directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    size = -(-frame.height // FILES)
    paths = []
    for n in range(FILES):
        path = directory / f"part-{n}.parquet"
        frame.slice(n * size, size).select(pl.all().cast(pl.String)).write_parquet(path)
        paths.append(str(path))
    return paths


def _pack_data() -> list[str]:
    directory = DATA / "spark_pack_1m"
    if not (directory / f"part-{FILES - 1}.parquet").exists():
        out = DATA / "customers_1m"
        if not out.with_suffix(".parquet").exists():
            generate = [sys.executable, str(HERE / "generate.py"), "--rows", "1000000", "--seed", "42"]
            subprocess.run([*generate, "--format", "parquet", "--out", str(out)], check=True)
        _split(pl.read_parquet(out.with_suffix(".parquet")), directory)
    return sorted(str(p) for p in directory.glob("part-*.parquet"))


def _dupes_data() -> tuple[list[str], Path]:
    directory = DATA / "spark_dupes_1m"
    scale = _module("duplicates_scale")
    rules = directory / "rules.yaml"
    if not (directory / f"part-{FILES - 1}.parquet").exists():
        frame, _ = scale.generate(1_000_000, 7)
        _split(frame, directory)
        rules.write_text(scale.RULES, encoding="utf-8")
    return sorted(str(p) for p in directory.glob("part-*.parquet")), rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--skip-duplicates", action="store_true")
    parser.add_argument("--skip-pack", action="store_true", help="run the duplicates workload only")
    args = parser.parse_args()
    timing = _module("timing")
    workloads = {}
    if not args.skip_pack:
        workloads["pack"] = (_pack_data(), ROOT / "rules" / "customer-master.yaml")
    if not args.skip_duplicates:
        workloads["duplicates"] = _dupes_data()
    results: dict[str, list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        commands: dict[str, list[str]] = {"spark start-up": [sys.executable, "-c", _STARTUP]}
        for name, (paths, rules) in workloads.items():
            base = [*VERACITY, "audit", "--rules", str(rules), "--as-of", AS_OF, "-f", "json"]
            base += ["--exit-zero", "--no-progress", *paths]
            commands[f"{name}: local"] = [*base, "-o", f"{tmp}/{name}-local.json"]
            commands[f"{name}: spark local[2]"] = [
                *base,
                "-o",
                f"{tmp}/{name}-spark.json",
                "--runner",
                "spark",
                "--spark-master",
                "local[2]",
            ]
        for _ in range(args.runs):
            for name, command in commands.items():
                print(f"running {name}", file=sys.stderr)
                results.setdefault(name, []).append(_measure(timing, command))
        same = {name: _same_report(Path(tmp), name) for name in workloads}
    print("| run | wall s (median) | CPU s (median) | peak memory, process tree |")
    print("| --- | ---: | ---: | ---: |")
    for name, outcomes in results.items():
        wall = statistics.median(o[0] for o in outcomes)
        cpu = statistics.median(o[1] for o in outcomes)
        peak = max(o[2] for o in outcomes)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.2f} GiB |")
    for name, equal in same.items():
        print(
            f"{name}: the JSON reports of both runners are {'the same' if equal else 'DIFFERENT'} (run metadata aside)"
        )


def _same_report(tmp: Path, name: str) -> bool:
    """Whether the two runners' JSON reports agree, the run's metadata (times, runner) aside."""
    reports = []
    for runner in ("local", "spark"):
        report = json.loads((tmp / f"{name}-{runner}.json").read_text(encoding="utf-8"))
        report.pop("run", None)
        reports.append(report)
    return reports[0] == reports[1]


if __name__ == "__main__":
    main()
