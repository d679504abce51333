"""SQL in rules reads the record's own fields and nothing else, within bounds (docs/sql.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from veracity.cli import app
from veracity.config import parse_rule_text
from veracity.errors import RuleFileError
from veracity.sql import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES, SqlError, parse_sql

MARKER = "TOPSECRET-7f3a"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"email\n{MARKER}@example.com\n", encoding="utf-8")
    return path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    path.write_text("email,country\nann@example.com,US\n", encoding="utf-8")
    return path


def _attack(file: Path) -> str:
    return f"email = (SELECT max(email) FROM read_csv('{file}'))"


ATTACKS = [
    pytest.param("expression", ["audit", "-r", "{rules}", "{data}"], id="expression in audit"),
    pytest.param("when", ["audit", "-r", "{rules}", "{data}"], id="when in audit"),
    pytest.param("expression", ["rules", "check", "{rules}", "{data}"], id="expression in rules check"),
    pytest.param("when", ["rules", "check", "{rules}", "{data}"], id="when in rules check"),
    pytest.param("expression", ["rules", "check", "{rules}"], id="expression in rules check without data"),
    pytest.param(
        "expression", ["audit", "-r", "{rules}", "{data}", "--chunk-rows", "1000"], id="chunked audit"
    ),
]


@pytest.mark.parametrize("target", [Path("/etc/passwd"), None], ids=["/etc/passwd", "a file of ours"])
@pytest.mark.parametrize(("place", "command"), ATTACKS)
def test_sql_cannot_read_a_file(
    place: str, command: list[str], target: Path | None, secret: Path, data: Path, tmp_path: Path
) -> None:
    sql = _attack(target or secret)
    rule = (
        f'{{id: r, check: expression, expr: "{sql}"}}'
        if place == "expression"
        else f'{{id: r, check: not_null, field: email, when: "{sql}"}}'
    )
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"version: 1\nrules:\n  - {rule}\n", encoding="utf-8")
    args = [part.format(rules=rules, data=data) for part in command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    column = len("  - ") + rule.index(sql)  # 1-based, at the value's opening quote
    key = "expr" if place == "expression" else "when"
    assert result.stderr.splitlines() == [
        f"Error: {rules}:3:{column}: rules[0].{key}: a subquery is not allowed: SQL in a rule reads "
        "the record's own fields only (docs/sql.md lists the operators and functions it can use)"
    ]
    everything = result.stdout + result.stderr
    assert MARKER not in everything
    assert "root:" not in everything


# ---------------------------------------------------------------------------------------------
# the allow-list, fed every kind of statement and reader

FIELDS = st.sampled_from(["email", "amount", '"Customer ID"', "x"])
TABLE_FUNCTIONS = st.sampled_from(
    [
        "read_csv('/etc/passwd')",
        "read_parquet('x.parquet')",
        "read_json('x.json')",
        "read_ndjson('x')",
        "scan_csv('x')",
        "read_text('/etc/passwd')",
        "generate_series(1, 10)",
        "unnest([1, 2])",
        "pg_read_file('/etc/passwd')",
        "read_blob('/etc/passwd')",
    ]
)
AGGREGATES = st.sampled_from(
    ["count", "sum", "avg", "min", "max", "array_agg", "string_agg", "first", "last", "stddev", "median"]
)


@st.composite
def forbidden(draw: st.DrawFn) -> str:
    field = draw(FIELDS)
    source = draw(TABLE_FUNCTIONS)
    select = f"SELECT {draw(st.sampled_from(['*', field, f'max({field})', '1']))} FROM {source}"
    form = draw(
        st.sampled_from(
            [
                select,
                f"{field} = ({select})",
                f"{field} IN ({select})",
                f"NOT {field} IN ({select})",
                f"EXISTS ({select})",
                f"NOT EXISTS ({select})",
                f"{field} > {draw(AGGREGATES)}({field})",
                f"{draw(AGGREGATES)}(*) > 1",
                "row_number() OVER () = 1",
                f"{field} = lag({field}) OVER (ORDER BY {field})",
                f"sum({field}) OVER (PARTITION BY {field}) > 1",
                f"CASE WHEN {field} IS NULL THEN ({select}) ELSE 1 END = 1",
                f"coalesce({field}, ({select})) = 1",
                f"{field} = {source}",
                f"{field} IN (SELECT 1 UNION SELECT 2)",
                f"{field} = 1; DROP TABLE t",
                "COPY t TO '/tmp/x'",
                "ATTACH '/tmp/x.db' AS y",
                "INSERT INTO t VALUES (1)",
                "PRAGMA table_info(t)",
                f"{field} = t.{field}",
                f"{field} = (WITH q AS ({select}) SELECT * FROM q)",
            ]
        )
    )
    prefix = draw(st.sampled_from(["", "x = 1 AND ", "x = 1 OR NOT ", "("]))
    return prefix + form + (")" if prefix == "(" else "")


@settings(max_examples=300, deadline=None)
@given(sql=forbidden(), place=st.sampled_from(["expr", "when"]))
def test_the_allow_list_refuses_anything_that_reads_beyond_the_record(sql: str, place: str) -> None:
    with pytest.raises(SqlError):
        parse_sql(sql)
    quoted = sql.replace("'", "''")
    rule = (
        f"{{id: r, check: expression, expr: '{quoted}'}}"
        if place == "expr"
        else f"{{id: r, check: not_null, field: x, when: '{quoted}'}}"
    )
    with pytest.raises(RuleFileError) as error:
        parse_rule_text(f"version: 1\nrules:\n  - {rule}\n", "rules.yaml")
    assert str(error.value).startswith("rules.yaml:3:")
    assert "\n" not in str(error.value)


@settings(max_examples=500, deadline=None)
@given(
    sql=st.one_of(
        st.text(max_size=80),
        st.lists(
            st.sampled_from(
                [
                    "a",
                    "1",
                    "'x'",
                    "(",
                    ")",
                    ",",
                    "=",
                    "<",
                    "+",
                    "-",
                    "*",
                    "/",
                    "||",
                    "AND",
                    "OR",
                    "NOT",
                    "IN",
                    "IS",
                    "NULL",
                    "SELECT",
                    "FROM",
                    "WHERE",
                    "CASE",
                    "WHEN",
                    "THEN",
                    "END",
                    "CAST",
                    "AS",
                    "INT",
                    "OVER",
                    "EXISTS",
                    "read_csv",
                    "LIKE",
                    "BETWEEN",
                    "::",
                    ";",
                    '"',
                    "'",
                    "INTERVAL",
                    "'1 day'",
                    "count",
                    "*",
                    ".",
                    "[",
                    "]",
                    "{",
                    "}",
                    "$1",
                    "?",
                ]
            ),
            max_size=25,
        ).map(" ".join),
    )
)
def test_any_text_is_an_allowed_expression_or_one_sql_error(sql: str) -> None:
    """Whatever the text, the front end answers with a tree or a SqlError: no other exception
    reaches the loader, whose only error is a located RuleFileError."""
    problem: str | None = None
    try:
        parse_sql(sql)
    except SqlError as error:
        problem = str(error)
    assert problem is None or "\n" not in problem


# ---------------------------------------------------------------------------------------------
# bounds


def _located(sql: str) -> str:
    with pytest.raises(RuleFileError) as error:
        parse_rule_text(
            f'version: 1\nrules:\n  - {{id: r, check: expression, expr: "{sql}"}}\n', "rules.yaml"
        )
    return str(error.value)


def test_a_6000_term_or_is_refused_with_its_location() -> None:
    sql = " OR ".join(f"x = {i}" for i in range(6000))
    assert len(sql) > MAX_CHARACTERS
    assert _located(sql).startswith(
        f"rules.yaml:3:38: rules[0].expr: the SQL expression is {len(sql):,} characters long, "
        f"more than the {MAX_CHARACTERS:,} allowed"
    )


def test_too_many_parts_are_refused() -> None:
    sql = "x IN (" + ",".join(["a"] * 6000) + ")"
    assert len(sql) < MAX_CHARACTERS
    assert f"more than {MAX_NODES:,} parts" in _located(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1) + " = 1",
        "NOT " * (MAX_DEPTH + 1) + "x",
        "- " * (MAX_DEPTH + 2) + "x > 1",
        " + ".join(["x"] * (MAX_DEPTH + 2)) + " > 1",
    ],
    ids=["parentheses", "NOT", "minus signs", "a chain of +"],
)
def test_deep_nesting_is_refused(sql: str) -> None:
    assert f"more than {MAX_DEPTH} deep" in _located(sql)


def test_a_long_chain_of_and_or_is_one_level() -> None:
    sql = " AND ".join(f"(x = {i} OR y = {i})" for i in range(500))
    parse_sql(sql)


def test_no_module_hands_sql_to_polars() -> None:
    """polars' SQL engine reads files (read_csv, read_parquet) while compiling an expression: SQL
    from a rule file must only ever reach veracity.sql's allow-list and translator."""
    src = Path(__file__).parents[1] / "src" / "veracity"
    offenders = [
        str(path.relative_to(src))
        for path in sorted(src.rglob("*.py"))
        if any(call in path.read_text(encoding="utf-8") for call in ("sql_expr(", "SQLContext", ".sql("))
    ]
    assert offenders == []
