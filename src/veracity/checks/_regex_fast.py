"""A cheaper, equal form of the whole-value match of a ``.*R.*`` pattern.

The ``pattern`` check matches the whole value: ``^(?:P)$``. Banned-word rules are usually
written ``.*R.*`` ("contains R anywhere"), and over long text that anchored form is several
times slower in Rust's regex engine than searching for ``R`` alone: the search can skip ahead
to R's literals, the full match has to run ``.*`` over every character (a million notes of a
thousand characters: 2.1 s of CPU against 0.3 s).

Why the two agree
    In Rust's regex syntax ``.`` is any character but ``\\n`` (without the ``s`` flag), and
    ``^``/``$`` are the ends of the text (without the ``m`` flag). For a value without ``\\n``,
    ``^.*R.*$`` matches iff R matches some stretch ``v[i:j]`` of it: the text before and after
    any stretch is free of ``\\n``, so the two ``.*`` always stretch to the ends. An unanchored
    search for R asks exactly that, with R's own assertions (``\\b``, ``$``, ...) looking at the
    same neighbours. A value holding ``\\n`` is matched with the anchored pattern as before.

When the rewrite applies
    Only when P is, as Rust reads it, the concatenation of ``.*``, R and ``.*``: it starts with
    ``.*`` (not ``.*?``) and ends with a ``.*`` that is neither escaped nor inside a class or
    group, and nothing at the top level separates the three (an alternation ``|`` outside
    groups: ``.*a|b.*`` is not ``.*(?:a|b).*``). R must not hold inline flags or other ``(?``
    groups than ``(?:``: a flag such as ``(?s)`` would change what the trailing ``.*`` matches.
    R must compile on its own. Anything else keeps the anchored match.
"""

from __future__ import annotations

import polars as pl

__all__ = ["anchored", "contains_form", "whole_match"]

_WILD = ".*"


def _top_level(pattern: str) -> list[int] | None:
    """Indices of the characters of ``pattern`` that stand at its top level (outside groups and
    classes, not escaped), or None when the pattern holds something the rewrite does not
    reason about (an unbalanced group or class, a top-level ``|``, a ``(?`` other than ``(?:``)."""
    top: list[int] = []
    depth = 0  # groups
    classes = 0  # character classes, which nest in Rust's syntax
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if classes == 0 and depth == 0:
                top.append(index)
            index += 2  # the escaped character is never a metacharacter
            continue
        if classes:
            if char == "[":
                classes += 1
                index += 1
                # A ']' first in a class (or after '^') is a literal.
                index += pattern.startswith("^", index)
                index += pattern.startswith("]", index)
                continue
            if char == "]":
                classes -= 1
            index += 1
            continue
        if char == "[":
            if depth == 0:
                top.append(index)
            classes = 1
            index += 1
            index += pattern.startswith("^", index)
            index += pattern.startswith("]", index)
            continue
        if char == "(":
            if pattern.startswith("(?", index) and not pattern.startswith("(?:", index):
                return None
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            return None
        elif depth == 0:
            top.append(index)
        index += 1
    if depth or classes:
        return None
    return top


def contains_form(pattern: str) -> str | None:
    """R, when ``pattern`` is ``.*R.*`` in the sense of the module docstring, else None."""
    if len(pattern) < 5 or not (pattern.startswith(_WILD) and pattern.endswith(_WILD)):
        return None
    if pattern[2] in "*+?{":
        return None  # ".*?" (lazy) or a repetition of the repetition
    top = _top_level(pattern)
    if top is None or len(pattern) - 2 not in top:
        return None  # the final ".*" is escaped or inside a group or class
    core = pattern[2:-2]
    if _top_level(core) is None:
        return None
    try:
        pl.select(pl.lit("").str.contains(core))
    except pl.exceptions.PolarsError:
        return None
    return core


def anchored(pattern: str, ignore_case: bool) -> str:
    """``pattern`` matched from the first to the last character of a value."""
    # A pattern that compiles on its own has balanced groups, so it cannot escape (?:...).
    return f"{'(?i)' if ignore_case else ''}^(?:{pattern})$"


def whole_match(value: pl.Expr, pattern: str, ignore_case: bool) -> pl.Expr:
    """``value`` matches ``pattern`` from its first to its last character: the anchored regex,
    or, for a ``.*R.*`` pattern, a search for R in values without a line break."""
    whole = anchored(pattern, ignore_case)
    core = contains_form(pattern)
    if core is None:
        return value.str.contains(whole)
    newline = value.str.contains("\n", literal=True)
    # The anchored regex runs only on the values with a line break (null elsewhere).
    return (
        pl.when(newline)
        .then(pl.when(newline).then(value).str.contains(whole))
        .otherwise(value.str.contains(f"{'(?i)' if ignore_case else ''}{core}"))
    )
