"""SQL in rules (``when:`` and ``expression``): what users can rely on (docs/sql.md).

Each case is one rule over a small CSV, audited whole and in chunks of one record; it expects
per record ``pass``, ``fail`` or ``skip`` (not evaluated), or a rule-file error.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from typer.testing import CliRunner

import veracity
from veracity import load_data
from veracity.checks.base import BooleanSpellings, CheckContext
from veracity.chunked import audit_chunked
from veracity.cli import app
from veracity.config import rule_set_from_objects
from veracity.engine import run_rules
from veracity.errors import RuleFileError
from veracity.sql._compile import _HANDLERS
from veracity.sql._front import ALLOWED

AS_OF = date(2024, 6, 30)
DATES = ["2021-01-05", "2021-02-30", "2020-03-01", "2022-07-01", "2023-01-01", *["2021-06-01"] * 20]


@dataclass
class Case:
    id: str
    expr: str | None
    data: dict[str, list[str | None]]
    expected: list[str] | str
    when: str | None = None
    check: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    #: (record index, words its finding's message must contain)
    message: tuple[int, str] | None = None


CASES = [
    # -- the crashes of the issue: each one an ordinary rule over ordinary data --
    Case(
        "a bad date beside good dates fails its record, naming the field and the type",
        "last_updated > '2021-01-01'",
        {"last_updated": [*DATES[:4], "unknown", *DATES[5:]]},
        ["pass", "fail", "fail", "pass", "fail", *["pass"] * 20],
        message=(1, "last_updated is not a date (ISO 8601)"),
    ),
    Case(
        "a date field against a string literal compares dates",
        "last_updated >= '2021-06-01'",
        {"last_updated": ["2021-05-31", "2021-06-01", "2021-06-02T08:00:00"]},
        ["fail", "pass", "pass"],
    ),
    Case(
        "LIKE reads codes as text, leading zeros kept",
        "postal_code LIKE '0%'",
        {"postal_code": ["01067", "10115", "04109"]},
        ["pass", "fail", "pass"],
    ),
    Case(
        "LIKE on an integer field reads its text",
        "n LIKE '1%'",
        {"n": ["12", "21", "1"]},
        ["pass", "fail", "pass"],
    ),
    Case(
        "a date plus a number of days",
        "signup + 1 = last_updated",
        {"signup": ["2024-02-28", "2024-02-28"], "last_updated": ["2024-02-29", "2024-03-01"]},
        ["pass", "fail"],
    ),
    Case(
        "a quoted number on an integer field compares integers",
        "x = '1'",
        {"x": ["1", "2", "10"]},
        ["pass", "fail", "fail"],
    ),
    Case(
        "a number on a text field compares text",
        "y = 9",
        {"y": ["9", "abc", "09"]},
        ["pass", "fail", "fail"],
    ),
    Case(
        "CAST of a text field: a value that is no integer fails the record",
        "CAST(amount AS INT) > 1",
        {"amount": ["12", "x1", "0"]},
        ["pass", "fail", "fail"],
        message=(1, "amount is not an integer"),
    ),
    Case(
        "TRY_CAST makes such a value unknown instead",
        "TRY_CAST(amount AS INT) > 1",
        {"amount": ["12", "x1", "0"]},
        ["pass", "skip", "fail"],
    ),
    # -- dates --
    Case(
        "a date plus an interval",
        "signup + INTERVAL '30 days' <= last_updated",
        {"signup": ["2024-01-01", "2024-01-01"], "last_updated": ["2024-01-31", "2024-01-30"]},
        ["pass", "fail"],
    ),
    Case(
        "months are calendar months",
        "signup + INTERVAL 1 MONTH = last_updated",
        {"signup": ["2024-01-31", "2024-03-15"], "last_updated": ["2024-02-29", "2024-04-15"]},
        ["pass", "pass"],
    ),
    Case(
        "a date moved beyond the calendar is unknown, not an error",
        "signup + 99999999999 > signup OR signup + INTERVAL '99999 years' > signup",
        {"signup": ["2024-01-01", "9999-12-31"]},
        ["pass", "pass"],
    ),
    Case(
        "a date minus a date is days",
        "last_updated - signup > 30",
        {"signup": ["2024-01-01", "2024-01-01"], "last_updated": ["2024-02-01", "2024-01-31"]},
        ["pass", "fail"],
    ),
    Case(
        "a declared date format, compared with an ISO literal",
        "birth < '2000-01-01'",
        {"birth": ["01.02.1990", "01.02.2030"]},
        ["pass", "fail"],
        settings={"fields": {"birth": {"format": "%d.%m.%Y"}}},
    ),
    Case(
        "year() of a date",
        "year(signup) = 2024",
        {"signup": ["2024-05-01", "2023-05-01"]},
        ["pass", "fail"],
    ),
    Case(
        "current_date is the audit date",
        "signup <= current_date",
        {"signup": ["2024-06-30", "2024-07-01"]},
        ["pass", "fail"],
    ),
    Case(
        "a declared datetime compares date-times",
        "seen > '2024-01-01 12:00'",
        {"seen": ["2024-01-01 12:30:00", "2024-01-01T11:00:00", "2024-01-02"]},
        ["pass", "fail", "pass"],
        settings={"fields": {"seen": {"type": "datetime"}}},
    ),
    # -- declared types win over inference --
    Case(
        "a declared text field compares as text",
        "code < '2'",
        {"code": ["10", "3"]},
        ["pass", "fail"],
        settings={"fields": {"code": {"type": "text"}}},
    ),
    Case(
        "a declared integer field: a value that is no integer fails the record",
        "n > 1",
        {"n": ["5", "five", "0"]},
        ["pass", "fail", "fail"],
        settings={"fields": {"n": {"type": "integer"}}},
        message=(1, "n is not an integer"),
    ),
    Case(
        "a declared decimal field",
        "n > 1.5",
        {"n": ["2", "1.25", "07"]},
        ["pass", "fail", "pass"],
        settings={"fields": {"n": {"type": "decimal"}}},
    ),
    Case(
        "inferred integers compare as numbers",
        "quantity < max_quantity",
        {"quantity": ["9", "10"], "max_quantity": ["10", "9"]},
        ["pass", "fail"],
    ),
    Case(
        "a field with a leading zero is text",
        "code = '0042'",
        {"code": ["0042", "42"]},
        ["pass", "fail"],
    ),
    # -- yes/no --
    Case(
        "a yes/no field reads its spellings",
        "vip = true",
        {"vip": ["yes", "No", "TRUE"]},
        ["pass", "fail", "pass"],
    ),
    Case(
        "a yes/no value that is no known spelling fails the record",
        "vip",
        {"vip": ["yes", "maybe", "no"]},
        ["pass", "fail", "fail"],
        settings={"fields": {"vip": {"type": "boolean"}}},
        message=(1, "vip is not a yes/no value"),
    ),
    Case(
        "a field of 1s and 0s is a condition and compares with TRUE",
        "flag AND flag = TRUE",
        {"flag": ["1", "0", "1"]},
        ["pass", "fail", "pass"],
    ),
    Case(
        "a field of 1s and 0s in when:",
        None,
        {"state": [None, None, "CA"], "flag": ["1", "0", "7"]},
        ["fail", "skip", "fail"],
        when="flag",
        check={"check": "not_null", "field": "state"},
        message=(2, "flag is not a yes/no value"),
    ),
    Case(
        "the rule file's own yes/no spellings",
        "vip = 'ja'",
        {"vip": ["ja", "nein"]},
        ["pass", "fail"],
        settings={"booleans": {"true": ["ja"], "false": ["nein"]}},
    ),
    # -- text --
    Case(
        "text functions read any field's text",
        "lower(trim(name)) || '-' || upper(code) = 'ann-AB1' AND length(code) = 3",
        {"name": [" Ann ", "Bob"], "code": ["ab1", "ab1"]},
        ["pass", "fail"],
    ),
    Case(
        "ILIKE ignores case; NOT LIKE negates",
        "name ILIKE 'a%' AND name NOT LIKE '%x'",
        {"name": ["ANN", "annx", "bob"]},
        ["pass", "fail", "fail"],
    ),
    Case(
        "substr counts from 1",
        "substr(code, 2, 2) = 'BC'",
        {"code": ["ABCD", "XBXD"]},
        ["pass", "fail"],
    ),
    Case(
        "a LIKE pattern's regex characters are literal",
        "name LIKE 'a.c%'",
        {"name": ["a.cd", "abcd"]},
        ["pass", "fail"],
    ),
    # -- logic and NULL --
    Case(
        "IN, BETWEEN, CASE and COALESCE",
        "tier IN ('gold', 'platinum') AND n BETWEEN 1 AND 5 AND CASE WHEN n > 3 THEN 'big' ELSE 'small' END = 'small'",
        {"tier": ["gold", "silver", "gold"], "n": ["2", "2", "4"]},
        ["pass", "fail", "fail"],
    ),
    Case(
        "a missing field is not evaluated",
        "a = b",
        {"a": ["1", None], "b": ["1", "1"]},
        ["pass", "skip"],
    ),
    Case(
        "when: false is not evaluated, unknown is not evaluated",
        None,
        {"state": [None, None, "CA"], "country": ["US", "DE", None]},
        ["fail", "skip", "skip"],
        when="country = 'US'",
        check={"check": "not_null", "field": "state"},
    ),
    Case(
        "a bad value in when: fails the record of any check",
        None,
        {"state": ["CA", "CA"], "signup": ["2024-01-01", "soon"]},
        ["pass", "fail"],
        when="signup > '2023-01-01'",
        check={"check": "not_null", "field": "state"},
        settings={"fields": {"signup": {"type": "date"}}},
        message=(1, "signup is not a date"),
    ),
    Case(
        "a long OR chain",
        " OR ".join(f"n = {i}" for i in range(1000)),
        {"n": ["5", "1000"]},
        ["pass", "fail"],
    ),
    Case(
        "division by zero is unknown, not an error",
        "a / b > 1",
        {"a": ["4", "4"], "b": ["2", "0"]},
        ["pass", "skip"],
    ),
    # -- errors at load or type-check time: one located message, no data value --
    Case(
        "a literal that is not of its field's type",
        "n = 'abc'",
        {"n": ["1", "2"]},
        "the literal 'abc' is not an integer",
    ),
    Case(
        "types that cannot be compared",
        "signup = 5",
        {"signup": ["2024-01-01"]},
        "the number 5 cannot be compared with a date",
    ),
    Case(
        "a condition that is not true or false",
        "n + 1",
        {"n": ["1"]},
        "must be true or false, not an integer",
    ),
    Case(
        "an unknown function",
        "soundex(name) = 'A500'",
        {"name": ["Ann"]},
        "the function SOUNDEX() is not allowed",
    ),
]


def _write(path: Path, data: dict[str, list[str | None]]) -> None:
    names = list(data)
    rows = list(zip(*(data[n] for n in names), strict=True))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _rules(case: Case) -> Any:
    rule: dict[str, Any] = {"id": "r", **(case.check or {"check": "expression", "expr": case.expr})}
    if case.when is not None:
        rule["when"] = case.when
    return rule_set_from_objects([rule], **case.settings)


def _record_verdicts(case: Case, path: Path) -> list[str]:
    """Per record, as the engine judged it: pass, fail or skip."""
    rule_set = _rules(case)
    loaded = load_data([str(path)], rule_set)
    model = rule_set.model
    ctx = CheckContext(
        data=loaded,
        as_of=AS_OF,
        booleans=BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false)),
        date_formats={n: f.format for n, f in model.fields.items() if f.format},
        field_kinds={n: f.type for n, f in model.fields.items() if f.type},
    )
    column = run_rules(loaded, rule_set.rules, ctx, key=None).outcomes.get_column("r").to_list()
    return ["skip" if v is None else ("pass" if v else "fail") for v in column]


def _failing_lines(result: Any) -> list[int]:
    return sorted(result.findings.get_column("line").to_list())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_sql_case(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    _write(path, case.data)
    if isinstance(case.expected, str):
        for run in (
            lambda: veracity.audit([str(path)], _rules(case), as_of=AS_OF),
            lambda: audit_chunked([str(path)], _rules(case), as_of=AS_OF, chunk_rows=1),
        ):
            with pytest.raises(RuleFileError) as error:
                run()
            assert case.expected in str(error.value)
        return
    assert _record_verdicts(case, path) == case.expected
    whole = veracity.audit([str(path)], _rules(case), as_of=AS_OF)
    chunked = audit_chunked([str(path)], _rules(case), as_of=AS_OF, chunk_rows=1)
    failing = [index + 2 for index, verdict in enumerate(case.expected) if verdict == "fail"]
    for result in (whole, chunked):
        assert result.rules[0].evaluated == sum(v != "skip" for v in case.expected)
        assert _failing_lines(result) == failing
    if case.message is not None:
        index, words = case.message
        for result in (whole, chunked):
            messages = result.findings.filter(pl.col("line") == index + 2).get_column("message").to_list()
            assert messages
            assert words in messages[0]
            # The message names the field and the type, never the value.
            value = case.data[next(n for n in case.data if n in words)][index]
            assert value is not None
            assert value not in messages[0]


# ---------------------------------------------------------------------------------------------
# veracity rules check: SQL type-checked against the data


def test_rules_check_reports_every_sql_type_problem_at_its_place(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("n,signup,name\n1,2024-01-01,Ann\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "version: 1\n"
        "rules:\n"
        "  - {id: a, check: expression, expr: \"n = 'abc'\"}\n"
        '  - {id: b, check: not_null, field: name, when: "signup > 5"}\n'
        "  - {id: c, check: expression, expr: \"lower(name) LIKE 'a%'\"}\n"
        '  - {id: d, check: expression, expr: "n + 1"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["rules", "check", str(rules), str(data)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {rules}: 3 rules have SQL problems: "
        f"{rules}:3:38: rules[0].expr: the literal 'abc' is not an integer, the type it is compared with; "
        f"{rules}:4:49: rules[1].when: the number 5 cannot be compared with a date; "
        f"{rules}:6:38: rules[3].expr: the condition must be true or false, not an integer"
    ]


def test_rules_check_passes_sql_that_runs(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("n,signup,code\n1,2024-01-01,01067\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {id: a, check: expression, expr: \"n = '1' AND signup > '2020-01-01' AND code LIKE '0%'\"}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["rules", "check", str(rules), str(data)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{rules}: 1 rules OK and its field names"


def test_an_audit_refuses_sql_the_data_cannot_run_at_its_place(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("n\n1\n", encoding="utf-8")
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - {id: a, check: expression, expr: \"n = 'abc'\"}\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["audit", "-r", str(rules), str(data)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {rules}:3:38: rule 'a' expr: the literal 'abc' is not an integer, the type it is compared with"
    ]


def test_every_allowed_node_has_a_translation() -> None:
    """The allow-list and the translator name the same node types (the few that only carry
    parts of others aside): a node let through is never one the translator cannot handle."""
    parts = {exp.Identifier, exp.DataType, exp.DataTypeParam, exp.Var}
    assert ALLOWED - parts == set(_HANDLERS)


# ---------------------------------------------------------------------------------------------
# any allowed expression over any data: a result or one rule-file error, never a crash

ATOMS = st.sampled_from(
    [
        "n", "d", "ts", "t", "b", "1", "0", "2.5", "99999999999", "'2024-01-01'", "'x'", "'1'",
        "'yes'", "NULL", "TRUE", "INTERVAL '3 months'", "INTERVAL '99999 years'", "current_date",
    ]
)  # fmt: skip
BINARY = st.sampled_from(["+", "-", "*", "/", "%", "||", "=", "<", ">=", "<>", "AND", "OR", "LIKE", "ILIKE"])
UNARY = st.sampled_from(
    ["lower", "upper", "length", "trim", "abs", "year", "month", "day", "round", "NOT ", "-", "TRY_CAST"]
)
TYPES = st.sampled_from(["INT", "DATE", "TEXT", "DECIMAL", "BOOLEAN", "TIMESTAMP"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, BINARY, inner).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
            st.tuples(UNARY, inner, TYPES).map(
                lambda p: (
                    f"TRY_CAST({p[1]} AS {p[2]})"
                    if p[0] == "TRY_CAST"
                    else f"{p[0]}{p[1]}"
                    if p[0] in ("NOT ", "-")
                    else f"{p[0]}({p[1]})"
                )
            ),
            st.tuples(inner, TYPES).map(lambda p: f"CAST({p[0]} AS {p[1]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"CASE WHEN {p[0]} THEN {p[1]} ELSE {p[2]} END"),
            st.tuples(inner, inner, inner).map(lambda p: f"{p[0]} BETWEEN {p[1]} AND {p[2]}"),
            st.tuples(inner, inner, inner).map(lambda p: f"{p[0]} IN ({p[1]}, {p[2]})"),
            st.tuples(inner, inner).map(lambda p: f"coalesce({p[0]}, {p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"substr({p[0]}, {p[1]})"),
        )

    return st.recursive(ATOMS, extend, max_leaves=8)


VALUES = st.sampled_from(
    ["", "1", "-7", "40", "2.5", "x", "2024-01-01", "2024-02-30", "9999-12-31", "yes", "maybe"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sql=_expressions(), cells=st.lists(st.tuples(VALUES, VALUES, VALUES, VALUES), min_size=1, max_size=4))
def test_any_allowed_expression_audits_or_is_one_rule_file_error(
    sql: str, cells: list[tuple[str, str, str, str]]
) -> None:
    columns = list(zip(*cells, strict=True))
    frame = pl.DataFrame(
        {name: [v or None for v in values] for name, values in zip("ndtb", columns, strict=True)}
    )
    frame = frame.with_columns(pl.col("n").alias("ts")).cast(pl.String)
    problem = ""
    try:
        rules = rule_set_from_objects(
            [{"id": "r", "check": "expression", "expr": sql}], fields={"ts": {"type": "datetime"}}
        )
        result = veracity.audit(frame, rules, as_of=AS_OF)
    except RuleFileError as error:
        problem = str(error)
    if problem:
        assert "\n" not in problem
        return
    assert 0 <= result.rules[0].failed <= result.rules[0].evaluated <= frame.height


def test_arithmetic_on_a_field_inferred_as_text_says_how_to_declare_its_type(tmp_path: Path) -> None:
    # Too few dates (3 of 5) for the field to be inferred as a date: the error names the fix.
    data = tmp_path / "d.csv"
    data.write_text(
        "id,seen\n1,2024-01-01\n2,2024-02-03\n3,2021-02-30\n4,2024-05-01\n5,unknown\n", encoding="utf-8"
    )
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - {id: a, check: expression, expr: \"seen + 1 > DATE '2024-01-01'\"}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["audit", "-r", str(rules), str(data)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.endswith("declare the field's type: fields: {seen: {type: date}} (or integer, decimal)")
    declared = rules.read_text(encoding="utf-8") + "fields: {seen: {type: date}}\n"
    rules.write_text(declared, encoding="utf-8")
    result = CliRunner().invoke(app, ["audit", "-r", str(rules), str(data), "-f", "json"])
    assert result.exit_code == 1, result.stderr
    (rule,) = json.loads(result.stdout)["rules"]
    assert (rule["evaluated"], rule["failed"]) == (5, 2)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["2024-01-01", "2024-02-03", "2021-02-30", "2024-05-01"], "date"),  # one bad of four
        (["2024-01-01", "unknown", "2024-05-01"], "date"),  # one bad of three
        (["2024-01-01", "unknown"], "string"),  # half: as likely text as dates
        (["2024-01-01", "2024-02-03", "unknown", "n/a", "2024-05-01"], "string"),  # two bad of five
        ([f"2024-01-{d:02d}" for d in range(1, 19)] + ["x", "y"], "date"),  # 90%
    ],
)
def test_a_few_bad_dates_do_not_make_a_date_field_text(values: list[str], kind: str) -> None:
    from veracity.fieldtypes import infer_field_types
    from veracity.text.booleans import BooleanSpellings

    frame = pl.DataFrame({"d": values})
    assert infer_field_types(frame, ["d"], {}, BooleanSpellings())["d"].kind == kind


def test_naming_the_sql_package_does_not_import_the_parser() -> None:
    """Most audits have no SQL: importing veracity.sql (as the checks do) leaves sqlglot unloaded
    until something is parsed."""

    code = (
        "import sys, veracity.sql as s; print('sqlglot' in sys.modules); "
        "s.sql_fields('a > 1'); print('sqlglot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
