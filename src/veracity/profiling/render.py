"""The profile as text: table (terminal), markdown, json, and one self-contained HTML page.

Every value from the data passes :func:`veracity.safetext.printable` (control and
direction-changing characters shown as escapes), and the HTML page escapes it as well; values
of personal fields arrive masked from :mod:`veracity.profiling.model`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from veracity.profiling.model import FieldProfile, Profile
from veracity.safetext import json_safe, printable

__all__ = ["PROFILE_FORMATS", "render_profile"]

_LABELS = {
    "email": "e-mail",
    "phone": "phone",
    "country": "country code",
    "postal_code": "postal code",
    "iso_date": "ISO date",
    "yes_no": "yes/no",
}
#: A validity share is listed when at least this share of a field's values are valid.
_LISTED_SHARE = 0.05


def _pct(part: int, whole: int) -> str:
    return "—" if not whole else f"{100 * part / whole:.1f}%"


def _int(n: int) -> str:
    return f"{n:,}"


def _validity_text(f: FieldProfile) -> str:
    parts = [
        f"{_LABELS[v.kind]} {_pct(v.valid, v.evaluated)}"
        for v in f.validity
        if v.evaluated and v.valid / v.evaluated >= _LISTED_SHARE
    ]
    return ", ".join(parts) or "—"


def _range_text(f: FieldProfile) -> str:
    if f.minimum is None:
        return "—"
    return f"{printable(f.minimum)} … {printable(f.maximum or '')}"


def _length_text(f: FieldProfile) -> str:
    return "—" if f.min_length is None else f"{f.min_length}–{f.max_length}"


def _top_text(f: FieldProfile, count: int = 3) -> str:
    return ", ".join(f"{printable(v.value)} ({_int(v.count)})" for v in f.top_values[:count]) or "—"


def _shape_text(f: FieldProfile, count: int = 3) -> str:
    return ", ".join(f"{printable(v.value)} ({_int(v.count)})" for v in f.shapes[:count]) or "—"


def _type_text(f: FieldProfile) -> str:
    if f.type == "date" and f.date_format:
        return f"date ({f.date_format})"
    if f.date_format and f.dates >= 0.5 * max(f.filled, 1) and f.type == "string":
        return f"date ({f.date_format or 'ISO 8601'})"
    return f.type


def _distinct_text(f: FieldProfile) -> str:
    return _int(f.distinct) if f.exact else f"{_int(f.distinct)} (hashed)"


def _header(profile: Profile) -> list[str]:
    lines = [
        f"{_int(profile.records)} records in {len(profile.sources)} source"
        f"{'s' if len(profile.sources) != 1 else ''}, {_int(profile.duplicates)} exact duplicate"
        f"{'s' if profile.duplicates != 1 else ''}, {len(profile.fields)} fields"
        + (f", read in {profile.partitions} parts" if profile.partitions > 1 else "")
    ]
    return lines


_COLUMNS: list[tuple[str, Callable[[FieldProfile], str]]] = [
    ("Field", lambda f: printable(f.name)),
    ("Role", lambda f: f.role or "—"),
    ("Type", _type_text),
    ("Filled", lambda f: _pct(f.filled, f.records)),
    ("Distinct", _distinct_text),
    ("Length", _length_text),
    ("Min … max", _range_text),
    ("Valid as", _validity_text),
    ("Top values", _top_text),
    ("Shapes", _shape_text),
]


def _table(profile: Profile) -> str:
    rows = [[get(f) for _, get in _COLUMNS] for f in profile.fields]
    heads = [name for name, _ in _COLUMNS]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads)]
    lines = ["veracity · data profile", *_header(profile), ""]
    lines.append("Sources")
    for s in profile.sources:
        lines.append(
            f"  {printable(s.path)}  {s.format}  {_int(s.records)} records  "
            f"{_int(s.duplicates)} exact duplicates  {len(s.fields)} fields"
        )
    lines += ["", "Fields"]
    lines.append("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip())
    lines.append("─" * (sum(widths) + 2 * (len(widths) - 1)))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    lines.append(
        "Values of personal fields are masked; --reveal-values shows them."
        if profile.masked
        else "Values are shown unmasked (--reveal-values)."
    )
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def _markdown(profile: Profile) -> str:
    lines = ["# Data profile", "", *_header(profile), "", "## Sources", ""]
    lines += ["| Source | Format | Records | Exact duplicates | Fields |", "|---|---|---:|---:|---:|"]
    for s in profile.sources:
        lines.append(
            f"| {_md_cell(printable(s.path))} | {s.format} | {_int(s.records)} | {_int(s.duplicates)} | {len(s.fields)} |"
        )
    lines += ["", "## Fields", ""]
    lines.append("| " + " | ".join(name for name, _ in _COLUMNS) + " |")
    lines.append("|" + "---|" * len(_COLUMNS))
    for f in profile.fields:
        lines.append("| " + " | ".join(_md_cell(get(f)) for _, get in _COLUMNS) + " |")
    lines.append("")
    if profile.masked:
        lines += ["Values of personal fields are masked; `--reveal-values` shows them.", ""]
    return "\n".join(lines)


def _json(profile: Profile) -> str:
    return json_safe(json.dumps(profile.to_dict(), indent=2, ensure_ascii=False)) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #dde1e8;vertical-align:top}th{background:#f3f5f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}.bar{background:#e6e9ef;height:.5rem;
width:6rem;display:inline-block;margin-right:.4rem}.bar span{display:block;height:100%;
background:#2f7d4f}code{font-size:12px}.muted{color:#667085}
"""


