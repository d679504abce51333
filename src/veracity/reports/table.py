"""The terminal report: what a person running ``veracity audit`` reads first.

Built with rich, rendered to a string so that the CLI decides where it goes. Without colour the
output is plain text that reads the same in a CI log or a file: status words (PASS, WARN,
FAIL) carry the meaning that colour only reinforces. Every string from the data or the rule
file goes in as a :class:`rich.text.Text`, never as markup, so ``[bold]`` in a value is shown
as typed.
"""

from __future__ import annotations

from io import StringIO

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from veracity.reports._common import (
    NOT_APPLICABLE,
    PROJECTION_NOTE,
    PROJECTION_TITLE,
    Sample,
    fixed_console,
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
from veracity.results import AuditResult, RuleResult, SegmentBreakdown
from veracity.vocabulary import Dimension, Severity, Status

__all__ = ["DEFAULT_WIDTH", "SAMPLES_PER_RULE", "render"]

DEFAULT_WIDTH = 100
SAMPLES_PER_RULE = 3

_STATUS_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.NOT_EVALUATED: "yellow",
}
_STATUS_ICON = {Status.PASS: "✔", Status.WARN: "▲", Status.FAIL: "✘", Status.NOT_EVALUATED: "○"}
_HEADING = "bold"
_MUTED = "dim"
_BAR_WIDTH = 20
_SPARK = "▁▂▃▄▅▆▇█"

# A three-row seven-segment font: the overall score is the one number everybody looks for.
_DIGITS = {
    "0": ("╭─╮", "│ │", "╰─╯"),
    "1": ("  ╷", "  │", "  ╵"),
    "2": ("╶─╮", "╭─╯", "╰─╴"),
    "3": ("╶─╮", " ─┤", "╶─╯"),
    "4": ("╷ ╷", "╰─┤", "  ╵"),
    "5": ("╭─╴", "╰─╮", "╶─╯"),
    "6": ("╭─╴", "├─╮", "╰─╯"),
    "7": ("╶─╮", "  │", "  ╵"),
    "8": ("╭─╮", "├─┤", "╰─╯"),
    "9": ("╭─╮", "╰─┤", "╶─╯"),
    ".": (" ", " ", "•"),
    "-": ("   ", "╶─╴", "   "),
}


def render(
    result: AuditResult,
    *,
    reveal_values: bool = False,
    color: bool = False,
    width: int | None = None,
) -> str:
    """The report as terminal text, ``width`` columns wide (default 100), with ANSI colours
    only when ``color`` is set."""
    buffer = StringIO()
    console = fixed_console(buffer, width or DEFAULT_WIDTH, color)
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    sections: list[RenderableType | None] = [
        _header(result),
        _dimensions(result),
        _rules(result),
        _projection(result),
        _samples(result, samples, reveal_values),
        _record_scores(result),
        *(_segments(b) for b in result.segments),
        _lineage(result),
        _sources(result),
        _footer(result, reveal_values),
    ]
    for section in sections:
        if section is not None:
            console.print(section)
            console.print()
    text = buffer.getvalue()
    if not color:
        # rich pads every line to the full width; trailing blanks only bloat logs and files.
        text = "\n".join(line.rstrip() for line in text.splitlines())
    return text.rstrip("\n") + "\n"


def _t(value: str | None, style: str = "") -> Text:
    """Untrusted text as a renderable: no markup, control characters made visible."""
    if value is None:
        return Text(NOT_APPLICABLE, style=_MUTED)
    return Text(printable(value), style=style)


def _big_number(score: float | None, style: str) -> Text:
    # No score (nothing was evaluated) shows as a dash: a number there would be invented.
    shown = "-" if score is None else f"{score:.2f}"
    glyphs = [_DIGITS[c] for c in shown if c in _DIGITS]
    rows = [" ".join(glyph[row] for glyph in glyphs) for row in range(3)]
    big = Text(style=style)
    for i, row in enumerate(rows):
        big.append(row)
        if i == 1:
            big.append("  / 100", style="bold")
        if i < 2:
            big.append("\n")
    return big


def _score_style(score: float | None) -> str:
    if score is None:
        return _MUTED
    if score >= 90:
        return "green"
    if score >= 75:
        return "yellow"
    return "red"


_HEADER_REASONS = 4


