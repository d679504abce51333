"""Speed and memory of the ``duplicates`` check on a million customers, end to end.

Usage::

    python benchmarks/duplicates_scale.py [--rows 1000000] [--seed 7] [--out benchmarks/data/dupes_1m]
                                          [--runs 1] [--no-accuracy] [--reuse]

1. Generates ``<out>.csv``: ``rows`` customer records of which ~2% are a second record of an
   earlier customer, written the way real duplicates are: typos in names, first and last name
   swapped, the phone number in another format (national / +international / 00-international),
   the e-mail address in capitals or with another number, "Street" -> "St.", "straße" ->
   "str.", a birth date with day and month swapped or one digit wrong, values missing.
   Everything is drawn with numpy and built with polars string expressions (no loop over rows).
   ``<out>.truth.parquet`` maps each customer_id to its person. ``--reuse`` keeps the files of
   an earlier run.
2. Writes ``<out>.rules.yaml`` with one duplicates rule, the rule a user would write.
3. Runs ``veracity audit --rules <out>.rules.yaml --format json -o <report> <out>.csv`` as a
   subprocess and measures wall time, CPU time and peak RSS (``/usr/bin/time -v`` when it is
   GNU time, else ``getrusage(RUSAGE_CHILDREN)`` of a wrapper process).
4. Unless ``--no-accuracy``: scores the clusters against the truth (pairwise and cluster-level
   precision / recall / F1), read from the ``--duplicates`` file when the CLI has that option,
   else from the same audit run in-process through ``veracity.audit``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from duplicates_common import (
    machine,
    measure,
    pairs_of_clusters,
    score,
    supports_duplicates_option,
    veracity_command,
)

RULES = """\
version: 1
key: customer_id
rules:
  - id: same-person
    check: duplicates
    compare:
      - {field: first_name, method: jaro_winkler, swapped_with: last_name}
      - {field: last_name, method: jaro_winkler}
      - {field: email, method: email}
      - {field: phone, method: phone, region_field: country}
      - {field: birth_date, method: date}
      - {field: street, method: token_set}
      - {field: postal_code, method: exact}
    blocking:
      - [email]
      - [phone]
      - [last_name_soundex, birth_date]
      - [first_name_soundex, birth_date]
      - [postal_code, last_name_typo]
      - [postal_code, first_name_typo]
      - [postal_code, birth_date]
