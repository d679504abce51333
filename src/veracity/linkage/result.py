"""What a duplicates rule found: clusters with their evidence, and the trained model.

:class:`DuplicatesResult` is the ``details`` object of a duplicates rule's outcome. Reports read
it; ``to_dict()`` is its JSON form (a summary: counts, blocking, the trained parameters), the
clusters themselves go to the ``--duplicates`` file (:func:`veracity.reports.duplicates.write_duplicates`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from veracity.linkage.blocking import BlockingStats

__all__ = ["CLUSTER_COLUMNS", "ComparisonParameters", "DuplicatesResult", "LevelParameters"]

#: Columns of :meth:`DuplicatesResult.clusters_frame`, in order.
CLUSTER_COLUMNS: dict[str, type[pl.DataType]] = {
    "cluster_id": pl.Int64,
    "source": pl.String,
    "line": pl.Int64,
    "record_key": pl.String,
    "match_probability": pl.Float64,
    "agreeing_fields": pl.String,
}


def _significant(value: float, digits: int = 6) -> float | None:
    """``value`` to ``digits`` significant digits: u-probabilities go down to 1e-12, where
    rounding to decimals would print 0."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


@dataclass(frozen=True)
class LevelParameters:
    """One agreement level of a comparison, as trained."""

    label: str
    m: float
    u: float

    @property
    def weight(self) -> float:
        """Match weight in bits: log2(m / u). Positive levels are evidence of a duplicate."""
        return math.log2(self.m / self.u)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.label,
            "m": _significant(self.m),
            "u": _significant(self.u),
            "weight": round(self.weight, 3),
        }


@dataclass(frozen=True)
class ComparisonParameters:
    field: str
    method: str
    term_frequency: bool
    #: What the level shares behind u were counted on: "all pairs" (every pair of distinct
    #: values, weighted by their counts, or every pair of records), "random pairs", or
    #: "candidate pairs" (u trained by EM).
    u_from: str
    levels: list[LevelParameters]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "method": self.method,
            "term_frequency": self.term_frequency,
            "u_from": self.u_from,
            "levels": [level.to_dict() for level in self.levels],
        }


@dataclass(frozen=True)
class DuplicatesResult:
    """Clusters of likely duplicates and how they were found."""

    #: Match probability from which a pair is a duplicate.
    threshold: float
    #: Records the rule judged (in scope, with at least one compared field).
    records_evaluated: int
    #: Distinct pairs the blocking rules produced (each compared once).
    candidate_pairs: int
    blocking: list[BlockingStats]
    comparisons: list[ComparisonParameters]
    #: lambda: probability that two records drawn at random are the same person (with
    #: ``u_estimation="em"``: that a candidate pair is).
    prior: float
    u_estimation: str
    #: Random pairs compared to estimate u (0 when no comparison needed them: u trained by EM,
    #: or every pair of values counted).
    random_pairs: int
    em_iterations: int
    em_converged: bool
    #: One row per record in a cluster, by cluster then row: ``row`` (the audit's row id),
    #: ``cluster_id``, ``source``, ``line``, ``first`` (the cluster's lowest row, which passes),
    #: ``match_probability`` and ``agreeing_fields`` of the record's strongest pair, and
    #: ``matched_row``, the other record of that pair.
    records: pl.DataFrame
    #: One row per matched pair: ``cluster_id``, ``row_a``/``row_b`` (a < b), their ``source_*``
    #: and ``line_*``, ``match_probability``, ``agreeing_fields`` and one column per compared
    #: field naming the pair's agreement level there.
    pairs: pl.DataFrame
    #: Field values of the clustered records (``row`` plus every field), so that a record key
    #: chosen when writing can be looked up without going back to the data.
    record_fields: pl.DataFrame = field(repr=False)
    #: Two groups joined only by weak matches stay one cluster from this mean probability.
    cohesion: float = 0.5
    #: Matches left out of the clusters: weak links between groups that do not match.
    matches_cut: int = 0

    @property
    def cluster_count(self) -> int:
        return int(self.records.get_column("cluster_id").n_unique()) if self.records.height else 0

    @property
    def records_in_clusters(self) -> int:
        return self.records.height

    @property
    def matched_pairs(self) -> int:
        return self.pairs.height

    def clusters_frame(self, key: str | None = None) -> pl.DataFrame:
        """One row per clustered record: :data:`CLUSTER_COLUMNS`, ``record_key`` from the field
        ``key`` (null without one)."""
        keys = (
            self.record_fields.select("row", pl.col(key).alias("record_key"))
            if key is not None and key in self.record_fields.columns
            else self.records.select("row", pl.lit(None, dtype=pl.String).alias("record_key"))
        )
        return self.records.join(keys, on="row", how="left", maintain_order="left").select(
            pl.col(name).cast(dtype) if name != "agreeing_fields" else pl.col(name).list.join(", ")
            for name, dtype in CLUSTER_COLUMNS.items()
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's summary of this rule's duplicates (no record values)."""
        return {
            "threshold": self.threshold,
            "records_evaluated": self.records_evaluated,
            "candidate_pairs": self.candidate_pairs,
            "matched_pairs": self.matched_pairs,
            "clusters": self.cluster_count,
            "records_in_clusters": self.records_in_clusters,
            "cohesion": self.cohesion,
            "matches_cut": self.matches_cut,
            "blocking": [
                {"keys": list(stats.keys), "pairs": stats.pairs, "new_pairs": stats.new_pairs}
                for stats in self.blocking
            ],
            "model": {
                "prior": _significant(self.prior),
                "u_estimation": self.u_estimation,
                "random_pairs": self.random_pairs,
                "em_iterations": self.em_iterations,
                "em_converged": self.em_converged,
                "comparisons": [comparison.to_dict() for comparison in self.comparisons],
            },
        }
