"""``veracity rules show``: a rule file merged with its includes and settings, as a table, as
YAML (itself a rule file, each rule with the file:line it came from) or as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from veracity.config import ComposedRules, Setting
from veracity.safetext import printable

__all__ = ["SHOW_FORMATS", "render_show", "show_table"]

SHOW_FORMATS = ("table", "yaml", "json")


def _origin(composed: ComposedRules, index: int) -> str:
    location = composed.rule_set.rules[index].location
    return str(location) if location is not None else ""


def show_table(composed: ComposedRules, settings: Sequence[Setting], console: Console) -> None:
    rule_set = composed.rule_set
    table = Table(title=Text(f"{printable(rule_set.path or '')} merged"), show_lines=False)
    table.add_column("rule", style="bold", overflow="fold")
    table.add_column("check · field(s)")
    table.add_column("severity")
    table.add_column("threshold", justify="right")
    table.add_column("from", overflow="fold")
    for index, rule in enumerate(rule_set.rules):
        fields = ", ".join(rule.fields)
        table.add_row(
            printable(rule.id),
            printable(f"{rule.check.name} · {fields}" if fields else rule.check.name),
            rule.severity.value,
            f"{rule.threshold:g}",
            Text(printable(_origin(composed, index))),
        )
    console.print(table)
    console.print(f"files, in merge order: {printable(', '.join(composed.files))}", markup=False)
    for setting in settings:
        console.print(f"set: {printable(setting.text)}", markup=False)
    gate = rule_set.model.gate.min_score
    console.print(f"gate: {'min_score ' + format(gate, 'g') if gate is not None else 'no minimum score'}")


def render_show(composed: ComposedRules, settings: Sequence[Setting], output_format: str) -> str:
    if output_format == "json":
        return _json(composed, settings)
    return _yaml(composed, settings)


def _json(composed: ComposedRules, settings: Sequence[Setting]) -> str:
    report = {
        "files": composed.files,
        "settings": [setting.text for setting in settings],
        "rules": [
            {"id": rule.id, "check": rule.check.name, "from": _origin(composed, index)}
            for index, rule in enumerate(composed.rule_set.rules)
        ],
        "document": composed.data,
    }
    return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"


def _yaml(composed: ComposedRules, settings: Sequence[Setting]) -> str:
    """The merged document as a rule file: loading it gives the same rules. Relative source
    paths are relative to the rule file shown, as in the merged document."""
    data = composed.data
    lines = [
        f"# {printable(composed.rule_set.path or '')} merged from: {printable(', '.join(composed.files))}"
    ]
    lines += [f"# set: {printable(setting.text)}" for setting in settings]
    head = {key: value for key, value in data.items() if key != "rules"}
    head = {"version": head.pop("version", 1), **head}
    lines.append(_dump(head).rstrip("\n"))
    rules = data.get("rules")
    if isinstance(rules, list):
        lines.append("rules:")
        for index, item in enumerate(rules):
            flow = yaml.safe_dump(
                item, default_flow_style=True, width=2**31, sort_keys=False, allow_unicode=True
            )
            lines.append(f"  - {flow.strip()}  # {printable(_origin(composed, index))}")
    return "\n".join(lines) + "\n"


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
