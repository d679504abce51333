"""The check catalogue. Importing this package registers every check type.

One module per data-quality family; each check type is declared once with
:func:`veracity.checks.base.register`.
"""

from veracity.checks import (  # noqa: F401  (imported to register their checks)
    agree,
    completeness,
    consent,
    consistency,
    duplicates,
    freshness,
    minimisation,
    retention,
    timeliness,
    uniqueness,
    validity,
)
from veracity.checks.base import (
    REGISTRY,
    CheckContext,
    CheckParams,
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
    "CheckType",
    "DatasetFailure",
    "DatasetOutcome",
    "Dimension",
    "FieldParams",
    "TableOutcome",
    "get_check",
    "register",
]