"""

# Syllables combine into some 14,000 first and 35,000 last names, drawn with Zipf weights: a
# few very common (collisions, large blocks), a long tail, as in real customer files.
_FIRST = [
    *("an", "ber", "chri", "da", "el", "fa", "ge", "han", "is", "jo", "ka", "lu", "ma", "ni", "ol"),
    *("pe", "ra", "sa", "ti", "ul", "va", "wil", "xa", "yo", "ze", "bri", "cla", "dor", "fen", "gor"),
    *("hel", "ing", "jul", "kla", "len", "mar", "nor", "pat", "ros", "ste"),
]
_LAST = [
    *("ab", "bau", "ber", "brun", "dal", "eck", "fel", "gar", "hal", "hof", "kel", "kra", "lam", "lin"),
    *("mei", "mor", "neu", "ost", "pet", "rei", "sch", "sei", "sti", "tal", "vog", "wag", "wei", "win"),
    *("zim", "bre", "dor", "fri", "gut", "hart", "jan", "kol", "lor", "mul", "ran"),
]
_LAST_END = [
    *("mann", "er", "son", "sen", "ski", "ez", "ini", "ov", "berg", "feld", "hardt", "ke", "ler", "tz"),
    *("stein", "rich", "wald", "ing", "dorf", "s"),
]
_FIRST_END = ["", "a", "e", "o", "an", "ie"]


@dataclass(frozen=True)
class Country:
    code: str
    share: float
    calling: str
    trunk: str
    areas: tuple[str, ...]
    subscriber: int
    domains: tuple[str, ...]
    street: str  # "{name}" and "{no}" placeholders
    postal_digits: int


COUNTRIES = (
    Country(
        "DE",
        0.40,
        "49",
        "0",
        ("30", "40", "89", "221", "69", "151", "160", "176"),
        7,
        ("gmx.de", "web.de", "t-online.de", "gmail.com"),
        "{name}straße {no}",
        5,
    ),
    Country(
        "FR",
        0.15,
        "33",
        "0",
        ("1", "4", "6", "7"),
        8,
        ("orange.fr", "free.fr", "gmail.com"),
        "{no} rue {name}",
        5,
    ),
    Country(
        "GB",
        0.15,
        "44",
        "0",
        ("20", "161", "121", "7700", "7911"),
        6,
        ("btinternet.com", "gmail.com", "outlook.com"),
        "{no} {name} Street",
        5,
    ),
    Country(
        "US",
        0.15,
        "1",
        "",
        ("212", "415", "312", "617", "206"),
        7,
        ("gmail.com", "yahoo.com", "outlook.com"),
        "{no} {name} Street",
        5,
    ),
    Country(
        "NL",
        0.10,
        "31",
        "0",
        ("20", "10", "6"),
        7,
        ("ziggo.nl", "kpnmail.nl", "gmail.com"),
        "{name}straat {no}",
        4,
    ),
    Country(
        "AT",
        0.05,
        "43",
        "0",
        ("1", "316", "664"),
        7,
        ("gmx.at", "aon.at", "gmail.com"),
        "{name}straße {no}",
        4,
    ),
)


def _zipf_choice(rng: np.random.Generator, size: int, count: int, exponent: float = 1.0) -> np.ndarray:
    """Indices 0..size-1 drawn with Zipf-like weights (a few very common, a long tail)."""
    weights = 1.0 / (np.arange(size) + 5.0) ** exponent
    return rng.choice(size, count, p=weights / weights.sum())


def _pools() -> tuple[np.ndarray, np.ndarray]:
    syll_first = np.array(_FIRST, dtype=object)
    first = np.char.add(
        np.char.add(
            np.repeat(syll_first, len(_FIRST) * len(_FIRST_END)).astype(str),
            np.tile(np.repeat(syll_first, len(_FIRST_END)), len(_FIRST)).astype(str),
        ),
        np.tile(np.array(_FIRST_END), len(_FIRST) ** 2),
    )
    syll_last = np.array(_LAST)
    last = np.char.add(
        np.char.add(
            np.repeat(syll_last, len(_LAST) * len(_LAST_END)),
            np.tile(np.repeat(syll_last, len(_LAST_END)), len(_LAST)),
        ),
        np.tile(np.array(_LAST_END), len(_LAST) ** 2),
    )
    rng = np.random.default_rng(0)
    # Shuffle so that Zipf ranks do not follow the alphabet.
    return np.char.capitalize(rng.permutation(first)), np.char.capitalize(rng.permutation(last))


def _typo(column: str, rng: np.random.Generator, mask: np.ndarray) -> pl.Expr:
    """One substitution, deletion, transposition or insertion at a random inner position."""
    n = mask.size
    kind = rng.integers(0, 4, n)
    where = pl.Series(rng.random(n))
    letter = pl.Series(np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, n)])
    s = pl.col(column)
    length = s.str.len_chars()
    k = (pl.lit(where) * (length - 2).clip(1)).floor().cast(pl.Int64) + 1
    head = s.str.slice(0, k)
    substituted = pl.concat_str([head, pl.lit(letter), s.str.slice(k + 1)])
    deleted = pl.concat_str([head, s.str.slice(k + 1)])
    transposed = pl.concat_str([head, s.str.slice(k + 1, 1), s.str.slice(k, 1), s.str.slice(k + 2)])
    inserted = pl.concat_str([head, pl.lit(letter), s.str.slice(k)])
    kinds = pl.lit(pl.Series(kind))
    changed = (
        pl.when(kinds == 0)
        .then(substituted)
        .when(kinds == 1)
        .then(deleted)
        .when(kinds == 2)
        .then(transposed)
        .otherwise(inserted)
    )
    return pl.when(pl.lit(pl.Series(mask)) & (length > 3)).then(changed).otherwise(s).alias(column)


def _phone(style: pl.Expr) -> pl.Expr:
    """The number written in one of three styles: national, +international, 00-international."""
    national = pl.concat_str([pl.col("trunk"), pl.col("area"), pl.lit(" "), pl.col("sub")])
    plus = pl.concat_str(
        [pl.lit("+"), pl.col("calling"), pl.lit(" "), pl.col("area"), pl.lit(" "), pl.col("sub")]
    )
    # North Americans dial 011, not 00; they write the country code as "1-".
    zeros = (
        pl.when(pl.col("calling") == "1")
        .then(pl.concat_str([pl.lit("1-"), pl.col("area"), pl.lit("-"), pl.col("sub")]))
        .otherwise(pl.concat_str([pl.lit("00"), pl.col("calling"), pl.col("area"), pl.col("sub")]))
    )
    return pl.when(style == 0).then(national).when(style == 1).then(plus).otherwise(zeros)


def generate(rows: int, seed: int, duplicate_share: float = 0.02) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``rows`` records (about ``duplicate_share`` of them second records of a person) and the
    truth (customer_id -> person)."""
    rng = np.random.default_rng(seed)
    copies = round(rows * duplicate_share)
    persons = rows - copies
    first_pool, last_pool = _pools()
    shares = np.array([c.share for c in COUNTRIES])
    country = rng.choice(len(COUNTRIES), persons, p=shares / shares.sum())
    table = pl.DataFrame({"ci": country}).with_columns(
        pl.col("ci")
        .replace_strict({i: c.code for i, c in enumerate(COUNTRIES)}, return_dtype=pl.String)
        .alias("country"),
        pl.col("ci")
        .replace_strict({i: c.calling for i, c in enumerate(COUNTRIES)}, return_dtype=pl.String)
        .alias("calling"),
        pl.col("ci")
        .replace_strict({i: c.trunk for i, c in enumerate(COUNTRIES)}, return_dtype=pl.String)
        .alias("trunk"),
    )

    # Per-country choices drawn for every person at once: an index into a padded table.
    def pick(options: list[tuple[str, ...]]) -> np.ndarray:
        width = max(len(o) for o in options)
        table_ = np.array([[o[i % len(o)] for i in range(width)] for o in options])
        lengths = np.array([len(o) for o in options])
        return table_[country, rng.integers(0, 1 << 30, persons) % lengths[country]]

    area = pick([c.areas for c in COUNTRIES])
    domain = pick([c.domains for c in COUNTRIES])
    subscriber = np.array([c.subscriber for c in COUNTRIES])[country]
    sub = (
        10 ** (subscriber - 1) * 2 + rng.integers(0, 1 << 40, persons) % (8 * 10 ** (subscriber - 1))
    ).astype(str)
    postal_digits = np.array([c.postal_digits for c in COUNTRIES])[country]
    postal = (
        10 ** (postal_digits - 1) + rng.integers(0, 1 << 40, persons) % (9 * 10 ** (postal_digits - 1))
    ).astype(str)
    street_names = last_pool[_zipf_choice(rng, len(last_pool), persons, 0.8)]
    numbers = rng.integers(1, 200, persons).astype(str)
    street = (
        pl.DataFrame({"ci": country, "name": street_names, "no": numbers})
        .select(
            pl.coalesce(
                pl.when(pl.col("ci") == index).then(
                    pl.concat_str(
                        [
                            pl.col("name")
                            if part == "{name}"
                            else pl.col("no")
                            if part == "{no}"
                            else pl.lit(part)
                            for part in re.split("({name}|{no})", c.street)
                            if part
                        ]
                    )
                )
                for index, c in enumerate(COUNTRIES)
            )
        )
        .to_series()
    )
    first = first_pool[_zipf_choice(rng, len(first_pool), persons, 1.0)]
    last = last_pool[_zipf_choice(rng, len(last_pool), persons, 0.9)]
    born = np.datetime64("1940-01-01") + rng.integers(0, 365 * 65, persons).astype("timedelta64[D]")
    suffix = np.where(rng.random(persons) < 0.6, rng.integers(1, 999, persons).astype(str), "")
    table = table.with_columns(
        pl.Series("person", np.arange(persons)),
        pl.Series("first_name", first),
        pl.Series("last_name", last),
        pl.Series("area", area),
        pl.Series("sub", sub),
        pl.Series("domain", domain),
        street.alias("street"),
        pl.Series("postal_code", postal),
        pl.Series("birth_date", born).dt.strftime("%Y-%m-%d"),
        pl.Series("style", rng.integers(0, 3, persons)),
        pl.Series("suffix", suffix),
        pl.Series("sep", np.array([".", "_", ""])[rng.integers(0, 3, persons)]),
    ).with_columns(
        pl.concat_str(
            [
                pl.col("first_name").str.to_lowercase(),
                pl.col("sep"),
                pl.col("last_name").str.to_lowercase(),
                pl.col("suffix"),
                pl.lit("@"),
                pl.col("domain"),
            ]
        ).alias("email"),
    )
    # Two people never share an address: common names without a number suffix collide, so
    # those get the person number (a real mail provider would have refused the second one).
    table = table.with_columns(
        pl.when(pl.col("email").is_duplicated())
        .then(pl.col("email").str.replace("@", pl.col("person").cast(pl.String) + "@", literal=True))
        .otherwise(pl.col("email"))
        .alias("email")
    )
    originals = table.with_columns(_phone(pl.col("style")).alias("phone"))

    picked = rng.choice(persons, copies, replace=False)
    r = lambda: rng.random(copies)  # noqa: E731 - one fresh uniform draw per copy
    dup = table[picked]
    swap = r() < 0.05
    dup = dup.with_columns(
        pl.when(pl.lit(pl.Series(swap)))
        .then(pl.col("last_name"))
        .otherwise(pl.col("first_name"))
        .alias("first_name"),
        pl.when(pl.lit(pl.Series(swap)))
        .then(pl.col("first_name"))
        .otherwise(pl.col("last_name"))
        .alias("last_name"),
    )
    dup = dup.with_columns(_typo("first_name", rng, r() < 0.25)).with_columns(
        _typo("last_name", rng, r() < 0.2)
    )
    new_style = (pl.col("style") + pl.lit(pl.Series(rng.integers(1, 3, copies)))) % 3
    dup = dup.with_columns(
        pl.when(pl.lit(pl.Series(r() < 0.5)))
        .then(_phone(new_style))
        .otherwise(_phone(pl.col("style")))
        .alias("phone"),
        pl.when(pl.lit(pl.Series(r() < 0.3)))
        .then(pl.col("email").str.to_uppercase())
        .when(pl.lit(pl.Series(r() < 0.15)))
        .then(
            pl.col("email").str.replace(
                "@", pl.lit(pl.Series(rng.integers(1, 99, copies).astype(str))) + "@", literal=True
            )
        )
        .otherwise(pl.col("email"))
        .alias("email"),
        pl.when(pl.lit(pl.Series(r() < 0.5)))
        .then(
            pl.col("street")
            .str.replace(" Street$", " St.")
            .str.replace("straße ", "str. ")
            .str.replace("^(\\d+) rue ", "$1, rue ")
        )
        .otherwise(pl.col("street"))
        .alias("street"),
        pl.when(pl.lit(pl.Series(r() < 0.03)))
        .then(
            pl.concat_str(
                [
                    pl.col("birth_date").str.slice(0, 5),
                    pl.col("birth_date").str.slice(8, 2),
                    pl.lit("-"),
                    pl.col("birth_date").str.slice(5, 2),
                ]
            )
        )
        .otherwise(pl.col("birth_date"))
        .alias("birth_date"),
    )
    dup = dup.with_columns(_typo("street", rng, r() < 0.1))
    # Missing values: a duplicate often lacks what the first record had.
    dup = dup.with_columns(
        pl.when(pl.lit(pl.Series(r() < 0.1))).then(None).otherwise(pl.col("phone")).alias("phone"),
        pl.when(pl.lit(pl.Series(r() < 0.1))).then(None).otherwise(pl.col("email")).alias("email"),
        pl.when(pl.lit(pl.Series(r() < 0.05))).then(None).otherwise(pl.col("birth_date")).alias("birth_date"),
    )
    # birth_date typos: one digit of the day or year changed (a date that still parses).
    digit = pl.lit(pl.Series(rng.integers(0, 10, copies).astype(str)))
    dup = dup.with_columns(
        pl.when(pl.lit(pl.Series(r() < 0.03)) & pl.col("birth_date").is_not_null())
        .then(pl.concat_str([pl.col("birth_date").str.slice(0, 3), digit, pl.col("birth_date").str.slice(4)]))
        .otherwise(pl.col("birth_date"))
        .alias("birth_date")
    )
    columns = [
        "person",
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "postal_code",
        "country",
        "birth_date",
    ]
    frame = pl.concat([originals.select(columns), dup.select(columns)])
    frame = frame[rng.permutation(frame.height)]
    frame = frame.with_columns(
        pl.format("C-{}", pl.int_range(1_000_000, 1_000_000 + frame.height)).alias("customer_id")
    )
    truth = frame.select("customer_id", "person")
    return frame.select("customer_id", *columns[1:]), truth


