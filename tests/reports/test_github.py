"""The GitHub Actions report: annotations that point at the rule file, escaped so that no text
can break out of its command, and the Markdown job summary."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports.report_fixture import NEWLINE_VALUE, build_result, normalise
from tests.reports.test_report_masking import RAW_FRAGMENTS
from veracity.errors import Location
from veracity.reports import github, markdown, render
from veracity.results import AuditResult, RuleResult, Severity, Status
from veracity.safetext import printable

Golden = Callable[[str, str], None]

# ::command key=value,key=value::message
COMMAND = re.compile(r"^::(error|warning) ([^:]*)::(.*)$")


def _unescape(text: str) -> str:
    """What the runner does to a command's message or property value."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _commands(text: str) -> list[tuple[str, dict[str, str], str]]:
    """(command, properties, message) of every annotation line, read as the runner reads them."""
    commands = []
    # The runner splits a step's output at line feeds only (str.splitlines would also split
    # at characters such as U+2028 that a file path may hold).
    for line in text.split("\n")[:-2]:
        match = COMMAND.match(line)
        assert match, f"not a well-formed command: {line!r}"
        properties = dict(item.split("=", 1) for item in match.group(2).split(","))
        commands.append(
            (match.group(1), {k: _unescape(v) for k, v in properties.items()}, _unescape(match.group(3)))
        )
    return commands


def _failing_rule(i: int, rate: float, severity: Severity) -> RuleResult:
    status = Status.FAIL if severity is Severity.ERROR else Status.WARN
    template = build_result().rules[0]
    return dataclasses.replace(
        template,
        id=f"rule-{i:02d}",
        severity=severity,
        pass_rate=rate,
        failed=round(1000 * (1 - rate)),
        evaluated=1000,
        status=status,
        location=Location("rules/many.yaml", 10 + i, 3),
    )


def test_github_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("github.txt", normalise(render(audit_result, "github"), audit_result))


def test_annotations_worst_first_errors_then_warnings_then_not_evaluated(audit_result: AuditResult) -> None:
    commands = _commands(github.render(audit_result))
    assert [(c, p["title"]) for c, p, _ in commands] == [
        ("error", "consent-before-contact failed (consent)"),
        ("error", "email-valid failed (validity)"),
        ("warning", "phone-valid warning (validity)"),
        ("warning", "street-format warning (consistency)"),
        ("warning", "signup-not-future not evaluated (timeliness)"),
    ]
    assert commands[-1][2] == (
        "signup-not-future: no record was evaluated, so the rule is left out of the scores; "
        "check its fields and when: condition, or set min_evaluated: to fail the gate"
    )


def test_annotation_points_at_the_rule(audit_result: AuditResult) -> None:
    command, properties, message = _commands(github.render(audit_result))[1]
    assert command == "error"
    assert properties == {
        "file": "rules/customers.yaml",
        "line": "12",
        "col": "5",
        "title": "email-valid failed (validity)",
    }
    assert message.splitlines() == [
        "email-valid: pass rate 98.54% is below the threshold 99.00% (21 of 1,436 records failed; check email)",
        "Every contact needs a deliverable e-mail address.",
        "exports/customers.csv:14 key C-000012 value 'j***@e***.com': domain does not accept e-mail",
        "exports/customers.csv:27 key C-000025 value 'm***@b***.de': leading or trailing whitespace",
        "exports/customers.csv:31 key C-000029 value 'a***@@***.org': not a valid e-mail address",
        "… and 18 more",
    ]


def test_summary_line(audit_result: AuditResult) -> None:
    last = github.render(audit_result).splitlines()[-1]
    assert (
        last == "veracity: score 88.47 / 100, quality gate FAIL; 2 rules failed, 2 warnings, 1 not evaluated"
    )
    assert not last.startswith("::")


