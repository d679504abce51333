"""veracity: audit the quality of customer data exports against YAML rules.

>>> import veracity
>>> result = veracity.audit("customers.csv", "rules.yaml")   # doctest: +SKIP
>>> result.score, result.gate.passed                          # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from veracity._api import audit, load_data, load_rules
    from veracity.results import AuditResult

__all__ = ["AuditResult", "__version__", "audit", "load_data", "load_rules"]

# The public names are imported on first use (PEP 562): ``veracity --version`` and the
# ``veracity.cli`` package need only ``__version__``, not polars, the engine and the checks.
_LAZY = {
    "AuditResult": "veracity.results",
    "audit": "veracity._api",
    "load_data": "veracity._api",
    "load_rules": "veracity._api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'veracity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
