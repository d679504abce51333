"""Minimisation: data nobody declared a reason for, and sensitive values nobody declared."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
from pydantic import Field, PrivateAttr, field_validator

from veracity.checks.base import (
    CheckContext,
    CheckParams,
    DatasetFailure,
    DatasetOutcome,
    ScanCounts,
    register,
)
from veracity.text.checksums import de_tax_id_valid, fr_nir_valid, iban_valid, luhn_valid, us_ssn_valid
from veracity.vocabulary import Dimension

#: Health and religion words that make free text special-category data (GDPR Art. 9), in
#: English, German and French; matched as whole words, in any case.
DEFAULT_TERMS: tuple[str, ...] = (
    # health
    "diabetes", "diabetic", "diabetiker", "diabète", "cancer", "krebs", "chemotherapy",
    "chemotherapie", "chimiothérapie", "hiv", "aids", "sida", "depression", "dépression",
    "pregnant", "pregnancy", "schwanger", "schwangerschaft", "enceinte", "grossesse",
    "asthma", "asthme", "epilepsy", "epilepsie", "épilepsie", "dementia", "demenz", "démence",
    "alzheimer", "insulin", "insuline", "dialysis", "dialyse", "wheelchair", "rollstuhl",
    "disability", "disabled", "behinderung", "handicap", "diagnosis", "diagnose", "diagnostic",
    "medication", "medikament", "médicament", "allergy", "allergie", "rehab", "therapy",
    "therapie", "thérapie", "psychiatric", "psychiatrie",
    # religion
    "muslim", "muslimisch", "musulman", "islam", "christian", "christlich", "chrétien",
    "catholic", "katholisch", "catholique", "protestant", "evangelisch", "jewish", "jüdisch",
    "juif", "juive", "hindu", "hindou", "buddhist", "buddhistisch", "bouddhiste", "sikh",
    "atheist", "athée", "halal", "kosher", "koscher", "casher", "church", "kirche", "église",
    "mosque", "moschee", "mosquée", "synagogue", "synagoge",
)  # fmt: skip

#: What the value scan looks for: measure name -> (what users read, the test of one value, a
#: cheap pattern every value the test accepts matches, so that the test runs on those only).
SENSITIVE: dict[str, tuple[str, Callable[[pl.Expr], pl.Expr], str]] = {
    "card": ("payment card numbers (Luhn check)", luhn_valid, r"^\s*\d[\d \-]{11,}\d\s*$"),
    "iban": ("IBANs (ISO 13616 checksum)", iban_valid, r"^ *[A-Za-z][A-Za-z0-9 ]{14,}$"),
    "us_ssn": ("US Social Security numbers", us_ssn_valid, r"^\s*\d{3}[- ]\d{2}[- ]\d{4}\s*$"),
    # Exactly the 11 digits (spaces between) de_tax_id_valid accepts: phone numbers of 10 to 13
    # digits with spaces, which a looser pattern let through by the hundred thousand, mostly not.
    "de_tax_id": (
        "German tax identification numbers (check digit)",
        de_tax_id_valid,
        r"^ *[1-9](?: *\d){10} *$",
    ),
    "fr_nir": ("French social security numbers (NIR key)", fr_nir_valid, r"^[\dABab ]{15,}$"),
}
_VALUES = "values"
_TERMS = "terms"


class MinimisationParams(CheckParams):
    allow: list[str] = Field(
        default_factory=list,
        description="Columns that may be present without a declaration (e.g. technical ones).",
    )
    min_share: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        allow_inf_nan=False,
        description="Share of a column's values that must pass an identifier's checksum for the "
        "column to be flagged (random digit strings pass Luhn one time in ten).",
    )
    terms: list[str] = Field(
        default_factory=lambda: list(DEFAULT_TERMS),
        description="Health or religion words flagged in free text; a shipped list in English, "
        "German and French when omitted, [] to look for none.",
    )
    min_term_hits: int = Field(
        1, ge=1, le=10**12, description="Values with one of the terms a column needs to be flagged."
    )
    #: The fields the rule file declares under ``fields:`` or reads in any rule, and those it
    #: declares personal (filled in when the rule file is loaded).
    _declared: frozenset[str] = PrivateAttr(default=frozenset())
    _personal: frozenset[str] = PrivateAttr(default=frozenset())

    @field_validator("terms")
    @classmethod
    def _words(cls, value: list[str]) -> list[str]:
        if any(not term.strip() for term in value):
            raise ValueError("terms must be words, not empty text")
        return value

    def with_fields(self, fields: Mapping[str, Any], read: frozenset[str]) -> MinimisationParams:
        completed = self.model_copy()
        completed._declared = frozenset(fields) | read
        completed._personal = frozenset(
            name for name, declared in fields.items() if getattr(declared, "personal", None)
        )
        return completed

    @property
    def declared(self) -> frozenset[str]:
        return self._declared | frozenset(self.allow)

    @property
    def personal(self) -> frozenset[str]:
        return self._personal


def _term_pattern(terms: list[str]) -> str | None:
    if not terms:
        return None
    # Whole words: "aids" is a term, "aids" inside "braids" is not.
    escaped = "|".join(_escape(term.strip()) for term in terms)
    return rf"(?i)(?:^|[^\p{{L}}\p{{N}}])(?:{escaped})(?:$|[^\p{{L}}\p{{N}}])"


def _escape(term: str) -> str:
    return "".join(f"\\{char}" if not char.isalnum() and not char.isspace() else char for char in term)


def _scan(params: MinimisationParams, ctx: CheckContext) -> ScanCounts:
    """Per column: its values, and how many look like each kind of sensitive data. Every count
    is a sum, so partitions add up exactly. The checksums cost a few dozen polars steps per
    value: each runs only on the values its cheap pattern lets through (free text and most
    codes are ruled out by it), in queries polars runs together."""
    pattern = _term_pattern(params.terms)
    frame = ctx.data.frame.lazy()
    queries: list[pl.LazyFrame] = []
    names: list[tuple[str, str]] = []
    for name in ctx.data.fields:
        if name in params.personal:
            continue  # declared personal: its values are expected to be sensitive
        text = pl.col(name).cast(pl.String)
        counted = [text.is_not_null().sum().alias(_VALUES)]
        names.append((name, _VALUES))
        if pattern is not None:
            counted.append(text.str.contains(pattern).fill_null(False).sum().alias(_TERMS))
            names.append((name, _TERMS))
        queries.append(frame.select(counted))
        for measure, (_, test, shape) in SENSITIVE.items():
            value = pl.col("value")
            candidates = frame.select(text.alias("value")).filter(value.str.contains(shape))
            queries.append(candidates.select(test(value).sum()))
            names.append((name, measure))
    if not queries:
        return {}
    counts = [count for result in pl.collect_all(queries) for count in result.row(0)]
    return {key: int(count or 0) for key, count in zip(names, counts, strict=True)}


def _column(name: str, ctx: CheckContext) -> str:
    """The column as messages name it. A name that looks like a value (an e-mail address, or
    seven digits or more: the first record of a file without a header) is named by position,
    so that no customer value reaches a message."""
    if "@" in name or sum(char.isdigit() for char in name) >= 7:
        return f"column {ctx.data.fields.index(name) + 1}"
    return f"column '{name}'"


def _flags(params: MinimisationParams, counts: ScanCounts, name: str) -> list[str]:
    values = counts.get((name, _VALUES), 0)
    found = []
    if values:
        for measure, (what, _, _) in SENSITIVE.items():
            matched = counts.get((name, measure), 0)
            if matched and matched / values >= params.min_share:
                found.append(f"{matched / values:.0%} of its values look like {what}")
    hits = counts.get((name, _TERMS), 0)
    if hits >= params.min_term_hits:
        found.append(f"{hits} of its values mention health or religion terms")
    return found


@register(
    "minimisation",
    Dimension.PRIVACY,
    MinimisationParams,
    message="column nobody declared, or sensitive data nobody declared",
    reads="dataset",
    skips_missing=False,
    scan=_scan,
)
def minimisation(params: MinimisationParams, ctx: CheckContext) -> DatasetOutcome:
    """The data holds only columns the rule file declares, and no undeclared sensitive values.

    What it checks
    Two things, each a finding about a column, never showing a value. A column of a source
    that the rule file neither declares under ``fields:`` nor reads in any rule (field
    parameters and ``when:``), nor lists under ``allow``, is a finding for that source. And a
    column whose values look like sensitive data is a finding unless ``fields:`` declares it
    ``personal: true``: payment card numbers (13 to 19 digits passing the Luhn check), IBANs
    (ISO 13616 checksum and the country's length), US Social Security numbers (printed form
    and allocation rules), German tax identification numbers and French social security
    numbers (NIR) with their check digits, when at least ``min_share`` of its values match;
    or free text where at least ``min_term_hits`` values name a health or religion term
    (``terms``; a shipped list in English, German and French). The share keeps order numbers
    out: one random digit string in ten passes the Luhn check by chance. The values are
    counted over every record, in chunks too (``--chunk-rows``).

    Why it matters
    Data protection law (GDPR Art. 5(1)(c), data minimisation) allows only the data a purpose
    needs: a column nobody can explain should not be collected, and card numbers, bank
    accounts, national identifiers, health or religion in a customer export are the data a
    breach is fined for. Declaring each field, with its ``purpose:``, is the record an auditor
    asks for.

    Example
        - {id: only-declared-data, check: minimisation, allow: [export_batch]}
    """
    counts = ctx.scanned or {}
    declared = params.declared
    failures: list[DatasetFailure] = []
    evaluated = 0
    for source in ctx.data.sources:
        for name in ctx.data.fields_of(source.index):
            evaluated += 1
            if name not in declared:
                failures.append(
                    DatasetFailure(
                        source.index,
                        f"{_column(name, ctx)} is not declared: no rule reads it and fields: "
                        "does not list it; declare it under fields: with its purpose:, or drop it",
                        field=name,
                    )
                )
    for name in ctx.data.fields:
        if name in params.personal:
            continue
        evaluated += 1
        flags = _flags(params, counts, name)
        if flags:
            failures.append(
                DatasetFailure(
                    None,
                    f"{_column(name, ctx)}: {' and '.join(flags)}; declare it under fields: with "
                    "personal: true and its purpose:, or drop it",
                    field=name,
                )
            )
    return DatasetOutcome(evaluated=evaluated, failures=failures)
