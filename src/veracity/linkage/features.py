"""Per-record features of each comparison, and the agreement level of any set of record pairs.

A feature is computed once per record (normal forms, integer codes of distinct values, parsed
dates); pairs are then graded with numpy gathers and, for the fuzzy levels, rapidfuzz's
multi-threaded :func:`rapidfuzz.process.cpdist`. Similarities are computed once per distinct
*pair of values*: blocking puts many records with the same surname into one block, so the
same two spellings are compared over and over otherwise.

Pairs are given as two arrays of record positions (``left``, ``right``) into the prepared
records; levels come back as an int8 array (0 null, 1 exact, ..., L else; see
:mod:`veracity.linkage.comparisons`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from veracity.linkage.comparisons import TEXT_METHODS, Comparison
from veracity.linkage.encoding import Encoded, RecordValues, dense, encode, expression
from veracity.linkage.normalise import digits, normalise_email, normalise_phones, null_if_empty
from veracity.text.countries import lookup_expr
from veracity.text.phones import PHONE_REGIONS

__all__ = ["Feature", "SwappedTextFeature", "pair_levels", "prepare_feature"]

Index = npt.NDArray[np.int64]
Levels = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
Objects = npt.NDArray[np.object_]

#: Digits at the end of a phone number that identify it whatever its formatting: the national
#: significant number ends with them, with or without "+49", "0049" or the trunk "0".
PHONE_TAIL = 8


def _pair_scores(
    left: Index, right: Index, values: Objects, scorer: Callable[..., Any], **kwargs: Any
) -> npt.NDArray[Any]:
    """``scorer`` of each pair of value codes, computed once per distinct unordered pair."""
    if left.size == 0:
        return np.empty(0, dtype=np.float64)
    size = max(len(values), 1)
    low = np.minimum(left, right)
    key = low * size + (left + right - low)
    inverse, first = dense(key)
    unique = key[first]
    scores = cpdist(values[unique // size], values[unique % size], scorer=scorer, workers=-1, **kwargs)
    return np.asarray(scores)[inverse]


def _similarity_levels(scores: npt.NDArray[Any], thresholds: tuple[float, ...], first: int) -> Levels:
    """Level ``first`` for scores >= thresholds[0], ``first + 1`` for >= thresholds[1], ...,
    ``first + len(thresholds)`` below the last."""
    below = np.zeros(scores.shape, dtype=np.int8)
    for threshold in thresholds:
        # A float32 score of 0.92 is 0.9199999...; the tolerance keeps it on its level.
        below += scores < threshold - 1e-6
    return (below + first).astype(np.int8)


def _distance_levels(distances: npt.NDArray[Any], thresholds: tuple[float, ...], first: int) -> Levels:
    above = np.zeros(distances.shape, dtype=np.int8)
    for threshold in thresholds:
        above += distances > threshold
    return (above + first).astype(np.int8)


@dataclass
class Feature(ABC):
    """A comparison's per-record data, able to grade pairs of records."""

    #: Whether a pair's level depends on nothing but the two records' codes.
    by_value: ClassVar[bool] = True

    spec: Comparison
    #: Code of each record's comparable value (-1 where missing): equal codes agree exactly.
    codes: Index
    #: The distinct comparable values, in code order.
    values: Objects

    @property
    def level_count(self) -> int:
        return len(self.spec.labels())

    @abstractmethod
    def levels(self, left: Index, right: Index) -> Levels:
        """The agreement level of each pair (``left[i]``, ``right[i]``)."""

    def value_counts(self, weights: Floats | None = None) -> Floats:
        """How many records hold each value (in code order): a record counts once, or
        ``weights[i]`` times where it stands for that many records (one record per distinct
        value, with the number of records holding it)."""
        present = self.codes >= 0
        return np.bincount(
            self.codes[present],
            weights=None if weights is None else weights[present],
            minlength=len(self.values),
        ).astype(np.float64)

    def exact_share(self, weights: Floats | None = None) -> float | None:
        """Share of all pairs of records with both values present that agree exactly, from the
        value frequencies (about the sum of p(v)**2); ``weights`` as in :meth:`value_counts`.

        Random sampling sees rare exact agreements (same e-mail, same id) a handful of times
        at best; the value frequencies give them exactly. Sums are of whole numbers, exact in
        any order: records counted in any encoding give the same share.
        """
        counts = self.value_counts(weights)
        total = float(counts.sum())
        if total < 2:
            return None
        counts = counts[counts > 0]
        # Pairs of distinct records: a value held by one record cannot agree with itself.
        return float(np.sum(counts * (counts - 1)) / (total * (total - 1)))

    def value_pair_shares(self, budget: int, weights: Floats | None = None) -> Floats | None:
        """Share of each level among all pairs of records with both values present, exactly:
        the level of every pair of distinct values, weighted by how many record pairs hold
        it. None when the level is not a function of the two values or when there are more
        than ``budget`` value pairs (then random pairs estimate the shares). ``weights`` as in
        :meth:`value_counts`."""
        if not self.by_value:
            return None
        present = np.flatnonzero(self.codes >= 0)
        counts = self.value_counts(weights)
        distinct = np.flatnonzero(counts)
        if distinct.size * (distinct.size - 1) // 2 > budget:
            return None
        # One record per value stands for all records with it.
        representative = np.zeros(len(self.values), dtype=np.int64)
        representative[self.codes[present][::-1]] = present[::-1]
        first, second = np.triu_indices(distinct.size, 1)
        levels = self.levels(representative[distinct[first]], representative[distinct[second]])
        pairs = np.bincount(
            levels, weights=counts[distinct[first]] * counts[distinct[second]], minlength=self.level_count + 1
        )
        pairs[1] += float(np.sum(counts * (counts - 1) / 2))
        total = float(pairs[1:].sum())
        if total <= 0:
            return None
        shares = np.full(self.level_count + 1, np.nan)
        shares[1:] = pairs[1:] / total
        return shares

    def term_frequencies(self) -> Floats:
        """Share of the records with a value that hold this record's value (NaN where missing)."""
        present = self.codes >= 0
        counts = np.bincount(self.codes[present], minlength=len(self.values)).astype(np.float64)
        out = np.full(self.codes.shape, np.nan)
        out[present] = counts[self.codes[present]] / max(int(present.sum()), 1)
        return out

    def _start(self, left: Index, right: Index) -> tuple[Levels, npt.NDArray[np.bool_]]:
        """Levels with null and exact set and every other pair at "else", plus the mask of
        pairs still to grade."""
        a, b = self.codes[left], self.codes[right]
        out = np.full(left.shape, self.level_count, dtype=np.int8)
        null = (a < 0) | (b < 0)
        exact = (a == b) & ~null
        out[null] = 0
        out[exact] = 1
        return out, ~(null | exact)


