"""Find near-duplicate records: blocking, comparison, model, clusters, verdicts.

One call, :func:`find_duplicates`, runs the whole path over the records of a
:class:`~veracity.sources.base.LoadedData` and returns per-record verdicts (aligned with the
frame's rows) plus a :class:`~veracity.linkage.result.DuplicatesResult`. Every step works on
arrays of record positions; nothing loops over records or pairs in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from veracity.errors import FieldError, LimitError
from veracity.linkage.blocking import (
    BlockingKey,
    BlockingStats,
    candidate_pairs,
    default_blocking,
    key_candidates,
    resolve_key,
)
from veracity.linkage.clusters import cohesive_pairs, components
from veracity.linkage.comparisons import Comparison
from veracity.linkage.encoding import DateParser, RecordValues
from veracity.linkage.features import Feature, SwappedTextFeature, pair_levels, prepare_feature
from veracity.linkage.fit import (
    Frequencies,
    fit_model,
    match_probability,
    pair_probability,
    record_frequencies,
    u_shares,
)
from veracity.linkage.model import FellegiSunter, level_shares, patterns_of
from veracity.linkage.result import ComparisonParameters, DuplicatesResult, LevelParameters
from veracity.sources.base import LINE_COL, ROW_ID, SOURCE_COL, LoadedData
from veracity.suggest import did_you_mean

__all__ = [
    "Duplicates",
    "LinkageSettings",
    "Matches",
    "Summary",
    "explained_limit",
    "field_problems",
    "fields_read",
    "find_duplicates",
    "has_any_value",
    "judge",
    "resolve_blocking",
    "sample_digest",
    "sample_draws",
]

Index = npt.NDArray[np.int64]

#: Seed of the random pairs for u: the same data gives the same model on every run.
SEED = 20240601


@dataclass(frozen=True)
class LinkageSettings:
    """A duplicates rule's settings (see ``DuplicatesParams`` for their meaning)."""

    compare: Sequence[Comparison]
    #: None: :func:`~veracity.linkage.blocking.default_blocking` of ``compare``.
    blocking: Sequence[Sequence[str]] | None = None
    threshold: float = 0.9
    max_pairs: int = 50_000_000
    u_estimation: Literal["random_pairs", "em"] = "random_pairs"
    random_pairs: int = 300_000
    cohesion: float = 0.5


@dataclass(frozen=True)
class Duplicates:
    """Per-record outcome aligned with the frame's rows, plus the details."""

    #: True not a duplicate, False a later record of a cluster, null not judged.
    verdicts: pl.Series
    #: Why each failing record failed (null elsewhere).
    messages: pl.Series
    #: Cluster of every clustered record (null elsewhere).
    cluster_ids: pl.Series
    result: DuplicatesResult


def _iso_dates(expr: pl.Expr, field: str) -> pl.Expr:
    from veracity.text.dates import parse_date

    return parse_date(expr)


def _fields_of(spec: Comparison) -> list[str]:
    return [name for name in (spec.field, spec.region_field, spec.swapped_with) if name is not None]


def fields_read(
    compare: Sequence[Comparison], rules: Sequence[Sequence[BlockingKey]]
) -> tuple[list[str], list[str]]:
    """The fields the comparisons read (what random pairs are drawn by), and those plus the
    fields the blocking keys are made of."""
    compared = list(dict.fromkeys(f for spec in compare for f in _fields_of(spec)))
    return compared, list(dict.fromkeys([*compared, *(key.field for rule in rules for key in rule)]))


def has_any_value(compare: Sequence[Comparison]) -> pl.Expr:
    """Whether a record can be judged at all: it has a value in some compared field."""
    return pl.any_horizontal([pl.col(spec.field).is_not_null() for spec in compare])


YamlPath = tuple[str | int, ...]


def _fields_hint(available: Sequence[str]) -> str:
    return f" (fields: {', '.join(available[:12])}{', ...' if len(available) > 12 else ''})"


