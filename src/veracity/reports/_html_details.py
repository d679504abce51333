"""The HTML report's sections for check-specific details (e.g. a duplicates rule's clusters),
and the display helpers the HTML report shares with them.

Details come from check-specific code with no fixed shape, so they are rendered from their
``to_dict()`` without knowing it; the caps below keep one large object (a trained model,
thousands of clusters) from turning the page into a data dump.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

import polars as pl

from veracity.reports._common import NOT_APPLICABLE, format_int, printable
from veracity.results import AuditResult

__all__ = ["DETAIL_ROWS", "anchor", "count", "details_sections", "display"]

#: Rows shown of each list found in a rule's details (e.g. the first duplicate clusters).
DETAIL_ROWS = 5

_DETAIL_FACTS = 40
_DETAIL_TEXT = 120
_DETAIL_LIST_ITEMS = 8


def display(value: object) -> str:
    """Any value from the data or the rule file as display text."""
    return NOT_APPLICABLE if value is None else printable(str(value))


def count(n: int, noun: str) -> str:
    return f"{format_int(n)} {noun}{'' if n == 1 else 's'}"


def anchor(rule_id: str) -> str:
    """An id attribute for a rule's section: rule ids may hold any character, and an
    attribute value is escaped anyway, but a fragment link needs no spaces to stay one word."""
    return "rule-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in rule_id)


def details_sections(result: AuditResult) -> list[dict[str, Any]]:
    """Check-specific results (e.g. a duplicates rule's clusters), rendered from their
    ``to_dict()`` without knowing their shape: scalars as facts, nested objects flattened into
    dotted facts, lists of objects as tables of their first rows. The first clusters come from
    the findings' ``cluster_id``, which every check that clusters records fills."""
    order = {rule.id: i for i, rule in enumerate(result.rules)}
    rule_ids = sorted(result.details, key=lambda rule_id: (order.get(rule_id, len(order)), rule_id))
    rules = {rule.id: rule for rule in result.rules}
    sections = []
    for rule_id in rule_ids:
        details = result.details[rule_id]
        data = details.to_dict() if hasattr(details, "to_dict") else details
        facts: list[tuple[str, str]] = []
        tables: list[dict[str, Any]] = []
        if isinstance(data, Mapping):
            _collect_details(data, "", facts, tables)
        else:
            facts.append(("Details", _detail_text(data)))
        clusters = _clusters_in_findings(result.findings, rule_id)
        if clusters is not None:
            tables.insert(0, clusters)
        rule = rules.get(rule_id)
        sections.append(
            {
                "rule_id": display(rule_id),
                "anchor": anchor(rule_id) + "-details",
                "check": display(rule.check) if rule else None,
                "facts": facts[:_DETAIL_FACTS],
                "facts_left_out": max(0, len(facts) - _DETAIL_FACTS),
                "tables": tables,
            }
        )
    return sections


def _collect_details(
    data: Mapping[Any, Any], prefix: str, facts: list[tuple[str, str]], tables: list[dict[str, Any]]
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _collect_details(value, f"{name}.", facts, tables)
        elif _is_list(value) and value and all(isinstance(item, Mapping) for item in value):
            tables.append(_detail_table(name, value))
        else:
            facts.append((_label(name), _detail_text(value)))


def _detail_table(name: str, items: Sequence[Mapping[Any, Any]]) -> dict[str, Any]:
    shown = items[:DETAIL_ROWS]
    columns: list[Any] = []
    for item in shown:
        columns.extend(key for key in item if key not in columns)
    return {
        "title": _label(name),
        "count": format_int(len(items)),
        "columns": [_label(str(column)) for column in columns],
        "rows": [
            [_detail_text(item.get(column)) if column in item else "" for column in columns] for item in shown
        ],
        "left_out": format_int(len(items) - len(shown)) if len(items) > len(shown) else None,
        "note": None,
    }


def _is_list(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, list | tuple)


def _label(key: str) -> str:
    """``records_in_clusters`` -> ``Records in clusters``; dotted paths keep their dots."""
    text = printable(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _detail_text(value: object) -> str:
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return format_int(value)
    if isinstance(value, float):
        return f"{value:,.6g}" if math.isfinite(value) else NOT_APPLICABLE
    if _is_list(value):
        return _detail_list(value)
    if isinstance(value, Mapping):
        # An object inside a table cell (e.g. one level of a trained comparison).
        return " ".join(f"{printable(str(k))}={_detail_text(v)}" for k, v in value.items())
    return _shorten(printable(str(value)))


def _shorten(text: str) -> str:
    return text if len(text) <= _DETAIL_TEXT else text[: _DETAIL_TEXT - 1] + "…"


def _detail_list(items: Sequence[Any]) -> str:
    if not items:
        return NOT_APPLICABLE
    if items and all(isinstance(item, Mapping) and "source" in item for item in items):
        # Record references (e.g. a cluster's members) read best as source:line.
        parts = [_position(item) for item in items[:_DETAIL_LIST_ITEMS]]
    else:
        parts = [_detail_text(item) for item in items[:_DETAIL_LIST_ITEMS]]
    separator = "; " if any(isinstance(item, Mapping) for item in items) else ", "
    more = len(items) - _DETAIL_LIST_ITEMS
    return separator.join(parts) + (f" … (+{format_int(more)})" if more > 0 else "")


def _position(item: Mapping[Any, Any]) -> str:
    source = display(item.get("source"))
    line = item.get("line")
    return source if line is None else f"{source}:{display(line)}"


def _clusters_in_findings(findings: pl.DataFrame, rule_id: str) -> dict[str, Any] | None:
    """A table of the rule's first clusters as the findings hold them, or None without any.

    Only failing records are findings: a cluster's first record passes and is not listed, so
    this counts the records flagged, not every member."""
    if not findings.height or "cluster_id" not in findings.columns:
        return None
    flagged = findings.lazy().filter((pl.col("rule") == rule_id) & pl.col("cluster_id").is_not_null())
    clusters = (
        flagged.group_by("cluster_id")
        .agg(
            pl.len().alias("records"),
            pl.col("source").cast(pl.String),
            pl.col("line"),
            pl.col("record_key"),
            pl.col("message").first(),
        )
        .sort("cluster_id")
        .collect()
    )
    if not clusters.height:
        return None
    rows = []
    for row in clusters.head(DETAIL_ROWS).iter_rows(named=True):
        positions = [
            f"{display(source)}:{line}" if line is not None else display(source)
            for source, line in zip(row["source"], row["line"], strict=True)
        ]
        keys = [display(key) for key in row["record_key"] if key is not None]
        rows.append(
            [
                display(row["cluster_id"]),
                format_int(row["records"]),
                _detail_list(positions),
                _detail_list(keys) if keys else NOT_APPLICABLE,
                _shorten(display(row["message"])),
            ]
        )
    total = int(clusters["records"].sum())
    return {
        "title": "Clusters in the findings",
        "count": format_int(clusters.height),
        "columns": ["Cluster", "Records flagged", "Where", "Record keys", "Message"],
        "rows": rows,
        "left_out": format_int(clusters.height - len(rows)) if clusters.height > len(rows) else None,
        "note": f"{count(total, 'record')} flagged in {count(clusters.height, 'cluster')}; "
        "each cluster's first record passes and is not a finding.",
    }
