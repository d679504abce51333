"""Report renderers: turn an :class:`~veracity.results.AuditResult` into text.

Reports render only from the result, never from the data files, so every format shows the same
numbers and a report can be produced again from a saved result. Values from the data are masked
unless ``reveal_values`` is set.

Each format lives in its own module with a ``render(result, *, reveal_values, ...) -> str``
function. To add a format, write the module and register an adapter in :data:`_RENDERERS`; the
CLI's ``--format`` choices come from :data:`FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from veracity.errors import UsageError
from veracity.reports.findings import findings_frame, write_findings
from veracity.results import AuditResult

__all__ = ["FORMATS", "RenderOptions", "findings_frame", "render", "write_findings"]


@dataclass(frozen=True)
class RenderOptions:
    """Everything a renderer may be asked for; formats ignore what does not apply to them."""

    reveal_values: bool = False
    color: bool = False
    width: int | None = None


Renderer = Callable[[AuditResult, RenderOptions], str]


# Modules are imported when their format is asked for: JSON output in CI should not pay for
# importing rich's layout engine, and one format's import problem cannot break the others.
def _table(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import table

    return table.render(result, reveal_values=options.reveal_values, color=options.color, width=options.width)


def _json(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import json

    return json.render(result, reveal_values=options.reveal_values)


def _markdown(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import markdown

    return markdown.render(result, reveal_values=options.reveal_values)


def _html(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import html

    return html.render(result, reveal_values=options.reveal_values)


def _junit(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import junit

    return junit.render(result, reveal_values=options.reveal_values)


def _github(result: AuditResult, options: RenderOptions) -> str:
    from veracity.reports import github

    return github.render(result, reveal_values=options.reveal_values)


_RENDERERS: dict[str, Renderer] = {
    "table": _table,
    "json": _json,
    "markdown": _markdown,
    "html": _html,
    "junit": _junit,
    "github": _github,
}

#: Format names accepted by :func:`render`, the default (terminal) format first.
FORMATS: tuple[str, ...] = tuple(_RENDERERS)


def render(
    result: AuditResult,
    fmt: str,
    *,
    reveal_values: bool = False,
    color: bool = False,
    width: int | None = None,
) -> str:
    """Render ``result`` in format ``fmt`` (one of :data:`FORMATS`).

    ``color`` and ``width`` only affect the terminal table; ``width`` defaults to 100 columns.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise UsageError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}") from None
    return renderer(result, RenderOptions(reveal_values=reveal_values, color=color, width=width))
