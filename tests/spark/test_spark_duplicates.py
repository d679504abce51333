"""The duplicates rule gives on Spark what it gives locally, for every feature it has: several
blocking rules, derived and ``_typo`` keys, records missing their blocking keys, ``when:``,
segments, EM-trained u, cohesion; a blocking rule over its cap is the same one-line error; and
agree_across_sources by duplicates cluster across a CSV and an NDJSON source."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import veracity
from tests.checks.test_agree import CLUSTER_RULES, _two_systems
from tests.spark.test_spark_runner import AS_OF, SAMPLES, _same
from tests.test_partitions import _assert_same_duplicates, _scale_generator
from veracity.errors import LimitError
from veracity.reports import render

COMPARE = """\
    compare:
      - {field: first_name, method: jaro_winkler, swapped_with: last_name}
      - {field: last_name, method: jaro_winkler}
      - {field: email, method: email}
      - {field: phone, method: phone, region_field: country}
      - {field: birth_date, method: date}
      - {field: postal_code, method: exact}
"""

# Each a duplicates rule's settings after its compare: list (the same for every case), and
# the fewest duplicates it finds locally (so that the comparison is not of empty clusters).
CASES = {
    "several blocking rules with derived and typo keys": (
        """\
    blocking:
      - [email]
      - [phone]
      - [last_name_soundex, birth_year]
      - [postal_code, first_name_typo]
      - [first_name_initial, last_name_norm]
""",
        10,
    ),
    "the default blocking rules (typo keys only)": ("", 10),
    "when, a threshold and cohesion 0": (
        """\
    when: "country <> 'FR'"
    blocking: [[email], [last_name_soundex, birth_date]]
    threshold: 0.8
    cohesion: 0
""",
        10,
    ),
    # EM is cautious on this data: one duplicate.
    "u trained by EM on the candidate pairs": (
        "    blocking: [[email], [phone], [last_name_soundex, birth_date]]\n    u_estimation: em\n",
        1,
    ),
}


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """3,000 people with planted duplicates as 3 Parquet files; some records miss the fields
    blocking keys are made of (e-mail, birth date, postal code), one misses every compared
    field (not judged)."""
    frame, _ = _scale_generator().generate(3000, 11)
    row = pl.int_range(pl.len())
    frame = frame.with_columns(
        pl.when(row % 7 == 0).then(None).otherwise(pl.col("email")).alias("email"),
        pl.when(row % 11 == 0).then(None).otherwise(pl.col("birth_date")).alias("birth_date"),
        pl.when(row % 13 == 0).then(None).otherwise(pl.col("postal_code")).alias("postal_code"),
    ).with_columns(
        pl.when(row == 5).then(None).otherwise(pl.col(name)).alias(name)
        for name in ("first_name", "last_name", "email", "phone", "birth_date", "postal_code")
    )
    directory = tmp_path_factory.mktemp("spark_duplicates")
    paths = []
    for n in range(3):
        path = directory / f"people-{n}.parquet"
        frame.slice(n * 1000, 1000).select(pl.all().cast(pl.String)).write_parquet(path)
        paths.append(str(path))
    return paths


def _rules(tmp_path: Path, settings: str) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nkey: customer_id\nsegments: [country]\nrules:\n"
        f"  - id: same-person\n    check: duplicates\n{COMPARE}{settings}",
        encoding="utf-8",
    )
    return rules


_RUN = re.compile(r'\n  "run": \{\n.*?\n  \},', re.DOTALL)


def _report(result: Any) -> str:
    """The JSON report's text without its run metadata (start time, duration, runner)."""
    stripped, found = _RUN.subn("", render(result, "json"), count=1)
    assert found == 1
    return stripped


@pytest.mark.parametrize(("settings", "fewest"), CASES.values(), ids=CASES.keys())
def test_duplicates_on_spark_give_the_local_clusters_and_report(
    spark: Any, people: list[str], tmp_path: Path, settings: str, fewest: int
) -> None:
    rules = _rules(tmp_path, settings)
    local = veracity.audit(people, rules, as_of=AS_OF, max_samples=SAMPLES)
    on_spark = veracity.audit(people, rules, as_of=AS_OF, runner="spark", max_samples=SAMPLES)
    assert next(r for r in local.rules if r.id == "same-person").failed >= fewest
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
    assert _report(on_spark) == _report(local)


