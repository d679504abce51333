"""How two records are compared field by field: the ``compare:`` items of a duplicates rule.

Every comparison grades a pair of values into a few ordered *agreement levels*, best first
(e.g. exact / Jaro-Winkler >= 0.92 / >= 0.8 / anything else), plus a *null* level when either
value is missing. The model learns how likely each level is among true duplicates (m) and
among different people (u); graded levels carry far more information than one cut-off, because
"almost the same surname" is strong evidence and "somewhat similar" is weak but not nothing.

Level codes used throughout the package: 0 = null (either value missing), 1 = the best level
(exact agreement), ..., ``len(labels)`` = the last, "else" level.
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from veracity.suggest import did_you_mean
from veracity.text.phones import PHONE_REGIONS, default_region

__all__ = ["DEFAULT_LEVELS", "METHODS", "PHONE_REGIONS", "TEXT_METHODS", "Comparison"]


#: Every comparison method and what it compares (for errors and docs).
METHODS: Final[dict[str, str]] = {
    "exact": "equal after normalisation (case, accents, punctuation, spaces)",
    "jaro_winkler": "Jaro-Winkler similarity of the normalised text (names)",
    "levenshtein": "edit distance of the normalised text (identifiers, codes)",
    "token_set": "token-set similarity of the normalised text (addresses: word order free)",
    "date": "dates: exact, day and month swapped, one typo, within N days",
    "numeric": "numbers: exact or within a relative difference",
    "email": "e-mail addresses trimmed and case-folded: exact, same user name, similar",
    "phone": "phone numbers in E.164 form (read with each record's country): exact, one typo",
}

#: Thresholds of the levels between "exact" and "else", per method, when ``levels`` is omitted.
#: Similarities (0-1, higher is closer) for jaro_winkler, token_set and email; edit distances
#: for levenshtein and phone; relative differences for numeric. Chosen as in Splink's defaults:
#: Jaro-Winkler 0.92 catches one typo in a name, 0.8 a second typo or a short nickname.
DEFAULT_LEVELS: Final[dict[str, tuple[float, ...]]] = {
    "exact": (),
    "jaro_winkler": (0.92, 0.8),
    "levenshtein": (1, 2),
    "token_set": (0.9, 0.7),
    "date": (),
    "numeric": (0.01, 0.1),
    "email": (0.88,),
    "phone": (1,),
}

_SIMILARITY_METHODS = ("jaro_winkler", "token_set", "email")
#: Methods comparing normalised text, the ones whose values can be compared across two fields.
TEXT_METHODS = ("exact", "jaro_winkler", "levenshtein", "token_set")
_DISTANCE_METHODS = ("levenshtein", "phone")
#: A date pair counts as "within N days" up to this many days apart unless ``days`` says otherwise.
DEFAULT_DAYS = 30


class Comparison(BaseModel):
    """One ``compare:`` item: a field and how to compare its values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(description="The field compared.")
    method: str = Field(description="How its values are compared: " + ", ".join(METHODS) + ".")
    levels: tuple[float, ...] | None = Field(
        None,
        description=(
            "Thresholds of the levels between exact agreement and disagreement: similarities "
            "(jaro_winkler, token_set, email), edit distances (levenshtein, phone) or relative "
            "differences (numeric)."
        ),
    )
    days: int | None = Field(None, ge=1, description="date: the 'within N days' level (default 30).")
    region_field: str | None = Field(
        None, description="phone: field with each record's country (ISO alpha-2 or alpha-3)."
    )
    default_region: str | None = Field(
        None, description="phone: country of national numbers without a usable region_field, e.g. 'DE'."
    )
    swapped_with: str | None = Field(
        None,
        description=(
            "exact, jaro_winkler, levenshtein, token_set: another compared field the values may "
            "be swapped with (first_name with last_name). A pair whose two fields agree crosswise, "
            "at the first level or better, gets the level 'swapped with <field>', and the other "
            "field's comparison counts neither way for it."
        ),
    )
    term_frequency: bool = Field(
        False,
        description=(
            "Weigh exact agreement by how rare the value is (sharing 'Smith' says less than "
            "sharing 'Sondergeld')."
        ),
    )

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        if value not in METHODS:
            raise ValueError(
                f"unknown comparison method '{value}'{did_you_mean(value, METHODS)} "
                f"(methods: {', '.join(METHODS)})"
            )
        return value

    @field_validator("levels")
    @classmethod
    def _valid_levels(cls, value: tuple[float, ...] | None, info: ValidationInfo) -> tuple[float, ...] | None:
        method = info.data.get("method")
        if value is None or method is None:
            return value
        if method in ("exact", "date"):
            raise ValueError(f"method {method} has fixed levels; remove 'levels'")
        if method in _SIMILARITY_METHODS:
            if not all(0 < v < 1 for v in value) or list(value) != sorted(set(value), reverse=True):
                raise ValueError(
                    f"levels of {method} are similarities between 0 and 1, highest first, e.g. [0.92, 0.8]"
                )
        elif method in _DISTANCE_METHODS:
            if not all(v >= 1 and float(v).is_integer() for v in value) or list(value) != sorted(set(value)):
                raise ValueError(f"levels of {method} are edit distances, smallest first, e.g. [1, 2]")
        elif not all(v > 0 for v in value) or list(value) != sorted(set(value)):
            raise ValueError(
                "levels of numeric are relative differences, smallest first, e.g. [0.01, 0.1] (1% and 10%)"
            )
        return value

    @field_validator("days")
    @classmethod
    def _days_for_dates(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("method") not in (None, "date"):
            raise ValueError("'days' applies to method date only")
        return value

    @field_validator("region_field")
    @classmethod
    def _region_field_for_phones(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("method") not in (None, "phone"):
            raise ValueError("'region_field' applies to method phone only")
        if value is not None and value == info.data.get("field"):
            raise ValueError("region_field must name another field than field")
        return value

    @field_validator("swapped_with")
    @classmethod
    def _swaps_of_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("method") not in (None, *TEXT_METHODS):
            raise ValueError(f"'swapped_with' applies to methods {', '.join(TEXT_METHODS)} only")
        if value == info.data.get("field"):
            raise ValueError("swapped_with must name another field than field")
        return value

    @field_validator("default_region")
    @classmethod
    def _known_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("method") not in (None, "phone"):
            raise ValueError("'default_region' applies to method phone only")
        return default_region(value)

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The intermediate levels' thresholds (``levels`` or the method's default)."""
        return self.levels if self.levels is not None else DEFAULT_LEVELS[self.method]

    @property
    def within_days(self) -> int:
        return self.days if self.days is not None else DEFAULT_DAYS

    def labels(self) -> list[str]:
        """Names of the levels 1..L, best first (level 0, null, is not listed)."""
        method = self.method
        middle: list[str]
        if method == "date":
            middle = ["day and month swapped", "one typo", f"within {self.within_days} days"]
        elif method == "email":
            middle = ["same user name", *(f"jaro_winkler >= {t:g}" for t in self.thresholds)]
        elif method in _SIMILARITY_METHODS:
            middle = [f"{method} >= {t:g}" for t in self.thresholds]
        elif method in _DISTANCE_METHODS:
            unit = "edit" if method == "levenshtein" else "digit edit"
            middle = [f"{t:g} {unit}{'s' if t != 1 else ''} or fewer" for t in self.thresholds]
        elif method == "numeric":
            middle = [f"within {t:.4g} relative difference" for t in self.thresholds]
        else:
            middle = []
        if self.swapped_with is not None:
            middle.append(self.swap_label)
        return ["exact", *middle, "else"]

    @property
    def swap_label(self) -> str:
        return f"swapped with {self.swapped_with}"
