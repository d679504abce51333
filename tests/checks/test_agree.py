"""agree_across_sources over several sources: which records disagree, what their findings say,
the same in one-record partitions, and across a CSV and an NDJSON file through the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from tests.linkage.conftest import people
from veracity import load_data
from veracity.config import parse_rule_text, rule_set_from_objects
from veracity.engine import AuditPlan, RunOutput, WholeData, run_partitions, run_rules
from veracity.errors import RuleFileError

RULE = {
    "id": "agree",
    "check": "agree_across_sources",
    "key": "id",
    "fields": ["email", "phone"],
    "normalise": {"email": "email", "phone": "phone"},
    "default_region": "DE",
}

#: (name, first source, second source, verdicts in audit order: first source's, then second's)
CASES: list[tuple[str, dict[str, list[Any]], dict[str, list[Any]], list[str]]] = [
    (
        "the same customer written alike after normalisation agrees",
        {"id": ["1"], "email": ["Anna@X.com"], "phone": ["030 1234567"]},
        {"id": ["1"], "email": [" anna@x.com "], "phone": ["+49 30 1234567"]},
        ["pass", "pass"],
    ),
    (
        "a different e-mail fails both records",
        {"id": ["1"], "email": ["anna@x.com"], "phone": [None]},
        {"id": ["1"], "email": ["anna@y.com"], "phone": [None]},
        ["fail", "fail"],
    ),
    (
        "a missing value disagrees with nothing",
        {"id": ["1"], "email": [None], "phone": ["030 1234567"]},
        {"id": ["1"], "email": ["anna@x.com"], "phone": [None]},
        ["pass", "pass"],
    ),
    (
        "keys in one source only are not evaluated",
        {"id": ["1", "2"], "email": ["a@x.com", "b@x.com"], "phone": [None, None]},
        {"id": ["3"], "email": ["a@x.com"], "phone": [None]},
        ["skip", "skip", "skip"],
    ),
    (
        "records of one source are not compared with each other",
        {"id": ["1", "1"], "email": ["a@x.com", "b@x.com"], "phone": [None, None]},
        {"id": ["1"], "email": ["a@x.com"], "phone": [None]},
        ["pass", "fail", "fail"],
    ),
    (
        "a different phone number fails",
        {"id": ["5"], "email": [None], "phone": ["030 1234567"]},
        {"id": ["5"], "email": [None], "phone": ["030 7654321"]},
        ["fail", "fail"],
    ),
]


def _run(first: dict[str, list[Any]], second: dict[str, list[Any]], size: int | None) -> RunOutput:
    rule_set = rule_set_from_objects([RULE])
    frames = [pl.DataFrame({n: pl.Series(v, dtype=pl.String) for n, v in t.items()}) for t in (first, second)]
    data = load_data(frames, rule_set)
    plan = AuditPlan.for_rules(rule_set, as_of=date(2024, 6, 30), fields=data.fields)
    return run_partitions(WholeData(data, size), plan)


def _verdicts(output: RunOutput, records: int) -> list[str]:
    failing = set(output.states["agree"].failing_rows.to_list())
    scores = output.record_scores.to_list()
    return ["skip" if scores[i] is None else "fail" if i in failing else "pass" for i in range(records)]


@pytest.mark.parametrize(("name", "first", "second", "expected"), CASES, ids=[c[0] for c in CASES])
def test_agreement_across_sources(
    name: str, first: dict[str, list[Any]], second: dict[str, list[Any]], expected: list[str]
) -> None:
    whole = _run(first, second, None)
    assert _verdicts(whole, len(expected)) == expected
    parts = _run(first, second, 1)
    assert (parts.states["agree"].evaluated, parts.states["agree"].failed) == (
        whole.states["agree"].evaluated,
        whole.states["agree"].failed,
    )
    assert_frame_equal(parts.findings, whole.findings)


def test_the_finding_names_the_fields_and_the_other_source() -> None:
    output = _run(
        {"id": ["1"], "email": ["anna@x.com"], "phone": ["030 1234567"]},
        {"id": ["1"], "email": ["anna@y.com"], "phone": ["030 7654321"]},
        None,
    )
    assert output.findings.get_column("message").to_list() == [
        "email, phone disagree with <dataframe 1> for the same id",
        "email, phone disagree with <dataframe 0> for the same id",
    ]


def test_conflicts_across_a_csv_and_an_ndjson_source(tmp_path: Path) -> None:
    runner = CliRunner()
    crm = tmp_path / "crm.csv"
    crm.write_text(
        "id,email,phone\n1,anna@example.de,030 1234567\n2,ben@example.de,+49 40 428280\n", encoding="utf-8"
    )
    shop = tmp_path / "shop.ndjson"
    shop.write_text(
        '{"id": "1", "email": "ANNA@example.de ", "phone": "+49 30 1234567"}\n'
        '{"id": "2", "email": "benjamin@example.de", "phone": "040 428280"}\n',
        encoding="utf-8",
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {id: agree, check: agree_across_sources, key: id, fields: [email, phone],\n"
        "     normalise: {email: email, phone: phone}, default_region: DE}\n",
        encoding="utf-8",
    )
    findings = tmp_path / "findings.csv"
    code, stdout, _ = run_audit(
        runner, str(crm), str(shop), "-r", str(rules), "-f", "json", "--findings", str(findings)
    )
    assert code == 1
    report = json.loads(stdout)
    assert [(r["id"], r["evaluated"], r["failed"]) for r in report["rules"]] == [("agree", 4, 2)]
    rows = pl.read_csv(findings).select("source", "line", "message", "value").rows()
    assert rows == [
        (str(crm), 3, f"email disagrees with {shop} for the same id", "b***@e***.de"),
        (str(shop), 2, f"email disagrees with {crm} for the same id", "b***@e***.de"),
    ]


# The same people in a CRM and a shop under different ids: a duplicates rule finds them.
CLUSTER_RULES = """\
version: 1
rules:
  - id: same-person
    check: duplicates
    compare:
      - {field: first_name, method: jaro_winkler}
      - {field: last_name, method: jaro_winkler}
      - {field: birth_date, method: date}
    blocking:
      - [last_name_soundex, birth_year]
  - id: agree
    check: agree_across_sources
    clusters: same-person
    fields: [email, postal_code]
    normalise: {email: email}
