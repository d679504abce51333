"""Any set of rule files that include each other, and any settings, either loads or is refused
with problems each located in one of those files or at a setting: never another exception."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veracity.config import load_rule_file, settings_from
from veracity.errors import RuleFileError

NAMES = ["a.yaml", "b.yaml", "c.yaml"]
IDS = ["r1", "r2", "r3"]
ODD = st.sampled_from([None, True, 0, 1.5, "", "veracity:", "veracity:nope", "/dev/null", ".", [], {}])
INCLUDES = st.one_of(
    ODD, st.sampled_from(NAMES), st.lists(st.one_of(st.sampled_from(NAMES), ODD), max_size=3)
)
RULES = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(st.sampled_from(IDS), ODD), "check": st.sampled_from(["not_null", "email", "nope"])},
        optional={
            "field": st.sampled_from(["e", "f"]),
            "override": st.one_of(st.booleans(), ODD),
            "threshold": st.one_of(st.floats(0, 2), ODD),
        },
    ),
    max_size=3,
)
FILES = st.fixed_dictionaries(
    {},
    optional={
        "version": st.one_of(st.just(1), ODD),
        "include": INCLUDES,
        "disable": st.one_of(st.lists(st.one_of(st.sampled_from(IDS), ODD), max_size=2), ODD),
        "rules": st.one_of(RULES, ODD),
        "gate": st.one_of(st.fixed_dictionaries({"min_score": st.one_of(st.integers(-5, 120), ODD)}), ODD),
        "sources": st.one_of(st.just([{"path": "data.csv"}]), ODD),
        "null_markers": st.one_of(st.lists(st.sampled_from(["-", "n/a"]), max_size=2), ODD),
    },
)
SETTINGS = st.lists(
    st.sampled_from(
        [
            "gate.min_score=95",
            "gate.min_score=x",
            "rules.r1.threshold=0.5",
            "rules.r2.field=f",
            "rules.nope.days=3",
            "segments=[source]",
            "fields.e.personal=true",
            "gate=3",
            "gate.min_score.x=1",
        ]
    ),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(FILES, min_size=3, max_size=3), options=SETTINGS)
def test_any_includes_load_or_name_every_problem_at_its_place(
    files: list[dict[str, Any]], options: list[str], tmp_path_factory: Any
) -> None:
    directory: Path = tmp_path_factory.mktemp("includes")
    for name, document in zip(NAMES, files, strict=True):
        (directory / name).write_text(yaml.safe_dump(document), encoding="utf-8")
    previous = Path.cwd()
    os.chdir(directory)
    try:
        try:
            rule_set = load_rule_file("a.yaml", settings_from(options))
        except RuleFileError as exc:
            places = {*NAMES, *(f"--set {option}" for option in options), "veracity:customer-master"}
            for problem in exc.problems:
                assert problem.location is not None, problem
                assert problem.location.path in places, problem
                assert "\n" not in str(problem)
            return
    finally:
        os.chdir(previous)
    assert rule_set.rules
    assert len({rule.id for rule in rule_set.rules}) == len(rule_set.rules)
    for rule in rule_set.rules:
        assert rule.location is not None
        assert rule.location.path in NAMES
