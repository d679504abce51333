"""The Markdown report: GitHub-flavoured Markdown for CI job summaries and pull-request comments.

Everything that comes from the data or the rule file is escaped, so a value can neither break a
table (``|``, newlines), nor inject HTML or links into the page, nor end a code span early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from veracity.reports._common import (
    NOT_APPLICABLE,
    PROJECTION_NOTE,
    PROJECTION_TITLE,
    Sample,
    format_int,
    format_rate,
    format_score,
    printable,
    projected_rules,
    projection_header,
    projection_row,
    samples_by_rule,
    segment_dimensions,
    segment_label,
    shows_samples,
    source_paths,
    weakest_rules,
)
from veracity.results import AuditResult, SegmentBreakdown
from veracity.vocabulary import Status

__all__ = ["SAMPLES_PER_RULE", "render"]

SAMPLES_PER_RULE = 5

_STATUS = {
    Status.PASS: "✅ pass",
    Status.WARN: "⚠️ warn",
    Status.FAIL: "❌ fail",
    Status.NOT_EVALUATED: "⚪ not evaluated",
}
# Backslash-escaping the characters that GFM reads as inline markup anywhere in a line keeps
# free text inert (`@` would notify a GitHub user in a PR comment); `&` becomes an entity
# because a backslash does not stop entity references.
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]|~<>@])")
# These only mean something at the start of a line: heading, list item, ordered list item.
_LINE_START = re.compile(r"^([#+\-=])")
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")


def render(result: AuditResult, *, reveal_values: bool = False) -> str:
    """The report as GitHub-flavoured Markdown, ending with a newline."""
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    parts = [
        _title(result),
        _dimensions(result),
        _rules(result),
        _projection(result),
        _samples(result, samples, reveal_values),
        _records(result),
        *(_segments(b) for b in result.segments),
        _lineage(result),
        _sources(result),
        _footer(result, reveal_values),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def text(value: str | None, *, starts_line: bool = False) -> str:
    """Free text made safe for a table cell or a line of prose; ``starts_line`` when it begins
    a line or list item, where ``#`` or ``1.`` would start a heading or a list."""
    if value is None or value == "":
        return NOT_APPLICABLE
    escaped = _INLINE_MARKUP.sub(r"\\\1", printable(value).replace("&", "&amp;"))
    if starts_line:
        escaped = _ORDERED_ITEM.sub(r"\1\\\2", _LINE_START.sub(r"\\\1", escaped))
    return escaped


def code(value: str | None) -> str:
    """A value or identifier as an inline code span, safe in a table cell."""
    if value is None:
        return NOT_APPLICABLE
    shown = printable(value)
    # A code span is closed by a backtick run of its own length, so the fence must be longer
    # than any run inside; the padding spaces let a value start or end with a backtick.
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or shown.startswith(" ") or shown.endswith(" ") or shown == "" else ""
    # GFM splits table cells on `|` before it parses code spans; `\|` is its escape inside them.
    return f"{fence}{pad}{shown.replace('|', chr(92) + '|')}{pad}{fence}"


def _table(header: Sequence[str], align: str, rows: Iterable[Sequence[str]]) -> str:
    """A GFM table; ``align`` has one letter per column: l(eft) or r(ight)."""
    rule = ["---:" if a == "r" else ":---" for a in align]
    lines = [_row(header), _row(rule)]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _title(result: AuditResult) -> str:
    gate = result.gate
    icon, decision = ("✅", "PASS") if gate.passed else ("❌", "FAIL")
    score = "no score" if result.score is None else f"{result.score:.2f} / 100"
    lines = [f"# {icon} Data quality: {score} — {decision}", ""]
    if gate.min_score is not None:
        lines.append(f"Gate: minimum score **{gate.min_score:.2f}** · decision **{decision.lower()}**")
    else:
        lines.append(f"Gate: no minimum score · decision **{decision.lower()}**")
    if gate.reasons:
        lines.append("")
        lines.extend(f"- {text(reason, starts_line=True)}" for reason in gate.reasons)
    if gate.warnings:
        lines.append("")
        lines.extend(f"- ⚠️ {text(warning)}" for warning in gate.warnings)
    run = result.run
    sources = len(result.sources)
    meta = [
        f"as of **{text(run.as_of)}**",
        f"**{format_int(result.records.records)}** records from "
        f"**{sources}** source{'s' if sources != 1 else ''}",
    ]
    if run.rule_file:
        meta.append(f"rules {code(run.rule_file)}")
    if run.key:
        meta.append(f"key {code(run.key)}")
    lines.extend(["", " · ".join(meta)])
    return "\n".join(lines)