def field_problems(
    compare: Sequence[Comparison], blocking: Sequence[Sequence[str]], available: Sequence[str]
) -> list[tuple[YamlPath, str]]:
    """Every field or blocking key that names nothing in the data: (path of the offending
    value in the rule, one-line message), in rule order."""
    known = set(available)
    compared = [spec.field for spec in compare]
    problems: list[tuple[YamlPath, str]] = []
    for index, spec in enumerate(compare):
        params = (
            ("field", spec.field),
            ("region_field", spec.region_field),
            ("swapped_with", spec.swapped_with),
        )
        for param, name in params:
            if name is not None and name not in known:
                problems.append(
                    (
                        ("compare", index, param),
                        f"compare[{index}].{param}: field '{name}' is in no source"
                        f"{did_you_mean(name, available)}{_fields_hint(available)}",
                    )
                )
    derived = [
        f"{f}_{t}"
        for f in dict.fromkeys([*compared, *available])
        for t in ("soundex", "initial", "year", "typo")
    ]
    for index, rule in enumerate(blocking):
        for position, name in enumerate(rule):
            if resolve_key(name, compared, known) is not None:
                continue
            readings = key_candidates(name)
            what = (
                f"is derived from field {' or '.join(repr(f) for f, _ in readings)}, which is in no source"
                if readings
                else "is in no source"
            )
            problems.append(
                (
                    ("blocking", index, position),
                    f"blocking[{index}][{position}]: key '{name}' {what}"
                    f"{did_you_mean(name, [*available, *derived])}{_fields_hint(available)}",
                )
            )
    return problems


def resolve_blocking(
    blocking: Sequence[Sequence[str]], compare: Sequence[Comparison], available: Sequence[str]
) -> list[list[BlockingKey]]:
    """Every blocking key resolved against the data's fields (after :func:`field_problems`
    found none)."""
    compared = [spec.field for spec in compare]
    known = set(available)
    resolved = [[resolve_key(name, compared, known) for name in rule] for rule in blocking]
    return [[key for key in rule if key is not None] for rule in resolved]


def sample_digest(records: pl.DataFrame, fields: Sequence[str]) -> pl.Series:
    """What random pairs are drawn in the order of: a hash of each record's compared values,
    so that the sample, and with it the model, does not depend on the order of the rows."""
    return records.select(pl.struct(list(fields)).hash(seed=7)).to_series()


def sample_draws(n: int, count: int) -> tuple[Index, Index] | None:
    """Ranks (in the order of :func:`sample_digest`, then row) of the two records of each of
    ``count`` random pairs of ``n`` records; None when all pairs are at most ``count`` (then
    all of them are compared, in row order)."""
    if n * (n - 1) // 2 <= count:
        return None
    rng = np.random.default_rng(SEED)
    first = rng.integers(0, n, count, dtype=np.int64)
    second = rng.integers(0, n - 1, count, dtype=np.int64)
    second += second >= first
    return first, second


def _random_pairs(records: pl.DataFrame, fields: list[str], count: int) -> tuple[Index, Index]:
    """Pairs of distinct records for estimating u: all of them when there are at most
    ``count``, else ``count`` drawn at random (:func:`sample_draws`)."""
    n = records.height
    draws = sample_draws(n, count)
    if draws is None:
        left, right = np.triu_indices(n, 1)
        return left.astype(np.int64), right.astype(np.int64)
    order = np.argsort(sample_digest(records, fields).to_numpy(), kind="stable").astype(np.int64)
    return order[draws[0]], order[draws[1]]


def explained_limit(
    error: LimitError, settings: LinkageSettings, blocking: Sequence[Sequence[str]]
) -> LimitError:
    """A blocking limit's error; where the rule lists no blocking, naming the default rules."""
    if settings.blocking is not None:
        return error
    return LimitError(
        f"{error}; the rule lists no blocking, and these are its default rules "
        f"({'; '.join(', '.join(rule) for rule in blocking)}): list blocking rules of your own"
    )


