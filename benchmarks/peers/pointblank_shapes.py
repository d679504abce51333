"""A shape's rule file (benchmarks/shapes.py) as pointblank expresses it: run_audit.py --shapes --peers.

Usage (with the peers virtualenv made by benchmarks/peers/setup.sh; pointblank is not a
dependency of veracity)::

    benchmarks/.venv-peers/bin/python benchmarks/peers/pointblank_shapes.py DATA.csv \
        --rules DATA.rules.yaml [--as-of 2026-11-01] [-o report.json]

Unlike ``pointblank_audit.py`` (the shipped pack, written out by hand), this script reads the
shape's rule file and translates each rule into pointblank steps, so the five shapes (and their
40-rule wide table) need no hand-kept copy. Like it, everything is inside the timed process:
reading the CSV as veracity does (``polars.read_csv(path, infer_schema=False)``: every column
text; blank values as null), typing once the columns the date and range rules read (extra
``<field>__date`` and ``<field>__number`` columns, not parsed again in every step), one
``pointblank.Validate`` interrogated with pointblank's defaults, its JSON report (``-o``), and
one summary line.

What each check of the shapes becomes (pointblank 1.1.1), and where it differs:

- ``not_null``: ``col_vals_not_null``.
- ``unique``: ``rows_distinct`` on the fields (nulls left out by ``pre=``, lower-cased first
  with ``ignore_case``). pointblank fails every record of a duplicated group, the first too;
  veracity passes the first, so pointblank's counts are higher by the number of groups.
- ``email``: ``col_vals_within_spec(spec="email")``, pointblank's e-mail regex, not
  email-validator's verdict (see ``pointblank_audit.py`` for the values they judge apart).
- ``phone``: ``col_vals_within_spec(spec="phone")``, a generic shape regex. It knows no
  numbering plan and ignores ``region_field``: libphonenumber's verdict is not expressible, so
  a random-digit number of the right shape passes.
- ``country``: ``col_vals_in_set`` with the 249 ISO alpha-2 codes written out (pointblank has
  no such list; alpha-3 codes, which veracity's ``alpha: any`` also accepts, are left out:
  the shapes hold none).
- ``date``: ``col_vals_expr``: a value is there but does not parse as ``YYYY-MM-DD`` nor as
  ``YYYY-MM-DD HH:MM:SS`` (veracity accepts more ISO spellings).
- ``range``: ``col_vals_between`` (``_ge``/``_le`` for one bound) on the parsed date when the
  bounds are ISO dates, on the number otherwise; values that do not parse pass (``na_pass``),
  where veracity's range fails a value that is not a number.
- ``max_age``, ``not_in_future``: ``col_vals_ge``/``col_vals_le`` on the parsed date (values
  that do not parse pass, as in veracity, whose ``date`` rules catch them).
- ``length``: ``col_vals_str_len`` (characters).
- ``pattern``: ``col_vals_regex`` anchored as veracity anchors it, ``inverse=`` for ``negate``.
- ``in_set``: ``col_vals_in_set`` (null allowed).
- ``consent``: no such check in pointblank; a polars expression in ``col_vals_expr`` (opted in
  as true/yes/y/1 needs a consent date that parses and is not after the audit date, nor older
  than ``max_age_days`` when set).

A check type not listed here stops the script with its name (it would otherwise be compared as
if it were checked). Thresholds become pointblank thresholds as in ``pointblank_audit.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pointblank as pb
import polars as pl
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from pointblank_audit import ISO_ALPHA2, TRUE_SPELLINGS, summary, thresholds_of

#: Checks that read a field as a date, and so get a ``<field>__date`` column.
DATE_CHECKS = {"date", "max_age", "not_in_future", "consent"}


def _is_iso_date(value: Any) -> bool:
    if isinstance(value, date):
        return True
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parsed_date(name: str) -> pl.Expr:
    """ISO dates, and ISO timestamps with a time of day read as their date; null otherwise."""
    text = pl.col(name)
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date(),
    )


def load(path: Path, rules: list[dict[str, Any]]) -> pl.DataFrame:
    """The file as veracity sees it (text, blanks as null), plus the typed columns rules read."""
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.with_columns(
        pl.when(pl.col(name).str.strip_chars() == "").then(None).otherwise(pl.col(name)).alias(name)
        for name in frame.columns
    )
    dates: set[str] = set()
    numbers: set[str] = set()
    for rule in rules:
        if rule["check"] in DATE_CHECKS:
            dates.add(rule["field"])
        elif rule["check"] == "range":
            bounds = [rule[key] for key in ("min", "max") if key in rule]
            (dates if all(_is_iso_date(b) for b in bounds) else numbers).add(rule["field"])
    return frame.with_columns(
        *(parsed_date(name).alias(f"{name}__date") for name in sorted(dates)),
        *(pl.col(name).cast(pl.Float64, strict=False).alias(f"{name}__number") for name in sorted(numbers)),
    )


def _rows_where(condition: pl.Expr) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda frame: frame.filter(condition)


def _consent(rule: dict[str, Any], as_of: date) -> pl.Expr:
    consent = pl.col(f"{rule['field']}__date")
    opted_in = pl.col(rule["opt_in_field"]).str.strip_chars().str.to_lowercase().is_in(TRUE_SPELLINGS)
    good = consent.is_not_null() & (consent <= pl.lit(as_of))
    if rule.get("max_age_days") is not None:
        good = good & (consent >= pl.lit(as_of - timedelta(days=int(rule["max_age_days"]))))
    return ~opted_in.fill_null(False) | good.fill_null(False)


def add_step(validation: pb.Validate, rule: dict[str, Any], as_of: date) -> pb.Validate:
    """``validation`` with the steps of one rule (brief: the rule's id)."""
    check, brief = rule["check"], rule["id"]
    field = rule.get("field")
    common: dict[str, Any] = {"thresholds": thresholds_of(float(rule.get("threshold", 1.0))), "brief": brief}
    if check == "not_null":
        return validation.col_vals_not_null(columns=field, **common)
    if check == "unique":
        fields = list(rule["fields"])
        not_null = pl.all_horizontal(pl.col(name).is_not_null() for name in fields)
        if rule.get("ignore_case"):
            lowered = [pl.col(name).str.to_lowercase() for name in fields]
            return validation.rows_distinct(
                columns_subset=fields,
                pre=lambda frame: frame.filter(not_null).with_columns(lowered),
                **common,
            )
        return validation.rows_distinct(columns_subset=fields, pre=_rows_where(not_null), **common)
    if check in ("email", "phone"):
        return validation.col_vals_within_spec(columns=field, spec=check, na_pass=True, **common)
    if check == "country":
        return validation.col_vals_in_set(columns=field, set=[*ISO_ALPHA2, None], **common)
    if check == "in_set":
        return validation.col_vals_in_set(columns=field, set=[*rule["values"], None], **common)
    if check == "date":
        expr = pl.col(field).is_null() | pl.col(f"{field}__date").is_not_null()
        return validation.col_vals_expr(expr=expr, **common)
    if check == "range":
        low, high = rule.get("min"), rule.get("max")
        as_dates = all(_is_iso_date(b) for b in (low, high) if b is not None)
        column = f"{field}__date" if as_dates else f"{field}__number"
        convert: Callable[[Any], Any] = _as_date if as_dates else float
        if low is not None and high is not None:
            return validation.col_vals_between(
                columns=column, left=convert(low), right=convert(high), na_pass=True, **common
            )
        if low is not None:
            return validation.col_vals_ge(columns=column, value=convert(low), na_pass=True, **common)
        return validation.col_vals_le(columns=column, value=convert(high), na_pass=True, **common)
    if check == "max_age":
        oldest = as_of - timedelta(days=int(rule["days"]))
        return validation.col_vals_ge(columns=f"{field}__date", value=oldest, na_pass=True, **common)
    if check == "not_in_future":
        return validation.col_vals_le(columns=f"{field}__date", value=as_of, na_pass=True, **common)
    if check == "length":
        return validation.col_vals_str_len(
            columns=field, min_val=rule.get("min"), max_val=rule.get("max"), na_pass=True, **common
        )
    if check == "pattern":
        return validation.col_vals_regex(
            columns=field,
            pattern=f"^(?:{rule['pattern']})$",
            na_pass=True,
            inverse=bool(rule.get("negate", False)),
            **common,
        )
    if check == "consent":
        return validation.col_vals_expr(expr=_consent(rule, as_of), **common)
    raise SystemExit(f"rule {brief!r}: pointblank_shapes.py has no translation of check {check!r}")


def plan(frame: pl.DataFrame, rules: list[dict[str, Any]], as_of: date, label: str) -> pb.Validate:
    validation = pb.Validate(data=frame, tbl_name="shape", label=label)
    for rule in rules:
        validation = add_step(validation, rule, as_of)
    return validation


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path, help="the shape's CSV file")
    parser.add_argument("--rules", type=Path, required=True, help="the shape's rule file")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="audit date")
    parser.add_argument("-o", "--output", type=Path, help="write pointblank's JSON report here")
    args = parser.parse_args(argv)
    rules = yaml.safe_load(args.rules.read_text(encoding="utf-8"))["rules"]
    frame = load(args.data, rules)
    validation = plan(frame, rules, args.as_of, str(args.rules.name)).interrogate()
    report: Any = validation.get_json_report()
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")
    print(summary(validation, frame.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
