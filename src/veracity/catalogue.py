"""Check documentation, generated from each check's own declaration (docstring + parameters)."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from veracity.checks import REGISTRY, CheckType
from veracity.config.models import COMMON_RULE_KEYS
from veracity.vocabulary import Dimension

__all__ = ["catalogue_markdown", "check_markdown", "parameter_rows"]


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(annotation) if a is not type(None))
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is not None and get_args(annotation):
        if str(origin).endswith("Literal"):
            return " or ".join(repr(a) for a in get_args(annotation))
        return getattr(origin, "__name__", str(origin))
    names = {"str": "text", "int": "integer", "float": "number", "bool": "true/false"}
    return names.get(getattr(annotation, "__name__", ""), getattr(annotation, "__name__", str(annotation)))


def parameter_rows(check: CheckType[Any]) -> list[tuple[str, str, str, str]]:
    """(name, type, required or default, description) for each parameter."""
    rows = []
    for name, info in check.params.model_fields.items():
        rows.append((name, _type_name(info.annotation), _default(info), info.description or ""))
    return rows


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    return "none" if default is None else repr(default)


def check_markdown(check: CheckType[Any]) -> str:
    """The reference page of one check type."""
    sections = check.sections()
    lines = [f"## `{check.name}`", "", f"*{check.dimension.value}* — {sections['summary']}", ""]
    for heading in ("What it checks", "Why it matters"):
        lines += [f"**{heading}.** {' '.join(sections[heading].split())}", ""]
    example = "\n".join(line.removeprefix("    ") for line in sections["Example"].splitlines())
    lines += ["**Example**", "", "```yaml", "rules:", example, "```", "", "**Parameters**", ""]
    lines += ["| parameter | type | default | description |", "|---|---|---|---|"]
    for name, kind, default, description in parameter_rows(check):
        lines.append(f"| `{name}` | {kind} | {default} | {description} |")
    # A check that owns a common key (duplicates' `threshold`) documents it as its own.
    common = [k for k in COMMON_RULE_KEYS if k not in ("id", "check") and k not in check.params.model_fields]
    lines += ["", f"Every rule also takes: {', '.join(f'`{k}`' for k in common)}.", ""]
    return "\n".join(lines)


def catalogue_markdown() -> str:
    """docs/checks.md: every check type, by dimension."""
    lines = [
        "# Check catalogue",
        "",
        "Generated from the check declarations by `veracity rules explain --all`; do not edit by hand.",
        "",
        "| check | dimension | what it checks |",
        "|---|---|---|",
    ]
    ordered = sorted(REGISTRY.values(), key=lambda c: (list(Dimension).index(c.dimension), c.name))
    for check in ordered:
        lines.append(f"| [`{check.name}`](#{check.name}) | {check.dimension.value} | {check.summary} |")
    lines.append("")
    for check in ordered:
        lines.append(check_markdown(check))
    return "\n".join(lines)
