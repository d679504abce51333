"""Customer exports of other shapes than ``generate.py``'s, each with its rule file and its truth.

``generate.py`` draws data the way veracity's fast paths expect it (phone numbers people write,
few distinct dates). Real exports differ, and a fast path that pays off on one shape only is not
fast. Each shape here writes three files next to each other::

    python benchmarks/shapes.py --shape contacts-random --rows 1000000 --out benchmarks/data/shape

writes ``shape-contacts-random.csv``, ``shape-contacts-random.rules.yaml`` and
``shape-contacts-random.truth.json`` (``rules``: the rule file's name; ``expected_failures``:
``records_failing`` per rule id, the numbers a correct audit reports with ``--as-of 2026-11-01``).

Shapes (``--shape all`` writes every one)
    contacts-random  phone numbers written as ``+`` and a calling code followed by random digits
                     (most of them no valid number), a country column unrelated to the number,
                     ``last_updated`` as timestamps with a time of day, 25 countries, almost every
                     e-mail, phone and timestamp distinct; 10 rules with exact e-mail and phone
    contacts-invalid mostly invalid contact data: 70% of e-mails and phones malformed in a dozen
                     ways, 20% of countries not codes; the same 10 rules
    all-distinct     every value of every column distinct (ids, e-mails, phones, names, dates
                     over a century); 10 rules
    wide             61 columns (an id and 15 groups of code, amount, date and flag), 40 rules
    free-text        long free-text notes (200 to 2,000 characters) beside a few contact fields;
                     length, banned-word patterns, not_null and e-mail rules

How the truth is known
    Everything but e-mail and phone validity is known by construction (the generator decides
    which values fail). E-mail and phone validity is the reference libraries' verdict
    (email-validator, phonenumbers), asked once per distinct value in worker processes when
    the files are written: the audit's exact checks must agree with it, so the truth check of a
    benchmark run is also a differential test of the fast paths on data they were not tuned on.

Determinism
    The output depends only on --shape, --rows and --seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

AS_OF = date(2026, 11, 1)
#: 25 countries and their calling codes (a phone's country is drawn independently of them).
COUNTRIES = {
    "DE": "49", "AT": "43", "CH": "41", "FR": "33", "IT": "39", "ES": "34", "NL": "31", "BE": "32",
    "GB": "44", "IE": "353", "US": "1", "CA": "1", "MX": "52", "BR": "55", "AR": "54", "PL": "48",
    "CZ": "420", "SE": "46", "NO": "47", "DK": "45", "FI": "358", "PT": "351", "GR": "30",
    "JP": "81", "AU": "61",
}  # fmt: skip
TLDS = ("de", "at", "ch", "fr", "it", "es", "nl", "be", "co.uk", "ie", "com", "ca", "com.mx", "com.br",
        "pl", "cz", "se", "no", "dk", "fi", "pt", "gr", "jp", "com.au", "net", "org")  # fmt: skip
#: Malformed e-mails (each fails email-validator): templates over a valid local part ``{l}``
#: and domain ``{d}``.
BAD_EMAILS = ("{l}@@{d}", "{l}@{d}.", "{l}", "{l}@", "@{d}", "{l}@{d},com", "{l} @{d}", "{l}@-{d}",
              "{l}..x@{d}", "{l}@{d}..com", ".{l}@{d}", "{l}@localhost")  # fmt: skip
BAD_COUNTRIES = ("Germany", "Deutschland", "UK", "U.S.", "GER", "D", "Frankreich", "?", "EU")
BANNED = ("lorem", "asdf", "test test", "xxx")


@dataclass(frozen=True)
class Shape:
    name: str
    summary: str
    build: Callable[[np.random.Generator, int], tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]]


# ---------------------------------------------------------------------------------------------
# Building blocks, all vectorised


def _random_text(
    rng: np.random.Generator, n: int, low: int, high: int, alphabet: tuple[int, int]
) -> pl.Series:
    """``n`` random strings of ``low`` to ``high`` characters whose codes lie in ``alphabet``."""
    lengths = rng.integers(low, high + 1, n)
    codes = rng.integers(*alphabet, int(lengths.sum()), dtype=np.uint8)
    text = codes.tobytes().decode("ascii")
    ends = np.cumsum(lengths)
    starts = ends - lengths
    return pl.Series(
        [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)], dtype=pl.String
    )


def _letters(rng: np.random.Generator, n: int, low: int, high: int) -> pl.Series:
    """``n`` random lower-case words of ``low`` to ``high`` letters."""
    return _random_text(rng, n, low, high, (97, 123))


def _digits(rng: np.random.Generator, n: int, low: int, high: int) -> pl.Series:
    return _random_text(rng, n, low, high, (48, 58))


def _ids(prefix: str, n: int) -> pl.Series:
    return pl.Series([f"{prefix}{i:09d}" for i in range(n)], dtype=pl.String)


def _emails(rng: np.random.Generator, n: int, unique_suffix: bool) -> pl.Series:
    local = _letters(rng, n, 3, 12)
    if unique_suffix:
        local = local + "." + pl.Series([str(i) for i in range(n)])
    domain = _letters(rng, n, 3, 10) + "." + pl.Series(rng.choice(TLDS, n))
    return local + "@" + domain


def _malformed(rng: np.random.Generator, emails: pl.Series, rows: np.ndarray) -> pl.Series:
    parts = emails.str.split_exact("@", 1).struct.unnest()
    local, domain = parts.get_column("field_0").to_list(), parts.get_column("field_1").to_list()
    values = emails.to_list()
    templates = rng.choice(BAD_EMAILS, len(rows))
    for row, template in zip(rows.tolist(), templates.tolist(), strict=True):
        values[row] = template.format(l=local[row], d=domain[row])
    return pl.Series(values, dtype=pl.String)


def _random_phones(rng: np.random.Generator, n: int) -> pl.Series:
    codes = pl.Series(rng.choice(list(COUNTRIES.values()), n))
    return "+" + codes + " " + _digits(rng, n, 6, 12)


def _timestamps(rng: np.random.Generator, n: int, start: date, end: date) -> tuple[pl.Series, np.ndarray]:
    """Random ``YYYY-MM-DD HH:MM:SS`` between ``start`` and ``end``, and their day numbers."""
    base = datetime(start.year, start.month, start.day)
    span = int((end - start).total_seconds())
    seconds = rng.integers(0, span, n)
    stamps = pl.Series(seconds, dtype=pl.Int64).cast(pl.Duration("us")) * 1_000_000 + base
    days = (seconds // 86_400) + (start - date(1970, 1, 1)).days
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S"), days


def _dates(rng: np.random.Generator, n: int, start: date, end: date) -> tuple[pl.Series, np.ndarray]:
    first, last = (start - date(1970, 1, 1)).days, (end - date(1970, 1, 1)).days
    days = rng.integers(first, last + 1, n)
    return pl.Series(days, dtype=pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d"), days


def _pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return np.sort(rng.choice(n, round(n * rate), replace=False))


def _with(values: pl.Series, rows: np.ndarray, replacement: pl.Series | str | None) -> pl.Series:
    if isinstance(replacement, pl.Series):
        return values.scatter(rows, replacement)
    return values.scatter(rows, pl.Series([replacement] * len(rows), dtype=pl.String))


# ---------------------------------------------------------------------------------------------
# Library truth for e-mail and phone validity, once per distinct value


def _email_batch(values: list[str]) -> list[bool]:
    from email_validator import EmailNotValidError, validate_email

    verdicts = []
    for value in values:
        try:
            validate_email(value, check_deliverability=False)
            verdicts.append(True)
        except EmailNotValidError:
            verdicts.append(False)
    return verdicts


def _phone_batch(pairs: list[tuple[str, str]]) -> list[bool]:
    import phonenumbers

    verdicts = []
    for number, region in pairs:
        try:
            verdicts.append(phonenumbers.is_valid_number(phonenumbers.parse(number, region)))
        except phonenumbers.NumberParseException:
            verdicts.append(False)
    return verdicts


def _library_failures(items: list[Any], batch: Callable[[list[Any]], list[bool]]) -> int:
    """How many of ``items`` (duplicates counted) the library judges invalid."""
    distinct = list(dict.fromkeys(items))
    size = 20_000
    chunks = [distinct[i : i + size] for i in range(0, len(distinct), size)]
    with ProcessPoolExecutor() as pool:
        verdicts = [v for part in pool.map(batch, chunks) for v in part]
    bad = {item for item, good in zip(distinct, verdicts, strict=True) if not good}
    return sum(1 for item in items if item in bad)


def _email_failures(emails: pl.Series) -> int:
    present = emails.drop_nulls().to_list()
    return _library_failures(present, _email_batch)


def _phone_failures(phones: pl.Series, countries: pl.Series) -> int:
    """Invalid (phone, country) pairs, the country read as the phone check reads a region (an
    unknown region leaves a number without ``+`` unparseable; these all have one)."""
    pairs = [
        (phone, (country or "").strip().upper())
        for phone, country in zip(phones.to_list(), countries.to_list(), strict=True)
        if phone is not None
    ]
    return _library_failures(pairs, _phone_batch)


# ---------------------------------------------------------------------------------------------
# Shapes


def _contacts(
    rng: np.random.Generator, n: int, bad_email: float, bad_phone: float, bad_country: float
) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    emails = _emails(rng, n, unique_suffix=False)
    missing_email = _pick(rng, n, 0.02)
    malformed = np.setdiff1d(_pick(rng, n, bad_email), missing_email)
    emails = _with(_malformed(rng, emails, malformed), missing_email, None)
    phones = _random_phones(rng, n)
    if bad_phone:
        garbled = _pick(rng, n, bad_phone)
        phones = _with(phones, garbled, _letters(rng, len(garbled), 4, 9))
    countries = pl.Series(rng.choice(list(COUNTRIES), n))
    wrong_country = _pick(rng, n, bad_country)
    countries = _with(countries, wrong_country, pl.Series(rng.choice(BAD_COUNTRIES, len(wrong_country))))
    updated, updated_days = _timestamps(rng, n, date(2020, 1, 1), date(2026, 10, 31))
    signup, signup_days = _dates(rng, n, date(2010, 1, 1), date(2026, 10, 31))
    opt_in = pl.Series(rng.choice(["yes", "no"], n))
    consent, consent_days = _dates(rng, n, date(2015, 1, 1), date(2026, 10, 31))
    no_consent = _pick(rng, n, 0.03)
    consent = _with(consent, no_consent, None)
    frame = pl.DataFrame(
        {
            "customer_id": _ids("K", n),
            "first_name": _letters(rng, n, 3, 10).str.to_titlecase(),
            "last_name": _letters(rng, n, 3, 14).str.to_titlecase(),
            "email": emails,
            "phone": phones,
            "country": countries,
            "signup_date": signup,
            "last_updated": updated,
            "marketing_opt_in": opt_in,
            "consent_date": consent,
        }
    )
    rules: list[dict[str, Any]] = [
        {"id": "email-present", "check": "not_null", "field": "email"},
        {"id": "email-valid", "check": "email", "field": "email"},
        {"id": "phone-valid", "check": "phone", "field": "phone", "region_field": "country"},
        {"id": "country-code", "check": "country", "field": "country"},
        {"id": "one-record-per-id", "check": "unique", "fields": ["customer_id"]},
        {"id": "fresh", "check": "max_age", "field": "last_updated", "days": 730},
        {"id": "updated-not-future", "check": "not_in_future", "field": "last_updated"},
        {"id": "signup-date", "check": "date", "field": "signup_date"},
        {"id": "last-name-length", "check": "length", "field": "last_name", "min": 2, "max": 60},
        {
            "id": "consent-recorded",
            "check": "consent",
            "field": "consent_date",
            "opt_in_field": "marketing_opt_in",
        },
    ]
    cutoff = (AS_OF - timedelta(days=730) - date(1970, 1, 1)).days
    opted = opt_in.to_numpy() == "yes"
    no_consent_mask = np.zeros(n, dtype=bool)
    no_consent_mask[no_consent] = True
    del consent_days, signup_days
    truth = {
        "email-present": len(missing_email),
        "email-valid": _email_failures(emails),
        "phone-valid": _phone_failures(phones, countries),
        "country-code": len(wrong_country),
        "one-record-per-id": 0,
        "fresh": int((updated_days < cutoff).sum()),
        "updated-not-future": 0,
        "signup-date": 0,
        "last-name-length": 0,
        "consent-recorded": int((opted & no_consent_mask).sum()),
    }
    return frame, rules, truth


def contacts_random(
    rng: np.random.Generator, n: int
) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    return _contacts(rng, n, bad_email=0.03, bad_phone=0.0, bad_country=0.005)


def contacts_invalid(
    rng: np.random.Generator, n: int
) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    return _contacts(rng, n, bad_email=0.7, bad_phone=0.35, bad_country=0.2)


def all_distinct(
    rng: np.random.Generator, n: int
) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    emails = _emails(rng, n, unique_suffix=True)
    birth, birth_days = _dates(rng, n, date(1900, 1, 1), date(2008, 12, 31))
    updated, updated_days = _timestamps(rng, n, date(2017, 1, 1), date(2026, 10, 31))
    suffix = pl.Series([f"{i:07d}" for i in range(n)])
    frame = pl.DataFrame(
        {
            "customer_id": _ids("D", n),
            "first_name": _letters(rng, n, 3, 8).str.to_titlecase() + suffix.str.slice(0, 3),
            "last_name": _letters(rng, n, 3, 8).str.to_titlecase() + suffix,
            "email": emails,
            "phone": "+49 151 " + pl.Series([f"{10_000_000 + i:08d}" for i in range(n)]),
            "street": _letters(rng, n, 5, 12).str.to_titlecase() + "str. " + suffix,
            "birth_date": birth,
            "last_updated": updated,
            "loyalty_points": pl.Series([str(i) for i in range(n)]),
            "country": pl.Series(["DE"] * n),
        }
    )
    rules: list[dict[str, Any]] = [
        {"id": "id-present", "check": "not_null", "field": "customer_id"},
        {"id": "one-record-per-id", "check": "unique", "fields": ["customer_id"]},
        {"id": "one-record-per-email", "check": "unique", "fields": ["email"], "ignore_case": True},
        {"id": "email-valid", "check": "email", "field": "email"},
        {"id": "phone-valid", "check": "phone", "field": "phone", "region_field": "country"},
        {"id": "birth-date", "check": "date", "field": "birth_date"},
        {"id": "adult", "check": "range", "field": "birth_date", "max": "2008-11-01"},
        {"id": "fresh", "check": "max_age", "field": "last_updated", "days": 3650},
        {"id": "points", "check": "range", "field": "loyalty_points", "min": 0, "max": 5_000_000},
        {"id": "name-shape", "check": "pattern", "field": "last_name", "pattern": "[A-Z][a-z]+[0-9]+"},
    ]
    adult_limit = (date(2008, 11, 1) - date(1970, 1, 1)).days
    del updated_days
    truth = {
        "id-present": 0,
        "one-record-per-id": 0,
        "one-record-per-email": 0,
        "email-valid": _email_failures(emails),
        "phone-valid": _phone_failures(frame.get_column("phone"), frame.get_column("country")),
        "birth-date": 0,
        "adult": int((birth_days > adult_limit).sum()),
        "fresh": 0,
        "points": 0,
        "name-shape": 0,
    }
    return frame, rules, truth


def wide(rng: np.random.Generator, n: int) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    columns: dict[str, pl.Series] = {"record_id": _ids("W", n)}
    rules: list[dict[str, Any]] = [{"id": "one-record-per-id", "check": "unique", "fields": ["record_id"]}]
    truth: dict[str, int] = {"one-record-per-id": 0}
    codes = [f"{letter}{digit}" for letter in "ABCDEFGH" for digit in range(10)]
    for group in range(15):
        code, amount, day, flag = (
            f"code_{group:02d}",
            f"amount_{group:02d}",
            f"day_{group:02d}",
            f"flag_{group:02d}",
        )
        code_values = pl.Series(rng.choice(codes, n))
        bad_code = _pick(rng, n, 0.01)
        columns[code] = _with(code_values, bad_code, "ZZ9")
        amounts = pl.Series(rng.integers(0, 100_000, n)).cast(pl.String)
        negative = _pick(rng, n, 0.002)
        columns[amount] = _with(amounts, negative, "-1")
        days, _ = _dates(rng, n, date(2000, 1, 1), date(2026, 10, 31))
        bad_day = _pick(rng, n, 0.001)
        columns[day] = _with(days, bad_day, "2021-02-30")
        missing_flag = _pick(rng, n, 0.01)
        columns[flag] = _with(pl.Series(rng.choice(["Y", "N"], n)), missing_flag, None)
        rules += [
            {"id": f"{code}-known", "check": "in_set", "field": code, "values": codes},
            {"id": f"{amount}-range", "check": "range", "field": amount, "min": 0, "max": 100_000},
        ]
        truth[f"{code}-known"] = len(bad_code)
        truth[f"{amount}-range"] = len(negative)
        if group < 5:
            rules.append({"id": f"{day}-date", "check": "date", "field": day})
            truth[f"{day}-date"] = len(bad_day)
        if group < 4:
            rules.append({"id": f"{flag}-present", "check": "not_null", "field": flag})
            truth[f"{flag}-present"] = len(missing_flag)
    return pl.DataFrame(columns), rules, truth


def free_text(rng: np.random.Generator, n: int) -> tuple[pl.DataFrame, list[dict[str, Any]], dict[str, int]]:
    vocabulary = np.array(_letters(rng, 5_000, 2, 11).to_list())
    word_counts = rng.integers(30, 300, n)
    words = rng.choice(vocabulary, int(word_counts.sum()))
    ends = np.cumsum(word_counts)
    starts = ends - word_counts
    notes = pl.Series([" ".join(words[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)])
    banned = _pick(rng, n, 0.01)
    notes = notes.scatter(banned, notes.gather(banned) + " " + pl.Series(rng.choice(BANNED, len(banned))))
    too_long = notes.str.len_chars() > 2_000
    missing = _pick(rng, n, 0.05)
    notes = _with(notes, missing, None)
    emails = _emails(rng, n, unique_suffix=False)
    frame = pl.DataFrame({"ticket_id": _ids("T", n), "email": emails, "notes": notes})
    banned_pattern = ".*\\b(" + "|".join(BANNED) + ")\\b.*"
    rules: list[dict[str, Any]] = [
        {"id": "notes-present", "check": "not_null", "field": "notes", "threshold": 0.9},
        {"id": "notes-length", "check": "length", "field": "notes", "min": 10, "max": 2000},
        {
            "id": "notes-clean",
            "check": "pattern",
            "field": "notes",
            "pattern": banned_pattern,
            "negate": True,
        },
        {"id": "email-valid", "check": "email", "field": "email"},
        {"id": "one-record-per-ticket", "check": "unique", "fields": ["ticket_id"]},
    ]
    present = np.ones(n, dtype=bool)
    present[missing] = False
    flagged = np.zeros(n, dtype=bool)
    flagged[banned] = True
    truth = {
        "notes-present": len(missing),
        "notes-length": int((too_long.to_numpy() & present).sum()),
        "notes-clean": int((flagged & present).sum()),
        "email-valid": _email_failures(emails),
        "one-record-per-ticket": 0,
    }
    return frame, rules, truth


SHAPES = {
    shape.name: shape
    for shape in (
        Shape("contacts-random", "random-digit phones, timestamps, 25 countries, 10 rules", contacts_random),
        Shape("contacts-invalid", "mostly invalid contact data, 10 rules", contacts_invalid),
        Shape("all-distinct", "every value distinct, 10 rules", all_distinct),
        Shape("wide", "61 columns, 40 rules", wide),
        Shape("free-text", "long free-text notes, 5 rules", free_text),
    )
}


def generator_fingerprint() -> str:
    """This file's SHA-256: data written by another version of it is written again."""
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def write_shape(name: str, rows: int, seed: int, out: str) -> dict[str, Any]:
    """Write the shape's CSV, rule file and truth file as ``<out>-<name>.*``; return the truth."""
    return write_shape_at(name, rows, seed, Path(f"{out}-{name}"))


