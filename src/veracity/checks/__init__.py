"""The check catalogue: one module per data-quality family.

Each check type is declared once with :func:`veracity.checks.base.register`. Importing this
package imports none of the families: :data:`REGISTRY` imports the module that declares a
check when its name is first looked up, and every module when it is listed (see
:class:`veracity.checks.base.CheckRegistry`).
"""

from veracity.checks.base import (
    REGISTRY,
    CheckContext,
    CheckParams,
    CheckRegistry,
    CheckType,
    DatasetFailure,
    DatasetOutcome,
    FieldParams,
    TableOutcome,
    get_check,
    register,
)
from veracity.vocabulary import Dimension

__all__ = [
    "REGISTRY",
    "CheckContext",
    "CheckParams",
    "CheckRegistry",
    "CheckType",
    "DatasetFailure",
    "DatasetOutcome",
    "Dimension",
    "FieldParams",
    "TableOutcome",
    "get_check",
    "register",
]