"""


def _two_systems(tmp_path: Path) -> tuple[Path, Path]:
    """A CRM (CSV) and a shop (NDJSON): 30 people each, three of them in both under other ids;
    the second of those has another postal code in the shop, the third an e-mail in capitals."""
    crm, shop = people(30, seed=1), people(30, seed=2)
    for i in range(3):
        for name in ("first_name", "last_name", "birth_date", "email"):
            shop[name][i] = crm[name][i]
    shop["email"][2] = str(crm["email"][2]).upper()
    crm_codes = [f"{10000 + i}" for i in range(30)]
    shop_codes = [f"{20000 + i}" for i in range(30)]
    shop_codes[0], shop_codes[1], shop_codes[2] = crm_codes[0], "99999", crm_codes[2]
    crm_path, shop_path = tmp_path / "crm.csv", tmp_path / "shop.ndjson"
    pl.DataFrame({"id": [f"C{i}" for i in range(30)], **crm, "postal_code": crm_codes}).write_csv(crm_path)
    pl.DataFrame({"customer": [f"S-{i}" for i in range(30)], **shop, "postal_code": shop_codes}).write_ndjson(
        shop_path
    )
    return crm_path, shop_path


def test_records_of_one_cluster_are_compared_across_a_csv_and_an_ndjson_source(tmp_path: Path) -> None:
    crm, shop = _two_systems(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(CLUSTER_RULES, encoding="utf-8")
    findings = tmp_path / "findings.csv"
    code, stdout, stderr = run_audit(
        CliRunner(), str(crm), str(shop), "-r", str(rules), "-f", "json", "--findings", str(findings)
    )
    assert code == 1, stderr
    report = {r["id"]: r for r in json.loads(stdout)["rules"]}
    # Six records in three clusters that span both sources; the second person disagrees.
    assert (report["agree"]["evaluated"], report["agree"]["failed"]) == (6, 2)
    rows = (
        pl.read_csv(findings, infer_schema=False)
        .filter(pl.col("rule") == "agree")
        .select("source", "line", "message", "value")
        .rows()
    )
    same = "for one customer by rule same-person"
    # The value reported is the record's first compared field (its e-mail), masked.
    assert rows == [
        (str(crm), "3", f"postal_code disagrees with {shop} {same}", rows[0][3]),
        (str(shop), "2", f"postal_code disagrees with {crm} {same}", rows[1][3]),
    ]
    assert all("***" in value for *_, value in rows)


def test_clusters_compare_alike_in_one_record_partitions(tmp_path: Path) -> None:
    crm, shop = _two_systems(tmp_path)
    rule_set = parse_rule_text(CLUSTER_RULES, "rules.yaml")
    data = load_data([str(crm), str(shop)], rule_set)
    plan = AuditPlan.for_rules(rule_set, as_of=date(2024, 6, 30), fields=data.fields)
    whole = run_partitions(WholeData(data), plan)
    parts = run_partitions(WholeData(data, 1), plan)
    assert parts.partitions == 60
    for output in (whole, parts):
        assert (output.states["agree"].evaluated, output.states["agree"].failed) == (6, 2)
    assert_frame_equal(parts.findings, whole.findings)
    assert parts.record_scores.equals(whole.record_scores)


def test_without_the_clusters_the_key_finds_nobody_in_both(tmp_path: Path) -> None:
    crm, shop = _two_systems(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - {id: agree, check: agree_across_sources, key: email, fields: [postal_code]}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run_audit(CliRunner(), str(crm), str(shop), "-r", str(rules), "-f", "json")
    # Two of the three shared people have the same e-mail written alike; the key sees only them.
    report = json.loads(stdout)["rules"][0]
    assert (code, report["evaluated"], report["failed"]) == (1, 4, 2)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"id": "agree", "check": "agree_across_sources", "clusters": "nobody", "fields": ["email"]},
            "rules[1].clusters: 'nobody' makes no clusters (no rule has that id); name one of: same-person",
        ),
        (
            {"id": "agree", "check": "agree_across_sources", "clusters": "filled", "fields": ["email"]},
            "rules[1].clusters: 'filled' makes no clusters (it is a not_null rule); name one of: same-person",
        ),
        (
            {"id": "agree", "check": "agree_across_sources", "fields": ["email"]},
            "give key (a field naming the customer in every source) or clusters (the id of a duplicates rule)",
        ),
        (
            {
                "id": "agree",
                "check": "agree_across_sources",
                "key": "id",
                "clusters": "same-person",
                "fields": ["email"],
            },
            "give either key (a field naming the customer in every source) or clusters",
        ),
    ],
)
def test_clusters_must_name_a_rule_that_makes_them(rule: dict[str, Any], message: str) -> None:
    duplicates = {
        "id": "same-person",
        "check": "duplicates",
        "compare": [{"field": "last_name", "method": "jaro_winkler"}],
    }
    filled = {"id": "filled", "check": "not_null", "field": "email"}
    text = "version: 1\nrules:\n" + "".join(
        f"  - {json.dumps(item)}\n" for item in (duplicates, rule, filled)
    )
    with pytest.raises(RuleFileError) as error:
        parse_rule_text(text, "rules.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("rules.yaml:4:")


def test_clusters_handed_in_precomputed_are_the_clusters_compared(tmp_path: Path) -> None:
    """A runner that works out the duplicates rule elsewhere (Spark) hands its outcome in with
    ``tables=``; the agreement read from it is the one worked out in the same call."""
    crm, shop = _two_systems(tmp_path)
    rule_set = parse_rule_text(CLUSTER_RULES, "rules.yaml")
    data = load_data([str(crm), str(shop)], rule_set)
    plan = AuditPlan.for_rules(rule_set, as_of=date(2024, 6, 30), fields=data.fields)
    # The agreement rule first in the list: the engine still runs the duplicates rule before it.
    together = run_rules(data, rule_set.rules[::-1], plan.context(data), None)
    [duplicates, agree] = rule_set.rules
    handed = run_rules(
        data,
        [agree],
        plan.context(data),
        None,
        tables={duplicates.id: together.tables[duplicates.id]},
    )
    assert handed.outcomes.get_column("agree").equals(together.outcomes.get_column("agree"))
    assert handed.states["agree"].failed == 2
    with pytest.raises(
        RuleFileError, match="reads the clusters of rule 'same-person', which this audit does not run"
    ):
        run_rules(data, [agree], plan.context(data), None)
