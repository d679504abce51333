"""Validity checks: is each stored value a well-formed instance of what the field should hold?

Every check here judges one non-null String value exactly as stored (the engine skips missing
values and applies ``when:``). Checks whose verdict is a library's (``email``, ``phone``) run a
vectorised fast path (``_email_fast``, ``_phone_fast``) that decides every value whose library
verdict is certain, and call the library once for each remaining distinct value (in worker
processes when there are many, ``_parallel``). Where a field holds few distinct values, the
fast path judges those and the verdicts become an ``is_in`` expression; where most values are
distinct (e-mails and phone numbers of a customer table usually are), taking them first and
looking each record up afterwards costs more than judging every record, so the records are
judged as they are and the expression is the column of their verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, field_validator, model_validator

from veracity._cores import spread
from veracity.checks._email_fast import email_verdicts
from veracity.checks._parallel import map_batches
from veracity.checks._regex_fast import anchored, whole_match
from veracity.checks.base import CheckContext, FieldParams, register
from veracity.checks.validity_bounds import DateParams, LengthParams, RangeParams
from veracity.text.countries import (
    ALPHA2,
    ALPHA3,
    CODE_LOOKUP,
    case_variants,
    lookup_expr,
    to_alpha2,
)
from veracity.text.phones import PHONE_REGIONS, default_region
from veracity.text.postal import POSTAL_PATTERNS, SEPARATOR, combined_regex, postal_regex
from veracity.vocabulary import Dimension

__all__ = [
    "CountryParams",
    "DateParams",
    "EmailParams",
    "InSetParams",
    "LengthParams",
    "PatternParams",
    "PhoneParams",
    "PostalCodeParams",
    "RangeParams",
]

_FIELD_DESCRIPTION = "The field whose values are checked."


def _member_of(expr: pl.Expr, allowed: list[str]) -> pl.Expr:
    """``expr`` is one of ``allowed``: False (not null) for every non-null value outside it."""
    # polars 2 deprecates is_in with a same-typed Series (ambiguous); implode() says "one list".
    return expr.is_in(pl.Series(allowed, dtype=pl.String).implode())


# ---------------------------------------------------------------------------------------------
# email


class EmailParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)


def _member_of_values(expr: pl.Expr, allowed: pl.Series) -> pl.Expr:
    """``expr`` is one of the String values in ``allowed`` (built without a Python list)."""
    return expr.is_in(allowed.cast(pl.String).implode())


#: Records from which a field of mostly distinct values is judged record by record.
_PER_RECORD_FROM = 50_000


def _mostly_distinct(column: pl.Series) -> bool:
    """Whether ``column`` is large and at least half of its values are distinct: then judging
    each record costs less than taking the distinct values (a hash of every record), judging
    those, and looking every record up in a set of verdicts (a hash of every record again).
    The count is an estimate (HyperLogLog, about 10 ms a million values); it only picks the
    faster of two exact ways."""
    if column.len() < _PER_RECORD_FROM:
        return False
    estimate: int = column.to_frame("value").select(pl.col("value").approx_n_unique()).item()
    return 2 * estimate >= column.len()


def _per_record(verdicts: pl.Series) -> pl.Expr:
    """The verdicts of every record of the context's frame, as the check's expression: the
    engine evaluates a check on the very frame it was built on (``CheckContext.data``)."""
    return pl.lit(verdicts.alias("verdict"))


def _judged(expr: pl.Expr, values: pl.Series, good: pl.Series) -> pl.Expr:
    """``expr`` is a value judged good, given the verdict (``good``) of each of ``values``.

    Exact for every record whose value is among ``values`` (the distinct values of the data the
    check is built for). Each record is looked up in the smaller of the two sets: a hash set
    of the few invalid values is built and probed far faster than one of a million valid ones.
    """
    valid, invalid = values.filter(good), values.filter(~good)
    if invalid.len() <= valid.len():
        return _member_of_values(expr, invalid).not_()
    return _member_of_values(expr, valid)


def _is_valid_email(value: str) -> bool:
    # Imported by the first check that judges e-mails, not at start-up.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _email_batch(values: list[str]) -> list[bool]:
    """The library's verdicts (module level: worker processes receive it by reference)."""
    return [_is_valid_email(value) for value in values]


#: The e-mails the fast path leaves are the slow ones for the library (internationalised
#: addresses, ~0.3 ms a call), so a pool pays off from fewer of them than for phone numbers.
_EMAIL_POOL_FROM = 20_000


