"""Starter rules: a commented rule file chosen from a profile of the data, with thresholds
set from what the audit's checks observe on it (``veracity suggest``)."""

from __future__ import annotations

from veracity.rulegen.choose import Draft, DraftRule, choose_rules
from veracity.rulegen.suggest import Suggestion, renames, suggest_rules

__all__ = ["Draft", "DraftRule", "Suggestion", "choose_rules", "renames", "suggest_rules"]
