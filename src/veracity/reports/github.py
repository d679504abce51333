"""The GitHub Actions report: workflow-command annotations and the job summary.

``render`` prints ``::error`` / ``::warning`` commands that GitHub shows on the run's summary
page and, for a rule file in the repository, beside the rule's line in the pull request's
diff: one per failed error rule (FAIL) and per warning (WARN), the worst (lowest pass rate)
first, then a warning per rule that evaluated no record (NOT_EVALUATED), at most
:data:`MAX_ANNOTATIONS` of each kind (GitHub itself shows only 10 per kind and step). A last
plain line sums up. :func:`append_step_summary` adds the Markdown report to the
job summary (``$GITHUB_STEP_SUMMARY``).

The runner reads every line of a step's output that starts with ``::`` as a command, so all
text from the data or the rule file is escaped as the workflow-command syntax requires: a
line break in a value can neither end the annotation early nor start a command of its own.
"""

from __future__ import annotations

from pathlib import Path

from veracity._atomic import StrPath
from veracity.reports import markdown
from veracity.reports._common import (
    Sample,
    format_int,
    format_rate,
    format_score,
    printable,
    projected_rules,
    samples_by_rule,
)
from veracity.results import AuditResult, RuleResult
from veracity.vocabulary import Status

__all__ = [
    "MAX_ANNOTATIONS",
    "SAMPLES_PER_RULE",
    "append_step_summary",
    "escape_data",
    "escape_property",
    "render",
]

#: Annotations per kind (error, warning).
MAX_ANNOTATIONS = 10
#: Failing records quoted in each annotation; the job summary and the findings file have more.
SAMPLES_PER_RULE = 3


def render(result: AuditResult, *, reveal_values: bool = False) -> str:
    """The annotations, then one summary line; ends with a newline."""
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    lines: list[str] = []
    counts: dict[Status, int] = {}
    for status, command in ((Status.FAIL, "error"), (Status.WARN, "warning")):
        rules = _worst(result.rules, status)
        counts[status] = len(rules)
        lines.extend(
            _annotation(command, rule, samples.get(rule.id, []), result) for rule in rules[:MAX_ANNOTATIONS]
        )
    # Warning annotations share GitHub's limit, so rules that evaluated nothing come after the
    # rules that warned about the data.
    room = max(0, MAX_ANNOTATIONS - counts[Status.WARN])
    unevaluated = [rule for rule in result.rules if rule.status is Status.NOT_EVALUATED]
    lines.extend(_annotation("warning", rule, [], result) for rule in unevaluated[:room])
    lines.extend(_projection(rule, result) for rule in projected_rules(result))
    lines.append(_summary(result, counts[Status.FAIL], counts[Status.WARN], len(unevaluated)))
    return "\n".join(lines) + "\n"


def append_step_summary(result: AuditResult, path: StrPath, *, reveal_values: bool = False) -> None:
    """Append the Markdown report to the job summary file at ``path`` (``$GITHUB_STEP_SUMMARY``),
    creating it if missing."""
    report = markdown.render(result, reveal_values=reveal_values)
    target = Path(path)
    # Earlier output of the same step may not end its last line; Markdown needs a blank line
    # before a heading, or the report's title would run on as part of that paragraph.
    previous = target.read_bytes()[-2:] if target.exists() else b""
    separator = "" if previous in (b"", b"\n\n") else ("\n" if previous.endswith(b"\n") else "\n\n")
    with target.open("a", encoding="utf-8", newline="\n") as summary:
        summary.write(separator + report)


def escape_data(text: str) -> str:
    """A command's message, escaped as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command property's value: ``:`` and ``,`` would end the value early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _worst(rules: list[RuleResult], status: Status) -> list[RuleResult]:
    """Rules of ``status``, lowest pass rate first; ties by rule order (sort is stable)."""
    return sorted((rule for rule in rules if rule.status is status), key=lambda rule: rule.pass_rate)


def _annotation(command: str, rule: RuleResult, samples: list[Sample], result: AuditResult) -> str:
    properties = []
    location = rule.location
    path = location.path if location is not None else result.run.rule_file
    if path:
        properties.append(f"file={escape_property(printable(path))}")
        if location is not None and location.line is not None:
            properties.append(f"line={location.line}")
            if location.column is not None:
                properties.append(f"col={location.column}")
    verdict = {Status.FAIL: "failed", Status.NOT_EVALUATED: "not evaluated"}.get(rule.status, "warning")
    properties.append(f"title={escape_property(printable(f'{rule.id} {verdict} ({rule.dimension.value})'))}")
    return f"::{command} {','.join(properties)}::{escape_data(_message(rule, samples))}"


def _projection(rule: RuleResult, result: AuditResult) -> str:
    """A notice with the rule's decay projection (notices do not count against the limit of
    warnings and errors)."""
    annotation = _annotation("notice", rule, [], result)
    head = annotation[: annotation.index("title=")]
    title = escape_property(printable(f"{rule.id} decay projection"))
    projection = rule.projection
    assert projection is not None  # projected_rules returns these only
    shares = ", ".join(f"{p.share * 100:.1f}% in {p.months} months" for p in projection.points)
    text = f"Projection, if no record is updated: {shares} expected to fail (basis: {projection.basis_text})"
    return f"{head}title={title}::{escape_data(text)}"


def _message(rule: RuleResult, samples: list[Sample]) -> str:
    if rule.status is Status.NOT_EVALUATED:
        return (
            f"{printable(rule.id)}: no record was evaluated, so the rule is left out of the scores; "
            "check its fields and when: condition, or set min_evaluated: to fail the gate"
        )
    if rule.too_few_evaluated:
        return (
            f"{printable(rule.id)}: {format_int(rule.evaluated)} records were evaluated, fewer than "
            f"min_evaluated {format_int(rule.min_evaluated or 0)} (check {printable(rule.check)})"
        )
    lines = [
        f"{printable(rule.id)}: pass rate {format_rate(rule)} is below the threshold {rule.threshold * 100:.2f}% "
        f"({format_int(rule.failed)} of {format_int(rule.evaluated)} records failed; check {printable(rule.check)})"
    ]
    if rule.description:
        lines.append(printable(rule.description))
    for sample in samples:
        value = "value missing" if sample.value is None else f"value '{printable(sample.value)}'"
        key = f" key {printable(sample.record_key)}" if sample.record_key is not None else ""
        message = f": {printable(sample.message)}" if sample.message else ""
        lines.append(f"{printable(sample.position)}{key} {value}{message}")
    if rule.failed > len(samples) and samples:
        lines.append(f"… and {format_int(rule.failed - len(samples))} more")
    return "\n".join(lines)


def _summary(result: AuditResult, failed: int, warned: int, unevaluated: int) -> str:
    decision = "PASS" if result.gate.passed else "FAIL"
    text = (
        f"veracity: score {format_score(result.score)} / 100, quality gate {decision}; "
        f"{failed} rule{'s' if failed != 1 else ''} failed, {warned} warning{'s' if warned != 1 else ''}"
    )
    if unevaluated:
        text += f", {unevaluated} not evaluated"
    if max(failed, warned) > MAX_ANNOTATIONS:
        text += f" (the worst {MAX_ANNOTATIONS} of each annotated)"
    return text
