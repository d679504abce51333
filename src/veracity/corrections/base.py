"""The corrections' machinery: one registry of kinds, each turning failing values into suggestions.

A kind is declared once with :func:`register` on a function that reads a frame of distinct
``(value, arg)`` pairs (both String; ``arg`` is the kind's context per record, e.g. the phone's
region) and returns, aligned with it, a ``suggestion`` (String, null where the kind cannot
decide) and a ``confidence`` (:data:`CONFIDENCES`). :func:`suggest` calls it once per distinct
pair, however many records share one, and never on a value the kind would leave unchanged.

Confidence is one of two words, the same for every kind:

- ``certain``: the suggestion writes the same thing in the form the rule wants (spaces trimmed,
  a country name as its code, a national phone number in E.164 for the record's own country, a
  date from an unambiguous format): nothing about the customer is guessed.
- ``likely``: the suggestion also repairs a probable slip (a well-known e-mail provider's
  misspelt domain, a leading zero a spreadsheet dropped, a name in one case): a steward should
  glance at it before accepting.

A kind never checks its own suggestion against a rule: whoever asks for suggestions keeps only
those that pass the rule that failed, judged by the check's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import polars as pl

__all__ = ["CONFIDENCES", "REGISTRY", "Confidence", "Correction", "register", "suggest"]

Confidence = Literal["certain", "likely"]
CONFIDENCES: tuple[Confidence, ...] = ("certain", "likely")

#: (distinct pairs with ``value`` and ``arg``) -> the same rows with ``suggestion``, ``confidence``.
Fixer = Callable[[pl.DataFrame], pl.DataFrame]


@dataclass(frozen=True)
class Correction:
    """One registered kind of correction."""

    name: str
    #: What it suggests, one line (docs and ``--help`` read it).
    summary: str
    #: What ``arg`` holds for this kind ("" when it reads none).
    arg: str
    fix: Fixer


REGISTRY: dict[str, Correction] = {}


def register(name: str, summary: str, arg: str = "") -> Callable[[Fixer], Fixer]:
    """Declare a kind of correction; a second kind with the same name fails at import."""

    def decorator(fix: Fixer) -> Fixer:
        if name in REGISTRY:
            raise RuntimeError(f"correction kind {name!r} is registered twice")
        REGISTRY[name] = Correction(name, summary, arg, fix)
        return fix

    return decorator


SCHEMA = {"suggestion": pl.String, "confidence": pl.String}


def suggest(kind: str, values: pl.Series, args: pl.Series | None = None) -> pl.DataFrame:
    """Suggestions of correction ``kind`` for ``values`` (``args``: its context per value, ""
    when none, null where the caller knows no suggestion can be made, which skips the value),
    aligned with them: columns ``suggestion`` and ``confidence``, both null where there is none
    or it would change nothing. KeyError for an unknown kind."""
    correction = REGISTRY[kind]
    frame = pl.DataFrame(
        {
            "value": values.cast(pl.String),
            "arg": args.cast(pl.String) if args is not None else pl.repeat("", values.len(), eager=True),
        }
    )
    pairs = frame.filter(pl.col("value").is_not_null() & pl.col("arg").is_not_null()).unique(
        maintain_order=True
    )
    if pairs.height:
        fixed = correction.fix(pairs).select("value", "arg", *SCHEMA).cast(SCHEMA)  # type: ignore[arg-type]
    else:
        fixed = pl.DataFrame(schema={"value": pl.String, "arg": pl.String, **SCHEMA})
    changed = pl.col("suggestion").is_not_null() & (pl.col("suggestion") != pl.col("value"))
    fixed = fixed.with_columns(
        pl.when(changed).then(pl.col(name)).otherwise(None).alias(name) for name in SCHEMA
    )
    return frame.join(fixed, on=["value", "arg"], how="left", nulls_equal=True, maintain_order="left").select(
        *SCHEMA
    )


def per_value(
    frame: pl.DataFrame, decide: Callable[[str, str], str | None], confidence: Confidence
) -> pl.DataFrame:
    """``frame`` with ``decide(value, arg)`` as its suggestion: for kinds that call a library on
    each distinct pair (:func:`suggest` hands them distinct pairs only)."""
    pairs = frame.select("value", "arg").rows()
    suggestions = pl.Series("suggestion", [decide(value, arg) for value, arg in pairs], dtype=pl.String)
    return frame.with_columns(
        suggestions, pl.when(suggestions.is_not_null()).then(pl.lit(confidence)).alias("confidence")
    )
