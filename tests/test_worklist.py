"""``veracity audit --worklist``: one row per failed record and rule, with the record's score and
the suggested correction that passes the failing rule; masked, chunk-exact, safe in spreadsheets."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity._api import audit
from veracity.chunked import audit_chunked
from veracity.reports.worklist import WORKLIST_COLUMNS, worklist_of

DATA = (
    "id,name,email,phone,country,postal_code,signup\n"
    "1,Anna,anna@example.de,+49 30 901820,DE,10115,2024-01-05\n"
    "2,BEN, ben@example.de ,0170 1234567,Deutschland,10117,31.12.2023\n"
    "3,Cara,cara@example,12345,DE,1067,03/04/2024\n"
    "4,=cmd,dora@example.de,+49 30 901820,GB,sw1a1aa,2024-02-02\n"
)
RULES = """\
version: 1
key: id
rules:
  - {id: name-format, check: pattern, field: name, pattern: "[A-Z][a-z]+"}
  - {id: email-valid, check: email, field: email}
  - {id: phone-valid, check: phone, field: phone, region_field: country}
  - {id: country-code, check: country, field: country, alpha: alpha2}
  - {id: postal-code, check: postal_code, field: postal_code, country_field: country}
  - {id: signup-date, check: date, field: signup}
  - {id: id-present, check: not_null, field: id}
