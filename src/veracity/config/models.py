"""The rule file as typed models. Key names here are a contract with users: extend, never rename."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veracity.checks.timeliness import DecaySettings
from veracity.text.dates import DateFormat
from veracity.vocabulary import Dimension, Severity

__all__ = [
    "BooleanConfig",
    "DefaultsConfig",
    "FieldConfig",
    "GateConfig",
    "ReadConfig",
    "RuleConfig",
    "RuleFileModel",
    "ScoringConfig",
    "SourceConfig",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadConfig(_Strict):
    format: str | None = Field(
        None,
        description="File format (csv, tsv, parquet, json, ndjson, xlsx); detected from the extension when omitted.",
    )
    delimiter: str | None = Field(None, description="CSV delimiter; detected when omitted.")
    encoding: str | None = Field(None, description="Text encoding; detected when omitted.")
    null_markers: list[str] = Field(default_factory=list, description="Values that mean 'missing'.")
    sheet: str | int | None = Field(
        None, description="Excel sheet name, or 0-based index when no sheet has that name."
    )

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        from veracity.sources.registry import file_formats

        if value is not None and value not in file_formats():
            raise ValueError(f"unknown format {value!r}; use one of {', '.join(file_formats())}")
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 1:
            raise ValueError("must be a single character such as ';' or '\\t'")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        import codecs

        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}; use e.g. utf-8, utf-16, cp1252") from None
        return value


class SourceConfig(_Strict):
    path: str | None = Field(None, description="Path relative to the rule file.")
    database: str | None = Field(
        None,
        description="Database URL instead of a path: postgresql://USER@HOST:PORT/DATABASE or "
        "sqlite:///FILE (relative to the rule file); ${ENV_VARS} expand.",
    )
    table: str | None = Field(
        None,
        description="Table (or SCHEMA.TABLE) of the database to read; without 'database:', a Spark "
        "table (catalog.db.table) read by the Spark runner.",
    )
    query: str | None = Field(None, description="One SELECT statement to read instead of a table.")
    columns: dict[str, str] = Field(default_factory=dict, description="Original column name -> field name.")
    read: ReadConfig = Field(default_factory=ReadConfig)

    @model_validator(mode="after")
    def _one_location(self) -> SourceConfig:
        if self.path is None and self.database is None and self.table is not None and self.query is None:
            return self  # a Spark table (runner: spark)
        if (self.path is None) == (self.database is None):
            raise ValueError("give either 'path:' (a file) or 'database:' (a database URL)")
        if self.database is None and (self.table is not None or self.query is not None):
            raise ValueError(
                "'table:' and 'query:' belong to a 'database:' source; remove them or add 'database:'"
            )
        if self.database is not None and (self.table is None) == (self.query is None):
            raise ValueError("a 'database:' source needs either 'table:' or 'query:' (one of them)")
        if self.database is not None:
            from veracity.sources.registry import kind_of_url, url_schemes

            # (A URL from the environment, ${CRM_DB_URL}, is checked once expanded, when read.)
            if "${" not in self.database and kind_of_url(self.database) is None:
                schemes = ", ".join(f"{scheme}://" for scheme in url_schemes())
                raise ValueError(f"'database:' must be a URL starting with one of {schemes}")
        return self

    @property
    def location(self) -> str:
        """The path, the database URL, or ``spark-table:NAME`` for a Spark table."""
        if self.path is None and self.database is None:
            return f"spark-table:{self.table}"
        return self.path if self.path is not None else str(self.database)


#: A weight: finite and at most 1e6, so that weighted means neither overflow nor lose the
#: other weights to rounding (``.inf``, ``.nan`` and ``1e308`` are refused).
Weight = Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]


class DefaultsConfig(_Strict):
    severity: Severity = Severity.ERROR
    threshold: float = Field(1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    weight: Weight = 1.0


class GateConfig(_Strict):
    min_score: float | None = Field(None, ge=0.0, le=100.0, allow_inf_nan=False)


FieldKind = Literal["integer", "decimal", "date", "datetime", "boolean", "text"]


class FieldConfig(_Strict):
    format: DateFormat = Field(None, description="strftime format of a date field, e.g. '%d.%m.%Y'.")
    type: FieldKind | None = Field(
        None,
        description="How SQL reads the field (when: and expression); inferred from the values when omitted.",
    )
    personal: bool | None = Field(
        None,
        description="Whether the field holds personal data (masked in every output unless --reveal-values).",
    )
    purpose: str | None = Field(
        None,
        min_length=1,
        description="Why the field is collected and how it is used; shown in the lineage of every report.",
    )
    retention_days: int | None = Field(
        None,
        gt=0,
        le=1_000_000,
        description="How many days a record may be kept, by this date field (the retention check reads it).",
    )
    description: str | None = None


class BooleanConfig(_Strict):
    true: list[str] = Field(default_factory=lambda: ["true", "yes", "y", "1"])
    false: list[str] = Field(default_factory=lambda: ["false", "no", "n", "0"])


class ScoringConfig(_Strict):
    dimension_weights: dict[Dimension, Weight] = Field(default_factory=dict)

    @field_validator("dimension_weights")
    @classmethod
    def _not_all_zero(cls, value: dict[Dimension, float]) -> dict[Dimension, float]:
        if value and len(value) == len(Dimension) and not any(value.values()):
            raise ValueError("at least one dimension needs a weight above 0")
        return value


class RuleConfig(BaseModel):
    """The keys every rule has; anything else belongs to the check's own parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    check: str
    severity: Severity | None = None
    threshold: float | None = Field(None, ge=0.0, le=1.0, allow_inf_nan=False)
    weight: Weight | None = None
    min_evaluated: int | None = Field(
        None, ge=0, le=10**12, description="Fewest records the rule must evaluate; below it the rule fails."
    )
    when: str | None = None
    description: str | None = None

    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


COMMON_RULE_KEYS = tuple(RuleConfig.model_fields)


class RuleFileModel(_Strict):
    version: Literal[1]
    key: str | None = None
    sources: list[SourceConfig] = Field(default_factory=list)
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig)
    gate: GateConfig = Field(default_factory=GateConfig)
    null_markers: list[str] = Field(default_factory=list)
    booleans: BooleanConfig = Field(default_factory=BooleanConfig)
    fields: dict[str, FieldConfig] = Field(default_factory=dict)
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    segments: list[str] = Field(
        default_factory=list, description="Fields to break every score down by, e.g. country or source."
    )
    decay: DecaySettings | None = Field(
        None, description="Declared yearly decay rate for the projection of every max_age rule."
    )
    runner: str | None = Field(
        None, description="Where the audit runs: local (the default) or spark (docs/spark.md)."
    )
    rules: list[RuleConfig] = Field(min_length=1)
