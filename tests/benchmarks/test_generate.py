"""The benchmark data generator: deterministic, the agreed columns, and honest truth files.

The generator runs as the command people run (a subprocess with warnings as errors), on 10,000
rows, so the whole module takes a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import phonenumbers
import polars as pl
import pytest
from email_validator import EmailNotValidError, validate_email

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"
ROWS = 10_000
COLUMNS = [
    "customer_id", "first_name", "last_name", "email", "phone", "street", "postal_code", "city",
    "state", "country", "birth_date", "signup_date", "last_updated", "marketing_opt_in",
    "consent_date",
]  # fmt: skip
COUNTRIES = {"DE", "FR", "GB", "US", "NL", "IT", "ES", "AT", "CH", "PL"}
# The shipped rule pack's null markers: these spellings mean "missing".
NULL_MARKERS = ["n/a", "N/A", "-", "null", "NULL", "none"]


def _generate(out: Path, seed: int, fmt: str = "both") -> Path:
    subprocess.run(
        [sys.executable, "-W", "error", str(GENERATOR), "--rows", str(ROWS), "--seed", str(seed),
         "--format", fmt, "--out", str(out), "--quiet"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("first") / "customers", seed=7)


@pytest.fixture(scope="module")
def frame(generated: Path) -> pl.DataFrame:
    return pl.read_csv(generated.with_suffix(".csv"), infer_schema=False)


@pytest.fixture(scope="module")
def injected(generated: Path) -> dict[str, int]:
    truth: dict[str, Any] = json.loads(
        generated.with_name("customers.truth.json").read_text(encoding="utf-8")
    )
    assert truth["rows"] == ROWS
    return {kind: entry["count"] for kind, entry in truth["injected"].items()}


def _missing(column: str) -> pl.Expr:
    value = pl.col(column)
    return (value.is_null() | (value.str.strip_chars() == "") | value.is_in(NULL_MARKERS)).fill_null(True)


def test_same_seed_same_files_other_seed_other_data(generated: Path, tmp_path: Path) -> None:
    again = _generate(tmp_path / "again" / "customers", seed=7)
    assert again.with_suffix(".csv").read_bytes() == generated.with_suffix(".csv").read_bytes()
    assert pl.read_parquet(again.with_suffix(".parquet")).equals(
        pl.read_parquet(generated.with_suffix(".parquet"))
    )
    other = _generate(tmp_path / "other" / "customers", seed=8, fmt="csv")
    assert other.with_suffix(".csv").read_bytes() != generated.with_suffix(".csv").read_bytes()
    assert not other.with_suffix(".parquet").exists()


def test_columns_and_formats_agree(generated: Path, frame: pl.DataFrame) -> None:
    assert frame.columns == COLUMNS
    assert frame.height == ROWS
    parquet = pl.read_parquet(generated.with_suffix(".parquet"))
    assert parquet.columns == COLUMNS
    # Parquet types the dates, as a real export would; the values are the CSV's.
    assert {name for name, dtype in parquet.schema.items() if dtype == pl.Date} == {
        "birth_date", "signup_date", "last_updated", "consent_date",
    }  # fmt: skip
    as_text = parquet.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    # The CSV cannot tell an empty string from a missing value; compare with both as null.
    blank_is_null = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in COLUMNS]
    assert frame.select(blank_is_null).equals(as_text.select(blank_is_null))


def test_missing_emails_match_truth(frame: pl.DataFrame, injected: dict[str, int]) -> None:
    assert injected["missing_email"] == ROWS * 2 // 100
    assert frame.filter(_missing("email")).height == injected["missing_email"]


def test_duplicate_ids_match_truth(frame: pl.DataFrame, injected: dict[str, int]) -> None:
    assert injected["duplicate_customer_id"] == ROWS * 5 // 1000
    assert frame.height - frame.get_column("customer_id").n_unique() == injected["duplicate_customer_id"]
    # A duplicate is the same person exported twice, not an id collision between strangers.
    people = frame.group_by("customer_id").agg(pl.struct("first_name", "last_name", "birth_date").n_unique())
    assert people.get_column("first_name").max() == 1


def test_date_and_consent_errors_match_truth(frame: pl.DataFrame, injected: dict[str, int]) -> None:
    dates = frame.with_columns(pl.col("signup_date", "last_updated").str.to_date("%Y-%m-%d"))
    assert (
        dates.filter(pl.col("last_updated") < pl.date(2024, 11, 1)).height == injected["stale_last_updated"]
    )
    assert (
        dates.filter(pl.col("signup_date") > pl.col("last_updated")).height
        == injected["signup_after_last_updated"]
    )
    opted_in = pl.col("marketing_opt_in").str.to_lowercase().is_in(["yes", "true", "1", "y"])
    assert frame.filter(opted_in & _missing("consent_date")).height == injected["opt_in_without_consent"]


def test_country_errors_match_truth(frame: pl.DataFrame, injected: dict[str, int]) -> None:
    assert frame.filter(~pl.col("country").is_in(sorted(COUNTRIES))).height == injected["invalid_country"]
    us_without_state = frame.filter((pl.col("country") == "US") & _missing("state"))
    assert us_without_state.height == injected["us_missing_state"]


def _valid_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _valid_phone(value: str, country: str) -> bool:
    # Records with an invalid country carry international numbers: no region needed.
    region = country if country in COUNTRIES else None
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, region)))
    except phonenumbers.NumberParseException:
        return False


def test_clean_contacts_are_valid_and_injected_ones_are_not(
    frame: pl.DataFrame, injected: dict[str, int]
) -> None:
    # The truth file counts injected errors; it is only honest if every clean value passes the
    # same libraries veracity uses, so the invalid count must equal the injected count exactly.
    emails = frame.filter(~_missing("email")).get_column("email").to_list()
    assert sum(not _valid_email(email) for email in emails) == injected["malformed_email"]
    phones = frame.filter(~_missing("phone")).select("phone", "country").iter_rows()
    assert sum(not _valid_phone(phone, country) for phone, country in phones) == injected["invalid_phone"]