# Each a blocking setting over a cap and the start of the refusal (the whole text must match):
# the local blocking refuses a rule from its block sizes (or, with _typo keys, from its groups'
# variants, then the pairs of groups sharing a block, then its record pairs) before making its
# pairs, and all rules together from the pairs each adds.
LIMITS = {
    "a rule's own pairs": (
        "    blocking: [[email], [country]]\n    max_pairs: 100000\n",
        "duplicates: blocking[1] [country] would compare ",
    ),
    "a typo rule's record pairs": (
        "    blocking: [[first_name_typo]]\n    max_pairs: 10000\n",
        "duplicates: blocking[0] [first_name_typo] would compare ",
    ),
    "a typo rule's keys": (
        "    blocking: [[postal_code_typo]]\n    max_pairs: 5000\n",
        "duplicates: blocking[0] [postal_code_typo] would build ",
    ),
    "the rules together, before a later rule over its own cap": (
        "    blocking: [[email], [phone], [last_name_soundex, birth_year], [country]]\n    max_pairs: 240\n",
        "duplicates: the blocking rules together would compare more than max_pairs (240) pairs of "
        "records (blocking[2] [last_name_soundex, birth_year] adds ",
    ),
    "the default rules": ("    max_pairs: 2000\n", "duplicates: blocking[0] [email_typo] would build "),
}


@pytest.mark.parametrize(("settings", "start"), LIMITS.values(), ids=LIMITS.keys())
def test_a_blocking_rule_over_its_cap_is_the_same_error_on_spark(
    spark: Any, people: list[str], tmp_path: Path, settings: str, start: str
) -> None:
    rules = _rules(tmp_path, settings)
    with pytest.raises(LimitError) as local:
        veracity.audit(people, rules, as_of=AS_OF)
    with pytest.raises(LimitError) as on_spark:
        veracity.audit(people, rules, as_of=AS_OF, runner="spark")
    assert str(on_spark.value) == str(local.value)
    assert str(local.value).startswith(start)


def test_a_typo_rule_whose_blocks_pair_too_many_groups_is_the_same_error_on_spark(
    spark: Any, tmp_path: Path
) -> None:
    # 1,000 three-digit codes: the 100 two-digit variants are each shared by 28 codes, 37,800
    # pairs of groups in the blocks, from 4,000 keys.
    data = tmp_path / "codes.parquet"
    pl.DataFrame({"code": [f"{i:03d}" for i in range(1000)]}).write_parquet(data)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - id: same-code\n    check: duplicates\n"
        "    compare: [{field: code, method: exact}]\n    blocking: [[code_typo]]\n    max_pairs: 10000\n",
        encoding="utf-8",
    )
    with pytest.raises(LimitError) as local:
        veracity.audit([str(data)], rules, as_of=AS_OF)
    with pytest.raises(LimitError) as on_spark:
        veracity.audit([str(data)], rules, as_of=AS_OF, runner="spark")
    assert str(on_spark.value) == str(local.value)
    assert "(its blocks pair 37,800 sets of records with the same values)" in str(local.value)


def test_renamed_columns_give_the_local_clusters_on_spark(
    spark: Any, people: list[str], tmp_path: Path
) -> None:
    # The files' headers are not the field names: the rule file's sources rename them.
    renamed = {"first_name": "First Name", "last_name": "Last Name", "email": "E-Mail", "country": "Land"}
    sources = []
    for n, path in enumerate(people):
        target = tmp_path / f"renamed-{n}.parquet"
        pl.read_parquet(path).rename(renamed).write_parquet(target)
        columns = ", ".join(f'"{header}": {name}' for name, header in renamed.items())
        sources.append(f"  - path: {target.name}\n    columns: {{{columns}}}\n")
    rules = _rules(
        tmp_path,
        "    blocking: [[email], [last_name_soundex, birth_year], [first_name_typo, last_name_typo]]\n",
    )
    text = rules.read_text(encoding="utf-8").replace(
        "rules:\n", "sources:\n" + "".join(sources) + "rules:\n", 1
    )
    rules.write_text(text, encoding="utf-8")
    local = veracity.audit(None, rules, as_of=AS_OF, max_samples=SAMPLES)
    on_spark = veracity.audit(None, rules, as_of=AS_OF, runner="spark", max_samples=SAMPLES)
    assert next(r for r in local.rules if r.id == "same-person").failed >= 10
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
    assert _report(on_spark) == _report(local)