def _completed(
    fast: pl.Series, inputs: pl.DataFrame, library: Callable[[pl.DataFrame], list[bool]]
) -> pl.Series:
    """``fast``'s verdicts (one per row of ``inputs``, whose first column is the value) with
    those it left undecided filled in by ``library``, which is given the distinct undecided
    rows of ``inputs`` and returns their verdicts in order. A row without a value keeps a null
    verdict (the engine does not evaluate it)."""
    undecided = fast.is_null() & inputs.to_series(0).is_not_null()
    if not undecided.any():
        return fast
    residual = inputs.filter(undecided)
    distinct = residual.unique(maintain_order=True)
    if distinct.height == residual.height:
        judged = pl.Series(library(residual), dtype=pl.Boolean)
    else:
        verdicts = distinct.with_columns(pl.Series("\x00verdict", library(distinct), dtype=pl.Boolean))
        joined = residual.join(
            verdicts, on=residual.columns, how="left", maintain_order="left", nulls_equal=True
        )
        judged = joined.get_column("\x00verdict")
    return fast.scatter(undecided.arg_true(), judged)


def _email_verdicts(values: pl.Series) -> pl.Series:
    """Whether each of ``values`` is a valid address (null for a missing value): the fast path,
    then the library once per distinct value it leaves."""
    return _completed(
        email_verdicts(values),
        values.to_frame("value"),
        lambda undecided: map_batches(
            _email_batch, undecided.get_column("value").to_list(), threshold=_EMAIL_POOL_FROM
        ),
    )


@register("email", Dimension.VALIDITY, EmailParams, message="not a valid e-mail address", value_kind="email")
def email(params: EmailParams, ctx: CheckContext) -> pl.Expr:
    """The value is a syntactically valid e-mail address.

    What it checks
    The verdict of the email-validator library (``validate_email`` without a DNS lookup, its
    default settings otherwise): one @-sign, a valid local part and a domain name with a
    top-level domain. Internationalised addresses (``jane@bücher.de``) pass; quoted local parts
    (``"john doe"@example.com``), IP-address domains (``jane@[192.0.2.1]``), domains without a
    top-level domain (``jane@localhost``) and reserved names (``example.invalid``) fail. The
    value is judged as stored: a leading or trailing space makes it invalid.

    Why it matters
    Mail to a malformed address bounces or is never sent, and an address that only looks right
    after trimming breaks exact matching against suppression and consent lists.

    Example
        - {id: email-valid, check: email, field: email}
    """
    column = ctx.data.frame.get_column(params.field)
    if _mostly_distinct(column):
        return _per_record(_email_verdicts(column))
    values = ctx.distinct(params.field).get_column(params.field)
    return _judged(pl.col(params.field), values, _email_verdicts(values))


# ---------------------------------------------------------------------------------------------
# phone


class PhoneParams(FieldParams):
    optional_field_params: ClassVar[tuple[str, ...]] = ("region_field",)

    field: str = Field(description=_FIELD_DESCRIPTION)
    region_field: str | None = Field(
        None,
        description=(
            "Field holding each record's country (ISO 3166-1 alpha-2 or alpha-3, any case, "
            "surrounding spaces ignored); numbers without a '+' prefix are read as national "
            "numbers of that country. Without a value there, default_region applies."
        ),
    )
    default_region: str | None = Field(
        None,
        description=(
            "Country used when there is no region_field or its value is not a known code, "
            "e.g. 'DE'. Without it such numbers must be international ('+49 ...')."
        ),
    )

    @field_validator("default_region")
    @classmethod
    def _supported_region(cls, value: str | None) -> str | None:
        return None if value is None else default_region(value)

    @model_validator(mode="after")
    def _distinct_fields(self) -> PhoneParams:
        if self.region_field == self.field:
            raise ValueError("region_field must name another field than field")
        return self


def _is_valid_phone(value: str, region: str | None) -> bool:
    import phonenumbers  # imported by the first check that judges phone numbers, not at start-up

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _phone_batch(pairs: list[tuple[str, str]]) -> list[bool]:
    """The library's verdicts for (value, region code or "") pairs (module level: worker
    processes receive it by reference)."""
    import phonenumbers

    # Numbers from many regions overflow re's compiled-pattern cache; the library's own cache
    # (documented for exactly this) keeps its metadata patterns compiled. Verdicts are unchanged.
    phonenumbers.enable_pattern_cache()
    return [_is_valid_phone(value, region or None) for value, region in pairs]


