"""The JUnit XML report: every rule as a test case, for CI systems that chart test results.

Jenkins, GitLab, Azure DevOps and most test-report actions read this format; the structure
follows Ant's JUnit XML as those tools accept it (``testsuites`` > ``testsuite`` >
``properties``, ``testcase``, ``system-out``). Mapping:

- a rule is a ``testcase`` named ``rule-id[field,…]``, classname ``veracity.<dimension>``;
- a failed error rule (status FAIL) has a ``failure``: the pass rate against the threshold,
  with the first failing records (masked) as ``source:line`` in the body;
- a warning (status WARN) passes, with a ``system-out`` note, as it does not fail the gate;
- a rule that evaluated no record (status NOT_EVALUATED) is ``skipped``, with a message
  saying so: nothing was tested;
- a rule that evaluated fewer records than its ``min_evaluated`` fails, saying so;
- the overall score and the gate decision are ``properties`` of the suite.

Text from the data or the rule file has control characters made visible first: XML 1.0
cannot carry most of them at all, not even as character references.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from veracity.reports._common import (
    Sample,
    findings_by_rule,
    format_int,
    format_rate,
    format_score,
    location_of,
    printable,
    projected_rules,
    samples_by_rule,
    segment_label,
)
from veracity.results import AuditResult, RuleResult
from veracity.vocabulary import Status

__all__ = ["SAMPLES_PER_RULE", "render", "testcase_name"]

SAMPLES_PER_RULE = 5

# What printable() leaves that XML 1.0 still forbids: lone surrogates (from undecodable bytes
# kept with surrogateescape) and the two non-characters U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def render(result: AuditResult, *, reveal_values: bool = False) -> str:
    """The report as a JUnit XML document (UTF-8 declared), ending with a newline."""
    samples = samples_by_rule(result, SAMPLES_PER_RULE, reveal_values=reveal_values)
    counts = findings_by_rule(result)
    failures = sum(1 for rule in result.rules if rule.status is Status.FAIL)
    skipped = sum(1 for rule in result.rules if _skipped(rule))
    totals = {
        "tests": str(len(result.rules)),
        "failures": str(failures),
        # errors are for tests that could not run; an audit that could not run has no report.
        "errors": "0",
        "skipped": str(skipped),
        "time": f"{result.run.duration_seconds:.3f}",
    }
    # The root repeats the totals for readers that only look at it, except ``skipped``, which
    # the Jenkins schema does not allow there.
    root = ET.Element(
        "testsuites", {"name": _x(result.run.tool), **{k: v for k, v in totals.items() if k != "skipped"}}
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": _x(result.run.rule_file or result.run.tool),
            **totals,
            "timestamp": _x(result.run.started_at),
        },
    )
    _properties(ET.SubElement(suite, "properties"), result)
    for rule in result.rules:
        _testcase(suite, rule, samples.get(rule.id, []), counts.get(rule.id, 0), reveal_values)
    ET.SubElement(suite, "system-out").text = _suite_summary(result, reveal_values)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def testcase_name(rule: RuleResult) -> str:
    """``email-valid[email]``: the rule id, unique in a rule file, with the fields it reads, so
    that a CI's test list says what was checked."""
    return f"{rule.id}[{','.join(rule.fields)}]" if rule.fields else rule.id


def _x(text: str) -> str:
    """Text from the data or the rule file, made representable in XML 1.0."""
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", printable(text))


def _skipped(rule: RuleResult) -> bool:
    return rule.status is Status.NOT_EVALUATED