def find_duplicates(
    data: LoadedData,
    settings: LinkageSettings,
    *,
    scope: pl.Series | None = None,
    parse_date: DateParser = _iso_dates,
) -> Duplicates:
    """Cluster likely duplicates among the records of ``data`` that ``scope`` selects.

    Records with no value in any compared field are not judged. Raises
    :class:`~veracity.errors.FieldError` for fields no source has and
    :class:`~veracity.errors.LimitError` when blocking would make too many pairs.
    """
    frame = data.frame
    available = data.fields
    compare = list(settings.compare)
    blocking = default_blocking(compare) if settings.blocking is None else settings.blocking
    problems = field_problems(compare, blocking, available)
    if problems:
        raise FieldError(f"duplicates: {problems[0][1]}")
    rules = resolve_blocking(blocking, compare, available)

    compared, needed = fields_read(compare, rules)
    has_value = has_any_value(compare)
    in_scope = has_value if scope is None else has_value & pl.lit(scope).fill_null(False)
    judged = frame.select(in_scope.alias("judged")).to_series()
    positions = np.flatnonzero(judged.to_numpy())
    records = frame.select(ROW_ID, *needed)[positions]
    n = records.height

    values = RecordValues(records, parse_date)
    features = [prepare_feature(spec, values) for spec in compare]
    by_field = {feature.spec.field: feature for feature in features}
    try:
        candidates = candidate_pairs(rules, values, by_field, settings.max_pairs)
    except LimitError as error:
        raise explained_limit(error, settings, blocking) from None
    left, right = candidates.left, candidates.right
    levels = pair_levels(features, left, right)
    level_counts = [feature.level_count for feature in features]

    total_pairs = n * (n - 1) / 2
    sample_size = 0
    sources: list[str] = []
    if settings.u_estimation == "random_pairs":

        def sample() -> tuple[list[npt.NDArray[np.int8]], int]:
            drawn = _random_pairs(records, compared, settings.random_pairs)
            return pair_levels(features, *drawn), int(drawn[0].size)

        shares, sources, sample_size = u_shares(features, settings.random_pairs, total_pairs, sample)
        prior_base = max(total_pairs, 1.0)
    else:
        # EM trains u too; it starts from the candidates' level shares, which are mostly
        # those of non-matches (a uniform start lets EM swap the roles of m and u).
        shares = [level_shares(level, count, None) for level, count in zip(levels, level_counts, strict=True)]
        sources = ["candidate pairs"] * len(features)
        prior_base = max(float(left.size), 1.0)
    patterns = patterns_of(levels, level_counts) if left.size else None
    model = fit_model(
        patterns, level_counts, shares, prior_base=prior_base, u_estimation=settings.u_estimation
    )
    probability = (
        match_probability(model, patterns, features, levels, left) if patterns is not None else np.empty(0)
    )

    matched = np.flatnonzero(probability >= settings.threshold)
    return judge(
        data,
        positions,
        records,
        features,
        model,
        settings,
        Matches(left[matched], right[matched], probability[matched], [level[matched] for level in levels]),
        Summary(n, int(left.size), candidates.stats, sources, sample_size),
    )


@dataclass(frozen=True)
class Matches:
    """The candidate pairs at or above the threshold: record positions, probability, levels."""

    left: Index
    right: Index
    probability: npt.NDArray[np.float64]
    levels: list[npt.NDArray[np.int8]]


@dataclass(frozen=True)
class Summary:
    """What the report says about the run besides the clusters."""

    records_evaluated: int
    candidate_pairs: int
    blocking: list[BlockingStats]
    #: Where each comparison's u came from, and the random pairs drawn (0: none).
    u_from: list[str]
    random_pairs: int


def judge(
    data: LoadedData,
    positions: Index,
    records: pl.DataFrame,
    features: Sequence[Feature],
    model: FellegiSunter,
    settings: LinkageSettings,
    matches: Matches,
    summary: Summary,
    frequencies: Frequencies = record_frequencies,
) -> Duplicates:
    """Clusters of the matches and every record's verdict: ``records`` (``ROW_ID`` and the
    fields the features read) are the rows ``positions`` of ``data.frame``, the features
    prepared over them; ``frequencies`` the term frequencies among all judged records (a
    distributed run holds only the matched records here)."""
    frame = data.frame
    rows = records.get_column(ROW_ID).cast(pl.Int64).to_numpy()

    def score(a: Index, b: Index) -> npt.NDArray[np.float64]:
        return pair_probability(model, features, a, b, frequencies)

    cohesive = cohesive_pairs(matches.left, matches.right, matches.probability, score, settings.cohesion)
    matches_cut = int(cohesive.size - np.count_nonzero(cohesive))
    result_parts = _clusters(
        data,
        records,
        rows,
        features,
        model,
        matches.left[cohesive],
        matches.right[cohesive],
        matches.probability[cohesive],
        [level[cohesive] for level in matches.levels],
    )
    parameters = [
        ComparisonParameters(
            field=feature.spec.field,
            method=feature.spec.method,
            term_frequency=feature.spec.term_frequency,
            u_from=summary.u_from[k],
            levels=[
                LevelParameters(label, float(model.m[k][i + 1]), float(model.u[k][i + 1]))
                for i, label in enumerate(feature.spec.labels())
            ],
        )
        for k, feature in enumerate(features)
    ]
    result = DuplicatesResult(
        threshold=settings.threshold,
        records_evaluated=summary.records_evaluated,
        candidate_pairs=summary.candidate_pairs,
        blocking=summary.blocking,
        comparisons=parameters,
        prior=model.prior,
        u_estimation=settings.u_estimation,
        random_pairs=summary.random_pairs,
        em_iterations=model.iterations,
        em_converged=model.converged,
        records=result_parts.records,
        pairs=result_parts.pairs,
        cohesion=settings.cohesion,
        matches_cut=matches_cut,
        record_fields=frame.select(pl.col(ROW_ID).cast(pl.Int64).alias("row"), *data.fields)[
            positions[result_parts.members]
        ],
    )
    return _outcome(frame.height, positions, result_parts, result)


