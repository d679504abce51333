"""Every registered check's case table (tests/checks/cases/*.yaml) gives the same results on
Spark as locally: rules, scores, findings, lineage, and the same one-line error where the
local audit refuses a case.

A Spark audit of a few records costs a handful of Spark jobs whatever its size, so the cases
whose rule reads one record at a time run in batches: each case is a CSV file of its own (its
lines and findings are its own), its rule limited to its file by ``when:`` on a column naming
the case, and no field whose type the audit infers from its values (those SQL expressions
read) is shared by two cases of a batch. The cases whose rules compare records (keys, tables,
several sources) run one audit each, with the rules they read (``other_rules``). Every case is compared by itself, by
name, before the batch's whole report. A case that expects its audit to be refused
(``refused:``, by the rule file's loader or by the audit of its data) is refused on Spark with
the same error and line, through the API and on the command line (exit 2, one ``Error:`` line).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import veracity
from tests.checks.test_check_cases import CASES, refusal, refused_on_the_command_line
from tests.spark.test_spark_runner import _same
from veracity._sql_plan import rule_sql_fields
from veracity.checks.base import REGISTRY
from veracity.config import rule_set_from_objects
from veracity.errors import VeracityError

AS_OF = date(2024, 6, 30)
SAMPLES = 1_000_000
#: The column naming a record's case in a batch (no case uses it).
CASE = "zz_case"
#: Cases per batch: enough to pay a Spark audit's fixed cost rarely, few enough to read a failure.
BATCH = 48

Case = tuple[str, dict[str, Any]]


def _as_of(case: dict[str, Any]) -> date:
    return date.fromisoformat(str(case["as_of"])) if "as_of" in case else AS_OF


def _fields(case: dict[str, Any]) -> set[str]:
    tables = case["sources"] if "sources" in case else [case["data"]]
    return {name for table in tables for name in table}


def _alone(case: dict[str, Any]) -> bool:
    """Whether a case needs an audit of its own: its rule compares records or sources, or reads
    fields beyond its data (every column of the record)."""
    if "refused" in case:
        return True  # its refusal is compared with Spark's, alone
    check = REGISTRY[case["check"]]
    if "sources" in case or "other_rules" in case or check.reads != "record" or check.key is not None:
        return True
    try:
        rule_set = rule_set_from_objects(
            [{"id": "r", "check": case["check"], **case["rule"]}], **case.get("settings", {})
        )
    except VeracityError:
        return True  # the case expects the rule to be refused
    rule = rule_set.rules[0]
    return not set(rule.params.read_fields([*_fields(case), CASE])) <= _fields(case)


def _typed(case: dict[str, Any]) -> set[str]:
    """The fields whose type the audit infers from all their values (those SQL reads)."""
    rule = {"id": "r", "check": case["check"], **case["rule"]}
    if "when" in case:
        rule["when"] = case["when"]
    return set(rule_sql_fields(rule_set_from_objects([rule], **case.get("settings", {})).rules))


def _declared(case: dict[str, Any]) -> set[str]:
    """The fields a case declares in the rule file (``fields:``: formats, types, periods)."""
    return set(case.get("settings", {}).get("fields", {}))


def _fits(case: dict[str, Any], batch: list[Case]) -> bool:
    """Whether a case joins a batch without touching its cases' fields: none it infers a type
    of or declares is read by another case, and the other way round."""
    mine = _typed(case) | _declared(case)
    return len(batch) < BATCH and not any(
        mine & _fields(other) or (_typed(other) | _declared(other)) & _fields(case) for _, other in batch
    )


def _batches() -> list[tuple[str, list[Case]]]:
    """Batches of cases with one audit date and the same settings but for ``fields:`` (each
    case's declared fields are its own in its batch)."""
    batches: dict[tuple[str, str], list[list[Case]]] = {}
    out: list[tuple[str, list[Case]]] = []
    for name, case in CASES:
        if _alone(case):
            out.append((name, [(name, case)]))
            continue
        shared = {k: v for k, v in case.get("settings", {}).items() if k != "fields"}
        group = batches.setdefault((json.dumps(shared, sort_keys=True), str(_as_of(case))), [])
        free = next((batch for batch in group if _fits(case, batch)), None)
        if free is None:
            group.append(free := [])
        free.append((name, case))
    together = [
        (f"{len(batch)} cases: {batch[0][0]} .. {batch[-1][0]}" if len(batch) > 1 else batch[0][0], batch)
        for group in batches.values()
        for batch in group
    ]
    return together + out


def _settings(batch: list[Case]) -> dict[str, Any]:
    """The batch's rule-file settings: the cases' own, their ``fields:`` together."""
    settings = {k: v for k, v in batch[0][1].get("settings", {}).items() if k != "fields"}
    fields = {k: v for _, case in batch for k, v in case.get("settings", {}).get("fields", {}).items()}
    return {**settings, "fields": fields} if fields else settings


BATCHES = _batches()


def test_the_batches_hold_every_case_once() -> None:
    assert sorted(name for _, batch in BATCHES for name, _ in batch) == sorted(name for name, _ in CASES)
    assert len(BATCHES) < len(CASES) / 3
    # the refused cases run alone: their refusal is compared with Spark's
    refused = [batch for _, batch in BATCHES if any("refused" in case for _, case in batch)]
    assert refused
    assert all(len(batch) == 1 for batch in refused)


def _write(tmp_path: Path, batch: list[Case]) -> tuple[list[str], list[dict[str, Any]]]:
    """The batch's data as CSV files (one per case, or per source of a case) and its rules."""
    paths: list[str] = []
    rules: list[dict[str, Any]] = []
    single = len(batch) == 1
    for n, (_, case) in enumerate(batch):
        tables = case["sources"] if "sources" in case else [case["data"]]
        for m, table in enumerate(tables):
            columns = {k: pl.Series(k, v, dtype=pl.String) for k, v in table.items()}
            frame = pl.DataFrame(list(columns.values()))
            if not single:
                frame = frame.with_columns(pl.lit(f"c{n}").alias(CASE))
            path = tmp_path / f"case{n:03d}-{m}.csv"
            # A record whose only value is missing is a blank line, which readers skip: write
            # it as a quoted empty value (missing alike).
            frame.write_csv(path, null_value='""' if frame.width == 1 else "")
            paths.append(str(path))
        # The rules the case's rule reads (a duplicates rule's clusters) come first.
        rules += case.get("other_rules", [])
        rule = {"id": "r" if single else f"c{n}", "check": case["check"], **case["rule"]}
        limits = [case["when"]] if "when" in case else []
        if not single:
            limits.append(f"{CASE} = 'c{n}'")
        if limits:
            rule["when"] = " and ".join(f"({w})" for w in limits)
        rules.append(rule)
    return paths, rules


def _audit(
    paths: list[str], rules: list[dict[str, Any]], settings: dict[str, Any], as_of: date, **options: Any
) -> tuple[Any, tuple[str, str] | None]:
    """The audit's result, or the kind and line of the error that refused it."""
    try:
        rule_set = rule_set_from_objects(rules, **settings)
        return veracity.audit(paths, rule_set, as_of=as_of, **options), None
    except VeracityError as error:
        return None, (type(error).__name__, refusal(error))


@pytest.mark.parametrize("batch", [b for _, b in BATCHES], ids=[i for i, _ in BATCHES])
def test_the_cases_give_the_same_results_on_spark(spark: Any, tmp_path: Path, batch: list[Case]) -> None:
    paths, rules = _write(tmp_path, batch)
    as_of = _as_of(batch[0][1])
    local, error = _audit(paths, rules, _settings(batch), as_of)
    # Spark lists the files of one glob (each file is still a source of its own, in path order):
    # one scan for all of them, as a directory of exports is read.
    glob = [str(tmp_path / "*.csv")]
    on_spark, spark_error = _audit(glob, rules, _settings(batch), as_of, runner="spark", max_samples=SAMPLES)
    # A case the local audit refuses is refused on Spark with the same line; a batch never is.
    assert spark_error == error
    assert (error and error[1]) == (batch[0][1].get("refused") if len(batch) == 1 else None)
    if local is None:
        (case_dir := tmp_path / "cli").mkdir()
        local_line = refused_on_the_command_line(batch[0][1], case_dir)
        assert refused_on_the_command_line(batch[0][1], case_dir, "--runner", "spark") == local_line
        return
    for (name, _), rule in zip(batch, rules[len(rules) - len(batch) :], strict=True):
        mine = [r for r in on_spark.rules if r.id == rule["id"]]
        assert mine == [r for r in local.rules if r.id == rule["id"]], name
        mine_found = on_spark.findings.filter(pl.col("rule") == rule["id"])
        assert mine_found.to_dicts() == local.findings.filter(pl.col("rule") == rule["id"]).to_dicts(), name
    _same(local, on_spark)
