"""'Did you mean ...?' hints for unknown names."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

__all__ = ["did_you_mean"]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close."""
    options = list(choices)
    if not options:
        return ""
    match = process.extractOne(
        name.lower(), {o: o.lower() for o in options}, scorer=fuzz.ratio, score_cutoff=60
    )
    return f"; did you mean '{match[2]}'?" if match else ""
