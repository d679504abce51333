"""Freshness: was the data set updated recently enough, as a whole?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, model_validator

from veracity.checks.base import (
    CheckContext,
    CheckParams,
    DatasetFailure,
    DatasetOutcome,
    ScanCounts,
    register,
)
from veracity.checks.timeliness import MAX_AGE_DAYS
from veracity.errors import SourceError
from veracity.sources import SOURCE_COL, SourceInfo
from veracity.text.dates import DateFormat
from veracity.vocabulary import Dimension

_NEWEST = "newest:"
_DATES = "dates"
_NOT_DATES = "not_dates"
_LATER = "later"


class FreshnessParams(CheckParams):
    field_params: ClassVar[tuple[str, ...]] = ("field",)
    field: str | None = Field(
        None, description="A date field, e.g. last_updated: its newest value is the data's age."
    )
    source: Literal["modified"] | None = Field(
        None, description="'modified': the age is the source file's modification time instead."
    )
    days: int | None = Field(
        None, gt=0, le=MAX_AGE_DAYS, description="Oldest the newest value may be, in days before the audit."
    )
    hours: int | None = Field(
        None, gt=0, le=MAX_AGE_DAYS * 24, description="The same limit in hours (instead of days)."
    )
    format: DateFormat = Field(None, description="strftime format of the dates; ISO 8601 when omitted.")

    @model_validator(mode="after")
    def _one_of_each(self) -> FreshnessParams:
        if (self.field is None) == (self.source is None):
            raise ValueError("give either field: (a date field) or source: modified (the file's time)")
        if (self.days is None) == (self.hours is None):
            raise ValueError("give the limit as either days: N or hours: N")
        if self.source is not None and self.format is not None:
            raise ValueError("format: reads a date field; source: modified has none")
        return self

    @property
    def limit_hours(self) -> int:
        return self.hours if self.hours is not None else (self.days or 0) * 24

    @property
    def limit_text(self) -> str:
        return f"{self.hours} hours" if self.hours is not None else f"{self.days} days"


@dataclass(frozen=True)
class SourceAge:
    """How old one source's newest data is at the audit (None: it has no date to tell)."""

    source: str
    age_hours: float | None
    fresh: bool


@dataclass(frozen=True)
class FreshnessDetails:
    """The age of each source the rule judged, for the reports."""

    basis: Literal["field", "modified"]
    field: str | None
    limit_hours: int
    sources: list[SourceAge]

    def to_dict(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "field": self.field,
            "limit_hours": self.limit_hours,
            "sources": [
                {
                    "source": age.source,
                    "age_hours": None if age.age_hours is None else round(age.age_hours, 2),
                    "age_days": None if age.age_hours is None else round(age.age_hours / 24, 2),
                    "fresh": age.fresh,
                }
                for age in self.sources
            ],
        }


def age_text(hours: float) -> str:
    """An age in words: hours under two days, days beyond."""
    if hours < 48:
        return f"{hours:.1f} hours".replace(".0 hours", " hours")
    days = hours / 24
    return f"{days:.0f} days" if days == math.floor(days) else f"{days:.1f} days"


def _scan(params: FreshnessParams, ctx: CheckContext) -> ScanCounts:
    """Per source: the newest date on or before the audit date, and how many values are dates,
    are not, or lie after it. The newest date is kept as a key (``newest:YYYY-MM-DD``), so the
    partitions' counts add up to the set of their newest dates, whose latest is the whole
    data's: exact in chunks."""
    if params.field is None:
        return {}
    parsed = ctx.parse_date(pl.col(params.field), params.format, params.field)
    as_of = pl.lit(ctx.as_of)
    frame = ctx.data.frame.lazy().select(
        pl.col(SOURCE_COL).alias("source"),
        pl.col(params.field).is_not_null().alias("present"),
        parsed.alias("d"),
    )
    grouped = (
        frame.group_by("source")
        .agg(
            pl.col("d").filter(pl.col("d") <= as_of).max().alias("newest"),
            (pl.col("d") <= as_of).sum().alias(_DATES),
            (pl.col("present") & pl.col("d").is_null()).sum().alias(_NOT_DATES),
            (pl.col("d") > as_of).sum().alias(_LATER),
        )
        .collect()
    )
    counts: ScanCounts = {}
    for row in grouped.iter_rows(named=True):
        index = str(row["source"])
        if row["newest"] is not None:
            counts[(index, _NEWEST + row["newest"].isoformat())] = 1
        for measure in (_DATES, _NOT_DATES, _LATER):
            counts[(index, measure)] = int(row[measure] or 0)
    return counts


