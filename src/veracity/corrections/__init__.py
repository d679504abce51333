"""Suggested corrections: for a failing value, the value a library can decide it should be.

One module per kind (``phone``, ``email``, ``country``, ``postal``, ``date``, and ``trim`` and
``name_case`` in ``text``), each registered in :data:`REGISTRY` (:mod:`.base`). Kinds are
called once per distinct failing value and never judge their own suggestion: the worklist keeps
a suggestion only when the rule that failed passes with it (:mod:`veracity.reports.worklist`).
"""

from veracity.corrections import country, date, email, phone, postal, text  # noqa: F401  (they register)
from veracity.corrections.base import CONFIDENCES, REGISTRY, Confidence, Correction, suggest
from veracity.corrections.country import resolve_country
from veracity.corrections.phone import to_e164

__all__ = ["CONFIDENCES", "REGISTRY", "Confidence", "Correction", "resolve_country", "suggest", "to_e164"]