def accuracy(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, object]:
    """Pairwise and cluster-level scores of ``clusters`` (record_key, cluster_id) against the
    truth (customer_id, person)."""
    predicted = clusters.group_by("cluster_id").agg("record_key").get_column("record_key").to_list()
    persons = truth.filter(pl.col("person").is_duplicated()).group_by("person").agg("customer_id")
    true = persons.get_column("customer_id").to_list()
    return {
        "pairs": score(pairs_of_clusters(predicted), pairs_of_clusters(true)).line(),
        "clusters": score({frozenset(c) for c in predicted}, {frozenset(c) for c in true}).line(),
    }


def _clusters_in_process(csv: Path, rules: Path) -> pl.DataFrame:
    """The clusters from ``veracity.audit`` in this process (for CLIs without --duplicates)."""
    import veracity
    import veracity.checks.duplicates  # registers the check on checkouts whose catalogue does not yet

    result = veracity.audit(str(csv), str(rules), as_of=date(2026, 11, 1))
    return result.details["same-person"].clusters_frame("customer_id")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="benchmarks/data/dupes_1m")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="use <out>.csv from an earlier run with these rows and seed"
    )
    args = parser.parse_args(argv)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    csv, rules, truth_path = (
        out.with_suffix(".csv"),
        out.with_suffix(".rules.yaml"),
        out.with_suffix(".truth.parquet"),
    )
    rules.write_text(RULES, encoding="utf-8")
    if args.reuse and csv.exists() and truth_path.exists():
        truth = pl.read_parquet(truth_path)
    else:
        started = time.perf_counter()
        frame, truth = generate(args.rows, args.seed)
        frame.write_csv(csv)
        truth.write_parquet(truth_path)
        print(f"generated {frame.height:,} rows in {time.perf_counter() - started:.1f} s -> {csv}")

    command = veracity_command()
    wired = supports_duplicates_option(command)
    with tempfile.TemporaryDirectory() as temp:
        report, dupes = Path(temp) / "report.json", Path(temp) / "duplicates.parquet"
        audit = [
            *command,
            "audit",
            "--rules",
            str(rules),
            "--format",
            "json",
            "-o",
            str(report),
            "--exit-zero",
            "--no-progress",
            "--as-of",
            "2026-11-01",
            str(csv),
        ]
        if wired:
            audit += ["--duplicates", str(dupes)]
        print("command:", " ".join(audit))
        print(f"machine: {machine()}")
        for run in range(args.runs):
            took = measure(audit)
            print(
                f"run {run + 1}: {took.wall_seconds:.1f} s wall, {took.cpu_seconds:.1f} s CPU, "
                f"peak RSS {took.peak_rss_gib:.2f} GiB, exit {took.exit_code} ({took.how})"
            )
        data = json.loads(report.read_text())
        rule = next(r for r in data["rules"] if r["id"] == "same-person")
        copies = truth.height - truth.get_column("person").n_unique()
        print(
            f"records failing same-person: {rule['failed']:,} of {rule['evaluated']:,} ({copies:,} injected copies)"
        )
        details = rule.get("details") or {}
        if details:
            print(f"candidate pairs: {details['candidate_pairs']:,}; blocking: {details['blocking']}")
        if not args.no_accuracy:
            clusters = (
                pl.read_parquet(dupes).select("record_key", "cluster_id")
                if wired
                else _clusters_in_process(csv, rules)
            )
            for name, line in accuracy(clusters, truth).items():
                print(f"{name}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