#: Distinct pairs below which the library judges them all: the fast path costs about 0.2 s
#: however few the pairs (a hundred-odd polars steps, and compiling the regions' patterns),
#: the library about 0.1 ms a pair.
_PHONE_FAST_FROM = 1_000


def _phone_verdicts(combos: pl.DataFrame) -> pl.Series:
    """Whether each (value, region) pair is a valid number (null for a missing value): the fast
    path, then the library once per distinct pair it leaves."""
    # The fast path loads the libphonenumber metadata: imported by the first phone check.
    from veracity.checks._phone_fast import phone_verdicts

    pairs = combos.select("value", "region")
    if combos.height < _PHONE_FAST_FROM:
        fast = pl.repeat(None, combos.height, dtype=pl.Boolean, eager=True)
    else:
        fast = phone_verdicts(combos.get_column("value"), combos.get_column("region"))
    return _completed(fast, pairs, lambda undecided: map_batches(_phone_batch, list(undecided.iter_rows())))


def _phone_key(region: pl.Expr, value: pl.Expr) -> pl.Expr:
    # The region is two letters or empty, so the first separator splits every key unambiguously.
    return pl.concat_str([region, pl.lit(SEPARATOR), value])


def _phone_region(params: PhoneParams) -> pl.Expr:
    """Each record's region code, "" when there is none (only '+' numbers can then be valid)."""
    default = params.default_region or ""
    if params.region_field is None:
        return pl.lit(default, dtype=pl.String)
    return lookup_expr(pl.col(params.region_field), PHONE_REGIONS, default)


@register("phone", Dimension.VALIDITY, PhoneParams, message="not a valid phone number", value_kind="phone")
def phone(params: PhoneParams, ctx: CheckContext) -> pl.Expr:
    """The value is a valid phone number for its country.

    What it checks
    The verdict of the phonenumbers library (libphonenumber's metadata): the value parses as a
    phone number and its length and prefixes are valid for the numbering plan. International
    numbers (``+44 20 7946 0958``) are judged on their own; a national number (``030 1234567``)
    needs a country, taken from ``region_field`` when it holds a known ISO code (``DE``,
    ``deu``), else from ``default_region``. Without either, national numbers fail.

    Why it matters
    Invalid numbers waste call-centre time and SMS credits, and numbers stored without a usable
    country cannot be dialled from abroad or matched across systems.

    Example
        - {id: phone-valid, check: phone, field: phone, region_field: country, default_region: DE}
    """
    region = _phone_region(params)
    value = pl.col(params.field)
    if _mostly_distinct(ctx.data.frame.get_column(params.field)):
        pairs = spread(ctx.data.frame.select(value.alias("value"), region.alias("region")))
        return _per_record(_phone_verdicts(pairs))
    fields = [params.field] if params.region_field is None else [params.field, params.region_field]
    # Distinct (value, region-field) pairs; two spellings of one country ("DE", "deu") make the
    # same (value, region) pair twice, judged twice: cheaper than a second unique().
    combos = spread(ctx.distinct(*fields)).select(value.alias("value"), region.alias("region"))
    keys = combos.select(_phone_key(pl.col("region"), pl.col("value"))).to_series()
    return _judged(_phone_key(region, value), keys, _phone_verdicts(combos))


# ---------------------------------------------------------------------------------------------
# pattern


