"""Generate realistic, seeded customer exports with known errors, for benchmarking veracity.

Usage::

    python benchmarks/generate.py --rows 1000000 --seed 42 --format both --out benchmarks/data/customers_1m
    python benchmarks/generate.py --shape contacts-random --rows 1000000 --out benchmarks/data/random_1m

``--shape`` picks the shape of the data: ``customers`` (the default, described below) or one of
``shapes.py``'s (contacts-random, contacts-invalid, all-distinct, wide, free-text), which are
written by ``shapes.py`` as ``<out>.csv``, ``<out>.rules.yaml`` and ``<out>.truth.json``.

writes ``customers_1m.csv`` (comma, UTF-8, header), ``customers_1m.parquet`` and
``customers_1m.truth.json`` next to each other. The columns are the field names of the shipped
rule pack ``rules/customer-master.yaml``: customer_id, first_name, last_name, email, phone,
street, postal_code, city, state, country, birth_date, signup_date, last_updated,
marketing_opt_in, consent_date. In Parquet the three date columns are typed ``Date`` (as a
real export would write them); everything else, and everything in the CSV, is text.

What the data looks like
    Ten countries (DE 30%, US 14%, FR 12%, GB 12%, IT 8%, NL 7%, ES 7%, AT 4%, CH 3%, PL 3%),
    names from pools of several hundred first and last names (10% of customers carry a name
    from another country), e-mail addresses derived from the name (eight patterns, number
    suffixes, each country's usual providers), phone numbers in the formats people write in
    each country (national, +international, 00-international, E.164, US "(415) 555-0199", ...),
    streets, cities, states and postal codes per country, ISO dates. All pools live in
    ``reference_data.py``. Everything is vectorised (numpy draws, polars string building);
    1M rows take 10-15 s on two cores, 10M rows about two minutes, written in chunks of 1M
    rows so that memory stays bounded.

Injected errors (exact counts per kind are written to the truth file)
    Rates are of all rows; a kind is drawn only from the rows it can apply to, and capped at
    their number (the truth file records the count actually injected).

    ============================  =====  ======================================================
    kind                          rate   what is injected
    ============================  =====  ======================================================
    duplicate_customer_id         0.5%   a later copy of an earlier record (same customer_id,
                                         same person, last_updated up to 60 days later)
    missing_email                 2%     empty, "n/a", "-" or blanks
    malformed_email               1%     "a@@b.de", "a@gmx" (no TLD), " a@b.de" (leading
                                         space), "a@b,de" (comma for dot); among present ones
    missing_phone                 3%     empty or "-" (an extra kind: real exports have it)
    invalid_phone                 2%     too long, cut short, "+0151..." or a placeholder such
                                         as "unbekannt"; among present ones
    bad_postal_code               1%     truncated, extra digit, "D-10115"-style country
                                         prefix, lower case (GB, NL), leading zero dropped
    invalid_country               0.5%   "Germany", "UK", "DEU", "de", "PL " ... instead of
                                         the ISO alpha-2 code
    us_missing_state              1%     a US record without state (of all rows, drawn from US
                                         rows)
    stale_last_updated            5%     last_updated more than two years (730 days) before the
                                         audit date 2026-11-01 (drawn from records signed up
                                         early enough to be that old)
    signup_after_last_updated     1%     signup_date 1-365 days after last_updated
    opt_in_without_consent        3%     marketing_opt_in true, consent_date empty (drawn from
                                         opted-in records)
    ============================  =====  ======================================================

    Kinds are drawn independently, so one record may carry several, except where one would
    hide or change another: malformed e-mails and invalid phones are drawn from present
    values, bad postal codes from records whose country stays valid, and records given an
    invalid country get their phone number in international form, so that the phone check
    (which reads national numbers with the record's country) fails exactly the injected
    phones. Clean values pass every rule of ``rules/customer-master.yaml`` audited with
    ``--as-of 2026-11-01``; the truth file's ``expected_failures`` gives the number of records
    each of its rules should fail (the uniqueness and known-market counts are measured on the
    data, since name collisions and the duplicates above make some e-mails repeat).

Determinism
    The output depends only on --seed and --rows (chunk size is fixed), not on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import shapes
from reference_data import COUNTRIES, KNOWN_MARKETS

AS_OF = date(2026, 11, 1)
#: ``--shape`` of the data this module draws itself; the others are shapes.py's.
DEFAULT_SHAPE = "customers"
#: The shipped rule pack's `fresh` rule: last_updated at most 730 days before the audit date.
FRESH_FROM = AS_OF - timedelta(days=730)
#: Its `consent-recorded` rule: consent at most 1825 days old.
CONSENT_FROM = AS_OF - timedelta(days=1825)
SIGNUP_FROM = date(2008, 1, 1)
#: Rows generated (and held in memory) at once. Fixed, so the output does not depend on it
#: being tuned: chunk k always gets the k-th child of the seed.
CHUNK_ROWS = 1_000_000
#: customer_id is "C-" plus the number; the rule pack allows at most 8 digits.
FIRST_ID = 1000
MAX_ROWS = 50_000_000

COLUMNS = (
    "customer_id", "first_name", "last_name", "email", "phone", "street", "postal_code", "city",
    "state", "country", "birth_date", "signup_date", "last_updated", "marketing_opt_in",
    "consent_date",
)  # fmt: skip

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_EPOCH = date(1970, 1, 1)


def _days(day: date) -> int:
    return (day - _EPOCH).days


@dataclass(frozen=True)
class ErrorKind:
    name: str
    rate: float
    drawn_from: str


ERROR_KINDS = (
    ErrorKind("duplicate_customer_id", 0.005, "all rows but the first (copies an earlier record)"),
    ErrorKind("missing_email", 0.02, "all rows"),
    ErrorKind("malformed_email", 0.01, "rows with an e-mail"),
    ErrorKind("missing_phone", 0.03, "all rows"),
    ErrorKind("invalid_phone", 0.02, "rows with a phone"),
    ErrorKind("bad_postal_code", 0.01, "rows whose country stays valid"),
    ErrorKind("invalid_country", 0.005, "all rows"),
    ErrorKind("us_missing_state", 0.01, "rows with country US"),
    ErrorKind("stale_last_updated", 0.05, "rows signed up before the stale cut-off"),
    ErrorKind("signup_after_last_updated", 0.01, "all rows"),
    ErrorKind("opt_in_without_consent", 0.03, "opted-in rows"),
)

# ---------------------------------------------------------------------------------------------
# Pools: several groups (one per country, city, plan, ...) flattened into one array, so that a
# single searchsorted picks a value from each row's own group for every row at once.


class GroupedPool:
    """Values of several weighted groups, flattened; ``sample`` draws within each row's group.

    Group g's cumulative weights are stored as g + c (c in (0, 1]), so drawing g + u with u
    uniform in [0, 1) and searching the concatenated bounds lands inside group g.
    """

    def __init__(self, groups: Sequence[Sequence[tuple[Any, float]]]) -> None:
        values: list[Any] = []
        bounds: list[float] = []
        last: list[int] = []
        for number, members in enumerate(groups):
            if not members:
                raise ValueError(f"group {number} of a pool is empty")
            weights = np.array([weight for _, weight in members], dtype=np.float64)
            cumulative = np.cumsum(weights) / weights.sum()
            cumulative[-1] = 1.0  # exact, so that the next group starts at number + 1
            values.extend(value for value, _ in members)
            bounds.extend((number + cumulative).tolist())
            last.append(len(values) - 1)
        self.values = values
        self._bounds = np.array(bounds, dtype=np.float64)
        self._last = np.array(last, dtype=np.int64)

    def sample(self, rng: np.random.Generator, groups: IntArray) -> IntArray:
        """A flat index into ``values`` per row, drawn from the row's group by weight."""
        drawn = np.searchsorted(self._bounds, groups + rng.random(groups.size), side="right")
        # g + u can round up to g + 1 in floating point; keep such a draw inside group g.
        return np.minimum(drawn.astype(np.int64), self._last[groups])

    def series(self, name: str, index: IntArray, dtype: Any = pl.String) -> pl.Series:
        return pl.Series(name, self.values, dtype=dtype).gather(index)


