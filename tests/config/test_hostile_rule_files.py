"""Any rule file either loads or is refused with located problems; a loaded one audits or is
refused with a one-line error. Nothing a rule file says ends in an internal error."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veracity import audit
from veracity.checks import REGISTRY
from veracity.config import RuleSet, parse_rule_text
from veracity.config.models import COMMON_RULE_KEYS, RuleFileModel
from veracity.errors import RuleFileError, VeracityError

FIELDS = ["a", "b", "c"]
PARAMETER_NAMES = sorted({name for check in REGISTRY.values() for name in check.params.model_fields})

#: Values that broke loaders before: non-finite and huge numbers, impossible dates, bad regexes
#: and formats, YAML 1.1 booleans, control characters, offsets beyond the calendar.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "%",
        "%Q",
        "[a-",
        "(?=a)",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
        "today-99999d",
        "today+999y",
        "NO",
        "\x00",
        "\u202e",
        10**30,
        -(10**30),
        2**63,
        -1,
        0,
        1e308,
        float("inf"),
        float("-inf"),
        float("nan"),
        *FIELDS,
    ]
)
SCALARS = st.one_of(
    NASTY,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(FIELDS),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(FIELDS), children, max_size=2)
    ),
    max_leaves=6,
)


@st.composite
def rules(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": draw(st.sampled_from(["a", "b", "a b", ""]) | st.text(max_size=4)),
        "check": draw(st.sampled_from(sorted(REGISTRY)) | st.text(max_size=8)),
    }
    for name in draw(st.lists(st.sampled_from([*PARAMETER_NAMES, *COMMON_RULE_KEYS, "x"]), max_size=5)):
        rule[name] = draw(VALUES)
    return rule


@st.composite
def rule_files(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {"version": draw(st.sampled_from([1, 1, 1, 2, "1", None]))}
    for key in draw(
        st.lists(st.sampled_from([k for k in RuleFileModel.model_fields if k != "rules"]), max_size=3)
    ):
        document[key] = draw(VALUES)
    document["rules"] = draw(st.lists(rules(), min_size=1, max_size=3) | VALUES)
    return document


def _refusal(text: str) -> RuleFileError | None:
    try:
        parse_rule_text(text, "rules.yaml")
    except RuleFileError as error:
        return error
    return None


def _load(document: dict[str, Any]) -> RuleSet | None:
    """The document's rule set, or None once every problem was found located and one line."""
    text = yaml.safe_dump(document, allow_unicode=True)
    error = _refusal(text)
    if error is None:
        return parse_rule_text(text, "rules.yaml")
    assert error.problems
    for problem in error.problems:
        assert problem.location is not None, str(problem)
        assert problem.location.line is not None, str(problem)
        assert "\n" not in str(problem)
    return None


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rule_files())
def test_any_rule_file_loads_or_names_every_problem_at_its_place(document: dict[str, Any]) -> None:
    _load(document)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=200))
def test_any_text_loads_or_names_its_problems(text: str) -> None:
    error = _refusal(text)
    assert error is None or all(problem.location is not None for problem in error.problems)


FRAME = pl.DataFrame(
    {
        "a": ["2024-01-01", "x", None, "0001-01-01"],
        "b": ["1", "-5", "1e400", "NO"],
        "c": ["DE", "test@test.com", "9999-12-31", " "],
    }
)


#: Values a parameter may well accept, the extremes among them: the largest counts and days,
#: bounds at the ends of the calendar, tiny and huge numbers.
PLAUSIBLE = st.sampled_from(
    [
        True,
        False,
        0,
        1,
        2,
        1_000_000,
        4294967295,
        0.5,
        1.0,
        1e300,
        -1e300,
        *FIELDS,
        ["a"],
        ["a", "b"],
        "today",
        "today-999y",
        "today+99999d",
        "0001-01-01",
        "9999-12-31",
        "%d.%m.%Y",
        "DE",
        "alpha2",
        ".*",
        "[0-9]+",
        "",
    ]
)


@st.composite
def loadable_rule_sets(draw: st.DrawFn) -> RuleSet | None:
    """Rules of the drawn check types on fields of the data, every required parameter and a
    few others set to plausible or extreme values; None when the loader refuses them (the
    test above covers refusals)."""
    items = []
    for index, name in enumerate(draw(st.lists(st.sampled_from(sorted(REGISTRY)), min_size=1, max_size=2))):
        fields = REGISTRY[name].params.model_fields
        rule: dict[str, Any] = {"id": f"r{index}", "check": name}
        required = [param for param, info in fields.items() if info.is_required()]
        optional = draw(st.lists(st.sampled_from(sorted(fields)), max_size=4))
        for param in [*required, *optional]:
            if param == "fields":
                rule[param] = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2, unique=True))
            elif param.endswith("field"):
                rule[param] = draw(st.sampled_from(FIELDS))
            else:
                rule[param] = draw(PLAUSIBLE if param in required else PLAUSIBLE | SCALARS)
        items.append(rule)
    return _load({"version": 1, "rules": items})


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(loadable_rule_sets(), st.sampled_from([date(1, 1, 1), date(2024, 6, 30), date(9999, 12, 31)]))
def test_a_rule_file_that_loads_audits_or_is_refused_in_one_line(
    rule_set: RuleSet | None, as_of: date
) -> None:
    if rule_set is None:
        return
    refused: VeracityError | None = None
    try:
        audit(FRAME, rule_set, as_of=as_of)
    except VeracityError as error:
        refused = error
    assert refused is None or "\n" not in str(refused)
