"""The vectorised e-mail fast path agrees with email-validator on every value it decides.

``generate_emails`` produces realistic addresses and adversarial ones placed on every boundary
the fast path's rules use (atext punctuation, dots, hyphens, label and address lengths, TLD
shapes, special-use names, quoting, display names, white space, non-ASCII look-alikes, ...).
The test suite runs a seeded slice; ``benchmarks/differential.py`` runs a million.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from functools import cache
from itertools import accumulate
from typing import Any

import email_validator
import polars as pl
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity.checks.validity as validity
from tests.checks.conftest import verdicts
from veracity.checks import _email_fast, _parallel
from veracity.checks._email_fast import email_verdicts, fast_path_applies

__all__ = ["email_disagreements", "fast_email_verdicts", "generate_emails", "library_email"]

SLICE = 50_000

_FIRST = ["jane", "john", "maria", "lukas", "sophie", "noah", "émile", "zoë", "li", "o'neil", "anne-marie"]
_LAST = ["doe", "smith", "müller", "garcia", "rossi", "de-vries", "nowak", "o'brien", "lee", "x"]
_PROVIDERS = [
    "gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "yahoo.co.uk", "orange.fr",
    "libero.it", "hotmail.es", "icloud.com", "mail.example.org", "uni-hamburg.de", "btinternet.com",
    "company.co.jp", "a.b.c.d.e.f.museum", "x.io", "sub-domain.example.travel",
]  # fmt: skip
_ATEXT_PUNCT = "!#$%&'*+-/=?^_`{|}~"
_SPECIAL = ["arpa", "invalid", "local", "localhost", "onion", "test", "example", "LOCALHOST", "Test", "ARPA"]
_TLDS = [
    "com", "de", "co", "c", "x", "museum", "COM", "De", "1", "123", "c1", "1c", "a-b", "-ab", "ab-",
    "xn--p1ai", "xn--zz", "XN--P1AI", "ab--cd", "a--b", "local1", "1local", "localhost", "onion",
    "c" * 63, "c" * 64, "123a", "a123",
]  # fmt: skip
#: Characters that break the fast path's assumptions when inserted anywhere.
_NOISE = [
    " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x7f", ".", "..", "@", '"', "<", ">", "[", "]",
    "(", ")", ",", ";", ":", "\\", "-", "--", "_", "ä", "ß", "İ", "ı", "ſ", "K", "\u00a0", "\u200b",
    "\u202e", "\u0301", "\u0338", "ﬁ", "＠", "﹫", "。", "．", "例", "\ud7ff", "\U0001f600", "\u2028",
]  # fmt: skip


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_HOST = "abcdefghijklmnopqrstuvwxyz0123456789"


@cache
def _atext_weights(punct: float) -> list[float]:
    """Cumulative weights drawing atext punctuation with probability ``punct``."""
    weights = [(1 - punct) / len(_LETTERS)] * len(_LETTERS) + [punct / len(_ATEXT_PUNCT)] * len(_ATEXT_PUNCT)
    return list(accumulate(weights))


def _atext_run(rng: random.Random, length: int, punct: float = 0.15) -> str:
    return "".join(rng.choices(_LETTERS + _ATEXT_PUNCT, cum_weights=_atext_weights(punct), k=length))


def _label(rng: random.Random, length: int) -> str:
    """A hostname label of ``length`` characters, sometimes with inner hyphens."""
    if length <= 2 or rng.random() < 0.6:
        return "".join(rng.choices(_HOST, k=length))
    inner = "".join(rng.choices(_HOST + "-", k=length - 2))
    return rng.choice(_HOST) + inner + rng.choice(_HOST)


def _realistic_local(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    pattern = rng.randrange(8)
    local = [
        f"{first}.{last}",
        f"{first[0]}{last}",
        f"{first}_{last}{rng.randrange(100)}",
        f"{first}{rng.randrange(10_000)}",
        f"{first}.{last}+{rng.choice(['news', 'shop', 'x'])}",
        f"{last}.{first[0]}",
        f"{first}-{last}",
        f"{first}{last}",
    ][pattern]
    if rng.random() < 0.05:
        local = local.title()
    return local


def _local(rng: random.Random) -> str:
    kind = rng.randrange(12)
    if kind < 4:
        return _realistic_local(rng)
    if kind == 4:  # every atext punctuation character, in runs separated by dots
        return ".".join(_atext_run(rng, rng.randint(1, 6), punct=0.6) for _ in range(rng.randint(1, 4)))
    if kind == 5:  # lengths around the 64-octet RFC limit (not enforced without strict)
        return _atext_run(rng, rng.choice([1, 63, 64, 65, 100, 200]))
    if kind == 6:  # dots at the edges or doubled
        core = _atext_run(rng, rng.randint(1, 8))
        return rng.choice([f".{core}", f"{core}.", f"{core}..x", f"a.{core}", "."])
    if kind == 7:  # quoted local parts
        inner = rng.choice(["john doe", "jane", "a@b", 'a\\"b', "", "a..b", "ü", " ", "a\\\\b", "x\ty"])
        return f'"{inner}"'
    if kind == 8:  # non-ASCII local parts
        return rng.choice(["jäne", "用户", "ü", "δοκιμή", "jane\u200b", "ﬁle", "e\u0301", "\u0301e", "Ⅻ"])
    if kind == 9:  # non-atext ASCII
        return rng.choice(["a b", "a(b)", "a,b", "a;b", "a:b", "a\\b", "a[b]", "(c)jane", "a>b", ""])
    if kind == 10:  # case variants of RFC 2142 role names (normalised, still valid)
        return rng.choice(["info", "INFO", "Postmaster", "abuse", "www", "noc"])
    return _atext_run(rng, rng.randint(1, 20), punct=0.3)


def _domain(rng: random.Random) -> str:
    kind = rng.randrange(13)
    if kind < 4:
        domain = rng.choice(_PROVIDERS)
        return domain.upper() if rng.random() < 0.05 else domain
    if kind == 4:  # random label structure and TLD shapes
        labels = [_label(rng, rng.randint(1, 12)) for _ in range(rng.randint(1, 3))]
        return ".".join([*labels, rng.choice(_TLDS)])
    if kind == 5:  # labels around the 63-character limit
        return f"{_label(rng, rng.choice([62, 63, 64, 65]))}.{rng.choice(['com', 'de', 'c' * 63, 'c' * 64])}"
    if kind == 6:  # special-use and example names, as TLD or alone
        name = rng.choice(_SPECIAL)
        return rng.choice([name, f"x.{name}", f"{name}.com", f"a.b.{name}", f"{name}.{name}"])
    if kind == 7:  # hyphens at label edges, doubled, next to dots
        return rng.choice(
            ["-ab.com", "ab-.com", "a-.b.com", "a.-b.com", "a--b.com", "ab--c.com", "xn--bcher-kva.de",
             "xn--.com", "xn--zz.com", "XN--BCHER-KVA.DE", "a-b.c-d.com", "a.b-.com", "ab-c.d"]
        )  # fmt: skip
    if kind == 8:  # dots at the edges, doubled, trailing root dot
        return rng.choice(["example.com.", ".example.com", "exa..mple.com", "example..com", ".", "com", ""])
    if kind == 9:  # internationalised and look-alike domains
        return rng.choice(
            ["bücher.de", "例え.jp", "münchen.DE", "ǅ.com", "example。com", "ｅｘａｍｐｌｅ.com",
             "exam\u200bple.com", "xn--80ak6aa92e.com", "ß.de", "İ.com", "ſ.com", "1.אב.com"]
        )  # fmt: skip
    if kind == 10:  # IP addresses, with and without brackets
        return rng.choice(
            ["[192.0.2.1]", "[IPv6:2001:db8::1]", "192.0.2.1", "[ipv6:::1]", "[x:y]", "[1.2.3]"]
        )
    if kind == 11:  # ASCII characters outside the hostname alphabet
        return rng.choice(["ex_ample.com", "exa mple.com", "example.com,", "exa@mple.com", "example.c_m"])
    # many labels: domain lengths near the 253 limit
    labels = [_label(rng, rng.randint(1, 63)) for _ in range(rng.randint(2, 8))]
    return ".".join([*labels, "com"])


def _fit_length(rng: random.Random, domain: str) -> str:
    """An address of exactly 250-256 octets with ``domain``: the 254-octet boundary."""
    target = rng.choice([250, 253, 254, 255, 256])
    room = target - len(domain) - 1
    if room < 1:
        return f"a@{domain}"
    return f"{_atext_run(rng, room, punct=0.05)}@{domain}"


def _long_domain(rng: random.Random) -> str:
    """A domain of 240-254 characters made of valid labels."""
    target = rng.choice([240, 250, 251, 252, 253, 254])
    labels: list[str] = []
    while sum(len(label) + 1 for label in labels) + 3 < target:
        remaining = target - 3 - sum(len(label) + 1 for label in labels) - 1
        labels.append(_label(rng, min(rng.choice([63, 62, 40, 10]), max(1, remaining))))
    return ".".join([*labels, "com"])[-target:].lstrip(".-") or "com"


def _mutate(rng: random.Random, value: str) -> str:
    kind = rng.randrange(7)
    position = rng.randint(0, len(value))
    if kind == 0:
        return value[:position] + rng.choice(_NOISE) + value[position:]
    if kind == 1 and value:
        position = min(position, len(value) - 1)
        return value[:position] + value[position + 1 :]
    if kind == 2 and value:
        position = min(position, len(value) - 1)
        return value[:position] + rng.choice(_NOISE) + value[position + 1 :]
    if kind == 3:
        return (
            rng.choice([" ", "\t", "\n", "\u00a0"]) + value
            if rng.random() < 0.5
            else value + rng.choice([" ", "\n", "\r"])
        )
    if kind == 4:
        name = rng.choice(["Jane Doe", "", '"Doe, Jane"', "J."])
        return f"{name} <{value}>"
    if kind == 5:
        return value.replace("@", rng.choice(["@@", "", "＠", " @", "@ ", "@.", ".@"]), 1)
    return value.upper()


def generate_emails(seed: int | str, count: int) -> list[str]:
    """``count`` seeded values: about a third realistic, the rest adversarial."""
    rng = random.Random(seed)
    values: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            value = f"{_realistic_local(rng)}@{rng.choice(_PROVIDERS)}"
        elif roll < 0.75:
            value = f"{_local(rng)}@{_domain(rng)}"
        elif roll < 0.82:
            value = _fit_length(rng, rng.choice([*_PROVIDERS, _long_domain(rng)]))
        elif roll < 0.86:
            value = f"{_atext_run(rng, rng.randint(1, 3))}@{_long_domain(rng)}"
        else:
            value = _mutate(rng, f"{_local(rng)}@{_domain(rng)}")
        if rng.random() < 0.05:
            value = _mutate(rng, value)
        values.append(value)
    return values


def library_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def fast_email_verdicts(values: list[str]) -> list[bool | None]:
    verdicts: list[bool | None] = email_verdicts(pl.Series(values, dtype=pl.String)).to_list()
    return verdicts


def email_disagreements(
    values: list[str], library: Callable[[list[str]], list[bool]] | None = None
) -> tuple[list[tuple[str, bool, bool]], int]:
    """(values the fast path decided differently from the library, number it decided)."""
    fast = fast_email_verdicts(values)
    decided = [(value, verdict) for value, verdict in zip(values, fast, strict=True) if verdict is not None]
    expected = (library or (lambda vs: [library_email(v) for v in vs]))([value for value, _ in decided])
    wrong = [
        (value, verdict, want)
        for (value, verdict), want in zip(decided, expected, strict=True)
        if verdict != want
    ]
    return wrong, len(decided)


def test_fast_path_agrees_with_the_library_on_a_seeded_slice() -> None:
    values = generate_emails(20240630, SLICE)
    wrong, decided = email_disagreements(values)
    assert not wrong, wrong[:10]
    # Both verdicts and the fallback are exercised substantially.
    verdicts = [v for v in fast_email_verdicts(values) if v is not None]
    assert sum(verdicts) > SLICE * 0.2
    assert len(verdicts) - sum(verdicts) > SLICE * 0.1
    assert SLICE - decided > SLICE * 0.05


def _every_rule(values: pl.Series) -> list[bool | None]:
    """Every value judged rule by rule (``_full_verdict``), the shortcuts of the usual shape and
    of plain malformed values not taken."""
    special = "|".join(sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))
    parts = pl.col("value").str.splitn("@", 2)
    frame = values.to_frame("value").with_columns(
        local=parts.struct.field("field_0"), domain=parts.struct.field("field_1")
    )
    return frame.select(_email_fast._full_verdict(special)).to_series().to_list()


def test_the_shortcuts_give_the_verdicts_of_every_rule() -> None:
    values = pl.Series([*generate_emails(7, 20_000), None], dtype=pl.String)
    assert email_verdicts(values).to_list() == _every_rule(values)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet='ab.-@_"< \té1', max_size=12) | st.none(), max_size=40))
def test_a_plain_value_not_of_the_usual_shape_is_invalid_by_every_rule(values: list[str | None]) -> None:
    series = pl.Series(values, dtype=pl.String)
    assert email_verdicts(series).to_list() == _every_rule(series)


@pytest.mark.parametrize(
    ("value", "rule_by_rule"),
    [
        ("user@@example", False),  # plain, not of the usual shape: invalid outright
        ("user@example", False),
        (" user@example.com", False),
        ("user@example.com ", False),
        ("user@ex_ample.com", False),
        ("user", False),
        ('"john doe"@example.com', True),  # quoted: may be valid
        ("John <john@example.com>", True),  # display name
        ("jörg@example.de", True),  # non-ASCII
        ("user@xn--bcher-kva.de", True),  # "--": the library's
        ("user@ex--ample.c_m", True),
        (None, True),
    ],
)
def test_which_values_are_judged_rule_by_rule(value: str | None, rule_by_rule: bool) -> None:
    series = pl.Series([value], dtype=pl.String)
    assert series.to_frame("value").select(_email_fast._rule_by_rule(pl.col("value"))).item() is rule_by_rule


def test_realistic_addresses_are_decided_by_the_fast_path() -> None:
    rng = random.Random(7)
    values = [f"{_realistic_local(rng)}@{rng.choice(_PROVIDERS)}" for _ in range(5000)]
    ascii_values = [value for value in values if value.isascii()]
    fast = fast_email_verdicts(ascii_values)
    assert all(verdict is not None for verdict in fast)
    assert fast == [library_email(value) for value in ascii_values]


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        ("jane@example.com", True),
        ("JANE.DOE+news@Example.CO.UK", True),
        ("!#$%&'*+-/=?^_`{|}~@example.com", True),
        ("a@b.c", True),  # one-letter TLD: the library only needs a final letter
        ("a@b.1c", True),
        ("a@b.c1", False),  # TLD ending with a digit
        ("a@example.123", False),
        ("a@localhost", False),
        ("a@mail.LOCALHOST", False),
        ("a@localhost.com", True),
        ("a@x.test", False),
        ("a@x.example", True),  # example is not in the library's special-use list
        ("a@x.onion", False),
        ("a@x.arpa", False),
        ("a@" + "a" * 63 + ".com", True),
        ("a@" + "a" * 64 + ".com", False),
        ("x" * 64 + "@example.com", True),  # the 64-octet local limit applies only in strict mode
        ("a..b@example.com", False),
        (".a@example.com", False),
        ("a.@example.com", False),
        ("a@-example.com", False),
        ("a@example-.com", False),
        ("a@ex--ample.com", None),  # "--": R-LDH / Punycode rules, left to the library
        ("a@xn--bcher-kva.de", None),
        ("a@example.com.", False),
        ("a@@example.com", False),
        ("a@ex_ample.com", False),
        ("a@[192.0.2.1]", False),
        ("Jane <a@example.com>", None),
        ('"jane"@example.com', None),
        (" a@example.com", False),
        ("a@example.com\n", False),
        ("no-at-sign", False),
        ("jäne@example.com", None),
        ("jane@bücher.de", None),
        ("\u00a0a@example.com", None),
    ],
)
def test_boundary_verdicts(value: str, verdict: bool | None) -> None:
    assert fast_email_verdicts([value]) == [verdict]
    if verdict is not None:
        assert library_email(value) is verdict


def test_address_length_boundary() -> None:
    domain = "@example.com"
    for total in (253, 254, 255):
        value = "x" * (total - len(domain)) + domain
        assert fast_email_verdicts([value]) == [total <= 254] == [library_email(value)]


@pytest.mark.parametrize(
    "option", ["ALLOW_DISPLAY_NAME", "ALLOW_DOMAIN_LITERAL", "STRICT", "TEST_ENVIRONMENT"]
)
def test_changed_library_defaults_disable_the_fast_path(monkeypatch: pytest.MonkeyPatch, option: str) -> None:
    monkeypatch.setattr(email_validator, option, not getattr(email_validator, option))
    assert not fast_path_applies()
    assert fast_email_verdicts(["jane@example.com", "bad", " a@b.de"]) == [None, None, None]


# ---------------------------------------------------------------------------------------------
# the check: fast path first, the library once per remaining distinct value


def test_library_runs_once_per_distinct_value_the_fast_path_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = email_validator.validate_email

    def counting(value: str, **kwargs: Any) -> Any:
        seen.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(email_validator, "validate_email", counting)
    values = ["a@example.com", "bad", None, "jäne@bücher.de", '"q"@example.com', "c@example.org"] * 300
    got = verdicts("email", {"field": "email"}, {"email": values})
    assert sorted(seen) == ['"q"@example.com', "jäne@bücher.de"]
    assert got[:6] == ["pass", "fail", "skip", "pass", "fail", "pass"]


@pytest.mark.parametrize("per_record", [True, False], ids=["per-record", "distinct"])
def test_records_judged_one_by_one_or_by_distinct_value_agree(
    per_record: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field of mostly distinct addresses is judged record by record, one of few distinct
    addresses by distinct value: both give every record the library's verdict, skip records
    without a value, and call the library once per distinct value the fast path leaves."""
    values: list[str | None] = [*generate_emails("per-record", 3_000)]
    values += values[:500] + [None] * 50  # repeats (also of values only the library decides)
    expected = [
        "skip" if v is None or not v.strip() else ("pass" if library_email(v) else "fail") for v in values
    ]
    seen: list[str] = []
    real = email_validator.validate_email

    def counting(value: str, **kwargs: Any) -> Any:
        seen.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(email_validator, "validate_email", counting)
    monkeypatch.setattr(validity, "_mostly_distinct", lambda column: per_record)
    assert verdicts("email", {"field": "email"}, {"email": values}) == expected
    assert len(seen) == len(set(seen))  # once per distinct value
    assert 0 < len(seen) < len({v for v in values if v is not None}) / 2  # the fast path decides most


