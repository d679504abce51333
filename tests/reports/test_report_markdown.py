"""The Markdown report: structure for a CI job summary, and cells that nothing can break."""

from __future__ import annotations

import dataclasses
import re

import pytest

from veracity.reports import render
from veracity.reports.markdown import code, text
from veracity.results import AuditResult

# A cell separator is a `|` not escaped with a backslash.
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


def _tables(markdown: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("reveal", [False, True])
def test_every_table_row_has_the_header_cell_count(audit_result: AuditResult, reveal: bool) -> None:
    tables = _tables(render(audit_result, "markdown", reveal_values=reveal))
    assert len(tables) == 2 + 4 + 2  # dimensions, rules, 4 sample tables, lineage, sources
    for table in tables:
        counts = {len(CELL_SEPARATOR.findall(row)) for row in table}
        assert len(counts) == 1, table


def test_title_and_sections(audit_result: AuditResult) -> None:
    md = render(audit_result, "markdown")
    assert md.startswith("# ❌ Data quality: 88.47 / 100 — FAIL\n")
    for heading in ("## Dimensions", "## Rules", "## Lineage", "## Sources"):
        assert f"\n{heading}\n" in md
    assert "<details>\n<summary>Failing records: first 5 per rule for 4 rules (masked values)</summary>" in md
    assert md.count("<details>") == md.count("</details>") == 1


def test_passing_title(audit_result: AuditResult) -> None:
    passed = dataclasses.replace(
        audit_result, gate=dataclasses.replace(audit_result.gate, passed=True, reasons=[])
    )
    assert render(passed, "markdown").startswith("# ✅ Data quality: 88.47 / 100 — PASS\n")


def test_rule_rows_have_status_emoji(audit_result: AuditResult) -> None:
    md = render(audit_result, "markdown")
    assert (
        "| ❌ fail | `email-valid` | `email` | `email` | validity | error | 1,436 | 21 | 98.54% | 99.00% |"
        in md
    )
    assert "| ⚠️ warn | `phone-valid` |" in md
    assert (
        "| ⚪ not evaluated | `signup-not-future` | `not_future` | `signup_date` | timeliness | error | 0 | 0 | — |"
        in md
    )
    assert "- ⚠️ rule signup-not-future evaluated no record and is left out of the scores" in md


def test_sources_table_shows_short_hash(audit_result: AuditResult) -> None:
    md = render(audit_result, "markdown")
    assert "| 0 | `exports/customers.csv` | csv | 1,200 | `3b4c1f0e9a7d` | utf-8 | `;` |" in md
    assert "| 1 | `exports/crm_contacts.xlsx` | xlsx (Contacts) | 240 | `a9e8d7c6b5a4` | — | — |" in md


def test_revealed_values_are_escaped_in_cells(audit_result: AuditResult) -> None:
    md = render(audit_result, "markdown", reveal_values=True)
    assert "| `Hauptstr. 5 \\| Hinterhaus` |" in md
    assert "| `Am Markt 3\\nApt 4` |" in md
    assert "`\\x1b[31mRed Street 1\\x1b[0m`" in md
    assert "\x1b" not in md


def test_message_with_backticks_and_pipe_is_escaped(audit_result: AuditResult) -> None:
    md = render(audit_result, "markdown")
    assert "does not match \\`^\\[A-Z\\].\\* \\\\d+$\\|^Postfach \\\\d+$\\`" in md


def test_missing_value_is_marked(audit_result: AuditResult) -> None:
    assert "| `C-000203` | _(missing)_ |" in render(audit_result, "markdown")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("a`b", "a\\`b"),
        ("line\nbreak", "line\\\\nbreak"),
        ("<script>&amp;", "\\<script\\>&amp;amp;"),
        ("**bold** _it_ [link](x)", "\\*\\*bold\\*\\* \\_it\\_ \\[link\\](x)"),
        ("@octocat", "\\@octocat"),
        (None, "—"),
    ],
)
def test_text_escaping(raw: str | None, escaped: str) -> None:
    assert text(raw) == escaped


def test_text_escaping_at_line_start() -> None:
    assert text("# not a heading", starts_line=True) == "\\# not a heading"
    assert text("1. not a list", starts_line=True) == "1\\. not a list"
    assert text("1. in a cell") == "1. in a cell"


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        ("plain", "`plain`"),
        ("a|b", "`a\\|b`"),
        ("a`b", "`` a`b ``"),
        ("``", "``` `` ```"),
        ("x\ny", "`x\\ny`"),
        (" lead", "`  lead `"),
    ],
)
def test_code_spans(raw: str, span: str) -> None:
    assert code(raw) == span