def _properties(properties: ET.Element, result: AuditResult) -> None:
    run = result.run
    entries: list[tuple[str, str | None]] = [
        ("score", format_score(result.score) if result.score is not None else None),
        ("gate", "pass" if result.gate.passed else "fail"),
        (
            "gate.min_score",
            format_score(result.gate.min_score) if result.gate.min_score is not None else None,
        ),
        *(
            (f"score.{d.dimension.value}", format_score(d.score) if d.score is not None else None)
            for d in result.dimensions
        ),
        ("records", str(result.records.records)),
        ("findings", str(sum(findings_by_rule(result).values()))),
        ("as_of", run.as_of),
        ("rule_file", run.rule_file),
        ("rule_file_sha256", run.rule_file_sha256),
        ("key", run.key),
        ("version", run.version),
    ]
    # Segments (--by) as properties: JUnit has no other place for per-group numbers, and CI
    # test-report views list properties next to the suite.
    for breakdown in result.segments:
        for segment in breakdown.segments:
            prefix = f"segment.{breakdown.field}.{segment_label(segment.value)}"
            if segment.score is not None:
                entries.append((f"{prefix}.score", format_score(segment.score)))
            entries += [
                (f"{prefix}.{r.id}.pass_rate", f"{r.pass_rate:.6f}") for r in segment.rules if r.evaluated
            ]
    # The decay projection of max_age rules: what CI views can plot beside the score.
    for rule in projected_rules(result):
        if rule.projection is not None:
            prefix = f"projection.{rule.id}"
            entries.append((f"{prefix}.basis", rule.projection.basis_text))
            entries += [(f"{prefix}.{p.months}m.share", f"{p.share:.6f}") for p in rule.projection.points]
    for name, value in entries:
        # An absent value is left out rather than written as "": "" would read as a value.
        if value is not None:
            ET.SubElement(properties, "property", {"name": _x(name), "value": _x(value)})


def _testcase(
    suite: ET.Element, rule: RuleResult, samples: list[Sample], findings: int, reveal: bool
) -> None:
    # Rules run in one pass over the data, so no rule has a time of its own; the suite's time
    # is the audit's. Ant's format and several readers expect the attribute on every case.
    case = ET.SubElement(
        suite,
        "testcase",
        {"name": _x(testcase_name(rule)), "classname": f"veracity.{rule.dimension.value}", "time": "0"},
    )
    outcome = _outcome(rule)
    if rule.status is Status.FAIL:
        failure = ET.SubElement(case, "failure", {"message": outcome, "type": _x(rule.check)})
        failure.text = _details(rule, samples, findings, reveal)
    elif rule.status is Status.WARN:
        ET.SubElement(case, "system-out").text = (
            f"warning: {outcome}; a warning does not fail the quality gate.\n"
            + _details(rule, samples, findings, reveal)
        )
    elif _skipped(rule):
        reason = "no record was evaluated"
        if rule.when:
            reason += f" (when: {rule.when})"
        reason += "; the rule is left out of the scores"
        ET.SubElement(case, "skipped", {"message": _x(reason)})


def _outcome(rule: RuleResult) -> str:
    if rule.too_few_evaluated:
        return (
            f"{format_int(rule.evaluated)} records were evaluated, fewer than min_evaluated "
            f"{format_int(rule.min_evaluated or 0)}"
        )
    return (
        f"pass rate {format_rate(rule)} is below the threshold {rule.threshold * 100:.2f}% "
        f"({format_int(rule.failed)} of {format_int(rule.evaluated)} records failed)"
    )


def _details(rule: RuleResult, samples: list[Sample], findings: int, reveal: bool) -> str:
    lines = []
    if rule.description:
        lines.append(_x(rule.description))
    if rule.location is not None:
        lines.append(f"rule: {_x(location_of(rule) or '')}")
    if samples:
        noun = "values" if reveal else "masked values"
        lines.append(f"first {len(samples)} failing records ({noun}):")
        lines.extend(f"  {_sample(s)}" for s in samples)
        if findings > len(samples):
            lines.append(f"  … and {format_int(findings - len(samples))} more in the findings file")
    return "\n".join(lines) + "\n"


def _sample(sample: Sample) -> str:
    value = "value missing" if sample.value is None else f"value '{_x(sample.value)}'"
    parts = [_x(sample.position)]
    if sample.record_key is not None:
        parts.append(f"key {_x(sample.record_key)}")
    parts.append(value)
    if sample.message:
        parts.append(_x(sample.message))
    return "  ".join(parts)


def _suite_summary(result: AuditResult, reveal: bool) -> str:
    gate = result.gate
    lines = [f"score {format_score(result.score)} / 100; quality gate {'PASS' if gate.passed else 'FAIL'}"]
    lines.extend(f"- {_x(reason)}" for reason in gate.reasons)
    lines.extend(f"- warning: {_x(warning)}" for warning in gate.warnings)
    lines.append("Values are shown unmasked." if reveal else "Values from the data are masked.")
    return "\n".join(lines) + "\n"