def write_shape_at(name: str, rows: int, seed: int, base: Path) -> dict[str, Any]:
    """Write the shape's files as ``<base>.csv``, ``<base>.rules.yaml`` and ``<base>.truth.json``."""
    started = time.perf_counter()
    rng = np.random.default_rng([seed, sorted(SHAPES).index(name)])
    frame, rules, expected = SHAPES[name].build(rng, rows)
    base.parent.mkdir(parents=True, exist_ok=True)
    data = base.with_name(base.name + ".csv")
    rule_file = base.with_name(base.name + ".rules.yaml")
    frame.write_csv(data)
    document = {"version": 1, "key": frame.columns[0], "rules": rules}
    rule_file.write_text(
        f"# Rules of the benchmark shape '{name}' ({SHAPES[name].summary}); see benchmarks/shapes.py.\n"
        + yaml.safe_dump(document, sort_keys=False, width=120),
        encoding="utf-8",
    )
    truth = {
        "shape": name,
        "rows": rows,
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "generator_sha256": generator_fingerprint(),
        "rules": rule_file.name,
        "expected_failures": {"records_failing": expected},
        "seconds": round(time.perf_counter() - started, 1),
    }
    base.with_name(base.name + ".truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="benchmarks/data/shape", help="path prefix of the files written")
    args = parser.parse_args(argv)
    for name in SHAPES if args.shape == "all" else [args.shape]:
        truth = write_shape(name, args.rows, args.seed, args.out)
        print(f"{args.out}-{name}.csv: {args.rows:,} rows in {truth['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