def test_library_batches_in_worker_processes_keep_input_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_WORKERS", "2")
    values = generate_emails(11, 2500)  # two tasks, one per worker
    assert _parallel.map_batches(validity._email_batch, values, threshold=0) == [
        library_email(v) for v in values
    ]


def test_library_batches_run_here_when_no_process_can_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_processes(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no processes in this sandbox")

    monkeypatch.setenv("VERACITY_WORKERS", "2")
    monkeypatch.setattr(_parallel, "ProcessPoolExecutor", no_processes)
    values = generate_emails(12, 2500)
    assert _parallel.map_batches(validity._email_batch, values, threshold=0) == [
        library_email(v) for v in values
    ]


@pytest.mark.parametrize(
    ("setting", "workers"), [("1", 1), ("3", 3), ("0", None), ("many", None), ("", None)]
)
def test_worker_count_setting(monkeypatch: pytest.MonkeyPatch, setting: str, workers: int | None) -> None:
    monkeypatch.setenv("VERACITY_WORKERS", setting)
    assert _parallel.worker_count() == (workers or len(os.sched_getaffinity(0)))


@pytest.mark.parametrize(
    ("values", "per_record"),
    [
        ([f"c{i}@example.com" for i in range(60_000)], True),  # all distinct
        ([f"c{i % 40_000}@example.com" for i in range(60_000)], True),  # two thirds distinct
        ([f"c{i % 20_000}@example.com" for i in range(60_000)], False),  # one third distinct
        ([f"c{i}@example.com" for i in range(1_000)], False),  # too few records to matter
    ],
    ids=["all-distinct", "two-thirds", "one-third", "few"],
)
def test_records_are_judged_one_by_one_when_most_values_are_distinct(
    values: list[str], per_record: bool
) -> None:
    assert validity._mostly_distinct(pl.Series(values, dtype=pl.String)) is per_record