def _dimensions(result: AuditResult) -> str:
    if not result.dimensions:
        return ""
    rows = [
        [
            d.dimension.value.capitalize(),
            format_score(d.score),
            format_int(d.rules),
            format_int(d.evaluated),
            format_int(d.failed),
        ]
        for d in result.dimensions
    ]
    return "## Dimensions\n\n" + _table(["Dimension", "Score", "Rules", "Evaluated", "Failed"], "lrrrr", rows)


def _rules(result: AuditResult) -> str:
    if not result.rules:
        return "## Rules\n\nNo rules were run."
    rows = [
        [
            _STATUS[rule.status],
            code(rule.id),
            code(rule.check),
            ", ".join(code(f) for f in rule.fields) or NOT_APPLICABLE,
            rule.dimension.value,
            rule.severity.value,
            format_int(rule.evaluated),
            format_int(rule.failed),
            format_rate(rule),
            f"{rule.threshold * 100:.2f}%",
        ]
        for rule in result.rules
    ]
    header = ["Status", "Rule", "Check", "Field(s)", "Dimension", "Severity", "Evaluated", "Failed"]
    header += ["Pass rate", "Threshold"]
    return "## Rules\n\n" + _table(header, "llllllrrrr", rows)


def _projection(result: AuditResult) -> str:
    rules = projected_rules(result)
    if not rules:
        return ""
    header = ["Rule", *projection_header(rules[0])]
    rows = [[code(rule.id), *projection_row(rule)[:-1], text(projection_row(rule)[-1])] for rule in rules]
    table = _table(header, "l" + "r" * (len(header) - 2) + "l", rows)
    return f"## {PROJECTION_TITLE}\n\n{PROJECTION_NOTE}\n\n{table}"


def _samples(result: AuditResult, samples: dict[str, list[Sample]], reveal_values: bool) -> str:
    rules = [rule for rule in result.rules if shows_samples(rule) and samples.get(rule.id)]
    if not rules:
        return ""
    noun = "values" if reveal_values else "masked values"
    lines = [
        "<details>",
        f"<summary>Failing records: first {SAMPLES_PER_RULE} per rule for {len(rules)} "
        f"rule{'s' if len(rules) != 1 else ''} ({noun})</summary>",
    ]
    for rule in rules:
        shown = samples[rule.id]
        more = rule.failed - len(shown)
        lines += ["", f"#### {_STATUS[rule.status]} {code(rule.id)} — {format_int(rule.failed)} failed", ""]
        rows = [
            [code(s.source), _line(s.line), code(s.record_key), _value(s.value), text(s.message)]
            for s in shown
        ]
        lines.append(_table(["Source", "Line", "Record key", "Value", "Message"], "lrlll", rows))
        if more > 0:
            lines += ["", f"…and {format_int(more)} more in the findings file."]
    lines += ["", "</details>"]
    return "\n".join(lines)


def _value(value: str | None) -> str:
    return "_(missing)_" if value is None else code(value)


def _line(line: int | None) -> str:
    return NOT_APPLICABLE if line is None else str(line)