def _header(result: AuditResult) -> Panel:
    gate = result.gate
    gate_style = "bold green" if gate.passed else "bold red"
    verdict = Text.assemble(
        ("✔ PASS" if gate.passed else "✘ FAIL", gate_style),
        ("   quality gate", _MUTED),
        (f" · minimum score {gate.min_score:.2f}" if gate.min_score is not None else "", _MUTED),
    )
    lines: list[Text] = [verdict]
    # The rules table lists every failure; the header names the first few so it stays short.
    shown = gate.reasons[:_HEADER_REASONS]
    lines.extend(Text.assemble(("• ", _MUTED), _t(reason)) for reason in shown)
    if len(gate.reasons) > len(shown):
        lines.append(Text(f"… and {len(gate.reasons) - len(shown)} more (see Rules)", style=_MUTED))
    if gate.passed and not gate.reasons:
        lines.append(Text("all gate conditions met", style=_MUTED))
    # Warnings did not decide the gate, but a reader who sees PASS must see them too.
    shown_warnings = gate.warnings[:_HEADER_REASONS]
    lines.extend(Text.assemble(("▲ ", "yellow"), _t(warning)) for warning in shown_warnings)
    if len(gate.warnings) > len(shown_warnings):
        lines.append(Text(f"… and {len(gate.warnings) - len(shown_warnings)} more warnings", style=_MUTED))

    top = Table.grid(padding=(0, 4))
    top.add_column(no_wrap=True)
    top.add_column(ratio=1)
    number_style = _MUTED if result.score is None else gate_style
    top.add_row(_big_number(result.score, number_style), Group(*lines))

    run = result.run
    counts = Text(style=_MUTED)
    counts.append("as of ")
    counts.append_text(_t(run.as_of, "bold not dim"))
    counts.append(f" · {_plural(result.records.records, 'record')}")
    counts.append(f" · {_plural(len(result.sources), 'source')} · {_plural(len(result.rules), 'rule')}")
    provenance = Text(style=_MUTED)
    if run.rule_file is not None:
        provenance.append("rules ")
        provenance.append_text(_t(run.rule_file, "not dim"))
        if run.rule_file_sha256:
            provenance.append(f" (sha256 {run.rule_file_sha256[:12]})")
    if run.key is not None:
        provenance.append(" · key " if provenance else "key ")
        provenance.append_text(_t(run.key, "not dim"))
    return Panel(
        Group(top, Text(), counts, provenance) if provenance else Group(top, Text(), counts),
        title=Text("veracity · data quality audit", style=_HEADING),
        title_align="left",
        border_style="green" if gate.passed else "red",
        box=box.ROUNDED,
        padding=(1, 2),
    )


def _plural(count: int, noun: str) -> str:
    return f"{format_int(count)} {noun}{'' if count == 1 else 's'}"


def _section(title: str) -> Table:
    return Table(
        title=Text(title, style=_HEADING),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style=_HEADING,
        expand=False,
        # Two spaces between columns instead of three: the rules and sources tables need the room.
        collapse_padding=True,
    )


def _bar(score: float | None, rules: int = 0) -> Text:
    if score is None:
        return Text("not evaluated" if rules else "not run", style=_MUTED)
    # Rounded down: a full bar must mean a perfect score, not 97.5.
    filled = int(max(0.0, min(score, 100.0)) / 100 * _BAR_WIDTH)
    return Text.assemble(("█" * filled, _score_style(score)), ("░" * (_BAR_WIDTH - filled), _MUTED))


