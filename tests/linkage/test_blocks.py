"""Pairs block by block (as Spark's workers make them) are the candidate pairs, each once."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.linkage.conftest import dates, people
from veracity.linkage import Comparison
from veracity.linkage.blocking import BlockingKey, candidate_pairs
from veracity.linkage.blocks import BLOCK, POSITION, block_keys, block_pairs, member_pairs, pattern_counts
from veracity.linkage.encoding import RecordValues
from veracity.linkage.features import Feature, pair_levels, prepare_feature
from veracity.linkage.fit import counted_frequencies, fit_model, pair_probability
from veracity.linkage.model import level_shares, patterns_from_counts, patterns_of
from veracity.linkage.pipeline import resolve_blocking

COMPARE = [
    Comparison(field="first_name", method="jaro_winkler", swapped_with="last_name"),
    Comparison(field="last_name", method="jaro_winkler"),
    Comparison(field="email", method="email"),
    Comparison(field="phone", method="phone", default_region="DE"),
    Comparison(field="birth_date", method="date"),
]

RULES = {
    "exact and derived": [["email"], ["last_name_soundex", "birth_year"], ["first_name_initial", "phone"]],
    "typo first": [["email_typo"], ["phone"], ["last_name_soundex"]],
    "typo after typo": [["last_name_typo", "birth_date_typo"], ["first_name_typo"], ["birth_date"]],
}


def _records() -> pl.DataFrame:
    data = people(80, seed=3)
    rng = np.random.default_rng(5)
    frame = pl.DataFrame(data)
    twins = frame.sample(30, seed=1, with_replacement=True)
    # Twins with a typo here and there, shared surnames, and missing keys.
    twins = twins.with_columns(
        pl.col("last_name").str.replace(r"a", "e"),
        pl.when(pl.Series(rng.random(30) < 0.3)).then(None).otherwise(pl.col("email")).alias("email"),
        pl.col("first_name").str.slice(0, 5),
    )
    common = frame.head(20).with_columns(
        pl.lit("Smithers").alias("last_name"), pl.lit(None, pl.String).alias("phone")
    )
    return pl.concat([frame, twins, common]).with_row_index("row")


def _prepared(records: pl.DataFrame) -> tuple[RecordValues, dict[str, Feature], list[Feature]]:
    values = RecordValues(records, dates())
    features = [prepare_feature(spec, values) for spec in COMPARE]
    return values, {feature.spec.field: feature for feature in features}, features


def _rules(names: list[list[str]]) -> list[list[BlockingKey]]:
    return resolve_blocking(names, COMPARE, ["first_name", "last_name", "email", "phone", "birth_date"])


@pytest.mark.parametrize(
    "shuffled", [True, False], ids=["pairs of the shuffled members", "blocks worked out"]
)
@pytest.mark.parametrize("name", list(RULES))
def test_pairs_made_block_by_block_are_the_candidate_pairs_once(name: str, shuffled: bool) -> None:
    records = _records()
    rules = _rules(RULES[name])
    values, by_field, features = _prepared(records)
    local = candidate_pairs(rules, values, by_field, max_pairs=10**9)

    lefts, rights, counts = [], [], []
    stats, new = [0] * len(rules), [0] * len(rules)
    for index, rule in enumerate(rules):
        # Keys are computed per partition, as each worker sees only its records.
        keys = []
        for part in (records.head(70), records.slice(70)):
            part_values, part_fields, _ = _prepared(part)
            found = block_keys(rule, part_values, part_fields)
            keys.append(found.with_columns(pl.col(POSITION) + (70 if keys else 0)))
        # Spark's shuffle: every block to one partition, a record once per partition.
        blocks = pl.concat(keys).with_columns((pl.col(BLOCK) % 3).alias("partition"))
        for (_,), part in blocks.group_by("partition"):
            positions = part.get_column(POSITION).unique().sort().to_numpy()
            part_values, part_fields, part_features = _prepared(records[positions])
            held = part.get_column(BLOCK).unique().to_numpy()
            # Spark's workers pair the members the shuffle brought; without them the blocks are
            # worked out from the records.
            members = part.select(
                pl.Series(POSITION, np.searchsorted(positions, part.get_column(POSITION).to_numpy())), BLOCK
            )
            found = block_pairs(
                rules,
                index,
                held,
                part_values,
                part_fields,
                candidates=member_pairs(members) if shuffled else None,
            )
            lefts.append(positions[found.left])
            rights.append(positions[found.right])
            counts.append(pattern_counts(part_features, found.left, found.right))
            stats[index] += found.rule_pairs
            new[index] += found.left.size

    left, right = np.concatenate(lefts), np.concatenate(rights)
    mine = list(zip(left.tolist(), right.tolist(), strict=True))
    assert len(mine) == len(set(mine)), "a pair came from two blocks"
    assert set(mine) == set(zip(local.left.tolist(), local.right.tolist(), strict=True))
    assert local.left.size > 50
    assert stats == [rule.pairs for rule in local.stats]
    assert new == [rule.new_pairs for rule in local.stats]

    level_counts = [feature.level_count for feature in features]
    expected = patterns_of(pair_levels(features, local.left, local.right), level_counts)
    summed = pl.concat(counts)
    got = patterns_from_counts(
        summed.get_column("pattern").to_numpy(), summed.get_column("pairs").to_numpy(), level_counts
    )
    assert np.array_equal(got.levels, expected.levels)
    assert np.array_equal(got.counts, expected.counts)


@pytest.mark.parametrize("spec", COMPARE, ids=lambda spec: spec.field)
def test_value_counts_give_the_shares_of_all_records(spec: Comparison) -> None:
    # What a driver learns from a count per distinct value (Spark's groupBy(value).count()).
    records = _records()
    counted = records.group_by(spec.field).len().sort(spec.field, nulls_last=True)
    extra = [name for name in (spec.swapped_with, spec.region_field) if name is not None]
    counted = counted.with_columns(pl.lit("x").alias(name) for name in extra)
    whole = prepare_feature(spec, RecordValues(records, dates()))
    distinct = prepare_feature(spec, RecordValues(counted, dates()))
    weights = counted.get_column("len").cast(pl.Float64).to_numpy()
    assert distinct.exact_share(weights) == whole.exact_share()
    shares, expected = distinct.value_pair_shares(10**6, weights), whole.value_pair_shares(10**6)
    if not whole.by_value:
        assert shares is None
        assert expected is None
    else:
        assert shares is not None
        assert expected is not None
        assert np.array_equal(shares, expected, equal_nan=True)


def test_em_starts_from_the_same_shares_given_pattern_counts() -> None:
    records = _records()
    rules = _rules(RULES["typo first"])
    values, by_field, features = _prepared(records)
    found = candidate_pairs(rules, values, by_field, max_pairs=10**9)
    levels = pair_levels(features, found.left, found.right)
    patterns = patterns_of(levels, [feature.level_count for feature in features])
    for k, feature in enumerate(features):
        from_pairs = level_shares(levels[k], feature.level_count, None)
        from_patterns = level_shares(patterns.levels[:, k], feature.level_count, None, patterns.counts)
        assert np.array_equal(from_pairs, from_patterns, equal_nan=True)


def test_pairs_scored_among_some_records_with_counted_frequencies_score_as_among_all() -> None:
    records = _records()
    rules = _rules(RULES["exact and derived"])
    tf = [
        spec.model_copy(update={"term_frequency": True}) if spec.method != "phone" else spec
        for spec in COMPARE
    ]
    values = RecordValues(records, dates())
    features = [prepare_feature(spec, values) for spec in tf]
    found = candidate_pairs(rules, values, {f.spec.field: f for f in features}, max_pairs=10**9)
    level_counts = [feature.level_count for feature in features]
    levels = pair_levels(features, found.left, found.right)
    model = fit_model(
        patterns_of(levels, level_counts),
        level_counts,
        [level_shares(lv, c, None) for lv, c in zip(levels, level_counts, strict=True)],
        prior_base=float(found.left.size),
        u_estimation="em",
    )
    expected = pair_probability(model, features, found.left, found.right)

    # A worker holds some records only; the frequencies are those of all records, by value.
    held = np.unique(np.concatenate([found.left[:40], found.right[:40]]))
    part = [prepare_feature(spec, RecordValues(records[held], dates())) for spec in tf]
    by_field = {feature.spec.field: counted_frequencies(feature) for feature in features}
    left, right = np.searchsorted(held, found.left[:40]), np.searchsorted(held, found.right[:40])
    got = pair_probability(model, part, left, right, lambda feature: by_field[feature.spec.field](feature))

    assert np.array_equal(got, expected[:40])
