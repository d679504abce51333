"""The local runner next to the Spark runner on ``local[2]``: 1M records as 8 Parquet files.

Two workloads, each audited in fresh processes by ``veracity audit`` (wall, CPU of the whole
process tree including the JVM and Python workers, peak memory of the tree sampled from
/proc: :func:`run_audit.measure`):

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
import statistics
import subprocess
import sys
import tempfile
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
    args = parser.parse_args()
    run_audit = _module("run_audit")
    gnu = run_audit.gnu_time_available()
    pack = _pack_data()
    workloads = {"pack": (pack, ROOT / "rules" / "customer-master.yaml")}
    if not args.skip_duplicates:
        workloads["duplicates"] = _dupes_data()
    results: dict[str, list[object]] = {}
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
                results.setdefault(name, []).append(run_audit.measure(command, gnu))
    print("| run | wall s (median) | CPU s (median) | peak memory, process tree |")
    print("| --- | ---: | ---: | ---: |")
    for name, outcomes in results.items():
        wall = statistics.median(o.wall_s for o in outcomes)  # type: ignore[attr-defined]
        cpu = statistics.median(o.cpu_s for o in outcomes)  # type: ignore[attr-defined]
        peak = max(o.peak_kib for o in outcomes) / 2**20  # type: ignore[attr-defined]
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.2f} GiB |")


if __name__ == "__main__":
    main()
