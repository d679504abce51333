"""The libphonenumber metadata as polars regular expressions, one plan per metadata record.

The phone fast path (``_phone_fast``) re-enacts ``phonenumbers.parse`` and ``is_valid_number``
with these plans: each region's (or non-geographic calling code's) general pattern, number
types, national and international prefixes and leading digits, written so that polars' regex
engine accepts exactly what the library's ``re`` patterns accept on the inputs they are run on.

Regular expressions
    The metadata's patterns run in polars (Rust ``regex``). They use only digits, classes,
    groups, alternation, counted repetition and ``$`` (checked when a region's plan is built:
    anything that does not compile, or uses other syntax, sends that region's numbers to the
    library). On strings of ASCII digits the two engines then accept the same language, which is
    all a full match (``fullmatch``) or a prefix test (leading digits) needs; where a match's
    end matters (national and international prefixes), Rust's leftmost-first semantics pick the
    same match as Python's backtracking ``re.match``.

Number types without their length lists
    ``_number_type_helper`` accepts a number of a type when its length is among the type's
    possible lengths and the type's pattern matches it whole. Where every string of 2 to 17
    digits the pattern matches has one of those lengths (worked out from the pattern when the
    plan is built, :func:`pattern_lengths`; true of every type in the metadata so far), the
    length test is implied by the match and the types are one regex over the number itself
    (``typed_nsn``); otherwise the lengths are read from a "<length>:<number>" key (``typed``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata

from veracity.checks._pattern_lengths import pattern_lengths

#: phonenumberutil's limits (_MAX_INPUT_STRING_LENGTH, _MIN_LENGTH_FOR_NSN, _MAX_LENGTH_FOR_NSN).
MAX_INPUT_LENGTH = 250
MIN_NSN = 2
MAX_NSN = 17
_NON_GEO = "001"

#: Number types in the order _number_type_helper tries them; mobile is added last where its
#: pattern differs from fixed line's.
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)
#: Pattern syntax seen in the metadata, and all the fast path accepts: digits, classes, groups,
#: alternation, repetition, end anchors. Anything else (look-arounds, back references, ...)
#: makes the region's plan unavailable.
_PATTERN_SYNTAX = re.compile(r"(?:[0-9|()\[\]\-?*+$]|\\d|\(\?:|\{[0-9]+(?:,[0-9]*)?\})*")


@dataclass(frozen=True)
class Plan:
    """One metadata record (a region, or a non-geographic calling code) as polars regexes."""

    country_code: int
    #: ^(?:general pattern)$, or None when there is none (no number is valid then).
    general: str | None
    #: The general description's possible lengths, in metadata order (_test_number_length
    #: reads the first and last entries as minimum and maximum).
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]
    #: One regex over "<NSN length, two digits>:<NSN>" accepting exactly the numbers some
    #: number type accepts (its possible lengths and pattern), or None when no type can.
    typed: str | None
    #: The same over the NSN itself, where the patterns imply the lengths (see the module
    #: docstring), else None.
    typed_nsn: str | None
    #: ^(national prefix for parsing): the pattern in one outer group (group 1), or None.
    national_prefix: str | None
    #: Groups of the national prefix pattern itself.
    national_prefix_groups: int
    #: The transform rule as literal digits (str) and groups of ``national_prefix`` (int), or
    #: None when there is no rule.
    transform: tuple[str | int, ...] | None
    #: ^(international prefix) in one outer group, or None.
    international_prefix: str | None
    #: ^(?:leading digits), or None.
    leading_digits: str | None


def _compiles(pattern: str) -> bool:
    """Whether polars accepts ``pattern`` (the syntax check above admits only constructs it
    supports, but a regex can still exceed its size limit)."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError:
        return False
    return True


def _ascii(pattern: str) -> str:
    """``pattern`` in ASCII mode. ``\\d`` is [0-9] there, which on the ASCII digit strings the
    fast path matches is the same as Python's Unicode ``\\d``; it compiles several times faster."""
    return f"(?-u){pattern}"


@cache
def metadata_of(key: str) -> PhoneMetadata | None:
    """A region's metadata, or a non-geographic calling code's (key "001:<code>")."""
    if key.startswith(_NON_GEO + ":"):
        return PhoneMetadata.metadata_for_nongeo_region(int(key.split(":")[1]), None)
    return PhoneMetadata.metadata_for_region(key, None)