@dataclass(frozen=True)
class _ClusterParts:
    records: pl.DataFrame
    pairs: pl.DataFrame
    #: Positions (into the judged records) of the clustered records, and of their clusters'
    #: first records, and each one's cluster id.
    members: Index
    first: npt.NDArray[np.bool_]
    cluster_ids: Index


def _clusters(
    data: LoadedData,
    records: pl.DataFrame,
    rows: Index,
    features: Sequence[Feature],
    model: FellegiSunter,
    left: Index,
    right: Index,
    probability: npt.NDArray[np.float64],
    levels: Sequence[npt.NDArray[np.int8]],
) -> _ClusterParts:
    """Connected components of the matched pairs, with each record's strongest evidence."""
    # Records may come from several sources: order by row id so "first" means first in the audit.
    nodes = np.unique(np.concatenate([left, right]))
    nodes = nodes[np.argsort(rows[nodes], kind="stable")]
    compact = np.empty(records.height, dtype=np.int64)
    compact[nodes] = np.arange(nodes.size)
    labels = components(compact[left], compact[right], nodes.size)
    roots, cluster_index = np.unique(labels, return_inverse=True)
    # Labels are the smallest compact index of each component, i.e. its lowest row id, so
    # cluster ids (1, 2, ...) follow the order of the clusters' first records.
    cluster_of_node = cluster_index.ravel().astype(np.int64) + 1
    first = np.zeros(nodes.size, dtype=bool)
    first[roots] = True

    weights = model.weights()
    names = [feature.spec.field for feature in features]
    agree = {name: weights[k][level] > 0 for k, (name, level) in enumerate(zip(names, levels, strict=True))}
    for k, feature in enumerate(features):
        # Crosswise agreement is agreement of both fields (the other one's level is null).
        swapped = feature.spec.swapped_with
        if swapped in agree and isinstance(feature, SwappedTextFeature):
            agree[swapped] = agree[swapped] | ((levels[k] == feature.swap_level) & agree[names[k]])
    agreeing = (
        pl.DataFrame(agree, schema=dict.fromkeys(names, pl.Boolean)).select(
            pl.concat_list([pl.when(pl.col(name)).then(pl.lit(name)) for name in names])
            .list.drop_nulls()
            .alias("agreeing_fields")
        )
        if names
        else pl.DataFrame({"agreeing_fields": []}, schema={"agreeing_fields": pl.List(pl.String)})
    )
    agreeing_fields = agreeing.get_column("agreeing_fields")

    paths = {source.index: source.path for source in data.sources}
    origin = data.frame.select(
        pl.col(ROW_ID).cast(pl.Int64).alias("row"),
        pl.col(SOURCE_COL).replace_strict(paths, return_dtype=pl.String).alias("source"),
        pl.col(LINE_COL).cast(pl.Int64).alias("line"),
    )

    row_left, row_right = rows[left], rows[right]
    swap = row_left > row_right
    row_a = np.where(swap, row_right, row_left)
    row_b = np.where(swap, row_left, row_right)
    pairs = (
        pl.DataFrame(
            {
                "cluster_id": cluster_of_node[compact[left]],
                "row_a": row_a,
                "row_b": row_b,
                "match_probability": probability,
            }
        )
        .with_columns(agreeing_fields)
        .with_columns(
            pl.Series(name, level).replace_strict(
                dict(enumerate(["null", *feature.spec.labels()])), return_dtype=pl.String
            )
            for name, feature, level in zip(names, features, levels, strict=True)
        )
        .with_columns(_swapped_partners(features, levels))
    )
    pairs = (
        pairs.join(
            origin.rename({"row": "row_a", "source": "source_a", "line": "line_a"}), on="row_a", how="left"
        )
        .join(origin.rename({"row": "row_b", "source": "source_b", "line": "line_b"}), on="row_b", how="left")
        .select(
            "cluster_id",
            "row_a",
            "row_b",
            "source_a",
            "line_a",
            "source_b",
            "line_b",
            "match_probability",
            "agreeing_fields",
            *names,
        )
        .sort("cluster_id", "row_a", "row_b")
    )

    # Each record's strongest pair: both directions of every pair, best probability first.
    record = np.concatenate([left, right])
    partner = np.concatenate([right, left])
    both_probability = np.concatenate([probability, probability])
    pair_index = np.concatenate([np.arange(left.size), np.arange(left.size)])
    order = np.lexsort((rows[partner], -both_probability, record))
    _, first_of_record = np.unique(record[order], return_index=True)
    best = order[first_of_record]
    member = record[best]
    records_frame = (
        pl.DataFrame(
            {
                "row": rows[member],
                "cluster_id": cluster_of_node[compact[member]],
                "first": first[compact[member]],
                "match_probability": both_probability[best],
                "matched_row": rows[partner[best]],
            }
        )
        .with_columns(agreeing_fields.gather(pair_index[best]))
        .join(origin, on="row", how="left")
        .select(
            "row",
            "cluster_id",
            "source",
            "line",
            "first",
            "match_probability",
            "agreeing_fields",
            "matched_row",
        )
        .sort("cluster_id", "row")
    )
    members = records_frame.get_column("row").to_numpy()
    member_positions = (
        np.searchsorted(rows, members) if np.all(np.diff(rows) >= 0) else _positions(rows, members)
    )
    return _ClusterParts(
        records=records_frame,
        pairs=pairs,
        members=member_positions.astype(np.int64),
        first=records_frame.get_column("first").to_numpy(),
        cluster_ids=records_frame.get_column("cluster_id").to_numpy(),
    )