def _records(result: AuditResult) -> str:
    r = result.records
    if not r.records or r.mean is None:
        return ""
    parts = [f"mean **{format_score(r.mean)}**", f"median {format_score(r.median)}"]
    parts += [f"p25 {format_score(r.p25)}", f"p10 {format_score(r.p10)}", f"min {format_score(r.minimum)}"]
    if r.perfect_share is not None:
        parts.append(f"{r.perfect_share * 100:.1f}% of records pass every rule")
    return "**Record scores:** " + " · ".join(parts)


def _segments(breakdown: SegmentBreakdown) -> str:
    dimensions = segment_dimensions(breakdown)
    header = [
        text(breakdown.field),
        "Records",
        "Score",
        *(d.value.capitalize() for d in dimensions),
        "Weakest rules",
    ]
    rows = []
    for segment in breakdown.segments:
        scores = {d.dimension: d.score for d in segment.dimensions}
        weakest = ", ".join(f"{code(r.id)} {r.pass_rate * 100:.1f}%" for r in weakest_rules(segment))
        rows.append(
            [
                text(segment_label(segment.value)),
                format_int(segment.records),
                format_score(segment.score),
                *(format_score(scores.get(d)) for d in dimensions),
                weakest or NOT_APPLICABLE,
            ]
        )
    table = _table(header, "lrr" + "r" * len(dimensions) + "l", rows)
    note = f"\n\n`(other)` merges the {breakdown.folded} smallest segments." if breakdown.folded else ""
    rule_ids = [r.id for r in breakdown.segments[0].rules] if breakdown.segments else []
    shown = breakdown.segments[:_SEGMENT_COLUMNS]
    matrix = _table(
        ["Rule", *(text(segment_label(s.value)) for s in shown)],
        "l" + "r" * len(shown),
        (
            [
                code(rule_id),
                *(
                    f"{s.rules[i].pass_rate * 100:.1f}%" if s.rules[i].evaluated else NOT_APPLICABLE
                    for s in shown
                ),
            ]
            for i, rule_id in enumerate(rule_ids)
        ),
    )
    details = f"\n\n<details><summary>Rule pass rates by {text(breakdown.field)}</summary>\n\n{matrix}\n\n</details>"
    return f"## Scores by {text(breakdown.field)}\n\n{table}{note}{details if rule_ids else ''}"


_SEGMENT_COLUMNS = 12


def _lineage(result: AuditResult) -> str:
    if not result.lineage:
        return ""
    paths = source_paths(result)
    rows = []
    for entry in result.lineage:
        origins = "<br>".join(
            f"{code(paths.get(index, f'source {index}'))} → {code(column)} ({text(kind)})"
            for index, column, kind in entry.origins
        )
        transformations = "<br>".join(text(t) for t in entry.transformations)
        purpose = text(entry.purpose) if entry.purpose is not None else NOT_APPLICABLE
        rows.append(
            [
                code(entry.field),
                purpose,
                "yes" if entry.personal else "no",
                origins or NOT_APPLICABLE,
                transformations or NOT_APPLICABLE,
            ]
        )
    return "## Lineage\n\n" + _table(
        ["Field", "Purpose", "Personal", "Origin", "Transformations"], "lllll", rows
    )


def _sources(result: AuditResult) -> str:
    if not result.sources:
        return ""
    rows = [
        [
            str(s.index),
            code(s.path),
            s.format + (f" ({text(s.sheet)})" if s.sheet else ""),
            format_int(s.rows),
            code(s.sha256[:12]),
            text(s.encoding),
            code(s.delimiter) if s.delimiter is not None else NOT_APPLICABLE,
        ]
        for s in result.sources
    ]
    header = ["#", "Path", "Format", "Rows", "SHA-256", "Encoding", "Delimiter"]
    return "## Sources\n\n" + _table(header, "rllrlll", rows)


def _footer(result: AuditResult, reveal_values: bool) -> str:
    run = result.run
    note = (
        "Values are shown unmasked."
        if reveal_values
        else "Values from the data are masked; run with `--reveal-values` to show them."
    )
    return f"<sub>{text(run.tool)} {text(run.version)} · {note}</sub>"
