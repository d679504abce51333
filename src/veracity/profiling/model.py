"""The profile: figures read off the merged state (:mod:`veracity.profiling._state`).

Values of personal fields (judged by name, :mod:`veracity.personal`, or because most values
are e-mail addresses or phone numbers) are masked in the most frequent values and in the
smallest and largest values, unless ``reveal_values``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import polars as pl

from veracity.fieldtypes import TypeCounts
from veracity.masking import ValueKind, mask_value
from veracity.personal import name_kind
from veracity.profiling._state import DATE_FORMATS, VALIDITY, Extremes, FieldState, TableState
from veracity.profiling.roles import Role, role_of
from veracity.sources import SOURCE_COL, SourceInfo
from veracity.text.booleans import BooleanSpellings

__all__ = ["FieldProfile", "Profile", "SourceProfile", "Validity", "ValueCount", "build_profile"]

#: Most frequent values and shapes shown per field.
TOP_SHOWN = 10
#: Share of values of one kind above which a field's values are masked in that kind's shape.
_MASK_SHARE = 0.5
_STRICT = {"shown": 0, "text": 1, "phone": 2, "email": 3}


@dataclass
class ValueCount:
    value: str
    count: int


@dataclass
class Validity:
    """Values valid as one kind (e-mail, phone, ...), among those the audit's check evaluates."""

    kind: str
    valid: int
    evaluated: int

    @property
    def share(self) -> float | None:
        return self.valid / self.evaluated if self.evaluated else None


@dataclass
class FieldProfile:
    name: str
    role: Role | None
    #: integer, decimal, date, boolean or string (as the audit's SQL typing infers it).
    type: str
    records: int
    filled: int
    distinct: int
    #: False: more than the bound of distinct values; the counts are hashes' and lower bounds.
    exact: bool
    top_values: list[ValueCount]
    shapes: list[ValueCount]
    shapes_exact: bool
    min_length: int | None
    max_length: int | None
    minimum: str | None
    maximum: str | None
    #: The date format most values parse in ("" for ISO 8601), when any does.
    date_format: str | None
    dates: int
    validity: list[Validity]
    #: Values that are yes/no in English, German, French or Spanish spellings.
    yes_no_any: int
    mask: ValueKind

    @property
    def missing(self) -> int:
        return self.records - self.filled

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.records if self.records else None

    def valid(self, kind: str) -> Validity:
        return next((v for v in self.validity if v.kind == kind), Validity(kind, 0, 0))


@dataclass
class SourceProfile:
    path: str
    format: str
    records: int
    duplicates: int
    fields: list[str]


@dataclass
class Profile:
    records: int
    #: Records whose every value equals an earlier record's (missing values equal).
    duplicates: int
    sources: list[SourceProfile]
    fields: list[FieldProfile]
    partitions: int
    masked: bool
    generated_at: str = ""
    notes: list[str] = field(default_factory=list)

    def field(self, name: str) -> FieldProfile:
        return next(f for f in self.fields if f.name == name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for item, profile in zip(data["fields"], self.fields, strict=True):
            item["missing"] = profile.missing
            item["fill_rate"] = profile.fill_rate
            for entry, validity in zip(item["validity"], profile.validity, strict=True):
                entry["share"] = validity.share
        return data


#: Roles whose values are no personal data, whatever the name's language: identifiers (as the
#: key is shown in every finding), country codes, record dates and opt-in flags.
_SHOWN_ROLES = frozenset({"id", "country", "signup_date", "last_updated", "opt_in", "consent_date"})


def _mask_kind(name: str, state: FieldState) -> ValueKind:
    kind: ValueKind = "shown" if role_of(name) in _SHOWN_ROLES else name_kind(name)
    filled = state.filled or 1
    by_values: ValueKind = "shown"
    if state.validity.get("email", (0, 0))[0] / filled > _MASK_SHARE:
        by_values = "email"
    elif state.validity.get("phone", (0, 0))[0] / filled > _MASK_SHARE:
        by_values = "phone"
    return max(kind, by_values, key=_STRICT.__getitem__)


def _field_type(name: str, state: FieldState) -> str:
    counts = TypeCounts([name], BooleanSpellings())
    counts.counts[name] = {
        "present": state.filled,
        "integer": state.types.get("integer", 0),
        "decimal": state.types.get("decimal", 0),
        "leading_zero": state.types.get("leading_zero", 0),
        "date": state.dates.get("", Extremes()).count,
        "boolean": state.validity.get("yes_no", (0, 0))[0],
    }
    return str(counts.field_type(name).kind)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field(name: str, state: FieldState, reveal: bool) -> FieldProfile:
    kind = _mask_kind(name, state)

    def shown(value: str | None) -> str | None:
        return value if reveal else mask_value(value, kind)

    top = state.values.frame.sort(["n", "value"], descending=[True, False]).head(TOP_SHOWN)
    shapes = state.shapes.frame.sort(["n", "shape"], descending=[True, False]).head(TOP_SHOWN)
    typed = _field_type(name, state)
    # Ties go to the earlier format (ISO 8601 first), whatever order partitions met them in.
    order = [fmt or "" for fmt in DATE_FORMATS]
    date_format = max(state.dates, key=lambda k: (state.dates[k].count, -order.index(k)), default=None)
    minimum = maximum = None
    if typed in ("integer", "decimal"):
        minimum, maximum = _text(state.numbers.low), _text(state.numbers.high)
    dates = 0
    if date_format is not None:
        best = state.dates[date_format]
        dates = best.count
        if typed == "date" or best.count >= 0.5 * state.filled:
            minimum, maximum = _text(best.low), _text(best.high)
    return FieldProfile(
        name=name,
        role=role_of(name),
        type=typed,
        records=state.rows,
        filled=state.filled,
        distinct=state.values.distinct,
        exact=state.values.complete,
        top_values=[ValueCount(shown(v) or "", int(n)) for v, n in top.iter_rows()],
        shapes=[ValueCount(s, int(n)) for s, n in shapes.iter_rows()],
        shapes_exact=state.shapes.complete,
        min_length=state.min_length,
        max_length=state.max_length,
        minimum=shown(minimum),
        maximum=shown(maximum),
        date_format=date_format,
        dates=dates,
        validity=[Validity(k, *state.validity[k]) for k in VALIDITY if k in state.validity],
        yes_no_any=state.yes_no_any,
        mask="shown" if reveal else kind,
    )


def build_profile(state: TableState, infos: list[SourceInfo], reveal_values: bool = False) -> Profile:
    """The profile of the merged ``state`` of data read from ``infos``."""
    records = state.records
    by_source = records.group_by(SOURCE_COL).agg(pl.col("hash").n_unique().alias("distinct"))
    distinct_in = {int(s): int(d) for s, d in by_source.iter_rows()}
    total = sum(state.rows_by_source.values())
    sources = [
        SourceProfile(
            path=info.path,
            format=str(info.format),
            records=state.rows_by_source.get(info.index, 0),
            duplicates=state.rows_by_source.get(info.index, 0) - distinct_in.get(info.index, 0),
            fields=[c.field for c in info.columns],
        )
        for info in infos
    ]
    return Profile(
        records=total,
        duplicates=total - (records.get_column("hash").n_unique() if records.height else 0),
        sources=sources,
        fields=[_field(name, s, reveal_values) for name, s in state.fields.items()],
        partitions=state.partitions,
        masked=not reveal_values,
    )
