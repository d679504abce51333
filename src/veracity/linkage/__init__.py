"""Record linkage: find records of the same person written differently.

The ``duplicates`` check (:mod:`veracity.checks.duplicates`) is the user-facing side; this
package does the work, and can be used on its own::

    from veracity.linkage import Comparison, LinkageSettings, find_duplicates

    settings = LinkageSettings(
        compare=[Comparison(field="name", method="jaro_winkler"), Comparison(field="dob", method="date")],
        blocking=[["name_soundex"], ["dob"]],
    )
    found = find_duplicates(loaded_data, settings)
    found.result.clusters_frame()

Steps, one module each: :mod:`~veracity.linkage.comparisons` (what a ``compare:`` item means),
:mod:`~veracity.linkage.normalise` and :mod:`~veracity.linkage.encoding` (normal forms, values
as integer codes), :mod:`~veracity.linkage.features` (agreement levels of record pairs),
:mod:`~veracity.linkage.blocking` (candidate pairs), :mod:`~veracity.linkage.model` (the
Fellegi-Sunter model and its EM training), :mod:`~veracity.linkage.clusters` (connected
components), :mod:`~veracity.linkage.result` (what is reported) and
:mod:`~veracity.linkage.pipeline` (all of it in order).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veracity.linkage.blocking import BlockingStats
    from veracity.linkage.comparisons import METHODS, Comparison
    from veracity.linkage.pipeline import Duplicates, LinkageSettings, find_duplicates
    from veracity.linkage.result import ComparisonParameters, DuplicatesResult, LevelParameters

#: Where each name lives. Imported on first use: the pipeline (numpy, rapidfuzz, the feature
#: tables) is needed only by audits with a duplicates rule, not on every start of the CLI.
_HOMES = {
    "BlockingStats": "veracity.linkage.blocking",
    "METHODS": "veracity.linkage.comparisons",
    "Comparison": "veracity.linkage.comparisons",
    "Duplicates": "veracity.linkage.pipeline",
    "LinkageSettings": "veracity.linkage.pipeline",
    "find_duplicates": "veracity.linkage.pipeline",
    "ComparisonParameters": "veracity.linkage.result",
    "DuplicatesResult": "veracity.linkage.result",
    "LevelParameters": "veracity.linkage.result",
}

__all__ = [
    "METHODS",
    "BlockingStats",
    "Comparison",
    "ComparisonParameters",
    "Duplicates",
    "DuplicatesResult",
    "LevelParameters",
    "LinkageSettings",
    "find_duplicates",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
