"""What a small audit costs on a warm ``local[2]`` Spark session, and where: the fixed cost the
Spark part of the test suite pays per audit (tests/spark/test_spark_cases.py).

One session (as the tests start it) audits, each ``--rounds`` times after one warm-up:

- ``case-parquet``: one check case (a few records) as one Parquet file (Spark's reader, the
  records numbered by a counting job);
- ``case-csv``: the same case as one CSV file (veracity's reader on the workers);
- ``batch-csv``: the 48 cases of the first batch of the cases test, each its own CSV file, in
  one audit, the files given as one glob (one scan; each file is still a source of its own);
- ``batch-csv-48-sources``: the same 48 files given as 48 sources (48 scans in one union);
- ``examples``: the shipped examples (a CSV and an NDJSON file, 11 rules).

Per audit: wall time, the CPU time of the whole process tree (this process, the JVM, Spark's
Python workers; from /proc), and the Spark jobs it starts with their stages by call site.

    .venv/bin/python benchmarks/spark_small_audit.py --rounds 3

Results: benchmarks/SPARK_CASES.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def tree_cpu() -> float:
    """CPU seconds (user + system) of this process and its live descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[tuple[int, list[str]]]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append((int(name), fields))
    own = Path(f"/proc/{os.getpid()}/stat").read_text()
    fields = own[own.rindex(")") + 2 :].split()
    total = sum(int(v) for v in fields[11:15]) / tick
    todo, seen = [os.getpid()], set()
    while todo:
        for pid, fields in children.get(todo.pop(), []):
            if pid not in seen:
                seen.add(pid)
                total += (int(fields[11]) + int(fields[12])) / tick
                todo.append(pid)
    return total


def _session() -> Any:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = SparkSession.builder.master("local[2]").appName("veracity-bench")
    for key, value in {
        "spark.driver.memory": "1g",
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
    }.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _workloads(tmp: Path) -> dict[str, Callable[[], Any]]:
    import veracity
    from tests.checks.test_check_cases import CASES
    from tests.spark.test_spark_cases import BATCHES, _as_of, _settings, _write
    from veracity.config import rule_set_from_objects

    case = next(c for _, c in CASES if c["check"] == "not_null")
    rule_set = rule_set_from_objects([{"id": "r", "check": "not_null", **case["rule"]}])
    frame = pl.DataFrame({k: pl.Series(v, dtype=pl.String) for k, v in case["data"].items()})
    frame.write_parquet(tmp / "case.parquet")
    frame.write_csv(tmp / "case.csv")
    batch = next(b for _, b in BATCHES if len(b) > 1)
    (tmp / "batch").mkdir()
    paths, rules = _write(tmp / "batch", batch)
    batch_rules = rule_set_from_objects(rules, **_settings(batch))
    as_of = date(2024, 6, 30)
    examples = ROOT / "examples" / "rules.yaml"
    return {
        "case-parquet": lambda: veracity.audit(
            [str(tmp / "case.parquet")], rule_set, as_of=as_of, runner="spark"
        ),
        "case-csv": lambda: veracity.audit([str(tmp / "case.csv")], rule_set, as_of=as_of, runner="spark"),
        "batch-csv": lambda: veracity.audit(
            [str(tmp / "batch" / "*.csv")], batch_rules, as_of=_as_of(batch[0][1]), runner="spark"
        ),
        "batch-csv-48-sources": lambda: veracity.audit(
            paths, batch_rules, as_of=_as_of(batch[0][1]), runner="spark"
        ),
        "examples": lambda: veracity.audit(None, examples, as_of=date(2026, 11, 1), runner="spark"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    spark = _session()
    tracker = spark.sparkContext.statusTracker()
    with tempfile.TemporaryDirectory() as directory:
        workloads = _workloads(Path(directory))
        print("| audit | wall s (median) | CPU s, process tree (median) | Spark jobs | stages by call site |")
        print("|---|---:|---:|---:|---|")
        for name, run in workloads.items():
            run()  # warm-up: the Python workers and the JIT
            walls, cpus, jobs = [], [], 0
            sites: Counter[str] = Counter()
            for round_ in range(args.rounds):
                group = f"{name}-{round_}"
                spark.sparkContext.setJobGroup(group, name)
                started, cpu = time.perf_counter(), tree_cpu()
                run()
                walls.append(time.perf_counter() - started)
                cpus.append(tree_cpu() - cpu)
                ids = tracker.getJobIdsForGroup(group)
                jobs = len(ids)
                if round_ == 0:
                    for job in ids:
                        info = tracker.getJobInfo(job)
                        for stage in info.stageIds if info else []:
                            about = tracker.getStageInfo(stage)
                            site = about.name.split(" at ")[-1] if about else "?"
                            sites[Path(site.split(":")[0]).name + ":" + site.split(":")[-1]] += 1
            shown = ", ".join(f"{site} x{n}" for site, n in sorted(sites.items()))
            print(
                f"| {name} | {statistics.median(walls):.2f} | {statistics.median(cpus):.2f} | {jobs} | {shown} |"
            )
    spark.stop()


if __name__ == "__main__":
    main()
