"""The shipped rule pack as pointblank expresses it: the peer that run_audit.py --peers times.

Usage (with the peers virtualenv made by benchmarks/peers/setup.sh; pointblank is not a
dependency of veracity and is not in the project's virtualenv)::

    benchmarks/.venv-peers/bin/python benchmarks/peers/pointblank_audit.py DATA.csv|DATA.parquet \
        [--as-of 2026-11-01] [-o report.json]

It reads the file as veracity does (``polars.read_csv(path, infer_schema=False)``, so every
column is text; ``read_parquet`` for ``.parquet``), turns whitespace-only values and the pack's
``null_markers`` into nulls, parses the four date columns (ISO ``YYYY-MM-DD``) into extra
``<field>__date`` columns, then runs one ``pointblank.Validate`` over the rules of
``rules/customer-master.yaml``, interrogates it with pointblank's defaults (failing-row extracts
and the checked tables kept), builds its JSON report (written with ``-o``) and prints one
summary line: steps, and the failing test units per rule. All of that is inside the timed
process, as reading, typing, checking and the report are for ``veracity audit``.

What it expresses, rule by rule of the pack (pointblank 1.1.1):

- ``core-columns``: ``col_exists`` on customer_id, email, country.
- ``id-present``, ``email-present``, ``phone-present``: ``col_vals_not_null``.
- ``state-in-us``: ``col_vals_not_null`` on state with ``pre=`` keeping the rows with country
  ``US`` (veracity's ``when:``).
- ``email-valid``: ``col_vals_within_spec(spec="email")``, pointblank's e-mail regex. Not
  email-validator's verdict: the regex rejects internationalised addresses (``jane@bücher.de``)
  and accepts some that the library rejects (``a..b@x.de``, ``.a@x.de``, numeric top-level
  domains, reserved names such as ``example.invalid``). pointblank has no library-exact e-mail
  check.
- ``phone-valid``: ``col_vals_within_spec(spec="phone")``, a generic shape regex (digit groups
  separated by space, ``-`` or ``.``, optional ``+`` and parentheses). It knows no numbering
  plan and does not use the record's country, so it cannot tell a valid number from one of the
  right shape, and it rejects common national spellings such as ``0151/2345678``:
  libphonenumber's verdict (veracity's check) is not expressible.
- ``postal-code``: one ``col_vals_within_spec(spec="postal_code[CC]")`` step per ISO country
  present in the data, each with ``pre=`` keeping that country's rows. pointblank's patterns
  are looser than veracity's (e.g. DE ``[0-9]{5}`` accepts ``00123``, ES any five digits) and
  it upper-cases the value before matching, so lower-case GB and NL codes pass; country values
  in other spellings (``de``, ``DEU``, ``PL ``) are not mapped to a country, and no step is
  made for them.
- ``birth-date``: ``col_vals_expr`` (a polars expression): a value is there but does not
  parse as ``YYYY-MM-DD``. veracity also accepts ``20240301`` and ISO date-times.
- ``born-in-the-past``: ``col_vals_between`` 1900-01-01 .. the audit date on the parsed date
  (values that do not parse pass here; ``birth-date`` catches them).
- ``customer-id-format``: ``col_vals_regex`` ``^[A-Z]-\\d{3,8}$``, the pack's pattern anchored
  as veracity anchors it: the same verdicts.
- ``last-name-length``: ``col_vals_str_len`` 1..80 (characters, as veracity counts).
- ``country-code``: ``col_vals_in_set`` with the 249 ISO 3166-1 alpha-2 codes written out
  below (pointblank ships no such list; veracity's table is the source).
- ``known-market``: ``col_vals_in_set`` with the pack's nine markets.
- ``one-record-per-id``, ``one-record-per-email``: ``rows_distinct`` on the one column (nulls
  left out by ``pre=``; e-mail trimmed and lower-cased first, as the pack says). pointblank
  fails every record of a duplicated group, the first one too; veracity passes the first, so
  pointblank's counts are higher by the number of groups.
- ``fresh``: ``col_vals_ge`` on the parsed ``last_updated``: at most 730 days before the
  audit date. (pointblank's ``data_freshness`` judges only the newest value of the column.)
- ``updated-not-future``: ``col_vals_le`` on the parsed ``last_updated``, the audit date.
- ``signup-first``: ``col_vals_le`` of the parsed ``signup_date`` against
  ``pb.col("last_updated__date")``.
- ``consent-recorded``: pointblank has no consent check; written by hand as a polars
  expression in ``col_vals_expr`` (opted in, spelled as under ``booleans:``, needs a consent
  date that parses, is not after the audit date nor older than 1825 days).

Missing values (null after the null markers) pass the validity, timeliness and consistency
steps (``na_pass=True``, ``None`` in the sets) and are left to the ``not_null`` steps, as in
veracity. The pack's thresholds and severities become pointblank thresholds (``error`` or
``warning`` at the failing fraction the pack tolerates; at one failing unit where it tolerates
none).

What it does not do: the library-exact ``email`` and ``phone`` verdicts (above); per-record
findings with source file and line, the 0-100 score and gate; null markers, booleans and date
formats are not read from the YAML but written into this script, which does not read the pack.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pointblank as pb
import polars as pl

#: From rules/customer-master.yaml.
NULL_MARKERS = ["n/a", "N/A", "-", "null", "NULL", "none"]
TRUE_SPELLINGS = ["true", "yes", "y", "1"]
KNOWN_MARKETS = ["DE", "AT", "CH", "FR", "IT", "ES", "NL", "GB", "US"]
DATE_FIELDS = ["birth_date", "signup_date", "last_updated", "consent_date"]
MAX_AGE_DAYS = 730
CONSENT_MAX_AGE_DAYS = 1825

#: Every officially assigned ISO 3166-1 alpha-2 code (as veracity's country table has them).
_ISO_ALPHA2_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
ISO_ALPHA2 = _ISO_ALPHA2_CODES.split()


def load(path: Path) -> pl.DataFrame:
    """The file as veracity sees it: text columns with missing values as null, plus parsed dates.

    Dates are parsed once here rather than in each step's ``pre=``, which would parse the same
    column again for every rule that reads it.
    """
    frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path, infer_schema=False)
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    frame = frame.with_columns(
        pl.when((pl.col(name).str.strip_chars() == "") | pl.col(name).is_in(NULL_MARKERS))
        .then(None)
        .otherwise(pl.col(name))
        .alias(name)
        for name in text
    )
    # Parquet from generate.py has the dates typed Date already.
    return frame.with_columns(
        (
            pl.col(name).str.to_date("%Y-%m-%d", strict=False)
            if frame.schema[name] == pl.String
            else pl.col(name).cast(pl.Date)
        ).alias(f"{name}__date")
        for name in DATE_FIELDS
    )


def _rows_where(condition: pl.Expr) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A ``pre=`` that keeps the rows where ``condition`` holds (veracity's ``when:``)."""
    return lambda frame: frame.filter(condition)


