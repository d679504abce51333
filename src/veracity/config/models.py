"""The rule file as typed models. Key names here are a contract with users: extend, never rename."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    format: Literal["csv", "tsv", "parquet", "json", "ndjson", "xlsx"] | None = Field(
        None, description="File format; detected from the extension when omitted."
    )
    delimiter: str | None = Field(None, description="CSV delimiter; detected when omitted.")
    encoding: str | None = Field(None, description="Text encoding; detected when omitted.")
    null_markers: list[str] = Field(default_factory=list, description="Values that mean 'missing'.")
    sheet: str | int | None = Field(
        None, description="Excel sheet name, or 0-based index when no sheet has that name."
    )

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
    path: str = Field(description="Path relative to the rule file.")
    columns: dict[str, str] = Field(default_factory=dict, description="Original column name -> field name.")
    read: ReadConfig = Field(default_factory=ReadConfig)


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
    rules: list[RuleConfig] = Field(min_length=1)
