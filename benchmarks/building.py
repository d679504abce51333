"""CPU of the three longest steps of building the checks, one tree against another.

Usage (from the repository root)::

    .venv/bin/python benchmarks/building.py --src /tmp/before/src --src /tmp/after/src --runs 5
    PYTHONPATH=src .venv/bin/python benchmarks/building.py --accepted-rejected --runs 5

For each shape (``--shapes``, default the contact shapes and all-distinct) the phone fast path
(``phone_verdicts`` on the phone column, with each record's region as the ``phone`` check reads
it), the e-mail fast path (``email_verdicts`` on the e-mail column) and the ``unique`` key
grouping (``key_frame`` on each of the shape's ``unique`` keys) are timed in CPU seconds (every
thread of the process), in a fresh interpreter per tree and round, trees alternating within a
round; the table gives the median of the rounds. Each run first does every step once untimed
(the phone metadata's regexes are compiled then). The verdicts and key groups of every tree are
compared with the first tree's: any difference is printed and makes the exit status 1.

``--accepted-rejected`` instead times, in this interpreter (the tree on PYTHONPATH), each fast
path on as many values it accepts as values it rejects, drawn from contacts-random and
contacts-invalid together (phones: only numbers written "+" and digits, so that both halves take
the whole parse), median of ``--runs``: no step should cost more for a rejected value.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
SHAPES = ("contacts-random", "contacts-invalid", "all-distinct")
STEPS = ("phone", "e-mail", "unique")


def _one_run(shape: str, out: Path) -> None:
    """In the tree on PYTHONPATH: time each step on one shape, write verdicts and times."""
    import polars as pl
    import yaml

    from veracity._api import load_data, load_rules
    from veracity.checks._email_fast import email_verdicts
    from veracity.checks._phone_fast import phone_verdicts
    from veracity.checks.uniqueness import UniqueParams, _key
    from veracity.engine._keys import key_frame
    from veracity.text.countries import lookup_expr
    from veracity.text.phones import PHONE_REGIONS

    rules_path = DATA / f"shape-{shape}.rules.yaml"
    rules = yaml.safe_load(rules_path.read_text())["rules"]
    phone = next(rule for rule in rules if rule["check"] == "phone")
    email = next(rule for rule in rules if rule["check"] == "email")
    keys = [
        _key(
            UniqueParams(fields=rule["fields"], **{k: rule[k] for k in ("trim", "ignore_case") if k in rule})
        )
        for rule in rules
        if rule["check"] == "unique"
    ]
    # The records as the audit holds them (its reader lays every column out alike).
    data = load_data(DATA / f"shape-{shape}.csv", load_rules(rules_path))
    frame = data.frame
    region = pl.lit("", dtype=pl.String)
    if phone.get("region_field"):
        region = lookup_expr(pl.col(phone["region_field"]), PHONE_REGIONS, phone.get("default_region") or "")
    pairs = frame.select(pl.col(phone["field"]).alias("value"), region.alias("region"))
    steps = {
        "phone": lambda: phone_verdicts(pairs.get_column("value"), pairs.get_column("region")).to_frame("v"),
        "e-mail": lambda: email_verdicts(frame.get_column(email["field"])).to_frame("v"),
        "unique": lambda: pl.concat([key_frame(data, key) for key in keys], how="horizontal"),
    }
    times = {}
    for name, step in steps.items():
        step().write_parquet(out / f"{name}.parquet")
        start = time.process_time()
        step()
        times[name] = time.process_time() - start
    (out / "times.json").write_text(json.dumps(times))


def _accepted_rejected(runs: int) -> None:
    import polars as pl

    from veracity.checks._email_fast import email_verdicts
    from veracity.checks._phone_fast import phone_verdicts
    from veracity.text.countries import lookup_expr
    from veracity.text.phones import PHONE_REGIONS

    columns = ["email", "phone", "country"]
    shapes = ("contacts-random", "contacts-invalid")
    records = pl.concat(
        [pl.read_csv(DATA / f"shape-{shape}.csv", columns=columns, infer_schema=False) for shape in shapes]
    ).drop_nulls()
    regions = records.select(lookup_expr(pl.col("country"), PHONE_REGIONS, "")).to_series()
    emails = records.get_column("email")
    email_ok = email_verdicts(emails)
    phones = pl.DataFrame({"value": records.get_column("phone"), "region": regions})
    phone_ok = phone_verdicts(phones.get_column("value"), regions)
    halves = {
        "e-mail": (emails.filter(email_ok.fill_null(False)), emails.filter(~email_ok.fill_null(True))),
        "phone": (
            phones.filter(phone_ok.fill_null(False)),
            phones.filter(~phone_ok.fill_null(True) & pl.col("value").str.contains(r"^\+[0-9 ]+$")),
        ),
    }

    def judge(part: pl.Series | pl.DataFrame) -> None:
        if isinstance(part, pl.Series):
            email_verdicts(part)
        else:
            phone_verdicts(part.get_column("value"), part.get_column("region"))

    print("| fast path | values each | accepted: CPU | rejected: CPU |")
    print("| --- | ---: | ---: | ---: |")
    for name, (accepted, rejected) in halves.items():
        count = min(len(accepted), len(rejected), 500_000)
        accepted, rejected = accepted.sample(count, seed=1), rejected.sample(count, seed=1)
        spent: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(runs):
            for index, part in enumerate((accepted, rejected)):
                start = time.process_time()
                judge(part)
                spent[index].append(time.process_time() - start)
        cells = " | ".join(f"{statistics.median(spent[index]):.3f} s" for index in (0, 1))
        print(f"| {name} | {count:,} | {cells} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--src", action="append", type=Path, help="a tree's src directory (repeat)")
    parser.add_argument("--accepted-rejected", action="store_true", help="accepted against rejected values")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one-run", nargs=2, metavar=("SHAPE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_run:
        _one_run(args.one_run[0], Path(args.one_run[1]))
        return 0
    if args.accepted_rejected:
        _accepted_rejected(args.runs)
        return 0
    if not args.src:
        parser.error("give --src at least once (or --accepted-rejected)")
    import polars as pl

    differences = 0
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    print("| shape | step | " + " | ".join(f"CPU: {src}" for src in args.src) + " |")
    print("| --- | --- | " + " | ".join("---:" for _ in args.src) + " |")
    for shape in args.shapes:
        spent: dict[tuple[int, str], list[float]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                for index, src in enumerate(args.src):
                    out = Path(tmp) / f"{index}-{run}"
                    out.mkdir()
                    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
                    subprocess.run(
                        [sys.executable, __file__, "--src", str(src), "--one-run", shape, str(out)],
                        env=env,
                        check=True,
                    )
                    for step, seconds in json.loads((out / "times.json").read_text()).items():
                        spent.setdefault((index, step), []).append(seconds)
                    for step in STEPS:
                        first = pl.read_parquet(Path(tmp) / f"0-{run}" / f"{step}.parquet")
                        if not pl.read_parquet(out / f"{step}.parquet").equals(first):
                            print(f"DIFFERENT: {shape} {step}: {src} against {args.src[0]}")
                            differences += 1
        for step in STEPS:
            cells = [f"{statistics.median(spent[(index, step)]):.3f} s" for index in range(len(args.src))]
            print(f"| {shape} | {step} | " + " | ".join(cells) + " |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