def thresholds_of(threshold: float = 1.0, severity: str = "error") -> pb.Thresholds:
    """The pack's threshold (share of records that must pass) as a pointblank threshold."""
    # An integer threshold counts failing units, a fraction below 1 is a share of them.
    level: float | int = 1 if threshold >= 1.0 else round(1.0 - threshold, 6)
    return pb.Thresholds(**{severity: level})


def plan(frame: pl.DataFrame, as_of: date) -> pb.Validate:
    """The validation plan for the pack; each step's brief is the pack's rule id."""
    consent = pl.col("consent_date__date")
    opted_in = pl.col("marketing_opt_in").str.strip_chars().str.to_lowercase().is_in(TRUE_SPELLINGS)
    consent_ok = (
        consent.is_not_null()
        & (consent <= pl.lit(as_of))
        & (consent >= pl.lit(as_of - timedelta(days=CONSENT_MAX_AGE_DAYS)))
    )
    # Postal-code formats are per country: one step for each ISO country in the data.
    countries = sorted(
        code for code in frame.get_column("country").drop_nulls().unique().to_list() if code in ISO_ALPHA2
    )
    error = thresholds_of()
    validation = (
        pb.Validate(data=frame, tbl_name="customers", label="rules/customer-master.yaml")
        .col_exists(columns=["customer_id", "email", "country"], thresholds=error, brief="core-columns")
        .col_vals_not_null(columns="customer_id", thresholds=error, brief="id-present")
        .col_vals_not_null(columns="email", thresholds=thresholds_of(0.97), brief="email-present")
        .col_vals_not_null(columns="phone", thresholds=thresholds_of(0.8, "warning"), brief="phone-present")
        .col_vals_not_null(
            columns="state", pre=_rows_where(pl.col("country") == "US"), thresholds=error, brief="state-in-us"
        )
        .col_vals_within_spec(
            columns="email", spec="email", na_pass=True, thresholds=error, brief="email-valid"
        )
        .col_vals_within_spec(
            columns="phone", spec="phone", na_pass=True, thresholds=error, brief="phone-valid"
        )
        .col_vals_in_set(columns="country", set=[*ISO_ALPHA2, None], thresholds=error, brief="country-code")
    )
    for code in countries:
        validation = validation.col_vals_within_spec(
            columns="postal_code",
            spec=f"postal_code[{code}]",
            na_pass=True,
            pre=_rows_where(pl.col("country") == code),
            thresholds=error,
            brief="postal-code",
        )
    return (
        validation.col_vals_expr(
            expr=pl.col("birth_date").is_null() | pl.col("birth_date__date").is_not_null(),
            thresholds=error,
            brief="birth-date",
        )
        .col_vals_between(
            columns="birth_date__date",
            left=date(1900, 1, 1),
            right=as_of,
            na_pass=True,
            thresholds=error,
            brief="born-in-the-past",
        )
        .col_vals_regex(
            columns="customer_id",
            pattern=r"^[A-Z]-\d{3,8}$",
            na_pass=True,
            thresholds=error,
            brief="customer-id-format",
        )
        .col_vals_str_len(
            columns="last_name",
            min_val=1,
            max_val=80,
            na_pass=True,
            thresholds=error,
            brief="last-name-length",
        )
        .col_vals_in_set(
            columns="country",
            set=[*KNOWN_MARKETS, None],
            thresholds=thresholds_of(severity="warning"),
            brief="known-market",
        )
        .rows_distinct(
            columns_subset=["customer_id"],
            pre=_rows_where(pl.col("customer_id").is_not_null()),
            thresholds=error,
            brief="one-record-per-id",
        )
        .rows_distinct(
            columns_subset=["email"],
            pre=lambda frame: frame.filter(pl.col("email").is_not_null()).with_columns(
                pl.col("email").str.strip_chars().str.to_lowercase()
            ),
            thresholds=thresholds_of(severity="warning"),
            brief="one-record-per-email",
        )
        .col_vals_ge(
            columns="last_updated__date",
            value=as_of - timedelta(days=MAX_AGE_DAYS),
            na_pass=True,
            thresholds=thresholds_of(0.8, "warning"),
            brief="fresh",
        )
        .col_vals_le(
            columns="last_updated__date",
            value=as_of,
            na_pass=True,
            thresholds=error,
            brief="updated-not-future",
        )
        .col_vals_le(
            columns="signup_date__date",
            value=pb.col("last_updated__date"),
            na_pass=True,
            thresholds=error,
            brief="signup-first",
        )
        .col_vals_expr(
            expr=~opted_in.fill_null(False) | consent_ok.fill_null(False),
            thresholds=error,
            brief="consent-recorded",
        )
    )


