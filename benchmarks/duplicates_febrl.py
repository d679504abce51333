"""Accuracy and speed of the ``duplicates`` check on the FEBRL benchmark (febrl1, febrl2).

Usage::

    python benchmarks/duplicates_febrl.py [--data ../shared/benchmarks/febrl] [--runs 3]

The rule below is one a user would write for this data, with every parameter at its default:
no threshold, level or weight is set from the labels (``rec_id`` is the record key, used only
to name records in outputs and to score them here; it is never compared or blocked on).

For each file it reports

- pairwise precision / recall / F1 of the matched pairs (pairs with probability >= threshold),
- the same for the pairs implied by the clusters (every two records of a cluster),
- cluster-level precision / recall / F1 (a predicted cluster counts when it is exactly a true
  person's set of records; persons with one record are left out on both sides),
- candidate pairs and blocking recall (share of true pairs that blocking compared at all),
- the wall time and peak RSS of ``veracity audit --rules RULES FILE --format json -o REPORT``
  as a subprocess (median of ``--runs``), and of the audit in-process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from duplicates_common import machine, measure, pairs_of_clusters, score, veracity_command

import veracity
import veracity.checks.duplicates  # registers the check on checkouts whose catalogue does not yet
from veracity.config import load_rule_file
from veracity.linkage.blocking import candidate_pairs, default_blocking
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import prepare_feature
from veracity.linkage.pipeline import resolve_blocking
from veracity.linkage.result import DuplicatesResult

RULES = """\
version: 1
key: rec_id
rules:
  - id: same-person
    check: duplicates
    compare:
      - {field: given_name, method: jaro_winkler}
      - {field: surname, method: jaro_winkler}
      - {field: date_of_birth, method: date}
      - {field: soc_sec_id, method: levenshtein}
      - {field: street_number, method: exact}
      - {field: address_1, method: token_set}
      - {field: address_2, method: jaro_winkler}
      - {field: suburb, method: jaro_winkler}
      - {field: postcode, method: exact}
      - {field: state, method: exact}
    blocking:
      - [surname_soundex]
      - [given_name_soundex]
      - [date_of_birth]
      - [postcode]
      - [soc_sec_id]
"""


def _true_pairs(path: Path) -> set[tuple[str, str]]:
    truth = pl.read_csv(path, infer_schema=False)
    return {
        (min(a, b), max(a, b))
        for a, b in zip(
            truth.get_column("rec_id_l").to_list(), truth.get_column("rec_id_r").to_list(), strict=True
        )
    }


def _true_clusters(ids: list[str]) -> set[frozenset[str]]:
    """Persons with more than one record, from the ids (``rec-N-org`` / ``rec-N-dup-k``)."""
    frame = pl.DataFrame({"id": ids}).with_columns(pl.col("id").str.extract(r"^rec-(\d+)-").alias("person"))
    groups = frame.group_by("person").agg("id").filter(pl.col("id").list.len() > 1)
    return {frozenset(group) for group in groups.get_column("id").to_list()}


def _blocking_recall(csv: Path, rules: Path, true: set[tuple[str, str]]) -> tuple[int, float]:
    """Candidate pairs the rule's blocking makes, and the share of true pairs among them."""
    rule_set = load_rule_file(rules)
    params = rule_set.rules[0].params
    settings = params.settings()  # type: ignore[attr-defined]
    data = veracity.load_data(str(csv), rule_set)
    records = data.frame
    from veracity.text.dates import parse_date

    values = RecordValues(records, lambda expr, _field: parse_date(expr))
    features = {spec.field: prepare_feature(spec, values) for spec in settings.compare}
    blocking = default_blocking(settings.compare) if settings.blocking is None else settings.blocking
    keys = resolve_blocking(blocking, settings.compare, data.fields)
    found = candidate_pairs(keys, values, features, settings.max_pairs)
    ids = records.get_column("rec_id")
    left = ids.gather(found.left).to_list()
    right = ids.gather(found.right).to_list()
    candidates = {(min(a, b), max(a, b)) for a, b in zip(left, right, strict=True)}
    return len(candidates), len(candidates & true) / len(true)


def run(data_dir: Path, name: str, runs: int, rules: Path, report: Path) -> None:
    csv = data_dir / f"{name}.csv"
    true = _true_pairs(data_dir / f"{name}_true_pairs.csv")

    started = time.perf_counter()
    result = veracity.audit(str(csv), str(rules))
    in_process = time.perf_counter() - started
    details = result.details["same-person"]
    assert isinstance(details, DuplicatesResult)

    ids_frame = pl.read_csv(csv, infer_schema=False, columns=["rec_id"])
    ids = ids_frame.get_column("rec_id")
    pairs = details.pairs
    a = ids.gather(pairs.get_column("row_a")).to_list()
    b = ids.gather(pairs.get_column("row_b")).to_list()
    matched = {(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)}
    clustered = details.clusters_frame("rec_id")
    clusters = {
        frozenset(group)
        for group in clustered.group_by("cluster_id").agg("record_key").get_column("record_key").to_list()
    }
    candidates, recall = _blocking_recall(csv, rules, true)

    command = [
        *veracity_command(),
        "audit",
        "--rules",
        str(rules),
        "--format",
        "json",
        "-o",
        str(report),
        "--exit-zero",
        "--no-progress",
        str(csv),
    ]
    measurements = [measure(command) for _ in range(runs)]
    assert all(m.exit_code == 0 for m in measurements), "the audit failed"
    wall = statistics.median(m.wall_seconds for m in measurements)
    cpu = statistics.median(m.cpu_seconds for m in measurements)
    rss = max(m.peak_rss_gib for m in measurements) * 1024

    print(f"## {name} ({ids.len():,} records, {len(true):,} true pairs)")
    print(f"- matched pairs:          {score(matched, true).line()}")
    print(f"- pairs within clusters:  {score(pairs_of_clusters(clusters), true).line()}")
    print(f"- clusters (exact sets):  {score(clusters, _true_clusters(ids.to_list())).line()}")
    print(f"- candidate pairs: {candidates:,}; blocking recall {recall:.4f}")
    print(
        f"- model: prior {details.prior:.3g}, EM iterations {details.em_iterations}, "
        f"random pairs {details.random_pairs:,}"
    )
    print(f"- audit in-process: {in_process:.2f} s")
    print(
        f"- CLI end to end (median of {runs}, {measurements[0].how}): {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"peak RSS {rss:.0f} MiB"
    )
    print(f"- command: {' '.join(command[-9:])}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).parents[1].parent / "shared" / "benchmarks" / "febrl"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--default-blocking",
        action="store_true",
        help="leave the rule's blocking out: the check's default rules (_typo keys) block",
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as temp:
        rules = Path(temp) / "febrl.rules.yaml"
        text = RULES.split("    blocking:\n")[0] if args.default_blocking else RULES
        rules.write_text(text, encoding="utf-8")
        for name in ("febrl1", "febrl2"):
            run(args.data, name, args.runs, rules, Path(temp) / "report.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