@dataclass
class TextFeature(Feature):
    """exact, jaro_winkler, levenshtein and token_set on normalised text."""

    def levels(self, left: Index, right: Index) -> Levels:
        out, todo = self._start(left, right)
        thresholds = self.spec.thresholds
        if not thresholds or not todo.any():
            return out
        a, b = self.codes[left[todo]], self.codes[right[todo]]
        method = self.spec.method
        if method == "levenshtein":
            cutoff = int(max(thresholds))
            distances = _pair_scores(a, b, self.values, Levenshtein.distance, score_cutoff=cutoff)
            out[todo] = _distance_levels(distances, thresholds, 2)
        else:
            if method == "jaro_winkler":
                scores = _pair_scores(
                    a, b, self.values, JaroWinkler.normalized_similarity, score_cutoff=min(thresholds)
                )
            else:
                # token_set_ratio scores 0-100; levels are on the 0-1 scale of the others.
                scores = (
                    _pair_scores(a, b, self.values, fuzz.token_set_ratio, score_cutoff=min(thresholds) * 100)
                    / 100.0
                )
            out[todo] = _similarity_levels(scores, thresholds, 2)
        return out


@dataclass
class SwappedTextFeature(TextFeature):
    """A text comparison that also looks across to another field (``swapped_with``): a pair
    whose values agree crosswise, this field of one record with the other field of the other
    and the other way round, gets the level "swapped with <field>" where the straight
    comparison finds no more than its weaker levels.

    Both fields' normal forms are coded in one joint value space, so that crosswise equality is
    an integer comparison and similarities are computed once per distinct pair of values."""

    #: A pair's level depends on a second field.
    by_value: ClassVar[bool] = False

    #: Joint code of this field's and of the other field's normal form per record (-1 missing).
    own: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    other: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    joint_values: Objects = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def swap_level(self) -> int:
        return self.level_count - 1

    def levels(self, left: Index, right: Index) -> Levels:
        out = super().levels(left, right)
        # The straight grading knows no swap level: its "below every threshold" is "else".
        out[out == self.swap_level] = self.level_count
        # Straight agreement at the first level or better is the stronger evidence.
        best_straight = 2 if self.spec.thresholds else 1
        pick = np.flatnonzero(out > best_straight)
        a, b = left[pick], right[pick]
        present = (self.own[a] >= 0) & (self.other[b] >= 0) & (self.other[a] >= 0) & (self.own[b] >= 0)
        pick, a, b = pick[present], a[present], b[present]
        crosswise = self._agree(self.own[a], self.other[b]) & self._agree(self.other[a], self.own[b])
        out[pick[crosswise]] = self.swap_level
        return out

    def _agree(self, a: Index, b: Index) -> npt.NDArray[np.bool_]:
        """Whether the values of joint codes ``a`` and ``b`` agree at the first level or better."""
        same: npt.NDArray[np.bool_] = np.asarray(a == b, dtype=bool)
        thresholds = self.spec.thresholds
        todo = np.flatnonzero(~same)
        if not thresholds or not todo.size:
            return same
        method, first = self.spec.method, thresholds[0]
        if method == "levenshtein":
            distances = _pair_scores(a[todo], b[todo], self.joint_values, Levenshtein.distance)
            same[todo] = distances <= first
            return same
        if method == "jaro_winkler":
            scores = _pair_scores(a[todo], b[todo], self.joint_values, JaroWinkler.normalized_similarity)
        else:
            scores = _pair_scores(a[todo], b[todo], self.joint_values, fuzz.token_set_ratio) / 100.0
        same[todo] = scores >= first - 1e-6
        return same


