"""Candidate pairs: records that share every key of at least one blocking rule.

Comparing every record with every other is quadratic (a million records make 5e11 pairs);
blocking compares only records that agree on something cheap, e.g. the same e-mail or the
same surname sound and birth year. Each rule's pair count is known from its block sizes
(sum of n*(n-1)/2) before any pair exists, so a rule that would flood memory is refused
up front.

Key names are fields or *derived keys* of a field:

- ``<field>`` the field's comparable value (the normal form its comparison uses; trimmed,
  case-folded text otherwise), so "Jane@X.com" and "jane@x.com" share a block;
- ``<field>_soundex`` American Soundex of the field (Robert, Rupert -> R163);
- ``<field>_initial`` its first letter;
- ``<field>_year`` the year of a date field; for a field named ``<stem>_date`` also
  ``<stem>_year`` (``birth_year`` from ``birth_date``);
- ``<field>_norm`` the field's text trimmed, case-folded, without accents and punctuation;
- ``<field>_typo`` the field's comparable value to within one edit: records share it when their
  values are equal or one typo apart (one letter inserted, deleted or replaced, or two
  neighbouring letters swapped; see :mod:`veracity.linkage.typo`). A rule of ``_typo`` keys
  compares a duplicate that has a typo in every one of its fields.

A derived name means its derived key unless a source has a field of exactly that name or the
field is compared itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import LimitError
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import Encoded, RecordValues, dense, encode
from veracity.linkage.features import Feature
from veracity.linkage.normalise import soundex
from veracity.linkage.typo import TooManyVariants, deletion_variants, group_pairs, record_pairs

__all__ = [
    "BlockingKey",
    "BlockingStats",
    "CandidatePairs",
    "candidate_pairs",
    "default_blocking",
    "key_candidates",
    "key_codes",
    "key_values",
    "key_variants",
    "resolve_key",
    "too_many_group_pairs",
    "too_many_keys",
    "too_many_pairs",
    "too_many_together",
]

Index = npt.NDArray[np.int64]
Transform = Literal["value", "soundex", "initial", "year", "norm", "typo"]

_SUFFIXES: tuple[tuple[str, Transform], ...] = (
    ("_soundex", "soundex"),
    ("_initial", "initial"),
    ("_year", "year"),
    ("_norm", "norm"),
    ("_typo", "typo"),
)


@dataclass(frozen=True)
class BlockingKey:
    """A key as written in the rule, resolved to the field it is computed from."""

    name: str
    field: str
    transform: Transform


@dataclass(frozen=True)
class BlockingStats:
    """What one blocking rule contributed."""

    keys: tuple[str, ...]
    #: Pairs of records sharing this rule's keys.
    pairs: int
    #: Of those, pairs no earlier rule had produced.
    new_pairs: int


@dataclass(frozen=True)
class CandidatePairs:
    """Distinct candidate pairs as record positions, ``left < right``."""

    left: Index
    right: Index
    stats: list[BlockingStats]


#: Compared with these, a field identifies a person nearly alone: it blocks on its own.
IDENTIFIER_METHODS = ("email", "phone", "levenshtein")
#: Compared with these (names, dates), a field blocks paired with another one.
PAIRED_METHODS = ("exact", "jaro_winkler", "date")
#: Fields paired in the default rules: three make three rules.
PAIRED_FIELDS = 3


def default_blocking(compare: Sequence[Comparison]) -> list[list[str]]:
    """The blocking rules of a duplicates rule that lists none, all of ``_typo`` keys, so that
    a duplicate with one typo in every field still meets its twin: ``[<field>_typo]`` for each
    field compared as an identifier (email, phone, levenshtein), and ``[<a>_typo, <b>_typo]``
    for every two of the first three fields compared with exact, jaro_winkler or date (names,
    birth dates; alone, a name's blocks would be too large). Without such fields, every
    compared field's ``_typo`` key on its own."""
    rules = [[f"{spec.field}_typo"] for spec in compare if spec.method in IDENTIFIER_METHODS]
    paired = [spec.field for spec in compare if spec.method in PAIRED_METHODS][:PAIRED_FIELDS]
    rules += [[f"{a}_typo", f"{b}_typo"] for a, b in itertools.combinations(paired, 2)]
    return rules or [[f"{spec.field}_typo"] for spec in compare]


def key_candidates(name: str) -> list[tuple[str, Transform]]:
    """The (field, transform) readings of a derived key name, most specific first."""
    readings: list[tuple[str, Transform]] = []
    for suffix, transform in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            readings.append((stem, transform))
            if transform == "year":
                readings.append((f"{stem}_date", transform))
    return readings


def resolve_key(
    name: str, compared: Collection[str], available: Collection[str] | None
) -> BlockingKey | None:
    """What ``name`` means, or None when it names nothing (or, without ``available``, when
    only the data can tell)."""
    if name in compared:
        return BlockingKey(name, name, "value")
    readings = key_candidates(name)
    for field, transform in readings:
        if field in compared:
            return BlockingKey(name, field, transform)
    if available is None:
        return None if readings else BlockingKey(name, name, "value")
    if name in available:
        return BlockingKey(name, name, "value")
    for field, transform in readings:
        if field in available:
            return BlockingKey(name, field, transform)
    return None


def key_codes(key: BlockingKey, values: RecordValues, features: Mapping[str, Feature]) -> Index:
    """The key's code per record (-1 where it cannot be computed: the record joins no block)."""
    feature = features.get(key.field)
    if key.transform in ("value", "typo") and feature is not None:
        return feature.codes
    return key_values(key, values, features).codes


def key_values(key: BlockingKey, values: RecordValues, features: Mapping[str, Feature]) -> Encoded:
    """The key of each record as codes of its distinct values: codes depend on the records
    encoded together, values do not (what a block is called wherever it is computed)."""
    if key.transform in ("value", "typo"):
        feature = features.get(key.field)
        if feature is not None:
            return Encoded(feature.codes, pl.Series(feature.values, dtype=pl.String))
        return values.text(key.field)
    if key.transform == "norm":
        return values.text(key.field)
    if key.transform == "soundex":
        return values.text(key.field).map(soundex)
    if key.transform == "initial":
        return values.text(key.field).map(lambda text: text.str.head(1))
    raw = values.raw(key.field)
    years = encode(values.dates(key.field).get_column("date").dt.year())
    return Encoded(raw.gather(years.codes), years.values.cast(pl.String))


def key_variants(
    key: BlockingKey, values: RecordValues, features: Mapping[str, Feature]
) -> tuple[Index, Index]:
    """A ``_typo`` key's (value code, variant code) rows: the comparable value and each of its
    one-letter deletions (see :func:`~veracity.linkage.typo.deletion_variants`)."""
    feature = features.get(key.field)
    distinct = (
        pl.Series(feature.values, dtype=pl.String) if feature is not None else values.text(key.field).values
    )
    return deletion_variants(distinct)


def _combine(keys: list[Index]) -> Index:
    """One code per distinct combination of the keys' codes (-1 where any is -1)."""
    combined = keys[0].copy()
    for key in keys[1:]:
        missing = (combined < 0) | (key < 0)
        combined = combined * (int(key.max(initial=0)) + 1) + key
        combined[missing] = -1
        # Re-number densely so that the next multiplication cannot overflow.
        present = combined >= 0
        combined[present] = dense(combined[present])[0]
    return combined


def _blocks(keys: list[Index]) -> tuple[Index, Index]:
    """Members of each block with two or more records, block by block (ascending within a
    block), and the block sizes: a stable sort by block code, cut where the code changes."""
    combined = _combine(keys)
    size = combined.size
    positions = np.flatnonzero(combined >= 0)
    # One sort of block code * n + position: blocks in code order, positions ascending within
    # each (polars sorts integers multi-threaded).
    ordered = pl.Series(combined[positions] * size + positions).sort().to_numpy()
    members, codes = ordered % size, ordered // size
    starts = (
        np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
        if codes.size
        else np.empty(0, dtype=np.int64)
    )
    sizes = np.diff(np.append(starts, codes.size))
    keep = np.repeat(sizes > 1, sizes)
    return members[keep].astype(np.int64), sizes[sizes > 1].astype(np.int64)


def _pair_count(sizes: Index) -> int:
    return int(np.sum(sizes * (sizes - 1) // 2))


def _expand(members: Index, sizes: Index) -> tuple[Index, Index]:
    """Every pair (i, j) of positions i < j within each block, without a Python loop: the
    record at position p pairs with the positions after it up to its block's end."""
    if members.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    ends = np.repeat(np.cumsum(sizes), sizes)
    positions = np.arange(members.size, dtype=np.int64)
    after = ends - positions - 1
    total = int(after.sum())
    first = np.repeat(positions, after)
    # Within the run of pairs of one position, the partner advances by one each step. Built in
    # place: at the default max_pairs these arrays are hundreds of megabytes each.
    partner = np.arange(total, dtype=np.int64)
    partner -= np.repeat(np.cumsum(after) - after, after)
    partner += first
    partner += 1
    return members[first], members[partner]


def too_many_pairs(index: int, keys: Sequence[str], count: int, largest: int, max_pairs: int) -> LimitError:
    """Blocking rule ``index`` would compare ``count`` pairs, its largest block ``largest`` records."""
    return LimitError(
        f"duplicates: blocking[{index}] [{', '.join(keys)}] would compare "
        f"{count:,} pairs of records, more than max_pairs ({max_pairs:,}); its largest block has "
        f"{largest:,} records with the same key: add a more specific key to that rule "
        "(e.g. a surname's _soundex or a birth date's _year) or raise max_pairs"
    )


def too_many_keys(index: int, keys: Sequence[str], rows: int, max_pairs: int) -> LimitError:
    """A rule of ``_typo`` keys would build ``rows`` (group, variants) rows."""
    return LimitError(
        f"duplicates: blocking[{index}] [{', '.join(keys)}] would build {rows:,} blocking "
        f"keys (one per set of records with the same values and combination of their _typo "
        f"variants), more than max_pairs ({max_pairs:,}): combine fewer _typo keys in that rule, "
        "add an exact key to it, or raise max_pairs"
    )


def too_many_group_pairs(index: int, keys: Sequence[str], count: int, max_pairs: int) -> LimitError:
    """A rule of ``_typo`` keys whose blocks pair ``count`` groups (each one or more pairs)."""
    return LimitError(
        f"duplicates: blocking[{index}] [{', '.join(keys)}] would compare more than max_pairs "
        f"({max_pairs:,}) pairs of records (its blocks pair {count:,} sets of "
        "records with the same values): add a more specific key to that rule or raise max_pairs"
    )


def too_many_together(index: int, keys: Sequence[str], added: int, max_pairs: int) -> LimitError:
    """The rules up to ``index`` together, which adds ``added`` pairs, are over ``max_pairs``."""
    return LimitError(
        f"duplicates: the blocking rules together would compare more than max_pairs "
        f"({max_pairs:,}) pairs of records (blocking[{index}] [{', '.join(keys)}] adds "
        f"{added:,}); make the rules more specific or raise max_pairs"
    )


def candidate_pairs(
    rules: Sequence[Sequence[BlockingKey]],
    values: RecordValues,
    features: Mapping[str, Feature],
    max_pairs: int,
) -> CandidatePairs:
    """The distinct pairs of records sharing all keys of at least one rule.

    Raises :class:`LimitError` before materialising a rule's pairs when they would be more than
    ``max_pairs``, and when all rules together would be.
    """
    cache: dict[str, Index] = {}
    variant_cache: dict[str, tuple[Index, Index]] = {}

    def codes(key: BlockingKey) -> Index:
        if key.name not in cache:
            cache[key.name] = key_codes(key, values, features)
        return cache[key.name]

    def variants(key: BlockingKey) -> tuple[Index, Index] | None:
        if key.transform != "typo":
            return None
        if key.name not in variant_cache:
            variant_cache[key.name] = key_variants(key, values, features)
        return variant_cache[key.name]

    lefts: list[Index] = []
    rights: list[Index] = []
    earlier: list[Index] = []
    # Pairs of earlier rules with _typo keys, as sorted left * size + right: such a rule's
    # pairs do not share one block per record.
    earlier_pairs: list[Index] = []
    stats: list[BlockingStats] = []
    total = 0
    for index, rule in enumerate(rules):
        names = tuple(key.name for key in rule)
        block: Index | None = None
        if any(key.transform == "typo" for key in rule):
            left, right, count = _typo_rule(
                index, names, [codes(key) for key in rule], [variants(key) for key in rule], max_pairs
            )
        else:
            members, sizes = _blocks([codes(key) for key in rule])
            count = _pair_count(sizes)
            if count > max_pairs:
                raise too_many_pairs(index, names, count, int(sizes.max()), max_pairs)
            left, right = _expand(members, sizes)
            block = np.full(values.size, -1, dtype=np.int64)
            block[members] = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
        new = np.ones(left.size, dtype=bool)
        for previous in earlier:
            # A pair an earlier rule produced shares that rule's block.
            new &= ~((previous[left] >= 0) & (previous[left] == previous[right]))
        if earlier_pairs:
            new &= ~np.isin(left * values.size + right, np.concatenate(earlier_pairs))
        if block is None:
            earlier_pairs.append(left * values.size + right)
        else:
            earlier.append(block)
        left, right = left[new], right[new]
        total += left.size
        if total > max_pairs:
            raise too_many_together(index, names, int(left.size), max_pairs)
        lefts.append(left)
        rights.append(right)
        stats.append(BlockingStats(keys=names, pairs=count, new_pairs=int(left.size)))
    left = np.concatenate(lefts) if lefts else np.empty(0, dtype=np.int64)
    right = np.concatenate(rights) if rights else np.empty(0, dtype=np.int64)
    return CandidatePairs(left=left, right=right, stats=stats)


def _typo_rule(
    index: int,
    names: Sequence[str],
    codes: Sequence[Index],
    variants: Sequence[tuple[Index, Index] | None],
    max_pairs: int,
) -> tuple[Index, Index, int]:
    """The pairs of a rule with ``_typo`` keys, and their count; refused over ``max_pairs``."""
    try:
        groups = group_pairs(codes, variants, max_pairs)
    except TooManyVariants as error:
        raise too_many_keys(index, names, error.rows, max_pairs) from None
    except OverflowError as error:
        # Refused on the pairs of groups (records with the same values of all keys) that
        # share a block, before any record pair exists: each stands for one or more pairs.
        raise too_many_group_pairs(index, names, int(error.args[0]), max_pairs) from None
    count = groups.pair_count()
    if count > max_pairs:
        raise too_many_pairs(index, names, count, groups.largest_group(), max_pairs)
    left, right = record_pairs(groups)
    return left, right, count