def _swapped_partners(features: Sequence[Feature], levels: Sequence[npt.NDArray[np.int8]]) -> list[pl.Expr]:
    """The level shown for the other field of a swap: not "null" (it is null to the model,
    whose evidence is the swap level), but "swapped with <field>"."""
    names = {feature.spec.field for feature in features}
    columns = []
    for feature, level in zip(features, levels, strict=True):
        partner = feature.spec.swapped_with
        if isinstance(feature, SwappedTextFeature) and partner in names:
            swapped = pl.lit(pl.Series(level == feature.swap_level))
            columns.append(
                pl.when(swapped)
                .then(pl.lit(f"swapped with {feature.spec.field}"))
                .otherwise(pl.col(partner))
                .alias(partner)
            )
    return columns


def _positions(rows: Index, wanted: Index) -> Index:
    order = np.argsort(rows, kind="stable")
    return order[np.searchsorted(rows[order], wanted)]


def _outcome(height: int, positions: Index, parts: _ClusterParts, result: DuplicatesResult) -> Duplicates:
    """Full-length verdicts, messages and cluster ids from the clusters."""
    state = np.full(height, -1, dtype=np.int8)  # -1 not judged, 1 passed, 0 failed
    state[positions] = 1
    clustered = positions[parts.members]
    state[clustered[~parts.first]] = 0
    cluster = np.zeros(height, dtype=np.int64)
    cluster[clustered] = parts.cluster_ids

    failing = result.records.filter(~pl.col("first"))
    partner = result.records.select(
        pl.col("row").alias("matched_row"),
        pl.col("source").alias("partner_source"),
        pl.col("line").alias("partner_line"),
    )
    # Two decimals, floored, not rounded: a pair at 0.996 is not shown as certain.
    percent = (pl.col("match_probability") * 100).floor().cast(pl.Int64)
    shown = (
        pl.when(percent >= 100)
        .then(pl.lit("1.00"))
        .otherwise(pl.lit("0.") + percent.cast(pl.String).str.zfill(2))
    )
    text = failing.join(partner, on="matched_row", how="left", maintain_order="left").select(
        pl.concat_str(
            [
                pl.lit("likely duplicate of "),
                pl.col("partner_source"),
                pl.lit(":"),
                pl.col("partner_line").cast(pl.String),
                pl.lit(" (p="),
                shown,
                pl.when(pl.col("agreeing_fields").list.len() > 0)
                .then(pl.lit("; agreeing: ") + pl.col("agreeing_fields").list.join(", "))
                .otherwise(pl.lit("")),
                pl.lit(")"),
            ]
        ).alias("message")
    )
    messages = pl.repeat(None, height, dtype=pl.String, eager=True).alias("message")
    messages = messages.scatter(positions[parts.members[~parts.first]], text.get_column("message"))

    frame = pl.DataFrame({"state": state, "cluster": cluster}).select(
        pl.when(pl.col("state") >= 0).then(pl.col("state") == 1).alias("verdict"),
        pl.when(pl.col("cluster") > 0).then(pl.col("cluster")).alias("cluster_id"),
    )
    return Duplicates(
        verdicts=frame.get_column("verdict"),
        messages=messages,
        cluster_ids=frame.get_column("cluster_id"),
        result=result,
    )