def pair_levels(features: Sequence[Feature], left: Index, right: Index) -> list[Levels]:
    """Every feature's levels of the pairs; where a pair is graded "swapped with" another
    compared field, that field's comparison is set to null for it: the crosswise agreement
    is the evidence of both fields, and their straight disagreement is not evidence against."""
    levels = [feature.levels(left, right) for feature in features]
    position = {feature.spec.field: k for k, feature in enumerate(features)}
    for k, feature in enumerate(features):
        partner = feature.spec.swapped_with
        if isinstance(feature, SwappedTextFeature) and partner in position:
            levels[position[partner]][levels[k] == feature.swap_level] = 0
    return levels


@dataclass
class DateFeature(Feature):
    #: Days since 1970-01-01, year, month, day of each parsed date; -1 where unparsed (read
    #: ``month`` to tell: a parsed date's month is never -1).
    days: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    year: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    month: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    day: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def levels(self, left: Index, right: Index) -> Levels:
        out, todo = self._start(left, right)
        if not todo.any():
            return out
        pick = np.flatnonzero(todo)
        a, b = left[pick], right[pick]
        parsed = (self.month[a] > 0) & (self.month[b] > 0)
        swapped = (
            parsed
            & (self.year[a] == self.year[b])
            & (self.month[a] == self.day[b])
            & (self.day[a] == self.month[b])
        )
        typo = _pair_scores(self.codes[a], self.codes[b], self.values, OSA.distance, score_cutoff=1) <= 1
        near = parsed & (np.abs(self.days[a] - self.days[b]) <= self.spec.within_days)
        graded = np.select([swapped, typo, near], [2, 3, 4], default=5).astype(np.int8)
        out[pick] = graded
        return out


@dataclass
class NumericFeature(Feature):
    numbers: Floats = field(default_factory=lambda: np.empty(0))

    def levels(self, left: Index, right: Index) -> Levels:
        out, todo = self._start(left, right)
        if not todo.any():
            return out
        a, b = self.numbers[left[todo]], self.numbers[right[todo]]
        scale = np.maximum(np.abs(a), np.abs(b))
        relative = np.abs(a - b) / np.where(scale > 0, scale, 1.0)
        out[todo] = _distance_levels(relative, self.spec.thresholds, 2)
        return out


