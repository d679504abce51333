"""'Did you mean ...?' hints for unknown names."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["did_you_mean"]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when nothing is close."""
    options = list(choices)
    if not options:
        return ""
    # Imported here: every module that may name an unknown key imports this one, and a run
    # without a mistake needs no fuzzy matching.
    from rapidfuzz import fuzz, process

    match = process.extractOne(
        name.lower(), {o: o.lower() for o in options}, scorer=fuzz.ratio, score_cutoff=60
    )
    return f"; did you mean '{match[2]}'?" if match else ""
