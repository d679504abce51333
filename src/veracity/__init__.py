"""veracity: audit the quality of customer data exports against YAML rules.

>>> import veracity
>>> result = veracity.audit("customers.csv", "rules.yaml")   # doctest: +SKIP
>>> result.score, result.gate.passed                          # doctest: +SKIP
"""

__version__ = "0.1.0"

from veracity._api import audit, load_data, load_rules
from veracity.results import AuditResult

__all__ = ["AuditResult", "__version__", "audit", "load_data", "load_rules"]
