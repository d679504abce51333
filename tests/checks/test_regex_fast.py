"""The ``pattern`` check's search form of a ``.*R.*`` pattern equals the anchored whole match.

``contains_form`` says when a pattern is the concatenation ``.*``, R, ``.*`` as Rust's regex
reads it; ``whole_match`` then searches for R in values without a line break. The table pins
the patterns that must not be rewritten (alternation at the top level, escaped or grouped
``.*``, flags); hypothesis draws patterns and values over an alphabet with line breaks, word and
non-word characters in and outside ASCII and letters whose case folds oddly (``ſ``, ``K``),
and compares every verdict with the anchored regex, whatever form the check chose.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.checks.conftest import verdicts
from veracity.checks._regex_fast import anchored, contains_form, whole_match

FREE_TEXT_BANNED = r".*\b(lorem|asdf|test test|xxx)\b.*"


@pytest.mark.parametrize(
    ("pattern", "core"),
    [
        (FREE_TEXT_BANNED, r"\b(lorem|asdf|test test|xxx)\b"),
        (".*(?:unknown|dummy).*", "(?:unknown|dummy)"),
        (".*a.*", "a"),
        (".*[.*].*", "[.*]"),
        (".*[]|].*", "[]|]"),
        (".*[^]a]b.*", "[^]a]b"),
        (".*[[:alpha:]]x.*", "[[:alpha:]]x"),
        (r".*a\\.*", r"a\\"),
        (r".*\bfoo$.*", r"\bfoo$"),
        # Not rewritten: the parts are not a top-level concatenation of .*, R and .*.
        (".*a|b.*", None),
        (".*a|.*", None),
        (r".*a\.*", None),
        (".*(a.*)", None),
        (".*[a.*]", None),
        (".*?a.*", None),
        (".**a.*", None),
        (".*.*", None),
        (".*a", None),
        ("a.*", None),
        # Flags could change what the trailing .* matches; other (? groups are left alone too.
        (".*a(?s).*", None),
        (".*(?s:a).*", None),
        (".*(?i)a.*", None),
        (".*(?P<w>a).*", None),
        # R alone must compile.
        (".*a)(.*", None),
    ],
)
def test_contains_form(pattern: str, core: str | None) -> None:
    assert contains_form(pattern) == core


def _both(
    pattern: str, values: list[str | None], ignore_case: bool
) -> tuple[list[bool | None], list[bool | None]]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    fast = frame.select(whole_match(pl.col("v"), pattern, ignore_case)).to_series().to_list()
    reference = frame.select(pl.col("v").str.contains(anchored(pattern, ignore_case))).to_series().to_list()
    return fast, reference


def test_line_breaks_keep_the_anchored_meaning() -> None:
    values = [
        "a test test b",
        "a test test\nb",
        "x\nlorem",
        "lorem",
        "xlorem",
        "lorem_",
        "é lorem é",
        "",
        None,
    ]
    fast, reference = _both(FREE_TEXT_BANNED, values, ignore_case=False)
    assert fast == reference == [True, False, False, True, False, False, True, False, None]


def test_the_check_uses_the_search_form() -> None:
    data = {"f": ["ok note", "some lorem ipsum", "lorem\nipsum", "LOREM ipsum", None]}
    rule = {"field": "f", "pattern": FREE_TEXT_BANNED, "negate": True}
    assert verdicts("pattern", rule, data) == ["pass", "fail", "pass", "pass", "skip"]
    assert verdicts("pattern", {**rule, "ignore_case": True}, data) == [
        "pass",
        "fail",
        "pass",
        "fail",
        "skip",
    ]


_ATOMS = [
    "a", "b", "é", "K", "k", "s", "ſ", " ", "_", "1", r"\b", r"\B", ".", r"\w", r"\W", r"\s", r"\n", "[ab]",
    "[^a]", "(?:a|bé)", "(a|b)", "$", "^", r"\A", r"\z", "a*", "b+", "(?:ab)?", "[[:space:]]", "ſ?", r"\d",
]  # fmt: skip
_TEXT = st.text(alphabet="abéKksſS _1\n\r\t.-ß", max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    core=st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=5).map("".join),
    wrap=st.sampled_from(["{}", ".*{}.*", ".*{}", "{}.*", ".*{}|x.*", ".*({}).*"]),
    values=st.lists(st.one_of(st.none(), _TEXT), min_size=1, max_size=30),
    ignore_case=st.booleans(),
)
def test_whole_match_equals_the_anchored_regex(
    core: str, wrap: str, values: list[str | None], ignore_case: bool
) -> None:
    pattern = wrap.format(core)
    fast, reference = _both(pattern, values, ignore_case)
    assert fast == reference
