"""Where the ``duplicates`` rule spends its time on Spark, step by step, and how many Spark jobs
each step starts: the 200k people of tests/spark/test_spark_runner.py (``duplicates_scale.py``'s
generator, seed 7, as 8 Parquet files) audited with its ``same-person`` rule (seven blocking
rules, two of them ``_typo``) on a warm ``local[2]`` session set up as the tests set it up.

The steps are the driver-side functions of ``veracity.runners._spark_duplicates`` that start
Spark jobs, timed by wrapping them (whichever of them the tree being measured has, so that two
commits compare): wall seconds, Spark jobs (the session's status tracker, one job group per
step) and the CPU of the whole process tree (this process, the JVM, Spark's Python workers).

    .venv/bin/python benchmarks/spark_duplicates_jobs.py

Results: benchmarks/SPARK.md ("Spark jobs per blocking rule").
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from spark_small_audit import _session, tree_cpu  # noqa: E402

#: The driver-side steps, by the names of the functions in ``_spark_duplicates``' namespace.
STEPS = (
    "spark_value_counts",
    "rule_size",
    "rule_sizes",
    "spark_patterns",
    "_sample",
    "spark_matches",
    "_clusters",
)


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("duplicates_scale", HERE / "duplicates_scale.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["duplicates_scale"] = module
    spec.loader.exec_module(module)
    return module


def _data(directory: Path) -> tuple[list[str], Path]:
    scale = _generator()
    frame, _ = scale.generate(200_000, 7)
    size = -(-frame.height // 8)
    paths = []
    for n in range(8):
        path = directory / f"people-{n}.parquet"
        frame.slice(n * size, size).select(pl.all().cast(pl.String)).write_parquet(path)
        paths.append(str(path))
    rules = directory / "rules.yaml"
    rules.write_text(scale.RULES, encoding="utf-8")
    return paths, rules


class Steps:
    """Wall seconds and Spark jobs per wrapped step."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.tracker = spark.sparkContext.statusTracker()
        self.wall: dict[str, float] = {}
        self.jobs: dict[str, int] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            group = f"{name}-{self.calls.get(name, 0)}"
            self.calls[name] = self.calls.get(name, 0) + 1
            self.spark.sparkContext.setJobGroup(group, name)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - started
                self.jobs[name] = self.jobs.get(name, 0) + len(self.tracker.getJobIdsForGroup(group))
                self.spark.sparkContext.setJobGroup("audit", "audit")

        return timed


def main() -> None:
    import veracity
    from veracity.runners import _spark_duplicates

    spark = _session()
    steps = Steps(spark)
    for name in STEPS:
        if hasattr(_spark_duplicates, name):
            setattr(_spark_duplicates, name, steps.wrap(name, getattr(_spark_duplicates, name)))
    with tempfile.TemporaryDirectory() as directory:
        paths, rules = _data(Path(directory))
        spark.sparkContext.setJobGroup("audit", "audit")
        started, cpu = time.perf_counter(), tree_cpu()
        result = veracity.audit(paths, rules, as_of=date(2026, 11, 1), runner="spark")
        wall, cpu = time.perf_counter() - started, tree_cpu() - cpu
    rest = len(steps.tracker.getJobIdsForGroup("audit"))
    failed = next(r for r in result.rules if r.id == "same-person").failed
    print(f"same-person: {failed} records in clusters; load average {os.getloadavg()[0]:.1f} at the end")
    print("| step | calls | wall s | Spark jobs |")
    print("| --- | ---: | ---: | ---: |")
    for name in STEPS:
        if name in steps.calls:
            print(f"| {name} | {steps.calls[name]} | {steps.wall[name]:.1f} | {steps.jobs[name]} |")
    print(f"| rest of the audit | | {wall - sum(steps.wall.values()):.1f} | {rest} |")
    print(f"| whole audit | | {wall:.1f} | {rest + sum(steps.jobs.values())} |")
    print(f"CPU of the process tree: {cpu:.1f} s")
    spark.stop()


if __name__ == "__main__":
    main()