# Names a data file can hold that Spark would read as SQL unquoted: a backtick (which pyspark's
# mapInArrow cannot take in an input column's name), a dot, quotes, spaces, non-ASCII.
HOSTILE = {"first_name": "first`name", "last_name": "last.name", "email": 'e "mail"', "country": "Länd 'x'"}


def test_hostile_column_names_give_the_local_report_on_spark(
    spark: Any, people: list[str], tmp_path: Path
) -> None:
    paths = []
    for n, path in enumerate(people):
        # Two Parquet files (read by Spark) and a CSV file (read by veracity's reader on a worker).
        frame = pl.read_parquet(path).rename(HOSTILE)
        target = tmp_path / (f"hostile-{n}.parquet" if n < 2 else f"hostile-{n}.csv")
        if n < 2:
            frame.write_parquet(target)
        else:
            frame.write_csv(target)
        paths.append(str(target))
    first, last, email, country = (
        json.dumps(HOSTILE[k]) for k in ("first_name", "last_name", "email", "country")
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nkey: customer_id\nrules:\n"
        f"  - {{id: first-present, check: not_null, field: {first}}}\n"
        f"  - {{id: one-per-email, check: unique, field: {email}, ignore_case: true}}\n"
        f"  - {{id: known-country, check: in_set, field: {country}, values: [DE, FR, GB, US]}}\n"
        "  - id: same-person\n    check: duplicates\n    compare:\n"
        f"      - {{field: {first}, method: jaro_winkler, swapped_with: {last}}}\n"
        f"      - {{field: {last}, method: jaro_winkler}}\n"
        f"      - {{field: {email}, method: email}}\n"
        f"      - {{field: phone, method: phone, region_field: {country}}}\n"
        f"    blocking: [[{email}], [{json.dumps(HOSTILE['last_name'] + '_soundex')}, birth_year],"
        f" [{json.dumps(HOSTILE['first_name'] + '_typo')}, {json.dumps(HOSTILE['last_name'] + '_typo')}]]\n",
        encoding="utf-8",
    )
    local = veracity.audit(paths, rules, as_of=AS_OF, max_samples=SAMPLES)
    on_spark = veracity.audit(paths, rules, as_of=AS_OF, runner="spark", max_samples=SAMPLES)
    assert next(r for r in local.rules if r.id == "same-person").failed >= 10
    assert next(r for r in local.rules if r.id == "first-present").failed > 0
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
    assert _report(on_spark) == _report(local)


def test_clusters_across_a_csv_and_an_ndjson_source_and_agreement_by_cluster(
    spark: Any, tmp_path: Path
) -> None:
    crm, shop = _two_systems(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(CLUSTER_RULES, encoding="utf-8")
    paths = [str(crm), str(shop)]
    local = veracity.audit(paths, rules, as_of=AS_OF, max_samples=SAMPLES)
    on_spark = veracity.audit(paths, rules, as_of=AS_OF, runner="spark", max_samples=SAMPLES)
    agree = next(r for r in on_spark.rules if r.id == "agree")
    assert (agree.evaluated, agree.failed) == (6, 2)
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
    assert _report(on_spark) == _report(local)


def test_outcomes_too_large_to_broadcast_are_joined_by_a_shuffle(
    spark: Any, people: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veracity.runners import spark as runner

    monkeypatch.setattr(runner, "BROADCAST_BYTES", 0)
    rules = _rules(tmp_path, CASES["when, a threshold and cohesion 0"][0])
    rules.write_text(
        rules.read_text(encoding="utf-8")
        + "  - {id: one-per-email, check: unique, field: email, ignore_case: true}\n",
        encoding="utf-8",
    )
    local = veracity.audit(people, rules, as_of=AS_OF, max_samples=SAMPLES)
    on_spark = veracity.audit(people, rules, as_of=AS_OF, runner="spark", max_samples=SAMPLES)
    assert next(r for r in local.rules if r.id == "one-per-email").failed > 0
    _same(local, on_spark)
    _assert_same_duplicates(local, on_spark)