def _uniform(members: Sequence[Any]) -> list[tuple[Any, float]]:
    return [(member, 1.0) for member in members]


def _ascii_local(name: str) -> str:
    """How a name is written in an e-mail address: Müller -> mueller, Łukasz -> lukasz."""
    text = name.lower()
    for char, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ł", "l"), ("ø", "o")):
        text = text.replace(char, spelled)
    text = unicodedata.normalize("NFKD", text)
    return "".join(char for char in text if char.isascii() and (char.isalnum() or char == "-"))


# Countries in the order of COUNTRIES; their index is the "country" attribute of a row.
_CODES = [country.code for country in COUNTRIES]
_COUNTRY_WEIGHTS = np.array([country.weight for country in COUNTRIES]) / sum(c.weight for c in COUNTRIES)
_US = _CODES.index("US")

_FIRST = GroupedPool([_uniform(country.first_names) for country in COUNTRIES])
_LAST = GroupedPool([_uniform(country.last_names) for country in COUNTRIES])
_DOMAINS = GroupedPool([country.email_domains for country in COUNTRIES])
_STREETS = GroupedPool([_uniform(country.streets) for country in COUNTRIES])
_CITIES = GroupedPool([[(city, city.weight) for city in country.cities] for country in COUNTRIES])
# Every city gets an outward-code group (a dummy one outside GB) so cities index it directly.
_OUTWARD = GroupedPool([_uniform(city.outward or ("",)) for city in _CITIES.values])
_PLANS = GroupedPool([[(plan, plan.weight) for plan in country.phone_plans] for country in COUNTRIES])
_PREFIXES = GroupedPool([_uniform(plan.prefixes) for plan in _PLANS.values])
_STYLES = GroupedPool([country.phone_styles for country in COUNTRIES])
_BAD_COUNTRY = GroupedPool([_uniform(country.bad_spellings) for country in COUNTRIES])