def _dimensions(result: AuditResult) -> Table | None:
    if not result.dimensions:
        return None
    table = _section("Dimensions")
    table.add_column("Dimension")
    table.add_column("Score", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column("Rules", justify="right")
    table.add_column("Evaluated", justify="right")
    table.add_column("Failed", justify="right")
    for d in result.dimensions:
        table.add_row(
            d.dimension.value.capitalize(),
            Text(format_score(d.score), style=_score_style(d.score)),
            _bar(d.score, d.rules),
            format_int(d.rules),
            format_int(d.evaluated),
            Text(format_int(d.failed), style="red" if d.failed else ""),
        )
    return table


_SHORT_DIMENSION = {
    Dimension.COMPLETENESS: "Compl.",
    Dimension.VALIDITY: "Valid.",
    Dimension.UNIQUENESS: "Uniq.",
    Dimension.TIMELINESS: "Timel.",
    Dimension.CONSISTENCY: "Consist.",
    Dimension.CONSENT: "Consent",
}


def _segments(breakdown: SegmentBreakdown) -> Table:
    table = _section(f"Scores by {printable(breakdown.field)}")
    dimensions = segment_dimensions(breakdown)
    table.add_column(_t(breakdown.field))
    table.add_column("Records", justify="right")
    table.add_column("Score", justify="right")
    for dimension in dimensions:
        table.add_column(_SHORT_DIMENSION[dimension], justify="right")
    table.add_column("Weakest rules")
    for segment in breakdown.segments:
        scores = {d.dimension: d.score for d in segment.dimensions}
        weakest = ", ".join(f"{r.id} {r.pass_rate * 100:.0f}%" for r in weakest_rules(segment, limit=2))
        table.add_row(
            _t(segment_label(segment.value)),
            format_int(segment.records),
            Text(format_score(segment.score), style=_score_style(segment.score)),
            *(Text(format_score(scores.get(d)), style=_score_style(scores.get(d))) for d in dimensions),
            _t(weakest or "—", _MUTED if not weakest else ""),
        )
    if breakdown.folded:
        table.caption = f"(other) merges the {breakdown.folded} smallest segments"
    return table


def _status(status: Status) -> Text:
    word = status.value.replace("_", " ").upper()
    return Text(f"{_STATUS_ICON[status]} {word}", style=_STATUS_STYLE[status])


def _rules(result: AuditResult) -> Table | Text:
    if not result.rules:
        return Text("No rules were run.", style=_MUTED)
    table = _section("Rules")
    table.add_column("Status", no_wrap=True)
    # Check and fields go under the rule id: nine separate columns do not fit 100 columns
    # without folding ids mid-word, and the id is what people search the rule file for.
    table.add_column(Text.assemble(("Rule", _HEADING), ("  check · field(s)", _MUTED)), overflow="fold")
    table.add_column("Dimension", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Evaluated", justify="right", no_wrap=True)
    table.add_column("Failed", justify="right", no_wrap=True)
    table.add_column("Pass rate", justify="right", no_wrap=True)
    for rule in result.rules:
        table.add_row(
            _status(rule.status),
            Text.assemble(_t(rule.id, "bold"), "\n", _t(_check_on(rule), _MUTED)),
            rule.dimension.value,
            Text(rule.severity.value, style="" if rule.severity is Severity.ERROR else _MUTED),
            format_int(rule.evaluated),
            Text(format_int(rule.failed), style="red" if rule.failed else ""),
            Text(format_rate(rule), style=_STATUS_STYLE[rule.status] if rule.evaluated else _MUTED),
        )
    return table


def _projection(result: AuditResult) -> Group | None:
    rules = projected_rules(result)
    if not rules:
        return None
    table = _section(f"{PROJECTION_TITLE} (failing)")
    table.add_column("Rule", overflow="fold")
    for name in projection_header(rules[0])[:-1]:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("Basis", overflow="fold")
    for rule in rules:
        *shares, basis = projection_row(rule)
        table.add_row(_t(rule.id, "bold"), *shares, _t(basis, _MUTED))
    return Group(table, Text(PROJECTION_NOTE, style=_MUTED))


def _check_on(rule: RuleResult) -> str:
    return f"{rule.check} · {', '.join(rule.fields)}" if rule.fields else rule.check


def _rule_heading(rule: RuleResult) -> Text:
    heading = Text.assemble(_status(rule.status), "  ", _t(rule.id, "bold"))
    heading.append(f"  {format_int(rule.failed)} of {format_int(rule.evaluated)} failed", style="red")
    heading.append(f" · pass rate {format_rate(rule)}, required {rule.threshold * 100:.2f}%", style=_MUTED)
    if rule.too_few_evaluated:
        heading.append(f" · fewer than min_evaluated {format_int(rule.min_evaluated or 0)}", style="red")
    return heading


def _samples(result: AuditResult, samples: dict[str, list[Sample]], reveal_values: bool) -> Group | None:
    rules = [rule for rule in result.rules if shows_samples(rule) and samples.get(rule.id)]
    if not rules:
        return None
    kind = "values" if reveal_values else "masked values"
    parts: list[RenderableType] = [
        Text.assemble(("Failing records", _HEADING), (f"  first {SAMPLES_PER_RULE} per rule, {kind}", _MUTED))
    ]
    for rule in rules:
        shown = samples[rule.id]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold", max_width=24)
        grid.add_column(overflow="fold")
        grid.add_column(overflow="fold", style=_MUTED)
        for sample in shown:
            grid.add_row(
                _t(sample.position, "cyan"),
                _t(sample.record_key),
                _sample_value(sample.value),
                _t(sample.message, _MUTED),
            )
        more = rule.failed - len(shown)
        if more > 0:
            grid.add_row(Text(f"… and {format_int(more)} more", style=_MUTED), "", "", "")
        parts += [Text(), _rule_heading(rule), Padding(grid, (0, 0, 0, 4))]
    return Group(*parts)


def _sample_value(value: str | None) -> Text:
    if value is None:
        return Text("(missing)", style="italic dim")
    return _t(value, "bold")


def _record_scores(result: AuditResult) -> Table | None:
    r = result.records
    if not r.records or r.mean is None:
        return None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style=_HEADING, no_wrap=True)
    grid.add_column()
    stats = [("mean", r.mean), ("median", r.median), ("p25", r.p25), ("p10", r.p10), ("min", r.minimum)]
    grid.add_row("Record scores", " · ".join(f"{name} {format_score(value)}" for name, value in stats))
    details = Text()
    if r.perfect_share is not None:
        details.append(f"{r.perfect_share * 100:.1f}% of records pass every rule")
    if r.histogram:
        if details:
            details.append("   ")
        details.append_text(_histogram(r.histogram))
    if details:
        grid.add_row("", details)
    return grid


def _histogram(bins: list[tuple[float, float, int]]) -> Text:
    """A one-line sparkline of the bins; an empty bin stays blank so that a bin with a single
    record is still distinguishable from none."""
    peak = max(count for _, _, count in bins) or 1
    top = len(_SPARK) - 1
    spark = "".join(_SPARK[min(top, round(count / peak * top))] if count else " " for _, _, count in bins)
    return Text.assemble(
        (f"{bins[0][0]:g} ", _MUTED),
        ("▕", _MUTED),
        (spark, "cyan"),
        ("▏", _MUTED),
        (f" {bins[-1][1]:g}", _MUTED),
    )


def _lineage(result: AuditResult) -> Table | None:
    if not result.lineage:
        return None
    paths = source_paths(result)
    table = _section("Lineage")
    # A long purpose wraps under the name rather than squeezing the origins.
    table.add_column("Field", overflow="fold", max_width=16)
    table.add_column("From", overflow="fold")
    table.add_column("Transformations", overflow="fold")
    for entry in result.lineage:
        origins = Text("\n").join(
            Text.assemble(
                _t(paths.get(index, f"source {index}")),
                (" › ", _MUTED),
                _t(column),
                # Text formats always read strings; only a typed source's own type tells anything.
                ("" if kind == "string" else f" ({printable(kind)})", _MUTED),
            )
            for index, column, kind in entry.origins
        )
        notes = Text("\n").join(_t(t) for t in entry.transformations) if entry.transformations else None
        # The purpose and the personal flag go under the name, so that the origins and notes
        # keep the width of the line.
        field = Text.assemble(
            _t(entry.field, "bold"), ("\npersonal" if entry.personal else "\nnot personal", _MUTED)
        )
        if entry.purpose is not None:
            field.append_text(Text.assemble("\npurpose: ", _t(entry.purpose)))
        table.add_row(
            field,
            origins,
            notes if notes is not None else Text(NOT_APPLICABLE, style=_MUTED),
        )
    return table


def _sources(result: AuditResult) -> Table | None:
    if not result.sources:
        return None
    table = _section("Sources")
    table.add_column("#", justify="right")
    # Paths are what people copy; keep them on one line unless they are very long.
    table.add_column("Path", overflow="fold", min_width=min(48, max(len(s.path) for s in result.sources)))
    table.add_column("Format")
    table.add_column("Rows", justify="right", no_wrap=True)
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("SHA-256", no_wrap=True)
    table.add_column("Encoding")
    table.add_column("Delimiter")
    for s in result.sources:
        table.add_row(
            str(s.index),
            _t(s.path),
            s.format + (f" ({printable(s.sheet)})" if s.sheet else ""),
            format_int(s.rows),
            _size(s.size),
            Text(s.sha256[:12], style=_MUTED),
            _t(s.encoding),
            _t(repr(s.delimiter)[1:-1] if s.delimiter is not None else None),
        )
    return table


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def _footer(result: AuditResult, reveal_values: bool) -> Text:
    run = result.run
    footer = Text(style=_MUTED)
    footer.append_text(_t(f"{run.tool} {run.version}"))
    footer.append(f" · {run.started_at} · {run.duration_seconds:.2f} s · ")
    if reveal_values:
        footer.append("values shown unmasked", style="bold yellow")
    else:
        footer.append("values masked; --reveal-values shows them")
    return footer