@dataclass
class EmailFeature(Feature):
    #: Code of the user name (the part before the first "@"), -1 where there is none.
    local: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def levels(self, left: Index, right: Index) -> Levels:
        out, todo = self._start(left, right)
        if not todo.any():
            return out
        pick = np.flatnonzero(todo)
        a, b = left[pick], right[pick]
        same_user = (self.local[a] >= 0) & (self.local[a] == self.local[b])
        thresholds = self.spec.thresholds
        graded = np.full(pick.shape, self.level_count, dtype=np.int8)
        graded[same_user] = 2
        fuzzy = ~same_user
        if thresholds and fuzzy.any():
            scores = _pair_scores(
                self.codes[a[fuzzy]],
                self.codes[b[fuzzy]],
                self.values,
                JaroWinkler.normalized_similarity,
                score_cutoff=min(thresholds),
            )
            graded[fuzzy] = _similarity_levels(scores, thresholds, 3)
        out[pick] = graded
        return out


@dataclass
class PhoneFeature(Feature):
    """Phone numbers: ``codes`` / ``values`` hold each record's last digits (the tail), which
    decide cheaply whether a pair can be the same number at all; only those pairs' numbers are
    put in E.164 form, each distinct (number, region) once.

    Value frequencies (exact-level u, term frequencies) are those of the tails: equal numbers
    have equal tails, and eight equal final digits of different numbers are rare."""

    #: Two records with the same tail may hold different numbers: levels need the records.
    by_value: ClassVar[bool] = False

    #: Code of each record's distinct (number as written, region), -1 where missing.
    combo: Index = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    combo_values: Objects = field(default_factory=lambda: np.empty(0, dtype=object))
    combo_regions: Objects = field(default_factory=lambda: np.empty(0, dtype=object))
    #: E.164 form per combo, filled on demand ("" until needed; a number has digits).
    e164: Objects = field(default_factory=lambda: np.empty(0, dtype=object))

    def _e164(self, combos: Index) -> Objects:
        missing = np.unique(combos[np.asarray(self.e164[combos] == "", dtype=bool)])
        if missing.size:
            self.e164[missing] = normalise_phones(self.combo_values[missing], self.combo_regions[missing])
        return self.e164[combos]

    def levels(self, left: Index, right: Index) -> Levels:
        a, b = self.codes[left], self.codes[right]
        out = np.full(left.shape, self.level_count, dtype=np.int8)
        null = (a < 0) | (b < 0)
        out[null] = 0
        pick = np.flatnonzero(~null)
        if not pick.size:
            return out
        # An edit within the last digits shifts the rest of them by at most one place, so tails
        # more than d + 1 edits apart cannot be d edits apart as whole numbers.
        reach = int(max(self.spec.thresholds, default=0)) + 1
        tails = _pair_scores(a[pick], b[pick], self.values, OSA.distance, score_cutoff=reach)
        pick = pick[tails <= reach]
        if not pick.size:
            return out
        first, second = self.combo[left[pick]], self.combo[right[pick]]
        # The same text with the same region is the same number: no need to ask libphonenumber.
        same = first == second
        graded = np.full(pick.shape, self.level_count, dtype=np.int8)
        graded[same] = 1
        ask = np.flatnonzero(~same)
        ea, eb = self._e164(first[ask]), self._e164(second[ask])
        equal = np.asarray(ea == eb, dtype=bool)
        graded[ask[equal]] = 1
        fuzzy = ~equal
        if fuzzy.any() and self.spec.thresholds:
            cutoff = int(max(self.spec.thresholds))
            distances = np.asarray(
                cpdist(ea[fuzzy], eb[fuzzy], scorer=OSA.distance, score_cutoff=cutoff, workers=-1)
            )
            graded[ask[fuzzy]] = _distance_levels(distances, self.spec.thresholds, 2)
        out[pick] = graded
        return out