"""

#: (line, rule, value, suggestion, confidence, correction) of every row, revealed.
EXPECTED = [
    (3, "name-format", "BEN", "Ben", "likely", "name_case"),
    (3, "email-valid", " ben@example.de ", "ben@example.de", "certain", "email"),
    (3, "phone-valid", "0170 1234567", "+491701234567", "certain", "phone:DE"),
    (3, "country-code", "Deutschland", "DE", "certain", "country:alpha2"),
    (3, "signup-date", "31.12.2023", "2023-12-31", "certain", "date"),
    (4, "email-valid", "cara@example", None, None, None),
    (4, "phone-valid", "12345", None, None, None),
    (4, "postal-code", "1067", "01067", "likely", "postal:DE"),
    (4, "signup-date", "03/04/2024", None, None, None),
    (5, "name-format", "=cmd", None, None, None),
    (5, "postal-code", "sw1a1aa", "SW1A 1AA", "certain", "postal:GB"),
]


def write_example(folder: Path) -> tuple[Path, Path]:
    data = folder / "customers.csv"
    data.write_text(DATA, encoding="utf-8")
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    return data, rules


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path]:
    return write_example(tmp_path)


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return frame.select("line", "rule", "value", "suggestion", "confidence", "correction").rows()


def test_one_row_per_failed_record_and_rule_with_suggestions_that_pass(example: tuple[Path, Path]) -> None:
    data, rules = example
    frame = worklist_of(audit(data, rules, reveal_values=True, worklist=True))
    assert frame.columns == list(WORKLIST_COLUMNS)
    assert _rows(frame) == EXPECTED
    assert frame.get_column("fixes_rule").to_list() == [
        rule if suggestion is not None else None for _, rule, _, suggestion, _, _ in EXPECTED
    ]
    assert frame.get_column("accept").null_count() == frame.height
    assert set(frame.get_column("key").to_list()) == {"2", "3", "4"}


def test_the_record_score_is_the_share_of_its_rules_passed(example: tuple[Path, Path]) -> None:
    data, rules = example
    frame = worklist_of(audit(data, rules, worklist=True))
    scores = dict(frame.select("line", "record_score").unique().rows())
    # Line 4 (id 3): 7 rules apply (the postal code's country is DE), 4 fail.
    assert scores[4] == pytest.approx(round(300 / 7, 1))
    # Line 3 (id 2): the postal code is not judged (no ISO country), so 6 apply and 5 fail.
    assert scores[3] == pytest.approx(round(100 / 6, 1))


def test_values_and_suggestions_are_masked_unless_revealed(
    example: tuple[Path, Path], tmp_path: Path
) -> None:
    data, rules = example
    target = tmp_path / "worklist.csv"
    code, _, stderr = run_audit(CliRunner(), str(data), "-r", str(rules), "--worklist", str(target))
    assert code == 1, stderr
    text = target.read_text(encoding="utf-8")
    # (Country codes are no personal data: shown, as in the findings.)
    for secret in ("ben@example.de", "0170 1234567", "+491701234567", "BEN"):
        assert secret not in text
    frame = pl.read_csv(target, infer_schema=False)
    email = frame.filter(pl.col("rule") == "email-valid").row(0, named=True)
    assert (email["value"], email["suggestion"], email["correction"]) == (
        "b***@e***.de",
        "b***@e***.de",
        "email",
    )


def test_csv_cells_are_safe_in_spreadsheets(example: tuple[Path, Path], tmp_path: Path) -> None:
    data, rules = example
    target = tmp_path / "worklist.csv"
    run_audit(CliRunner(), str(data), "-r", str(rules), "--worklist", str(target), "--reveal-values")
    frame = pl.read_csv(target, infer_schema=False)
    assert frame.filter(pl.col("line") == "5", pl.col("rule") == "name-format").item(0, "value") == "'=cmd"


def test_parquet_keeps_values_and_types(example: tuple[Path, Path], tmp_path: Path) -> None:
    data, rules = example
    target = tmp_path / "worklist.parquet"
    code, _, _ = run_audit(
        CliRunner(), str(data), "-r", str(rules), "--worklist", str(target), "--reveal-values"
    )
    assert code == 1
    frame = pl.read_parquet(target)
    assert frame.schema["line"] == pl.Int64
    assert frame.schema["record_score"] == pl.Float64
    assert _rows(frame) == EXPECTED


@pytest.mark.parametrize("chunk_rows", [1, 2, 1000])
def test_in_chunks_the_worklist_is_the_same(example: tuple[Path, Path], chunk_rows: int) -> None:
    data, rules = example
    whole = worklist_of(audit(data, rules, worklist=True))
    chunked = worklist_of(audit_chunked(data, rules, chunk_rows=chunk_rows, worklist=True))
    assert chunked.equals(whole)


def test_chunked_audit_with_findings_and_worklist_writes_both(
    example: tuple[Path, Path], tmp_path: Path
) -> None:
    data, rules = example
    findings, worklist = tmp_path / "findings.csv", tmp_path / "worklist.csv"
    code, _, _ = run_audit(
        CliRunner(),
        str(data),
        "-r",
        str(rules),
        "--chunk-rows",
        "1000",
        "--findings",
        str(findings),
        "--worklist",
        str(worklist),
    )
    assert code == 1
    assert pl.read_csv(findings).height == len(EXPECTED)
    assert pl.read_csv(worklist).height == len(EXPECTED)


def test_a_clean_audit_writes_an_empty_worklist_with_its_columns(tmp_path: Path) -> None:
    data = tmp_path / "clean.csv"
    data.write_text("id\n1\n2\n", encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n  - {id: id-present, check: not_null, field: id}\n", encoding="utf-8"
    )
    target = tmp_path / "worklist.csv"
    code, _, _ = run_audit(CliRunner(), str(data), "-r", str(rules), "--worklist", str(target))
    assert code == 0
    assert target.read_text(encoding="utf-8").strip() == ",".join(WORKLIST_COLUMNS)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("worklist.xlsx", "Error: --worklist: {path} must end in .csv or .parquet (e.g. worklist.csv)"),
        ("customers.csv", "Error: --worklist {path} is the data file {path}: writing there would destroy it; "
         "give --worklist another path"),
    ],
)  # fmt: skip
def test_a_worklist_path_that_cannot_be_written_is_refused_before_the_work(
    example: tuple[Path, Path], name: str, message: str
) -> None:
    data, rules = example
    path = data.parent / name
    before = data.read_bytes()
    code, _, stderr = run_audit(CliRunner(), str(data), "-r", str(rules), "--worklist", str(path))
    assert code == 2
    assert stderr.strip() == message.format(path=path)
    assert data.read_bytes() == before


def test_the_html_report_has_a_worklist_section_worst_records_first(example: tuple[Path, Path]) -> None:
    from veracity.reports import render

    data, rules = example
    page = render(audit(data, rules, worklist=True), "html")
    section = page[
        page.index('<section id="worklist">') : page.index("</section>", page.index('id="worklist"'))
    ]
    assert '<a href="#worklist">Worklist</a>' in page
    assert '<div class="label">Rows</div><div class="stat-value">11</div>' in section
    assert '<div class="label">Certain corrections</div><div class="stat-value">5</div>' in section
    assert '<div class="label">Likely corrections</div><div class="stat-value">2</div>' in section
    # Line 3 (score 16.7) before line 4 (42.9) before line 5; values masked.
    assert section.index(">16.7<") < section.index(">42.9<")
    assert "ben@example.de" not in section
    assert "b***@e***.de" in section
    assert 'id="worklist"' not in render(audit(data, rules), "html")


_MESSY = st.sampled_from(
    [
        " anna@example.de", "anna@gmial.com", "anna@example", "Germany", "U.S.", "DEU", "Atlantis",
        "d-10115", "1067", "sw1a1aa", "31.12.2024", "03/04/2024", "Dec 31, 2024", "  Anna ", "BEN",
        "0170 1234567", "+49 30 901820", "12345", "", "x",
    ]
)  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(_MESSY, _MESSY, _MESSY, _MESSY, st.sampled_from(["DE", "Deutschland", "GB", "UK", "US"])),
        min_size=1,
        max_size=8,
    )
)
def test_applying_every_suggestion_makes_its_rule_pass(rows: list[tuple[str, ...]]) -> None:
    """Whatever the values, a suggestion is only made when the failing rule passes with it."""
    columns = ("email", "postal_code", "signup", "name", "country")
    frame = pl.DataFrame({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    frame = frame.with_columns(pl.Series("phone", [row[0] for row in rows]))
    rules = [
        {"id": "email", "check": "email", "field": "email"},
        {"id": "phone", "check": "phone", "field": "phone", "region_field": "country"},
        {"id": "country", "check": "country", "field": "country"},
        {"id": "postal", "check": "postal_code", "field": "postal_code", "country_field": "country"},
        {"id": "date", "check": "date", "field": "signup"},
        {"id": "name", "check": "pattern", "field": "name", "pattern": "[A-Z][a-z]+"},
    ]
    worklist = worklist_of(audit(frame, rules, reveal_values=True, worklist=True))
    suggested = worklist.filter(pl.col("suggestion").is_not_null())
    fixed = frame
    for line, field, suggestion in suggested.select("line", "field", "suggestion").rows():
        column = fixed.get_column(field).scatter(line - 1, suggestion)
        fixed = fixed.with_columns(column)
    after = audit(fixed, rules).findings.select("line", "rule").rows()
    failing_after = {(int(line), rule) for line, rule in after}
    for line, rule in suggested.select("line", "rule").rows():
        assert (line, rule) not in failing_after