def _e(text: str) -> str:
    return html.escape(printable(text), quote=True)


def _bar(part: int, whole: int) -> str:
    width = 0 if not whole else round(100 * part / whole)
    return f'<span class="bar"><span style="width:{width}%"></span></span>{_pct(part, whole)}'


def _html(profile: Profile) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>veracity · data profile</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Data profile</h1>",
        f'<p class="muted">{_e(_header(profile)[0])}</p>',
        "<h2>Sources</h2><table><tr><th>Source</th><th>Format</th><th>Records</th>"
        "<th>Exact duplicates</th><th>Fields</th></tr>",
    ]
    for s in profile.sources:
        out.append(
            f"<tr><td>{_e(s.path)}</td><td>{_e(s.format)}</td><td class=n>{_int(s.records)}</td>"
            f"<td class=n>{_int(s.duplicates)}</td><td class=n>{len(s.fields)}</td></tr>"
        )
    out.append("</table><h2>Fields</h2><table><tr>")
    out += [f"<th>{_e(name)}</th>" for name, _ in _COLUMNS if name not in ("Top values", "Shapes")]
    out.append("<th>Top values</th><th>Shapes</th></tr>")
    for f in profile.fields:
        cells = [_e(get(f)) for name, get in _COLUMNS if name not in ("Filled", "Top values", "Shapes")]
        cells.insert(3, _bar(f.filled, f.records))
        tops = "<br>".join(f"<code>{_e(v.value)}</code> {_int(v.count)}" for v in f.top_values[:5])
        shapes = "<br>".join(f"<code>{_e(v.value)}</code> {_int(v.count)}" for v in f.shapes[:5])
        out.append(
            "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + f"<td>{tops}</td><td>{shapes}</td></tr>"
        )
    out.append("</table>")
    note = (
        "Values of personal fields are masked; --reveal-values shows them."
        if profile.masked
        else "Values are shown unmasked (--reveal-values)."
    )
    out.append(f'<p class="muted">{_e(note)}</p></body></html>')
    return "\n".join(out) + "\n"


_RENDERERS: dict[str, Callable[[Profile], str]] = {
    "table": _table,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
}
#: The profile's output formats.
PROFILE_FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render_profile(profile: Profile, fmt: str) -> str:
    """The profile in ``fmt`` (one of :data:`PROFILE_FORMATS`)."""
    return _RENDERERS[fmt](profile)
