"""The decay projection of max_age rules: a hand-computed fixture through the command line, in
every report format, whole and in chunks, observed and declared."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from veracity.checks.timeliness import DecaySettings
from veracity.config import rule_set_from_objects
from veracity.results import RuleState
from veracity.scoring import project_decay

#: Audit date 2024-06-30, limit 365 days. Today a record fails before 2023-07-01; in 3 months
#: (91 days) before 2023-09-30, in 6 months (182 days) before 2023-12-30, in 12 months (365
#: days) before 2024-06-30. Hand-counted: 2 fail today (one too old, one no date), 4 in 3
#: months, 6 in 6 months, 8 in 12 months, out of 10 evaluated (the empty one is not).
DATES = [
    "2023-06-30",  # too old today
    "not a date",  # fails today
    "2023-07-01",  # the last day kept today; too old in 3 months
    "2023-09-29",  # too old in 3 months
    "2023-09-30",  # kept in 3 months, too old in 6
    "2023-12-29",  # too old in 6 months
    "2023-12-30",  # kept in 6 months, too old in 12
    "2024-06-29",  # too old in 12 months
    "2024-06-30",  # kept in 12 months: exactly 365 days old then
    "2025-01-01",  # after the audit date: max_age keeps it (not_in_future judges it)
    "",  # missing: not evaluated
]
OBSERVED = [(3, 4, 0.4), (6, 6, 0.6), (12, 8, 0.8)]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    lines = ["id,last_updated", *(f"{i},{d}" for i, d in enumerate(DATES))]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _rules(workdir: Path, top: str = "", rule: str = "") -> None:
    (workdir / "rules.yaml").write_text(
        f"version: 1\n{top}rules:\n  - {{id: fresh, check: max_age, field: last_updated, days: 365{rule}}}\n",
        encoding="utf-8",
    )


def _json(*extra: str) -> dict:
    code, out, err = run_audit(
        CliRunner(), "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30", "-f", "json", *extra
    )
    assert code == 1, err
    return json.loads(out)


def _points(report: dict) -> list[tuple[int, int, float]]:
    projection = report["rules"][0]["projection"]
    return [(p["months"], p["failing"], p["share"]) for p in projection["points"]]


def test_observed_projection_matches_the_hand_count(workdir: Path) -> None:
    _rules(workdir)
    report = _json()
    rule = report["rules"][0]
    assert (rule["evaluated"], rule["failed"]) == (10, 2)
    assert rule["projection"]["kind"] == "projection"
    assert rule["projection"]["basis"] == "observed"
    assert rule["projection"]["yearly_rate"] is None
    assert _points(report) == OBSERVED


@pytest.mark.parametrize("chunk_rows", ["1000", "1700"])
def test_projection_is_exact_in_chunks(workdir: Path, chunk_rows: str) -> None:
    """The fixture 300 times over (3,300 records): the counts 300 times the hand count,
    whether the records are read whole or in chunks that split the fixture anywhere."""
    lines = ["id,last_updated", *(f"{i},{DATES[i % len(DATES)]}" for i in range(300 * len(DATES)))]
    (workdir / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _rules(workdir)
    expected = [(months, failing * 300, share) for months, failing, share in OBSERVED]
    assert _points(_json()) == expected
    assert _points(_json("--chunk-rows", chunk_rows)) == expected


@pytest.mark.parametrize(
    ("top", "rule", "rate"),
    [
        ("decay: {yearly_rate: 0.5}\n", "", 0.5),
        ("", ", decay: {yearly_rate: 0.5}", 0.5),
        # The rule's own rate wins over the file's.
        ("decay: {yearly_rate: 0.3}\n", ", decay: {yearly_rate: 0.5}", 0.5),
    ],
)
def test_declared_decay_compounds_monthly(workdir: Path, top: str, rule: str, rate: float) -> None:
    _rules(workdir, top, rule)
    report = _json()
    assert report["rules"][0]["projection"]["basis"] == "declared"
    assert report["rules"][0]["projection"]["yearly_rate"] == rate
    # 8 of 10 pass today; half of them are stale in a year: 1 - 0.8 * 0.5 = 0.6. In three
    # months, the monthly rate compounded three times: 1 - 0.8 * 0.5 ** 0.25.
    assert _points(report) == [(3, 3, 0.327283), (6, 4, 0.434315), (12, 6, 0.6)]


def test_every_format_shows_the_projection_and_its_basis(workdir: Path) -> None:
    _rules(workdir)
    runner = CliRunner()
    shown = {}
    for fmt in ("table", "markdown", "html", "junit", "github"):
        code, out, err = run_audit(runner, "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30", "-f", fmt)
        assert code == 1, err
        shown[fmt] = out
    for fmt in ("table", "markdown", "html"):
        assert "Decay projection" in shown[fmt], fmt
        assert "A projection, not a measurement" in shown[fmt].replace("\n", " "), fmt
        assert "observed ages, if no record is updated" in shown[fmt], fmt
        assert "40.0% (4)" in shown[fmt], fmt
        assert "80.0% (8)" in shown[fmt], fmt
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(shown["junit"]).iter("property")}
    assert properties["projection.fresh.basis"] == "observed ages, if no record is updated"
    assert properties["projection.fresh.12m.share"] == "0.800000"
    notice = [line for line in shown["github"].splitlines() if line.startswith("::notice")]
    assert len(notice) == 1
    assert (
        "title=fresh decay projection::Projection, if no record is updated: 40.0%25 in 3 months" in notice[0]
    )


def test_rules_without_max_age_have_no_projection(workdir: Path) -> None:
    (workdir / "rules.yaml").write_text(
        "version: 1\nrules:\n  - {id: past, check: not_in_future, field: last_updated}\n", encoding="utf-8"
    )
    report = _json()
    assert "projection" not in report["rules"][0]
    code, out, _ = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv", "--as-of", "2024-06-30")
    assert code == 1  # a date after the audit date and one that is no date
    assert "Decay projection" not in out


@pytest.mark.parametrize(
    ("top", "rule", "error"),
    [
        (
            "decay: {yearly_rate: 1.5}\n",
            "",
            "rules.yaml:2:22: decay.yearly_rate: input should be less than 1",
        ),
        ("decay: 0.3\n", "", "rules.yaml:2:8: decay:"),
        ("", ", decay: {rate: 0.3}", "unknown key 'rate'"),
    ],
)
def test_bad_decay_is_a_rule_error(workdir: Path, top: str, rule: str, error: str) -> None:
    _rules(workdir, top, rule)
    code, out, err = run_audit(CliRunner(), "-r", "rules.yaml", "data.csv")
    assert code == 2
    assert out == ""
    assert error in err
    assert "Traceback" not in err


@settings(max_examples=200, deadline=None)
@given(
    evaluated=st.integers(1, 10**9),
    failed_share=st.floats(0, 1),
    rate=st.one_of(st.none(), st.floats(0.001, 0.999)),
    aging=st.lists(st.floats(0, 1), min_size=3, max_size=3),
)
def test_projection_never_shrinks_and_stays_a_share(
    evaluated: int, failed_share: float, rate: float | None, aging: list[float]
) -> None:
    """Whatever the counts: nothing un-fails with time, and shares stay in [0, 1]."""
    rule = rule_set_from_objects([{"id": "r", "check": "max_age", "field": "d", "days": 30}]).rules[0]
    failed = round(evaluated * failed_share)
    passed = evaluated - failed
    # The engine counts each passing record once, under the first horizon it ages out by.
    first, second, third = sorted(round(passed * share) for share in aging)
    state = RuleState(evaluated, failed, tallies={"3": first, "6": second - first, "12": third - second})
    projection = project_decay(rule, state, None if rate is None else DecaySettings(yearly_rate=rate))
    assert projection is not None
    shares = [point.share for point in projection.points]
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert shares == sorted(shares)
    assert all(point.failing >= failed for point in projection.points)