def _newest(scanned: ScanCounts, source: int) -> date | None:
    dates = [
        date.fromisoformat(measure.removeprefix(_NEWEST))
        for (index, measure), _ in scanned.items()
        if index == str(source) and measure.startswith(_NEWEST)
    ]
    return max(dates, default=None)


def audit_moment(as_of: date) -> datetime:
    """The instant a file's age is measured at: now for an audit dated today, else the end of
    the audit date (UTC)."""
    now = datetime.now(UTC)
    if now.date() == as_of:
        return now
    return datetime.combine(as_of + timedelta(days=1), time(), UTC)


def _file_age(source: SourceInfo, as_of: date) -> float:
    if source.modified is None:
        raise SourceError(
            f"{source.path}: freshness with source: modified needs a file's modification time, and "
            "this source has none (a database table or standard input); use field: with the date "
            "field that records each update instead"
        )
    # A file modified after the audit date counts as just modified: as for dates after it, what
    # it held on the audit date cannot be told.
    return max(0.0, (audit_moment(as_of) - source.modified).total_seconds() / 3600)


@register(
    "freshness",
    Dimension.TIMELINESS,
    FreshnessParams,
    message="data older than its freshness limit",
    reads="dataset",
    scan=_scan,
)
def freshness(params: FreshnessParams, ctx: CheckContext) -> DatasetOutcome:
    """The newest data of each source is no older than N hours or days before the audit date.

    What it checks
    Per source, the newest value of ``field`` (a date: ``format``, a ``fields:`` declaration,
    or ISO 8601) on or before the audit date (``--as-of``, default today), or with ``source:
    modified`` the file's modification time, is at most ``days`` (or ``hours``) old. A date
    exactly ``days`` before the audit date is still fresh. Values that are not dates, like
    max_age's, do not count as updates; a source with no date at all fails, its age unknown.
    Dates after the audit date are left out (not_in_future judges those); a file modified after
    it counts as modified on it. The message and the
    JSON report's ``details`` give each source's age. A database table has no modification
    time: ``source: modified`` on one is an error (use ``field:``).

    Why it matters
    A nightly export that silently stopped still passes every record check: each record is as
    valid as it was last week. Only the age of the newest record shows that nothing arrives.

    Example
        - {id: export-is-fresh, check: freshness, field: last_updated, days: 2}
    """
    ages: list[SourceAge] = []
    failures: list[DatasetFailure] = []
    for source in ctx.data.sources:
        if params.source is not None:
            age: float | None = _file_age(source, ctx.as_of)
        else:
            assert params.field is not None  # one of field and source (validated)
            if params.field not in ctx.data.fields_of(source.index):
                continue
            newest = _newest(ctx.scanned or {}, source.index)
            age = None if newest is None else float((ctx.as_of - newest).days * 24)
        fresh = age is not None and age <= params.limit_hours
        ages.append(SourceAge(source.path, age, fresh))
        if not fresh:
            failures.append(DatasetFailure(source.index, _failure(params, age), field=params.field))
    details = FreshnessDetails(
        basis="modified" if params.source is not None else "field",
        field=params.field,
        limit_hours=params.limit_hours,
        sources=ages,
    )
    return DatasetOutcome(evaluated=len(ages), failures=failures, details=details)


def _failure(params: FreshnessParams, age: float | None) -> str:
    if age is None:
        return f"no value of '{params.field}' is a date on or before the audit date: the data's age cannot be told"
    if params.source is not None:
        return f"the file was last modified {age_text(age)} before the audit, older than the limit of {params.limit_text}"
    days = round(age / 24)
    return (
        f"the newest '{params.field}' is {days} day{'s' if days != 1 else ''} before the audit date, "
        f"older than the limit of {params.limit_text}"
    )