def _regex_problem(pattern: str) -> str | None:
    """Why polars cannot compile ``pattern``, in one short line, or None."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # The Rust regex error puts the reason on an "error: ..." line below an excerpt.
        reason = next((line for line in lines if line.startswith("error:")), lines[0] if lines else "")
        return reason.removeprefix("error:").strip() or type(exc).__name__
    return None


class PatternParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    pattern: str = Field(
        min_length=1,
        description=(
            "Regular expression (Rust regex syntax, as polars uses) the whole value must match; "
            "it is anchored for you, so 'A[0-9]+' does not accept 'xA1'."
        ),
    )
    ignore_case: bool = Field(False, description="Match letters regardless of case.")
    negate: bool = Field(
        False,
        description="Turn the rule around: the whole value must NOT match (banned forms, placeholders).",
    )

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        # The pattern alone first: its error is about what the user wrote. Then the anchored,
        # case-insensitive form, the largest program build() can produce (size limits).
        problem = _regex_problem(value) or _regex_problem(anchored(value, ignore_case=True))
        if problem is not None:
            raise ValueError(f"invalid regular expression: {problem}")
        return value


def _negatable_message(field: str, message: str) -> pl.Expr:
    """``message`` for every record with a value (a bare literal would be one row long)."""
    return pl.when(pl.col(field).is_not_null()).then(pl.lit(message, dtype=pl.String))


def _pattern_message(params: PatternParams, ctx: CheckContext) -> pl.Expr:
    if params.negate:
        return _negatable_message(params.field, f"matches the banned pattern {params.pattern}")
    return _negatable_message(params.field, f"does not match {params.pattern}")


@register(
    "pattern",
    Dimension.VALIDITY,
    PatternParams,
    message="does not match {pattern}",
    explain=_pattern_message,
)
def pattern(params: PatternParams, ctx: CheckContext) -> pl.Expr:
    """The whole value matches a regular expression (or, with ``negate``, does not).

    What it checks
    The value, from its first to its last character, matches ``pattern`` (a partial match is
    not enough: the pattern is anchored at both ends). With ``ignore_case`` letters match in
    either case. With ``negate: true`` the rule is turned around: a value that matches fails,
    so ``pattern: '(?:test|noreply|none)@.*'`` with ``negate: true`` refuses placeholder
    addresses, and ``pattern: '.*(?:unknown|dummy).*'`` any value containing those words.

    Why it matters
    Identifiers, codes and references that do not follow their format cannot be joined with the
    systems that issue them, and usually mean a typo or a value from the wrong field.

    Example
        - {id: customer-number-format, check: pattern, field: customer_no, pattern: 'C[0-9]{6}'}
    """
    matches = whole_match(pl.col(params.field), params.pattern, params.ignore_case)
    return matches.not_() if params.negate else matches


# ---------------------------------------------------------------------------------------------
# in_set


class InSetParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    values: list[str] = Field(
        min_length=1, description="The allowed values (strings); with negate, the banned ones."
    )
    ignore_case: bool = Field(False, description="Compare lower-cased values.")
    negate: bool = Field(
        False,
        description="Turn the rule around: the value must be NONE of values (placeholders, banned words).",
    )

    @field_validator("values", mode="before")
    @classmethod
    def _strings_only(cls, value: Any) -> Any:
        # YAML reads yes/no/1 unquoted as booleans and numbers; data values are always text.
        if isinstance(value, list):
            for item in value:
                if not isinstance(item, str):
                    raise ValueError(
                        f"values must be strings; quote {item!r} in the rule file (e.g. '1', 'yes')"
                    )
        return value


def _in_set_message(params: InSetParams, ctx: CheckContext) -> pl.Expr:
    banned = "one of the banned values"
    return _negatable_message(params.field, banned if params.negate else "not one of the allowed values")


@register(
    "in_set",
    Dimension.VALIDITY,
    InSetParams,
    message="not one of the allowed values",
    explain=_in_set_message,
)
def in_set(params: InSetParams, ctx: CheckContext) -> pl.Expr:
    """The value is one of a fixed list of allowed values (or, with ``negate``, none of them).

    What it checks
    The value equals one of ``values`` exactly (same case, same spacing), or, with
    ``ignore_case``, after lower-casing both. With ``negate: true`` the list is of banned
    values: a value that equals one of them fails, e.g. placeholder e-mails
    (``values: [test@test.com, noreply@example.com], negate: true, ignore_case: true``).

    Why it matters
    Status codes, categories and segments drive reporting and routing; a value outside the agreed
    list silently drops records from every filter and aggregate built on it.

    Example
        - {id: status-known, check: in_set, field: status, values: [active, dormant, closed]}
    """
    column = pl.col(params.field)
    if not params.ignore_case:
        member = _member_of(column, params.values)
    else:
        # Both sides are lower-cased by polars, so Python's and Rust's case rules cannot disagree.
        listed = pl.Series(params.values, dtype=pl.String).str.to_lowercase().to_list()
        member = _member_of(column.str.to_lowercase(), listed)
    return member.not_() if params.negate else member


# ---------------------------------------------------------------------------------------------
# country


class CountryParams(FieldParams):
    field: str = Field(description=_FIELD_DESCRIPTION)
    alpha: Literal["alpha2", "alpha3", "any"] = Field(
        "any", description="Which codes are allowed: alpha2 (DE), alpha3 (DEU) or any."
    )
    ignore_case: bool = Field(False, description="Accept lower-case codes such as 'de'.")


@register("country", Dimension.VALIDITY, CountryParams, message="not a valid ISO 3166-1 country code")
def country(params: CountryParams, ctx: CheckContext) -> pl.Expr:
    """The value is an ISO 3166-1 country code.

    What it checks
    The value is one of the 249 officially assigned ISO 3166-1 codes: alpha-2 (``DE``),
    alpha-3 (``DEU``) or either, as ``alpha`` says. Codes are upper-case unless
    ``ignore_case`` is set. User-assigned codes such as Kosovo's ``XK`` and country names fail.

    Why it matters
    Country drives tax, shipping, consent law and phone and postal-code validation; a code that
    is not ISO cannot be mapped reliably and breaks those rules for the record.

    Example
        - {id: country-code, check: country, field: country, alpha: alpha2}
    """
    codes = {"alpha2": ALPHA2, "alpha3": ALPHA3, "any": ALPHA2 | ALPHA3}[params.alpha]
    if params.ignore_case:
        # ASCII spellings only: Unicode upper-casing would turn "ſe" into Sweden's "SE".
        codes = frozenset(variant for code in codes for variant in case_variants(code))
    return _member_of(pl.col(params.field), sorted(codes))


# ---------------------------------------------------------------------------------------------
# postal_code

_POSTAL_COMBINED = combined_regex()
#: Spelling of an ISO code -> its alpha-2 code where a postal format is known, else None:
#: an ISO country without a known format is not evaluated (rather than judged by the
#: fallback ``country``'s format, which applies only to values that are no ISO code).
_POSTAL_COUNTRIES = {
    spelling: alpha2 if alpha2 in POSTAL_PATTERNS else None for spelling, alpha2 in CODE_LOOKUP.items()
}


class PostalCodeParams(FieldParams):
    optional_field_params: ClassVar[tuple[str, ...]] = ("country_field",)

    field: str = Field(description=_FIELD_DESCRIPTION)
    country_field: str | None = Field(
        None,
        description=(
            "Field holding each record's country (ISO 3166-1 alpha-2 or alpha-3, any case, "
            "surrounding spaces ignored)."
        ),
    )
    country: str | None = Field(
        None,
        description=(
            "Country of every record (alpha-2 or alpha-3), or, with country_field, the country "
            "of records whose country_field is not an ISO code. Give country_field, country or both."
        ),
    )

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        alpha2 = to_alpha2(value)
        if alpha2 is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 country code; use e.g. 'DE' or 'USA'")
        if alpha2 not in POSTAL_PATTERNS:
            raise ValueError(
                f"no postal code format is known for {alpha2}; known: {', '.join(sorted(POSTAL_PATTERNS))}"
            )
        return alpha2

    @model_validator(mode="after")
    def _some_country(self) -> PostalCodeParams:
        if self.country_field is None and self.country is None:
            raise ValueError("give country_field, country or both")
        if self.country_field == self.field:
            raise ValueError("country_field must name another field than field")
        return self


@register(
    "postal_code", Dimension.VALIDITY, PostalCodeParams, message="not a valid postal code for its country"
)
def postal_code(params: PostalCodeParams, ctx: CheckContext) -> pl.Expr:
    """The value is a well-formed postal code for the record's country.

    What it checks
    The value has the format the country's postal operator uses (``12345`` or ``12345-6789`` in
    the US, ``SW1A 1AA`` in the UK, ``1234 AB`` in the Netherlands, ...). The country comes from
    ``country_field`` per record (alpha-2 or alpha-3, any case) or from ``country``; records
    whose country is not an ISO code (and no ``country`` is given), or is one of the countries
    without a known format, are not evaluated. Letters must be upper-case; where the only
    separator is a space, the form without it (``SW1A1AA``, ``K1A0B1``) is accepted too.
    Countries with a known format: AT, AU, BE, BR, CA, CH, CZ, DE, DK, ES, FI, FR, GB, GR, HU,
    IE, IN, IT, JP, LU, MX, NL, NO, NZ, PL, PT, SE, SG, SK, US.

    Why it matters
    Mail with a malformed postal code is delayed or returned, and address matching, geocoding
    and regional reporting all key on it.

    Example
        - {id: postal-code-format, check: postal_code, field: postal_code, country_field: country}
    """
    value = pl.col(params.field)
    if params.country_field is None:
        assert params.country is not None  # the params validator requires one of the two
        return value.str.contains(postal_regex(params.country))
    # Resolve against every ISO code first: a record from a country without a known format is
    # not evaluated, rather than judged by the fallback country's format.
    code = lookup_expr(pl.col(params.country_field), _POSTAL_COUNTRIES, params.country)
    # A null code (no known format) makes the key, and so the verdict, null.
    return pl.concat_str([code, pl.lit(SEPARATOR), value]).str.contains(_POSTAL_COMBINED)