def prepare_feature(spec: Comparison, values: RecordValues) -> Feature:
    """The feature of ``spec`` for the records of ``values``."""
    method = spec.method
    if method in TEXT_METHODS:
        text = values.text(spec.field)
        if spec.swapped_with is None:
            return TextFeature(spec, text.codes, text.objects())
        other = values.text(spec.swapped_with)
        joint = encode(pl.concat([text.values, other.values]))
        size = text.values.len()
        return SwappedTextFeature(
            spec,
            text.codes,
            text.objects(),
            own=text.gather(joint.codes[:size]),
            other=other.gather(joint.codes[size:]),
            joint_values=joint.objects(),
        )
    if method == "email":
        email = values.derive(spec.field, expression(normalise_email))
        local = email.map(lambda v: null_if_empty(v.str.head(v.str.find("@", literal=True))))
        return EmailFeature(spec, email.codes, email.objects(), local=local.codes)
    if method == "date":
        return _prepare_date(spec, values)
    if method == "numeric":
        raw = values.raw(spec.field)
        parsed = (
            pl.DataFrame({"v": raw.values})
            .select(
                pl.col("v").str.strip_chars().str.replace_all(r"[\s_']", "").cast(pl.Float64, strict=False)
            )
            .to_series()
        )
        number = encode(parsed.cast(pl.String))
        numbers = _per_record(raw, parsed.fill_null(np.nan).to_numpy(), np.nan)
        return NumericFeature(spec, raw.gather(number.codes), number.objects(), numbers=numbers)
    return _prepare_phone(spec, values)


def _per_record(raw: Encoded, per_value: npt.NDArray[Any], missing: float) -> npt.NDArray[Any]:
    """``per_value[code]`` for each record, ``missing`` where the record has no value."""
    out = np.full(raw.codes.shape, missing, dtype=per_value.dtype)
    present = raw.codes >= 0
    out[present] = per_value[raw.codes[present]]
    return out


def _prepare_date(spec: Comparison, values: RecordValues) -> DateFeature:
    raw = values.raw(spec.field)
    table = values.dates(spec.field)
    key = encode(table.get_column("key"))
    date = table.get_column("date")

    def part(values: pl.Series) -> Index:
        return _per_record(raw, values.cast(pl.Int64).fill_null(-1).to_numpy(), -1)

    return DateFeature(
        spec,
        raw.gather(key.codes),
        key.objects(),
        days=part(date),
        year=part(date.dt.year()),
        month=part(date.dt.month()),
        day=part(date.dt.day()),
    )


def _prepare_phone(spec: Comparison, values: RecordValues) -> PhoneFeature:
    # Phone numbers hardly repeat: their digits are extracted once per record, for both the
    # number as written (null without digits) and its tail.
    parts = (
        values.records.get_column(spec.field)
        .to_frame("v")
        .select(digits(pl.col("v")).alias("digits"), pl.col("v").str.strip_chars().alias("text"))
        .select(
            pl.when(pl.col("digits").is_not_null()).then(pl.col("text")).alias("number"),
            pl.col("digits").str.tail(PHONE_TAIL).alias("tail"),
        )
    )
    number, tail = encode(parts.get_column("number")), encode(parts.get_column("tail"))
    default = spec.default_region or ""
    if spec.region_field is not None:
        region = values.raw(spec.region_field).map(lambda v: lookup_expr(v, PHONE_REGIONS, default))
        region_codes, region_values = region.codes, region.values.to_list()
    else:
        region_codes, region_values = np.full(values.size, -1, dtype=np.int64), []
    # One combo per distinct (number as written, region): what libphonenumber is asked about.
    width = len(region_values) + 1
    present = np.flatnonzero(number.codes >= 0)
    combo_codes, first = dense(number.codes[present] * width + region_codes[present] + 1)
    combo = np.full(values.size, -1, dtype=np.int64)
    combo[present] = combo_codes
    regions = np.asarray([default or None, *(value or None for value in region_values)], dtype=object)
    representative = present[first]
    return PhoneFeature(
        spec,
        tail.codes,
        tail.objects(),
        combo=combo,
        combo_values=number.objects()[number.codes[representative]],
        combo_regions=regions[region_codes[representative] + 1],
        e164=np.full(first.size, "", dtype=object),
    )