#: E-mail local-part patterns (built in _email_local) and their weights.
_EMAIL_PATTERNS: tuple[tuple[str, float], ...] = (
    ("first.last", 35), ("firstlast", 12), ("f.last", 12), ("last.first", 8), ("first_last", 8),
    ("first.l", 5), ("flast", 10), ("first-last", 4), ("last", 6),
)  # fmt: skip
#: Suffix after the name: none, birth year (2 or 4 digits), a small or a larger number.
_SUFFIX_KINDS = np.array([0.10, 0.22, 0.10, 0.18, 0.40])
#: How yes/no is written (true spelling, false spelling, weight): exports mix them.
_OPT_IN_SPELLINGS = (
    ("yes", "no", 40), ("true", "false", 25), ("1", "0", 15), ("Y", "N", 5), ("Yes", "No", 10),
    ("TRUE", "FALSE", 5),
)  # fmt: skip
_NL_LETTERS = "ABCDEGHJKLMNPRTVWXZ"  # letters PostNL issues (never F I O Q U Y; SA SD SS excluded)
_GB_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # Royal Mail: never C I K M O V in the inward code
_PHONE_PLACEHOLDERS = (
    "unbekannt", "keine Angabe", "unknown", "not given", "000000", "0000 000000", "+00 000 000",
    "tbd", "?", "0", "ask customer", "xxx",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Attributes: every random draw of a record, as numpy arrays. Strings are rendered from these
# deterministically, so a duplicate (a gathered copy of the arrays) renders to the same person.


def _draw_attributes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    country = rng.choice(len(COUNTRIES), size=n, p=_COUNTRY_WEIGHTS).astype(np.int64)
    # 10% of customers carry a name from another country's pool (people move).
    foreign = rng.random(n) < 0.10
    name_country = np.where(foreign, rng.choice(len(COUNTRIES), size=n, p=_COUNTRY_WEIGHTS), country).astype(
        np.int64
    )
    city = _CITIES.sample(rng, country)
    plan = _PLANS.sample(rng, country)

    signup_lo, signup_hi = _days(SIGNUP_FROM), _days(AS_OF) - 1
    # More recent sign-ups are more frequent (a growing customer base): density rises with u^0.7.
    signup = signup_lo + np.floor((signup_hi - signup_lo + 1) * rng.random(n) ** 0.7).astype(np.int64)
    # Clean records were touched within the freshness window and not before sign-up.
    updated_lo = np.maximum(signup, _days(FRESH_FROM))
    last_updated = updated_lo + np.floor((_days(AS_OF) - updated_lo + 1) * rng.random(n)).astype(np.int64)
    birth = np.clip(
        rng.normal(_days(date(1980, 6, 1)), 14 * 365.25, n),
        _days(date(1935, 1, 1)),
        _days(date(2006, 12, 31)),
    ).astype(np.int64)
    opt_in = rng.random(n) < 0.55
    # Consent is recorded at sign-up; older customers re-confirmed in a campaign since 2022,
    # which keeps clean consents inside the rule pack's five-year limit.
    campaign = _days(date(2022, 1, 1))
    reconfirmed = campaign + np.floor((_days(AS_OF) - campaign) * rng.random(n)).astype(np.int64)
    consent = np.where(signup >= campaign, signup, reconfirmed)
    # Some who opted out still have the date of a consent they later withdrew.
    has_consent = opt_in | (rng.random(n) < 0.08)

    low = np.array([c.low for c in _CITIES.values], dtype=np.int64)[city]
    high = np.array([c.high for c in _CITIES.values], dtype=np.int64)[city]
    return {
        "country": country,
        "first": _FIRST.sample(rng, name_country),
        "last": _LAST.sample(rng, name_country),
        "email_pattern": rng.choice(
            len(_EMAIL_PATTERNS), size=n, p=_normalised([w for _, w in _EMAIL_PATTERNS])
        ),
        "email_suffix": rng.choice(_SUFFIX_KINDS.size, size=n, p=_SUFFIX_KINDS / _SUFFIX_KINDS.sum()),
        "email_number": rng.integers(0, 100_000, n),
        "email_domain": _DOMAINS.sample(rng, country),
        "email_capitalised": rng.random(n) < 0.03,
        "plan": plan,
        "prefix": _PREFIXES.sample(rng, plan),
        "subscriber_first": rng.random(n),
        "subscriber_rest": rng.integers(0, 10**8, n),
        "style": _STYLES.sample(rng, country),
        "street": _STREETS.sample(rng, country),
        # House numbers: mostly small, with a tail up to 150.
        "house": 1 + np.floor(150 * rng.random(n) ** 2).astype(np.int64),
        "house_extra": rng.random(n),
        "house_extra_number": rng.integers(1, 30, n),
        "city": city,
        "outward": _OUTWARD.sample(rng, city),
        "postal": low + np.floor((high - low + 1) * rng.random(n)).astype(np.int64),
        "postal_letters": rng.integers(0, 20 * 20 * 10, n),
        "postal_compact": rng.random(n) < 0.10,
        "zip4": np.where(rng.random(n) < 0.10, rng.integers(1, 10_000, n), -1),
        "birth": birth,
        "signup": signup,
        "last_updated": last_updated,
        "opt_in": opt_in,
        "opt_in_spelling": rng.choice(
            len(_OPT_IN_SPELLINGS), size=n, p=_normalised([w for *_, w in _OPT_IN_SPELLINGS])
        ),
        "consent": consent,
        "has_consent": has_consent,
        "id_gap": rng.integers(1, 3, n),
    }


def _normalised(weights: Sequence[float]) -> npt.NDArray[np.float64]:
    array = np.asarray(weights, dtype=np.float64)
    shares: npt.NDArray[np.float64] = array / array.sum()
    return shares


# ---------------------------------------------------------------------------------------------
# Rendering: attributes -> text columns, all in polars expressions.


def _join(parts: list[pl.Expr], lengths: list[pl.Expr], sep: str) -> pl.Expr:
    """Non-empty groups joined by ``sep`` (plans have one to four groups)."""
    pieces = [parts[0]]
    for part, length in zip(parts[1:], lengths[1:], strict=True):
        pieces.append(pl.when(length > 0).then(pl.lit(sep) + part).otherwise(pl.lit("")))
    return pl.concat_str(pieces)


def _phone_exprs() -> tuple[pl.Expr, pl.Expr]:
    """(phone in the row's style, the same number in international form)."""
    cc, trunk, prefix, sub = pl.col("_cc"), pl.col("_trunk"), pl.col("_prefix"), pl.col("_sub")
    groups = [pl.col(f"_g{k}") for k in range(4)]
    lengths = [pl.col(f"_l{k}") for k in range(4)]
    plus = pl.lit("+") + cc

    def spaced(sep: str) -> pl.Expr:
        return _join(groups, lengths, sep)

    intl = pl.concat_str([plus, pl.lit(" "), prefix, pl.lit(" "), spaced(" ")])
    styles: dict[str, pl.Expr] = {
        "national": pl.concat_str([trunk, prefix, pl.lit(" "), spaced(" ")]),
        "national_slash": pl.concat_str([trunk, prefix, pl.lit("/"), sub]),
        "national_dash": pl.concat_str([trunk, prefix, pl.lit("-"), spaced("-")]),
        "national_dots": pl.concat_str([trunk, prefix, pl.lit("."), spaced(".")]),
        "national_compact": pl.concat_str([trunk, prefix, sub]),
        "national_compact_no_trunk": pl.concat_str([prefix, sub]),
        "intl": intl,
        "intl_trunk": pl.concat_str(
            [plus, pl.lit(" ("), trunk, pl.lit(")"), prefix, pl.lit(" "), spaced(" ")]
        ),
        "intl_dash": pl.concat_str([plus, pl.lit("-"), prefix, pl.lit("-"), spaced("-")]),
        "e164": pl.concat_str([plus, prefix, sub]),
        "idd": pl.concat_str([pl.lit("00"), cc, pl.lit(" "), prefix, pl.lit(" "), sub]),
        "us_paren": pl.concat_str([pl.lit("("), prefix, pl.lit(") "), groups[0], pl.lit("-"), groups[1]]),
        "us_dash": pl.concat_str([prefix, pl.lit("-"), groups[0], pl.lit("-"), groups[1]]),
        "us_dots": pl.concat_str([prefix, pl.lit("."), groups[0], pl.lit("."), groups[1]]),
        "us_one": pl.concat_str([pl.lit("1-"), prefix, pl.lit("-"), groups[0], pl.lit("-"), groups[1]]),
    }
    used = {style for country in COUNTRIES for style, _ in country.phone_styles}
    unknown = used - styles.keys()
    if unknown:
        raise ValueError(f"reference_data uses unknown phone styles: {sorted(unknown)}")
    style = pl.col("_style")
    chosen: Any = pl
    for name in sorted(used):
        chosen = chosen.when(style == name).then(styles[name])
    return chosen.otherwise(intl), intl


def _email_local() -> pl.Expr:
    first, last = pl.col("_first_ascii"), pl.col("_last_ascii")
    initial_first, initial_last = first.str.slice(0, 1), last.str.slice(0, 1)
    patterns = {
        "first.last": pl.concat_str([first, pl.lit("."), last]),
        "firstlast": pl.concat_str([first, last]),
        "f.last": pl.concat_str([initial_first, pl.lit("."), last]),
        "last.first": pl.concat_str([last, pl.lit("."), first]),
        "first_last": pl.concat_str([first, pl.lit("_"), last]),
        "first.l": pl.concat_str([first, pl.lit("."), initial_last]),
        "flast": pl.concat_str([initial_first, last]),
        "first-last": pl.concat_str([first, pl.lit("-"), last]),
        "last": last,
    }
    pattern = pl.col("email_pattern")
    # Any: the chain starts as the polars module (pl.when) and continues as a When/Then object.
    chosen: Any = pl
    for index, (name, _) in enumerate(_EMAIL_PATTERNS):
        chosen = chosen.when(pattern == index).then(patterns[name])
    year = pl.col("_birth_year").cast(pl.String)
    number = pl.col("email_number")
    suffix = pl.col("email_suffix")
    tail = (
        pl.when(suffix == 1)
        .then(year.str.slice(2, 2))
        .when(suffix == 2)
        .then(year)
        .when(suffix == 3)
        .then((number % 99 + 1).cast(pl.String))
        .when(suffix == 4)
        .then((number % 99_900 + 100).cast(pl.String))
        .otherwise(pl.lit(""))
    )
    local = pl.concat_str([chosen.otherwise(patterns["first.last"]), tail])
    # A few people typed their address with capitals (still valid, and still the same
    # address to a case-insensitive duplicate check).
    return pl.when(pl.col("email_capitalised")).then(local.str.to_titlecase()).otherwise(local)


def _street_expr() -> pl.Expr:
    code, street, house = pl.col("_code"), pl.col("_street"), pl.col("house").cast(pl.String)
    extra, extra_int = pl.col("house_extra"), pl.col("house_extra_number")
    extra_number = extra_int.cast(pl.String)
    letter = pl.lit("abcd").str.slice(extra_int % 4, 1)
    # Country habits: "12a" (DE/NL/AT), "12/3" (PL flats, AT door), "221B" (GB), "Apt 4B" (US),
    # "12, 3º B" (ES floors), "Str." abbreviated in German exports.
    number = (
        pl.when(code.is_in(["DE", "NL", "AT"]) & (extra < 0.08))
        .then(house + letter)
        .when((code == "PL") & (extra < 0.45))
        .then(pl.concat_str([house, pl.lit("/"), extra_number]))
        .when((code == "AT") & (extra > 0.8))
        .then(pl.concat_str([house, pl.lit("/"), (extra_int % 9 + 1).cast(pl.String)]))
        .when((code == "GB") & (extra < 0.04))
        .then(house + letter.str.to_uppercase())
        .otherwise(house)
    )
    street = (
        pl.when((code == "DE") & (extra > 0.75)).then(street.str.replace("traße", "tr.")).otherwise(street)
    )
    formats = {country.street_format for country in COUNTRIES}
    fmt = pl.col("_street_format")
    line: Any = pl
    for template in sorted(formats):
        before, rest = template.split("{", 1)
        pieces: list[pl.Expr] = [pl.lit(before)] if before else []
        # Templates alternate literal text and {street}/{no}: rebuild them as expressions.
        for chunk in ("{" + rest).split("{")[1:]:
            name, literal = chunk.split("}", 1)
            pieces.append(street if name == "street" else number)
            if literal:
                pieces.append(pl.lit(literal))
        line = line.when(fmt == template).then(pl.concat_str(pieces))
    line = line.otherwise(street)
    suffix = (
        pl.when((code == "US") & (extra > 0.9))
        .then(pl.concat_str([pl.lit(", Apt "), extra_number, letter.str.to_uppercase()]))
        .when((code == "ES") & (extra > 0.5))
        .then(
            pl.concat_str(
                [pl.lit(", "), (extra_int % 8 + 1).cast(pl.String), pl.lit("º "), letter.str.to_uppercase()]
            )
        )
        .otherwise(pl.lit(""))
    )
    flat = pl.when((code == "GB") & (extra > 0.93)).then(
        pl.concat_str([pl.lit("Flat "), extra_number, pl.lit(", ")])
    )
    return pl.concat_str([flat.otherwise(pl.lit("")), line, suffix])


def _postal_expr() -> pl.Expr:
    style, number = pl.col("_postal_style"), pl.col("postal")
    compact = pl.col("postal_compact")
    letters = pl.col("postal_letters")
    padded5 = number.cast(pl.String).str.zfill(5)

    def pick(alphabet: str, index: pl.Expr) -> pl.Expr:
        return pl.lit(alphabet).str.slice(index % len(alphabet), 1)

    gap = pl.when(compact).then(pl.lit("")).otherwise(pl.lit(" "))
    nl = pl.concat_str(
        [number.cast(pl.String), gap, pick(_NL_LETTERS, letters), pick(_NL_LETTERS, letters // 20)]
    )
    gb = pl.concat_str(
        [
            pl.col("_outward"),
            gap,
            (letters // 400).cast(pl.String),
            pick(_GB_INWARD_LETTERS, letters),
            pick(_GB_INWARD_LETTERS, letters // 20),
        ]
    )
    zip4 = pl.col("zip4")
    us = padded5 + pl.when(zip4 >= 0).then(pl.lit("-") + zip4.cast(pl.String).str.zfill(4)).otherwise(
        pl.lit("")
    )
    return (
        pl.when(style == "digits5")
        .then(padded5)
        .when(style == "digits4")
        .then(number.cast(pl.String))
        .when(style == "pl")
        .then(pl.concat_str([padded5.str.slice(0, 2), pl.lit("-"), padded5.str.slice(2, 3)]))
        .when(style == "us")
        .then(us)
        .when(style == "nl")
        .then(nl)
        .otherwise(gb)
    )


#: Attributes the render expressions read directly.
_RENDERED_AS_IS = (
    "email_pattern", "email_suffix", "email_number", "email_capitalised", "house", "house_extra",
    "house_extra_number", "postal", "postal_letters", "postal_compact", "zip4",
)  # fmt: skip


def _render(attrs: dict[str, np.ndarray], ids: IntArray) -> pl.DataFrame:
    """The clean records as text (dates as Date), plus helper columns starting with "_"."""
    country = attrs["country"]
    plans = list(_PLANS.values)
    plan = attrs["plan"]
    sub_len = np.array([p.subscriber_digits for p in plans], dtype=np.int64)[plan]
    # Subscriber number: a first digit the plan allows, then sub_len - 1 random digits.
    allowed = np.zeros((len(plans), 10), dtype=np.int64)
    for number, p in enumerate(plans):
        allowed[number, : len(p.first_digits)] = [int(d) for d in p.first_digits]
    choices = np.array([len(p.first_digits) for p in plans], dtype=np.int64)[plan]
    first_digit = allowed[plan, np.floor(attrs["subscriber_first"] * choices).astype(np.int64)]
    rest_len = sub_len - 1
    subscriber = first_digit * 10**rest_len + attrs["subscriber_rest"] % (10**rest_len)
    group_offsets = np.zeros((len(plans), 4), dtype=np.int64)
    group_lengths = np.zeros((len(plans), 4), dtype=np.int64)
    for number, p in enumerate(plans):
        group_lengths[number, : len(p.groups)] = p.groups
        group_offsets[number, 1:] = np.cumsum(group_lengths[number])[:-1]
    cities = _CITIES.values

    frame = pl.DataFrame(
        {
            "_id": ids,
            "_code": pl.Series(_CODES).gather(country),
            "_cc": pl.Series([c.calling_code for c in COUNTRIES]).gather(country),
            "_trunk": pl.Series([c.trunk for c in COUNTRIES]).gather(country),
            "_street_format": pl.Series([c.street_format for c in COUNTRIES]).gather(country),
            "_postal_style": pl.Series([c.postal_style for c in COUNTRIES]).gather(country),
            "first_name": _FIRST.series("first_name", attrs["first"]),
            "last_name": _LAST.series("last_name", attrs["last"]),
            "_first_ascii": pl.Series([_ascii_local(v) for v in _FIRST.values]).gather(attrs["first"]),
            "_last_ascii": pl.Series([_ascii_local(v) for v in _LAST.values]).gather(attrs["last"]),
            "_domain": _DOMAINS.series("_domain", attrs["email_domain"]),
            "_prefix": _PREFIXES.series("_prefix", attrs["prefix"]),
            "_sub": subscriber,
            **{f"_o{k}": group_offsets[plan, k] for k in range(4)},
            **{f"_l{k}": group_lengths[plan, k] for k in range(4)},
            "_style": _STYLES.series("_style", attrs["style"]),
            "_street": _STREETS.series("_street", attrs["street"]),
            "city": pl.Series([c.name for c in cities]).gather(attrs["city"]),
            "_state": pl.Series([c.state or None for c in cities], dtype=pl.String).gather(attrs["city"]),
            "_outward": _OUTWARD.series("_outward", attrs["outward"]),
            "_birth_year": pl.Series(attrs["birth"], dtype=pl.Int32).cast(pl.Date).dt.year(),
            **{key: attrs[key] for key in _RENDERED_AS_IS},
            "_true": pl.Series([t for t, _, _ in _OPT_IN_SPELLINGS]).gather(attrs["opt_in_spelling"]),
            "_false": pl.Series([f for _, f, _ in _OPT_IN_SPELLINGS]).gather(attrs["opt_in_spelling"]),
            "_opt_in": attrs["opt_in"],
            "birth_date": pl.Series(attrs["birth"], dtype=pl.Int32).cast(pl.Date),
            "signup_date": pl.Series(attrs["signup"], dtype=pl.Int32).cast(pl.Date),
            "last_updated": pl.Series(attrs["last_updated"], dtype=pl.Int32).cast(pl.Date),
            "consent_date": pl.Series(
                np.where(attrs["has_consent"], attrs["consent"], 0), dtype=pl.Int32
            ).cast(pl.Date),
            "_has_consent": attrs["has_consent"],
        }
    )
    sub_text = pl.col("_sub").cast(pl.String)
    phone, phone_intl = _phone_exprs()
    return (
        frame.lazy()
        .with_columns(
            _sub=sub_text,
            **{f"_g{k}": sub_text.str.slice(pl.col(f"_o{k}"), pl.col(f"_l{k}")) for k in range(4)},
        )
        .with_columns(
            customer_id=pl.lit("C-") + pl.col("_id").cast(pl.String),
            email=pl.concat_str([_email_local(), pl.lit("@"), pl.col("_domain")]),
            phone=phone,
            _phone_intl=phone_intl,
            street=_street_expr(),
            postal_code=_postal_expr(),
            state=pl.col("_state"),
            country=pl.col("_code"),
            marketing_opt_in=pl.when(pl.col("_opt_in")).then(pl.col("_true")).otherwise(pl.col("_false")),
            consent_date=pl.when(pl.col("_has_consent")).then(pl.col("consent_date")),
        )
        .select(*COLUMNS, "_phone_intl", "_code", "_cc", "_trunk", "_prefix")
        .collect()
    )


# ---------------------------------------------------------------------------------------------
# Errors


def _pick(rng: np.random.Generator, eligible: BoolArray, rate: float, n: int) -> BoolArray:
    """Exactly round(rate * n) rows (fewer if fewer are eligible), uniformly among ``eligible``."""
    candidates = np.flatnonzero(eligible)
    count = min(round(rate * n), candidates.size)
    mask = np.zeros(n, dtype=np.bool_)
    mask[rng.choice(candidates, size=count, replace=False)] = True
    return mask


def _variant(rng: np.random.Generator, n: int, count: int) -> pl.Series:
    """Which of ``count`` variants of an error each row gets (only read where injected)."""
    return pl.Series(rng.integers(0, count, n))


def _inject(
    rng: np.random.Generator, frame: pl.DataFrame, attrs: dict[str, np.ndarray]
) -> tuple[pl.DataFrame, dict[str, int]]:
    n = frame.height
    rates = {kind.name: kind.rate for kind in ERROR_KINDS}
    counts: dict[str, int] = {}

    def mask(name: str, eligible: BoolArray) -> BoolArray:
        picked = _pick(rng, eligible, rates[name], n)
        counts[name] = int(picked.sum())
        return picked

    everyone = np.ones(n, dtype=np.bool_)
    columns: dict[str, pl.Expr] = {}

    # Country first: the phone and postal-code kinds below depend on which rows keep theirs.
    bad_country = mask("invalid_country", everyone)
    spelling = _BAD_COUNTRY.series("country", _BAD_COUNTRY.sample(rng, attrs["country"]))
    columns["country"] = (
        pl.when(pl.lit(pl.Series(bad_country))).then(pl.lit(spelling)).otherwise(pl.col("country"))
    )
    # Such a record's national phone number could not be read without its country: write it
    # internationally so that the phone check fails only the injected phones.
    phone = pl.when(pl.lit(pl.Series(bad_country))).then(pl.col("_phone_intl")).otherwise(pl.col("phone"))

    missing_state = mask("us_missing_state", (attrs["country"] == _US) & ~bad_country)
    columns["state"] = (
        pl.when(pl.lit(pl.Series(missing_state))).then(pl.lit(None, pl.String)).otherwise(pl.col("state"))
    )

    missing_phone = mask("missing_phone", everyone)
    invalid_phone = mask("invalid_phone", ~missing_phone)
    how = pl.lit(_variant(rng, n, 4))
    digits = pl.lit(pl.Series(rng.integers(100_000, 1_000_000, n))).cast(pl.String)
    placeholder = pl.lit(pl.Series(list(_PHONE_PLACEHOLDERS))).gather(
        pl.lit(_variant(rng, n, len(_PHONE_PLACEHOLDERS)))
    )
    national = pl.col("_code").is_in([c.code for c in COUNTRIES if c.trunk == "0"])
    broken = (
        # Two numbers run together / digits typed twice: more digits than any plan allows.
        pl.when(how == 0)
        .then(phone + digits)
        # Cut short: only the area or network code was typed. (Keeping a few subscriber digits
        # is not reliably invalid: German and Austrian area codes have five-digit numbers.)
        .when((how == 1) & phone.str.starts_with("+"))
        .then(pl.concat_str([pl.lit("+"), pl.col("_cc"), pl.lit(" "), pl.col("_prefix")]))
        .when(how == 1)
        .then(pl.concat_str([pl.col("_trunk"), pl.col("_prefix")]))
        # "+" in front of a national number with its trunk zero ("+0151 ..."): no country 0.
        .when((how == 2) & national & phone.str.starts_with("0") & ~phone.str.starts_with("00"))
        .then(pl.lit("+") + phone)
        .when(how == 2)
        .then(phone + digits)
        .otherwise(placeholder)
    )
    missing_marker = pl.lit(pl.Series(["", "-", "", "", ""])).gather(pl.lit(_variant(rng, n, 5)))
    columns["phone"] = (
        pl.when(pl.lit(pl.Series(missing_phone)))
        .then(missing_marker)
        .when(pl.lit(pl.Series(invalid_phone)))
        .then(broken)
        .otherwise(phone)
    )

    missing_email = mask("missing_email", everyone)
    malformed_email = mask("malformed_email", ~missing_email)
    email = pl.col("email")
    how = pl.lit(_variant(rng, n, 4))
    malformed = (
        pl.when(how == 0)
        .then(email.str.replace("@", "@@", literal=True))
        .when(how == 1)
        .then(email.str.replace(r"@([^.@]*)\..*$", "@$1"))  # cut the domain at its first dot
        .when(how == 2)
        .then(pl.lit(" ") + email)
        .otherwise(email.str.replace(r"\.([A-Za-z]+)$", ",$1"))
    )
    email_marker = pl.lit(pl.Series(["", "", "n/a", "-", "  ", "", "", ""])).gather(
        pl.lit(_variant(rng, n, 8))
    )
    columns["email"] = (
        pl.when(pl.lit(pl.Series(missing_email)))
        .then(email_marker)
        .when(pl.lit(pl.Series(malformed_email)))
        .then(malformed)
        .otherwise(email)
    )

    bad_postal = mask("bad_postal_code", ~bad_country)
    postal, code = pl.col("postal_code"), pl.col("_code")
    how = pl.lit(_variant(rng, n, 5))
    prefixes = {
        "DE": "D-",
        "FR": "F-",
        "AT": "A-",
        "CH": "CH-",
        "IT": "I-",
        "ES": "E-",
        "NL": "NL-",
        "PL": "PL-",
    }
    corrupted = (
        pl.when((how == 1) | ((how == 3) & ~code.is_in(["GB", "NL"])))
        .then(postal + pl.lit("0"))
        .when((how == 2) & code.is_in(list(prefixes)))
        .then(code.replace_strict(prefixes, default="") + postal)
        .when(how == 3)
        .then(postal.str.to_lowercase())
        .when((how == 4) & postal.str.starts_with("0"))
        .then(postal.str.slice(1))  # a spreadsheet ate the leading zero
        .otherwise(postal.str.slice(0, postal.str.len_chars() - 1))
    )
    columns["postal_code"] = pl.when(pl.lit(pl.Series(bad_postal))).then(corrupted).otherwise(postal)

    signup, last_updated = attrs["signup"].copy(), attrs["last_updated"].copy()
    stale_until = _days(FRESH_FROM) - 1
    stale = mask("stale_last_updated", signup <= stale_until)
    span = stale_until - signup[stale] + 1
    last_updated[stale] = signup[stale] + np.floor(span * rng.random(span.size)).astype(np.int64)
    signup_after = mask("signup_after_last_updated", everyone)
    signup[signup_after] = last_updated[signup_after] + rng.integers(1, 366, int(signup_after.sum()))
    columns["signup_date"] = pl.lit(pl.Series(signup, dtype=pl.Int32).cast(pl.Date))
    columns["last_updated"] = pl.lit(pl.Series(last_updated, dtype=pl.Int32).cast(pl.Date))

    no_consent = mask("opt_in_without_consent", attrs["opt_in"])
    columns["consent_date"] = (
        pl.when(pl.lit(pl.Series(no_consent))).then(pl.lit(None, pl.Date)).otherwise(pl.col("consent_date"))
    )
    return frame.with_columns(**columns), counts


def _duplicate(
    rng: np.random.Generator, attrs: dict[str, np.ndarray], ids: IntArray
) -> tuple[dict[str, np.ndarray], IntArray, int]:
    """Replace some rows with copies of earlier ones (a record exported twice)."""
    n = ids.size
    rate = next(kind.rate for kind in ERROR_KINDS if kind.name == "duplicate_customer_id")
    later = np.ones(n, dtype=np.bool_)
    later[0] = False
    copies = np.flatnonzero(_pick(rng, later, rate, n))
    originals = np.setdiff1d(np.arange(n), copies)
    # Each copy repeats a uniformly chosen original that comes before it.
    before = np.searchsorted(originals, copies)
    source = np.arange(n)
    source[copies] = originals[np.floor(before * rng.random(copies.size)).astype(np.int64)]
    gathered = {key: value[source] for key, value in attrs.items()}
    # The second export is a little newer; it cannot be newer than the audit date.
    touched = gathered["last_updated"][copies] + rng.integers(0, 61, copies.size)
    gathered["last_updated"][copies] = np.minimum(touched, _days(AS_OF))
    return gathered, ids[source], int(copies.size)


def generate_chunk(
    seed: np.random.SeedSequence, n: int, first_id: int
) -> tuple[pl.DataFrame, dict[str, int], int]:
    """``n`` records with errors injected, their error counts and the next free id."""
    rng = np.random.default_rng(seed)
    attrs = _draw_attributes(rng, n)
    ids = first_id + np.cumsum(attrs["id_gap"]) - attrs["id_gap"][0]
    next_id = int(ids[-1]) + 1
    attrs, ids, duplicates = _duplicate(rng, attrs, ids)
    frame = _render(attrs, ids)
    frame, counts = _inject(rng, frame, attrs)
    counts["duplicate_customer_id"] = duplicates
    return frame, counts, next_id


# ---------------------------------------------------------------------------------------------
# Expected rule outcomes for rules/customer-master.yaml


def _normalised_email(frame: pl.DataFrame) -> pl.Series:
    """E-mail as the rule pack's one-record-per-email compares it; null where missing."""
    email = pl.col("email")
    missing = (email.str.strip_chars() == "") | email.is_in(["n/a", "N/A", "-", "null", "NULL", "none"])
    return frame.select(
        pl.when(missing.fill_null(True)).then(None).otherwise(email.str.strip_chars().str.to_lowercase())
    ).to_series()


def _expected_failures(
    counts: dict[str, int], known_market_failures: int, email_duplicates: int
) -> dict[str, int]:
    return {
        "core-columns": 0,
        "id-present": 0,
        "email-present": counts["missing_email"],
        "phone-present": counts["missing_phone"],
        "state-in-us": counts["us_missing_state"],
        "email-valid": counts["malformed_email"],
        "phone-valid": counts["invalid_phone"],
        "country-code": counts["invalid_country"],
        "postal-code": counts["bad_postal_code"],
        "birth-date": 0,
        "born-in-the-past": 0,
        "customer-id-format": 0,
        "last-name-length": 0,
        "known-market": known_market_failures,
        "one-record-per-id": counts["duplicate_customer_id"],
        "one-record-per-email": email_duplicates,
        "fresh": counts["stale_last_updated"],
        "updated-not-future": 0,
        "signup-first": counts["signup_after_last_updated"],
        "consent-recorded": counts["opt_in_without_consent"],
    }


# ---------------------------------------------------------------------------------------------
# Output


def _output_base(out: str) -> Path:
    path = Path(out)
    if path.suffix in (".csv", ".parquet"):
        path = path.with_suffix("")
    return path


def generate(rows: int, seed: int, fmt: str, out: str, quiet: bool = False) -> dict[str, Any]:
    """Write the export(s) and the truth file; return the truth."""
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"--rows must be between 1 and {MAX_ROWS:,}")
    base = _output_base(out)
    base.parent.mkdir(parents=True, exist_ok=True)
    csv_path, parquet_path = base.with_suffix(".csv"), base.with_suffix(".parquet")
    truth_path = base.with_name(base.name + ".truth.json")
    sizes = [CHUNK_ROWS] * (rows // CHUNK_ROWS) + ([rows % CHUNK_ROWS] if rows % CHUNK_ROWS else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    started = time.perf_counter()

    totals = {kind.name: 0 for kind in ERROR_KINDS}
    known_market_failures = 0
    emails: list[pl.Series] = []
    next_id = FIRST_ID
    parts_dir = (
        Path(tempfile.mkdtemp(prefix=".parts-", dir=base.parent)) if fmt != "csv" and len(sizes) > 1 else None
    )
    parts: list[Path] = []
    try:
        with csv_path.open("wb") if fmt != "parquet" else contextlib.nullcontext() as csv_file:
            for number, (size, chunk_seed) in enumerate(zip(sizes, seeds, strict=True)):
                frame, counts, next_id = generate_chunk(chunk_seed, size, next_id)
                for name, count in counts.items():
                    totals[name] += count
                known_market_failures += frame.filter(~pl.col("country").is_in(KNOWN_MARKETS)).height
                emails.append(_normalised_email(frame))
                export = frame.select(COLUMNS)
                if csv_file is not None:
                    export.write_csv(csv_file, include_header=number == 0, date_format="%Y-%m-%d")
                if fmt != "csv":
                    if parts_dir is None:
                        export.write_parquet(parquet_path)
                    else:
                        parts.append(parts_dir / f"{number:05d}.parquet")
                        export.write_parquet(parts[-1])
                if not quiet:
                    done = sum(sizes[: number + 1])
                    print(
                        f"  {done:,} / {rows:,} rows ({time.perf_counter() - started:.1f} s)", file=sys.stderr
                    )
        if parts:
            pl.scan_parquet(parts).sink_parquet(parquet_path)
    finally:
        if parts_dir is not None:
            shutil.rmtree(parts_dir, ignore_errors=True)

    all_emails = pl.concat(emails).drop_nulls()
    email_duplicates = all_emails.len() - all_emails.n_unique()
    truth: dict[str, Any] = {
        "generator": "benchmarks/generate.py",
        "seed": seed,
        "rows": rows,
        "as_of": AS_OF.isoformat(),
        "files": {
            kind: path.name
            for kind, path in (("csv", csv_path), ("parquet", parquet_path))
            if fmt in (kind, "both")
        },
        "injected": {
            kind.name: {"count": totals[kind.name], "rate": kind.rate, "drawn_from": kind.drawn_from}
            for kind in ERROR_KINDS
        },
        "expected_failures": {
            "rules": "rules/customer-master.yaml",
            "command": "veracity audit --rules rules/customer-master.yaml --as-of 2026-11-01 ...",
            "records_failing": _expected_failures(totals, known_market_failures, email_duplicates),
        },
        "seconds": round(time.perf_counter() - started, 2),
    }
    truth_path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--shape",
        choices=(DEFAULT_SHAPE, *shapes.SHAPES),
        default=DEFAULT_SHAPE,
        help=f"shape of the data (default {DEFAULT_SHAPE}; the others are shapes.py's, CSV only)",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="number of records (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "both"),
        help="output format(s) (default both; CSV for other shapes)",
    )
    parser.add_argument(
        "--out",
        default="benchmarks/data/customers",
        help="output path without extension; .csv/.parquet/.truth.json are added (default benchmarks/data/customers)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    if args.shape != DEFAULT_SHAPE:
        if args.format not in (None, "csv"):
            parser.error(f"--shape {args.shape} is written as CSV only: drop --format or use --format csv")
        if not 1 <= args.rows <= MAX_ROWS:
            parser.error(f"--rows must be between 1 and {MAX_ROWS:,}")
        base = _output_base(args.out)
        truth = shapes.write_shape_at(args.shape, args.rows, args.seed, base)
        for suffix in (".csv", ".rules.yaml", ".truth.json"):
            path = base.with_name(base.name + suffix)
            print(f"{path}  {path.stat().st_size / 1e6:,.1f} MB")
        print(f"{args.rows:,} rows of shape {args.shape} in {truth['seconds']} s (seed {args.seed})")
        return 0
    try:
        truth = generate(args.rows, args.seed, args.format or "both", args.out, quiet=args.quiet)
    except ValueError as exc:
        parser.error(str(exc))
    base = _output_base(args.out)
    written = [base.with_suffix(f".{kind}") for kind in truth["files"]] + [
        base.with_name(base.name + ".truth.json")
    ]
    for path in written:
        print(f"{path}  {path.stat().st_size / 1e6:,.1f} MB")
    print(f"{args.rows:,} rows in {truth['seconds']} s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