def _typed_regex(metadata: PhoneMetadata) -> tuple[str | None, str | None]:
    """The number types _number_type_helper accepts, as one regex over "<length>:<NSN>", and as
    one over the NSN alone where every type's pattern implies its possible lengths (else None;
    both None when no type can accept a number)."""
    names = list(_TYPES)
    if not metadata.same_mobile_and_fixed_line_pattern:
        names.append("mobile")
    by_lengths: dict[tuple[int, ...] | None, list[str]] = {}
    implied = True
    for name in names:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue  # _match_national_number: no pattern, no match
        lengths: tuple[int, ...] | None = None
        if len(desc.possible_length) > 0:  # none listed: any length (_is_number_matching_desc)
            lengths = tuple(sorted({n for n in desc.possible_length if 0 <= n <= 99}))
            if not lengths:
                continue  # only the "no numbers of this type" marker -1
            matched = pattern_lengths(desc.national_number_pattern, MAX_NSN)
            # The NSNs judged have MIN_NSN to MAX_NSN digits.
            implied &= matched is not None and {n for n in matched if n >= MIN_NSN} <= set(lengths)
        by_lengths.setdefault(lengths, []).append(desc.national_number_pattern)
    if not by_lengths:
        return None, None
    branches = []
    for lengths, patterns in by_lengths.items():
        prefix = "[0-9]{2}" if lengths is None else "(?:" + "|".join(f"{n:02d}" for n in lengths) + ")"
        branches.append(f"{prefix}:(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
    on_nsn = "^(?:" + "|".join(f"(?:{p})" for patterns in by_lengths.values() for p in patterns) + ")$"
    return "^(?:" + "|".join(branches) + ")$", on_nsn if implied else None


def _transform_parts(rule: str) -> tuple[str | int, ...] | None:
    """A transform rule (Python replacement template) as literal digits and group numbers of
    the plan's wrapped prefix regex; None for anything but digits and \\1-\\9."""
    if not re.fullmatch(r"(?:[0-9]|\\[1-9](?![0-9]))*", rule):
        return None
    return tuple(
        int(token[1]) + 1 if token.startswith("\\") else token for token in re.findall(r"\\[1-9]|[0-9]", rule)
    )


@cache
def plan_for(key: str) -> Plan | None:
    """The plan for a metadata key, or None where the fast path cannot mirror the library."""
    metadata = metadata_of(key)
    if metadata is None or metadata.general_desc is None or metadata.country_code is None:
        return None
    general = metadata.general_desc
    lengths = tuple(general.possible_length)
    if not lengths:
        return None  # _test_number_length would index an empty list
    npfp = metadata.national_prefix_for_parsing or None
    rule = metadata.national_prefix_transform_rule or None
    groups = re.compile(npfp).groups if npfp is not None else 0
    transform = None
    if npfp is not None and rule is not None:
        transform = _transform_parts(rule)
        if groups == 0 or transform is None:
            return None  # the library would index an empty groups() tuple / unknown syntax
    pattern = general.national_number_pattern or None
    idd = metadata.international_prefix or None
    leading = metadata.leading_digits or None
    sources = [pattern, npfp, idd, leading]
    for name in (*_TYPES, "mobile"):
        desc = getattr(metadata, name)
        if desc is not None:
            sources.append(desc.national_number_pattern)
    if not all(source is None or _PATTERN_SYNTAX.fullmatch(source) for source in sources):
        return None
    typed, typed_nsn = _typed_regex(metadata)
    plan = Plan(
        country_code=metadata.country_code,
        general=_ascii(f"^(?:{pattern})$") if pattern else None,
        lengths=lengths,
        local_lengths=tuple(general.possible_length_local_only),
        typed=_ascii(typed) if typed else None,
        typed_nsn=_ascii(typed_nsn) if typed_nsn and _compiles(_ascii(typed_nsn)) else None,
        national_prefix=_ascii(f"^({npfp})") if npfp else None,
        national_prefix_groups=groups,
        transform=transform,
        international_prefix=_ascii(f"^({idd})") if idd else None,
        leading_digits=_ascii(f"^(?:{leading})") if leading else None,
    )
    regexes = (plan.general, plan.typed, plan.national_prefix, plan.international_prefix, plan.leading_digits)
    return plan if all(_compiles(regex) for regex in regexes if regex is not None) else None


@cache
def regions_of(country_code: int) -> tuple[str, ...]:
    return tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()))


def key_of(region: str, country_code: int) -> str:
    return f"{_NON_GEO}:{country_code}" if region == _NON_GEO else region


@cache
def code_table() -> dict[str, str]:
    """Every string of up to three digits -> the calling code _extract_country_code takes from a
    number starting with it: the first of its one, two and three leading digits that is a code
    (none starts with 0, which the library refuses first), else ""."""
    codes = {str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    table = {}
    for length in range(4):
        for digits in itertools.product("0123456789", repeat=length):
            start = "".join(digits)
            table[start] = next((start[:n] for n in range(1, length + 1) if start[:n] in codes), "")
    return table


@cache
def any_typed(code: int) -> tuple[str, bool] | None:
    """One regex accepting what a type of any region of the calling code ``code`` accepts (the
    union of their plans' ``typed_nsn``, or of their ``typed`` where one lacks it) and whether it
    reads the NSN itself (else "<length>:<NSN>"); None when a region's plan is unavailable (its
    numbers go to the library) or the union does not compile."""
    plans = []
    for region in regions_of(code):
        if metadata_of(key_of(region, code)) is None:
            continue
        plan = plan_for(key_of(region, code))
        if plan is None:
            return None
        plans.append(plan)
    on_nsn = all(plan.typed_nsn is not None for plan in plans if plan.typed is not None)
    typed = [plan.typed_nsn if on_nsn else plan.typed for plan in plans]
    branches = [regex.removeprefix("(?-u)") for regex in typed if regex is not None]
    union = _ascii("(?:" + "|".join(branches) + ")") if branches else _ascii("^$.")
    return (union, on_nsn) if _compiles(union) else None
