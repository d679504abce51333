"""Prove the e-mail and phone fast paths exact at scale, and time them against the old path.

Usage::

    python benchmarks/differential.py --emails 1000000 --phones 1000000 --random-phones 1000000 --notes 1000000

Differential
    Generates the values of the differential tests (``generate_emails`` and ``generate_phones``
    in tests/checks/test_email_fast.py and test_phone_fast.py: realistic values and adversarial
    ones on every boundary the fast paths use), runs the fast paths over all of them, and asks
    the library (``validate_email(value, check_deliverability=False)``;
    ``is_valid_number(parse(value, region))``) about every value a fast path decided, on every
    core. Any disagreement is printed and makes the exit status 1. ``--random-phones N`` adds N
    inputs of another shape (``generate_random_digit_phones``): "+", each calling code in turn and
    1 to 17 random digits, read with no region, one of the code's regions or any region, as in
    exports whose numbers were made up (most of them are no valid number).

    ``--notes N`` proves the ``pattern`` check's search form (``_regex_fast``: a ``.*R.*``
    pattern judged as a search for R in values without a line break) equal to the anchored
    whole match, on N generated notes (banned words among word characters in and outside ASCII,
    case variants, line breaks) for each pattern of ``NOTE_PATTERNS``, with and without
    ignore_case.

Old path against new path
    ``--realistic N`` records from benchmarks/generate.py (the customer-export generator: its
    e-mails and phones are ~96% distinct) are judged by the ``email`` and ``phone`` checks twice:
    as validity.py did before the fast paths (the library once per distinct value, in this
    process), then as shipped (fast paths, the library for the rest). Both run through the same
    ``CheckContext`` distinct-value step and must give the same verdict on every record. The
    old path runs first, so the phone library's pattern cache (which the new path switches on)
    does not speed it up.

``--json PATH`` also writes the results as JSON (benchmarks/DIFFERENTIAL.md records a run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402
import phonenumbers  # noqa: E402
import polars as pl  # noqa: E402
from generate import generate_chunk  # noqa: E402

import veracity.checks.validity as validity  # noqa: E402
from tests.checks.test_email_fast import generate_emails  # noqa: E402
from tests.checks.test_phone_fast import generate_phones, generate_random_digit_phones  # noqa: E402
from veracity.checks._email_fast import email_verdicts  # noqa: E402
from veracity.checks._parallel import map_batches, worker_count  # noqa: E402
from veracity.checks._phone_fast import phone_verdicts  # noqa: E402
from veracity.checks._regex_fast import anchored, contains_form, whole_match  # noqa: E402
from veracity.checks.base import REGISTRY, CheckContext  # noqa: E402
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData  # noqa: E402
from veracity.text.countries import lookup_expr  # noqa: E402
from veracity.text.phones import PHONE_REGIONS  # noqa: E402


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    """``action()`` and its wall-clock seconds."""
    started = time.perf_counter()
    result = action()
    return result, round(time.perf_counter() - started, 2)


def _summary(
    kind: str,
    count: int,
    fast: list[bool | None],
    wrong: list[Any],
    seconds: dict[str, float],
    **extra: Any,
) -> dict[str, Any]:
    valid = sum(1 for verdict in fast if verdict is True)
    invalid = sum(1 for verdict in fast if verdict is False)
    result = {
        "kind": kind,
        "values": count,
        "decided_valid": valid,
        "decided_invalid": invalid,
        "to_library": count - valid - invalid,
        "decided_share": round((valid + invalid) / count, 4) if count else 0.0,
        "disagreements": len(wrong),
        "first_disagreements": [repr(item) for item in wrong[:20]],
        "seconds": seconds,
        **extra,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    return result


def email_differential(count: int, seed: int) -> dict[str, Any]:
    values, generate = _timed(lambda: generate_emails(seed, count))
    fast, fast_seconds = _timed(lambda: email_verdicts(pl.Series(values, dtype=pl.String)).to_list())
    decided = [(value, verdict) for value, verdict in zip(values, fast, strict=True) if verdict is not None]
    expected, library = _timed(
        lambda: map_batches(validity._email_batch, [v for v, _ in decided], threshold=0)
    )
    wrong = [(value, got, want) for (value, got), want in zip(decided, expected, strict=True) if got != want]
    seconds = {"generate": generate, "fast_path": fast_seconds, "library_on_decided_all_cores": library}
    return _summary("email", count, fast, wrong, seconds)


def phone_differential(
    count: int, seed: int, generator: Callable[[int, int], list[tuple[str, str]]] = generate_phones
) -> dict[str, Any]:
    pairs, generate = _timed(lambda: generator(seed, count))
    values = pl.Series([value for value, _ in pairs], dtype=pl.String)
    regions = pl.Series([region for _, region in pairs], dtype=pl.String)
    fast, fast_seconds = _timed(lambda: phone_verdicts(values, regions).to_list())
    decided = [(pair, verdict) for pair, verdict in zip(pairs, fast, strict=True) if verdict is not None]
    expected, library = _timed(
        lambda: map_batches(validity._phone_batch, [p for p, _ in decided], threshold=0)
    )
    wrong = [(*pair, got, want) for (pair, got), want in zip(decided, expected, strict=True) if got != want]
    seconds = {"generate": generate, "fast_path": fast_seconds, "library_on_decided_all_cores": library}
    regions = len({region for _, region in pairs if region})
    kind = "phone" if generator is generate_phones else "phone_random_digits"
    return _summary(kind, count, fast, wrong, seconds, record_regions=regions)


#: Banned-word patterns of the ``.*R.*`` form the pattern check searches for instead of matching
#: whole (each also with ignore_case), and one it must leave anchored.
NOTE_PATTERNS = (
    r".*\b(lorem|asdf|test test|xxx)\b.*",
    r".*(?:unknown|dummy|ſs|Kk).*",
    r".*\b[a-z]+[0-9]{2}\b.*",
    r".*\Bé\w.*",
    r".*(foo|bar)$.*",
    r".*x|lorem.*",
)
#: Words of the generated notes: the banned ones inside, beside and around word characters in and
#: outside ASCII, case variants (Unicode folds ſ to s and K to k), and line breaks.
_NOTE_WORDS = (
    "lorem", "Lorem", "LOREM", "asdf", "test", "xxx", "xxxx", "unknown", "dummy", "DUMMY", "ſs", "KK", "kk",
    "foo", "bar", "ab12", "é", "éa", "ß", "日本", "_", "x", "1", "-", ".", ",", "\n", "\r\n", "lorem_",
    "ölorem", "loremé", "ipsum", "dolor", "sit", "amet",
)  # fmt: skip


def generate_notes(seed: int, count: int) -> list[str]:
    """``count`` notes of 1 to 40 words drawn from ``_NOTE_WORDS``, joined by spaces or nothing."""
    rng = np.random.default_rng(seed)
    words = np.array(_NOTE_WORDS, dtype=object)
    sizes = rng.integers(1, 41, count)
    drawn = words[rng.integers(0, len(words), int(sizes.sum()))]
    glue = np.where(rng.random(int(sizes.sum())) < 0.8, " ", "")
    pieces = (drawn + glue).tolist()
    notes, start = [], 0
    for size in sizes.tolist():
        notes.append("".join(pieces[start : start + size]))
        start += size
    return notes


def pattern_differential(count: int, seed: int) -> dict[str, Any]:
    """The pattern check's whole match (a search for R in ``.*R.*`` patterns) against the
    anchored regex on ``count`` generated notes, for every pattern of ``NOTE_PATTERNS`` with and
    without ignore_case."""
    notes, generate = _timed(lambda: pl.DataFrame({"v": generate_notes(seed, count)}))
    wrong: list[Any] = []
    rewritten = matched = 0
    started = time.perf_counter()
    for pattern in NOTE_PATTERNS:
        for ignore_case in (False, True):
            fast = notes.select(whole_match(pl.col("v"), pattern, ignore_case)).to_series()
            reference = notes.select(pl.col("v").str.contains(anchored(pattern, ignore_case))).to_series()
            differ = fast.ne_missing(reference)
            wrong.extend(
                (pattern, ignore_case, note) for note in notes.get_column("v").filter(differ).head(5)
            )
            rewritten += contains_form(pattern) is not None
            matched += int(reference.sum())
    seconds = {"generate": generate, "both_forms": round(time.perf_counter() - started, 2)}
    result = {
        "kind": "pattern",
        "values": count,
        "patterns": 2 * len(NOTE_PATTERNS),
        "searched_for": rewritten,
        "matches": matched,
        "disagreements": len(wrong),
        "first_disagreements": [repr(item) for item in wrong[:20]],
        "seconds": seconds,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    return result


# ---------------------------------------------------------------------------------------------
# old path against new path


def _context(frame: pl.DataFrame) -> CheckContext:
    frame = frame.with_columns(
        pl.int_range(frame.height, dtype=pl.UInt32).alias(ROW_ID),
        pl.lit(0, dtype=pl.UInt16).alias(SOURCE_COL),
        pl.int_range(frame.height, dtype=pl.UInt32).alias(LINE_COL),
    )
    return CheckContext(LoadedData(frame, []), as_of=date(2026, 11, 1))


def _old_email(ctx: CheckContext) -> pl.Expr:
    """The email check before the fast path: the library on every distinct value."""
    values = ctx.distinct("email").get_column("email")
    valid = [value for value in values if validity._is_valid_email(value)]
    return pl.col("email").is_in(pl.Series(valid, dtype=pl.String).implode())


def _old_phone(ctx: CheckContext, params: validity.PhoneParams) -> pl.Expr:
    """The phone check before the fast path: the library on every distinct (value, region)."""
    region = validity._phone_region(params)
    combos = (
        ctx.distinct("phone", "country")
        .select(pl.col("phone").alias("value"), region.alias("region"))
        .unique()
    )
    valid = [
        f"{code}{validity.SEPARATOR}{number}"
        for number, code in combos.iter_rows()
        if validity._is_valid_phone(number, code or None)
    ]
    key = pl.concat_str([region, pl.lit(validity.SEPARATOR), pl.col("phone")])
    return key.is_in(pl.Series(valid, dtype=pl.String).implode())


def _judge(
    frame: pl.DataFrame, build: Callable[[CheckContext], pl.Expr], repeat: int = 1
) -> tuple[pl.Series, dict[str, float]]:
    """Verdicts per record, and the best wall-clock and CPU seconds (all threads) of ``repeat``
    runs, each from a fresh context (finding the distinct values included)."""

    def run() -> pl.Series:
        ctx = _context(frame)
        return ctx.data.frame.select(build(ctx).alias("verdict")).to_series()

    best = {"wall": float("inf"), "cpu": float("inf")}
    verdicts = pl.Series(dtype=pl.Boolean)
    for _ in range(repeat):
        cpu = time.process_time()
        verdicts, wall = _timed(run)
        best = {"wall": min(best["wall"], wall), "cpu": min(best["cpu"], round(time.process_time() - cpu, 2))}
    return verdicts, best


def realistic_timing(rows: int, seed: int) -> dict[str, Any]:
    frame, generate = _timed(lambda: generate_chunk(np.random.SeedSequence(seed).spawn(1)[0], rows, 1000)[0])
    frame = frame.select("email", "phone", "country")
    email_params = validity.EmailParams(field="email")
    phone_params = validity.PhoneParams(field="phone", region_field="country")
    email_check, phone_check = REGISTRY["email"].build, REGISTRY["phone"].build
    region = lookup_expr(pl.col("country"), PHONE_REGIONS, "")
    distinct_emails = frame.get_column("email").drop_nulls().n_unique()
    distinct_phones = (
        frame.filter(pl.col("phone").is_not_null()).select("phone", region.alias("r")).n_unique()
    )

    old_email, old_email_s = _judge(frame, _old_email)
    old_phone, old_phone_s = _judge(frame, lambda ctx: _old_phone(ctx, phone_params))
    new_email, new_email_s = _judge(frame, lambda ctx: email_check(email_params, ctx), repeat=3)
    new_phone, new_phone_s = _judge(frame, lambda ctx: phone_check(phone_params, ctx), repeat=3)

    fast_email = email_verdicts(frame.get_column("email").drop_nulls().unique())
    combos = frame.filter(pl.col("phone").is_not_null()).select(value=pl.col("phone"), region=region).unique()
    fast_phone = phone_verdicts(combos.get_column("value"), combos.get_column("region"))
    result = {
        "rows": rows,
        "generate_seconds": generate,
        "email": {
            "distinct": distinct_emails,
            "decided_by_fast_path": round(1 - fast_email.null_count() / len(fast_email), 6),
            "old_seconds": old_email_s,
            "new_seconds": new_email_s,
            "speedup_wall": round(old_email_s["wall"] / new_email_s["wall"], 1),
            "same_verdicts": old_email.equals(new_email, null_equal=True),
            "failing_records": int((~new_email).sum()),
        },
        "phone": {
            "distinct_value_region_pairs": distinct_phones,
            "decided_by_fast_path": round(1 - fast_phone.null_count() / len(fast_phone), 6),
            "old_seconds": old_phone_s,
            "new_seconds": new_phone_s,
            "speedup_wall": round(old_phone_s["wall"] / new_phone_s["wall"], 1),
            "same_verdicts": old_phone.equals(new_phone, null_equal=True),
            "failing_records": int((~new_phone).sum()),
        },
    }
    print(json.dumps(result, indent=2), flush=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--emails", type=int, default=1_000_000, help="generated e-mail values (default 1,000,000)"
    )
    parser.add_argument(
        "--phones", type=int, default=1_000_000, help="generated phone inputs (default 1,000,000)"
    )
    parser.add_argument(
        "--random-phones",
        type=int,
        default=1_000_000,
        help="phone inputs of '+', every calling code in turn and random digits (default 1,000,000)",
    )
    parser.add_argument(
        "--notes",
        type=int,
        default=1_000_000,
        help="generated notes for the pattern check's search form against the anchored match",
    )
    parser.add_argument(
        "--realistic", type=int, default=1_000_000, help="records for old vs new timing (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 0 <= args.realistic <= 1_000_000:
        parser.error("--realistic must be between 0 and 1,000,000 (one generator chunk)")
    environment = {
        "python": platform.python_version(),
        "polars": pl.__version__,
        "phonenumbers": phonenumbers.__version__,
        "email_validator": __import__("email_validator").__version__,
        "cores": worker_count(),
        "machine": platform.machine(),
    }
    environment["load_average_at_start"] = [round(load, 2) for load in os.getloadavg()]
    print(json.dumps(environment), flush=True)
    results: dict[str, Any] = {"environment": environment, "command": " ".join(["python", *sys.argv])}
    # Old path first: nothing else in this process has switched the phone pattern cache on yet.
    if args.realistic:
        results["realistic"] = realistic_timing(args.realistic, args.seed)
    if args.emails:
        results["email"] = email_differential(args.emails, args.seed)
    if args.phones:
        results["phone"] = phone_differential(args.phones, args.seed)
    if args.random_phones:
        results["phone_random_digits"] = phone_differential(
            args.random_phones, args.seed, generate_random_digit_phones
        )
    if args.notes:
        results["pattern"] = pattern_differential(args.notes, args.seed)
    results["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    kinds = ("email", "phone", "phone_random_digits", "pattern")
    disagreements = sum(results[kind]["disagreements"] for kind in kinds if kind in results)
    same = (
        all(results["realistic"][kind]["same_verdicts"] for kind in ("email", "phone"))
        if args.realistic
        else True
    )
    return 0 if disagreements == 0 and same else 1


if __name__ == "__main__":
    sys.exit(main())
