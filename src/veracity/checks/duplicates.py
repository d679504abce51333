"""Uniqueness across spellings: near-duplicate customers found by probabilistic record linkage.

The ``unique`` check finds records that are the same byte for byte; this one finds the same
person written twice differently (typos, swapped names, reformatted phone numbers). The work
is done by :mod:`veracity.linkage`; this module declares the rule's parameters and turns the
clusters into per-record verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from veracity.checks.base import CheckContext, CheckParams, TableOutcome, register
from veracity.linkage.comparisons import Comparison
from veracity.vocabulary import Dimension

if TYPE_CHECKING:
    from veracity.linkage.pipeline import LinkageSettings

__all__ = ["DuplicatesParams"]


class DuplicatesParams(CheckParams):
    # The loader checks the fields named by these (properties, not parameters: the fields sit
    # inside compare items and blocking keys). A derived blocking key's field (birth_year:
    # birth_date or birth?) can only be told with the data: field_problems() does that, and
    # the check itself refuses unknown ones when it runs.
    field_params: ClassVar[tuple[str, ...]] = ("compared_fields", "blocking_fields")

    compare: list[Comparison] = Field(
        min_length=1,
        description=(
            "Fields to compare, each {field, method} plus optional levels, days, region_field, "
            "default_region, swapped_with, term_frequency (see above)."
        ),
    )
    blocking: list[list[str]] | None = Field(
        None,
        min_length=1,
        description=(
            "Blocking rules: records are compared when they share every key of at least one "
            "rule. Keys are fields or derived keys (<field>_soundex, _initial, _year, _norm, "
            "_typo). Default: _typo keys of the compared fields (see above)."
        ),
    )
    threshold: float = Field(
        0.9, gt=0.0, lt=1.0, description="Match probability from which two records are duplicates."
    )
    max_pairs: int = Field(
        50_000_000,
        ge=1,
        description="Refuse blocking rules that would compare more pairs of records than this.",
    )
    u_estimation: Literal["random_pairs", "em"] = Field(
        "random_pairs",
        description=(
            "How the u-probabilities (agreement by chance) are learnt: from random pairs of "
            "records, or by EM on the candidate pairs."
        ),
    )
    random_pairs: int = Field(
        300_000,
        ge=1_000,
        description=(
            "Random pairs of records compared to estimate u (all pairs when there are fewer). "
            "Exact agreement's u comes from value frequencies, so the sample only has to see "
            "the fuzzy levels, which occur once in a hundred to ten thousand random pairs."
        ),
    )

    cohesion: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Two groups of records joined only by their weakest matches stay one cluster when "
            "their records match each other with at least this probability on average; "
            "0 keeps every chain of matches one cluster."
        ),
    )

    @field_validator("blocking", mode="before")
    @classmethod
    def _single_keys(cls, value: Any) -> Any:
        # `- email` reads more naturally than `- [email]` for a one-key rule.
        if isinstance(value, list):
            return [[item] if isinstance(item, str) else item for item in value]
        return value

    @field_validator("blocking")
    @classmethod
    def _non_empty_rules(cls, value: list[list[str]] | None) -> list[list[str]] | None:
        if value is None:
            return None
        seen: dict[frozenset[str], int] = {}
        for index, rule in enumerate(value):
            if not rule:
                raise ValueError(f"blocking[{index}] has no keys; list at least one, e.g. [email]")
            key = frozenset(rule)
            if key in seen:
                raise ValueError(f"blocking[{index}] repeats blocking[{seen[key]}]")
            seen[key] = index
        return value

    @model_validator(mode="after")
    def _fields_compared_once(self) -> DuplicatesParams:
        seen: dict[str, int] = {}
        for index, spec in enumerate(self.compare):
            if spec.field in seen:
                raise ValueError(
                    f"compare[{index}]: field '{spec.field}' is already compared by compare[{seen[spec.field]}]; "
                    "compare each field once (the model assumes comparisons are independent evidence)"
                )
            seen[spec.field] = index
        return self

    @property
    def compared_fields(self) -> list[str]:
        """Fields the comparisons read (including phone regions)."""
        names: list[str] = []
        for spec in self.compare:
            names += [name for name in (spec.field, spec.region_field, spec.swapped_with) if name is not None]
        return list(dict.fromkeys(names))

    @property
    def blocking_fields(self) -> list[str]:
        """Fields the blocking keys are computed from, where the rule alone tells which."""
        from veracity.linkage.blocking import default_blocking, resolve_key

        compared = [spec.field for spec in self.compare]
        fields = []
        for rule in default_blocking(self.compare) if self.blocking is None else self.blocking:
            for name in rule:
                key = resolve_key(name, compared, None)
                if key is not None:
                    fields.append(key.field)
        return list(dict.fromkeys(fields))

    def referenced_fields(self) -> list[str]:
        return list(dict.fromkeys([*self.compared_fields, *self.blocking_fields]))

    def read_fields(self, available: Sequence[str]) -> list[str]:
        """The compared fields and the fields the blocking keys are derived from, resolved
        against the data (``birth_year`` is a field of that name, or the year of
        ``birth_date``)."""
        from veracity.linkage.blocking import default_blocking
        from veracity.linkage.pipeline import resolve_blocking

        blocking = default_blocking(self.compare) if self.blocking is None else self.blocking
        keys = [key.field for rule in resolve_blocking(blocking, self.compare, available) for key in rule]
        return [name for name in dict.fromkeys([*self.compared_fields, *keys]) if name in available]

    def field_problems(self, available: Sequence[str]) -> list[tuple[tuple[str | int, ...], str]]:
        """Fields and blocking keys that name nothing in ``available``: (path of the value
        within the rule, e.g. ("compare", 2, "field"), one-line message). For the loader to
        report each at its own YAML line; derived keys are resolved here, with the data."""
        from veracity.linkage.blocking import default_blocking
        from veracity.linkage.pipeline import field_problems

        blocking = default_blocking(self.compare) if self.blocking is None else self.blocking
        return field_problems(self.compare, blocking, available)

    def settings(self) -> LinkageSettings:
        from veracity.linkage.pipeline import LinkageSettings

        return LinkageSettings(
            compare=self.compare,
            blocking=self.blocking,
            threshold=self.threshold,
            max_pairs=self.max_pairs,
            u_estimation=self.u_estimation,
            random_pairs=self.random_pairs,
            cohesion=self.cohesion,
        )


@register(
    "duplicates",
    Dimension.UNIQUENESS,
    DuplicatesParams,
    message="likely duplicate of an earlier record",
    reads="table",
    # A record missing one compared field is still compared on the others (that field's
    # comparison is simply uninformative); records missing all of them are skipped below.
    skips_missing=False,
    # agree_across_sources can compare the records of a cluster (clusters: <this rule's id>).
    clusters=True,
)
def duplicates(params: DuplicatesParams, ctx: CheckContext) -> TableOutcome:
    """No customer is in the data twice under different spellings.

    What it checks
    Finds records of the same person that are not byte-for-byte equal (typos, first and last
    names swapped, "Street" for "St.", e-mail addresses in capitals, phone numbers with and
    without country code) with an unsupervised Fellegi-Sunter model, as Splink does.

    Which pairs are compared: records that share every key of at least one ``blocking`` rule.
    Keys are fields, or derived keys: ``<field>_soundex``, ``<field>_initial``, ``<date
    field>_year`` (``birth_year`` is the year of ``birth_date``), ``<field>_norm``, and
    ``<field>_typo``, which two records share when their values are equal or one typo apart
    (a letter inserted, deleted or replaced, two neighbouring letters swapped): a rule of
    ``_typo`` keys still compares a duplicate with a typo in every one of its fields. Without
    ``blocking``, the rules are ``[<field>_typo]`` for each field compared with ``email``,
    ``phone`` or ``levenshtein``, and ``[<a>_typo, <b>_typo]`` for every two of the first three
    fields compared with ``exact``, ``jaro_winkler`` or ``date``. A rule that would compare
    more than ``max_pairs`` pairs, or build more than ``max_pairs`` keys (records times their
    ``_typo`` variants: two ``_typo`` keys of names multiply to some 60 per record), stops the
    audit with a message naming it: past a few hundred thousand records, list rules that pair
    a ``_typo`` key with an exact one, e.g. ``[postal_code, last_name_typo]``.

    How a pair is compared: each ``compare`` item grades it into levels: ``exact``,
    ``jaro_winkler`` (exact / >= 0.92 / >= 0.8 / else), ``levenshtein`` (edits 1 / 2),
    ``token_set`` (>= 0.9 / >= 0.7), ``date`` (exact / day and month swapped / one typo /
    within ``days``, default 30), ``numeric`` (relative difference 1% / 10%), ``email``
    (trimmed and case-folded: exact / same user name / Jaro-Winkler >= 0.88), ``phone``
    (E.164 with the record's ``region_field`` or ``default_region``: exact / one digit edit);
    ``levels`` overrides the thresholds. A text comparison with ``swapped_with: last_name``
    also compares across the two fields: where this field of one record agrees with the other
    field of the other record and the other way round (at the first level or better, e.g.
    ``Thomas, Jacob`` and ``Jacob, Thomas``), the pair gets the level "swapped with
    last_name" and the last names' straight disagreement counts neither way. Text is compared
    case-folded, without accents or punctuation; a missing value counts neither way. How often
    each level occurs among duplicates (m) is learnt by expectation-maximisation from the
    candidate pairs, how often by chance (u) from random pairs: no labels needed. Pairs with a
    match probability of at least ``threshold`` are matches.

    How clusters are formed: matches are linked into groups (if A matches B and B matches C,
    all three are one customer, even if A and C were never compared), but one weak match does
    not join two people: a group of three or more records is cut at its weakest matches (as
    few as split it), and the parts stay apart unless their records match each other, on
    average over every pair across them (pairs never compared are scored for this), with a
    probability of at least ``cohesion`` (default 0.5; 0 keeps every chain whole). Each part
    is checked the same way. The cluster's first record passes, every later one fails and
    names the record it matches best, the probability and the fields that agreed. Records
    missing every compared field are not evaluated. Exact copies are clustered too; to find
    them by a key, without a model, use ``unique``.

    Why it matters
    Real duplicates rarely match exactly: the same customer signs up twice with a typo or a new
    e-mail address, and a merge of two systems writes names and phone numbers differently. Each
    duplicate gets every mailing twice, splits purchase history and consent, and inflates
    customer counts.

    Example
        - id: same-person
          check: duplicates
          compare:
            - {field: first_name, method: jaro_winkler, swapped_with: last_name}
            - {field: last_name, method: jaro_winkler}
            - {field: email, method: email}
            - {field: phone, method: phone, region_field: country}
            - {field: birth_date, method: date}
            - {field: street, method: token_set}
          blocking:
            - [email_typo]
            - [phone]
            - [postal_code, last_name_typo]
            - [last_name_soundex, birth_date_typo]
            - [first_name_typo, last_name_typo]
          threshold: 0.9
    """
    # The linkage pipeline is imported when a duplicates rule runs, not on every start.
    from veracity.linkage.pipeline import find_duplicates

    found = find_duplicates(
        ctx.data,
        params.settings(),
        scope=ctx.scope,
        parse_date=lambda expr, name: ctx.parse_date(expr, field=name),
    )
    return TableOutcome(
        verdicts=found.verdicts,
        messages=found.messages,
        cluster_ids=found.cluster_ids,
        details=found.result,
    )