def summary(validation: pb.Validate, rows: int) -> str:
    """One line: steps, failing test units per rule (postal-code summed over its steps), and the
    rules past their error or warning threshold."""
    failing: dict[str, int] = {}
    levels: dict[str, list[str]] = {"error": [], "warning": []}
    for info in validation.validation_info:
        failing[info.brief] = failing.get(info.brief, 0) + (info.n_failed or 0)
        for level, rules in levels.items():
            if getattr(info, level) and info.brief not in rules:
                rules.append(info.brief)
    counts = ", ".join(f"{rule}={count}" for rule, count in failing.items())
    return (
        f"pointblank {version('pointblank')}: {rows} rows, {len(validation.validation_info)} steps; "
        f"failing units: {counts}; past error threshold: {', '.join(levels['error']) or 'none'}; "
        f"past warning threshold: {', '.join(levels['warning']) or 'none'}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path, help="the CSV or Parquet file to validate")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=date.today(),
        help="audit date for the date rules (default today; run_audit.py passes veracity's)",
    )
    parser.add_argument("-o", "--output", type=Path, help="write pointblank's JSON report here")
    args = parser.parse_args(argv)
    frame = load(args.data)
    validation = plan(frame, args.as_of).interrogate()
    # The report walks every step's results, so nothing computed is left unused.
    report: Any = validation.get_json_report()
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")
    print(summary(validation, frame.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