def test_at_most_ten_of_each_kind(audit_result: AuditResult) -> None:
    errors = [_failing_rule(i, 0.5 + i / 100, Severity.ERROR) for i in range(14)]
    warnings = [_failing_rule(20 + i, 0.9 - i / 100, Severity.WARNING) for i in range(12)]
    result = dataclasses.replace(audit_result, rules=[*errors, *warnings])
    text = github.render(result)
    commands = _commands(text)
    titles = [p["title"].split()[0] for _, p, _ in commands]
    assert titles == [f"rule-{i:02d}" for i in range(10)] + [f"rule-{i:02d}" for i in range(31, 21, -1)]
    assert text.splitlines()[-1].endswith("14 rules failed, 12 warnings (the worst 10 of each annotated)")


def test_passing_audit_has_only_the_summary(audit_result: AuditResult) -> None:
    passing = [dataclasses.replace(r, status=Status.PASS) for r in audit_result.rules]
    gate = dataclasses.replace(audit_result.gate, passed=True, reasons=[])
    text = github.render(dataclasses.replace(audit_result, rules=passing, gate=gate))
    assert text == "veracity: score 88.47 / 100, quality gate PASS; 0 rules failed, 0 warnings\n"


def test_rule_without_location_points_at_the_rule_file(audit_result: AuditResult) -> None:
    rules = [dataclasses.replace(r, location=None) for r in audit_result.rules]
    _, properties, _ = _commands(github.render(dataclasses.replace(audit_result, rules=rules)))[0]
    assert properties["file"] == "rules/customers.yaml"
    assert "line" not in properties
    assert "col" not in properties


def test_no_raw_value_by_default(audit_result: AuditResult) -> None:
    text = github.render(audit_result)
    assert not [fragment for fragment in RAW_FRAGMENTS if fragment in text]


def test_a_value_cannot_start_a_command(audit_result: AuditResult) -> None:
    hostile = "x\n::set-output name=a::b\r\n::error::forged %0A"
    findings = audit_result.findings.with_columns(
        value=audit_result.findings["value"].replace(NEWLINE_VALUE, hostile)
    )
    text = github.render(dataclasses.replace(audit_result, findings=findings), reveal_values=True)
    assert len(text.splitlines()) == 6
    street = next(m for c, p, m in _commands(text) if p["title"].startswith("street-format"))
    assert "value 'x\\n::set-output name=a::b\\r\\n::error::forged %0A'" in street


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("50%", "50%25", "50%25"),
        ("a\nb\r", "a%0Ab%0D", "a%0Ab%0D"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


# Text a polars column can hold: hypothesis draws lone surrogates unless told not to, and polars
# (UTF-8) would turn one into U+FFFD, so the findings would no longer name the rule drawn.
_TEXT = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=25
)
_BASE = build_result(started_at="2024-06-30T00:00:00Z")


@settings(max_examples=40, deadline=None)
@given(rule_id=_TEXT, path=_TEXT, description=_TEXT)
def test_any_text_round_trips_through_the_runner(rule_id: str, path: str, description: str) -> None:
    rule_id = rule_id or "x"
    rule = dataclasses.replace(
        _BASE.rules[0], id=rule_id, description=description or None, location=Location(path or "r.yaml", 3, 1)
    )
    text = github.render(
        dataclasses.replace(_BASE, rules=[rule, *_BASE.rules[1:]], findings=_BASE.findings.clear())
    )
    assert text.count("\n") == 6  # five annotations and the summary, whatever the text
    annotation = next(c for c in _commands(text) if c[1]["line"] == "3")
    # Control characters in the path are shown as escapes: the run's log renders ANSI sequences.
    assert annotation[1]["file"] == printable(path or "r.yaml")


def test_append_step_summary_creates_and_appends(audit_result: AuditResult, tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    report = markdown.render(audit_result)
    github.append_step_summary(audit_result, summary)
    assert summary.read_text(encoding="utf-8") == report
    github.append_step_summary(audit_result, summary)
    assert summary.read_text(encoding="utf-8") == report + "\n" + report


def test_append_step_summary_separates_earlier_output(audit_result: AuditResult, tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step output", encoding="utf-8")
    github.append_step_summary(audit_result, summary, reveal_values=True)
    text = summary.read_text(encoding="utf-8")
    assert text == "earlier step output\n\n" + markdown.render(audit_result, reveal_values=True)
    assert "jane.doe@example.com" in text
