"""The lengths of the strings a phone-metadata pattern matches whole, up to a bound.

libphonenumber's patterns use only digits, classes (``[...]``, ``\\d``), groups, alternation,
the quantifiers ``? * + {m} {m,} {m,n}`` (optionally lazy) and ``$``. For such a pattern the
set of lengths it can match is the sum and union of its parts' lengths, which
:func:`pattern_lengths` works out by reading the pattern once. ``$`` counts as no characters, so
a ``$`` with more characters after it (which matches nothing) may add lengths no string has: the
answer can hold too many lengths, never too few, which is what its use (a length test implied by
the pattern) needs. Anything it does not know makes it answer None (nothing is known).
"""

from __future__ import annotations

__all__ = ["pattern_lengths"]


class _Unknown(Exception):
    """The pattern holds syntax the reader does not know."""


def _sums(left: frozenset[int], right: frozenset[int], bound: int) -> frozenset[int]:
    return frozenset(a + b for a in left for b in right if a + b <= bound)


class _Reader:
    """Recursive descent over the pattern: alternation, sequence, quantified atom."""

    def __init__(self, pattern: str, bound: int) -> None:
        self.text, self.at, self.bound = pattern, 0, bound

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def alternation(self) -> frozenset[int]:
        lengths = self.sequence()
        while self.peek() == "|":
            self.at += 1
            lengths |= self.sequence()
        return lengths

    def sequence(self) -> frozenset[int]:
        lengths = frozenset({0})
        while self.peek() not in ("", "|", ")"):
            lengths = _sums(lengths, self.quantified(self.atom()), self.bound)
        return lengths

    def atom(self) -> frozenset[int]:
        char = self.peek()
        if char.isdigit():
            self.at += 1
            return frozenset({1})
        if self.text.startswith("\\d", self.at):
            self.at += 2
            return frozenset({1})
        if char == "$":
            self.at += 1
            return frozenset({0})
        if char == "[":
            end = self.text.find("]", self.at + 1)
            if end < 0 or any(c not in "0123456789-\\d" for c in self.text[self.at + 1 : end]):
                raise _Unknown
            self.at = end + 1
            return frozenset({1})
        if char == "(":
            self.at += 3 if self.text.startswith("(?:", self.at) else 1
            inner = self.alternation()
            if self.peek() != ")":
                raise _Unknown
            self.at += 1
            return inner
        raise _Unknown

    def quantified(self, lengths: frozenset[int]) -> frozenset[int]:
        while self.peek() in ("?", "*", "+", "{"):
            low, high = self.quantifier()
            if self.peek() == "?":  # lazy: the same strings
                self.at += 1
            lengths = self.repeated(lengths, low, high)
        return lengths

    def quantifier(self) -> tuple[int, int | None]:
        char = self.peek()
        self.at += 1
        if char != "{":
            return {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        end = self.text.find("}", self.at)
        low_text, comma, high_text = self.text[self.at : end].partition(",")
        if end < 0 or not low_text.isdigit() or not (high_text.isdigit() or not high_text):
            raise _Unknown
        self.at = end + 1
        if not comma:
            return int(low_text), int(low_text)
        return int(low_text), int(high_text) if high_text else None

    def repeated(self, lengths: frozenset[int], low: int, high: int | None) -> frozenset[int]:
        # k copies of a part of length 0 or more: once k passes the bound (or low), more copies
        # add no new length within the bound.
        last = max(low, self.bound + 1) if high is None else min(high, max(low, self.bound + 1))
        result: frozenset[int] = frozenset()
        copies = frozenset({0})
        for count in range(last + 1):
            if count >= low:
                result |= copies
            copies = _sums(copies, lengths, self.bound)
        return result


def pattern_lengths(pattern: str, bound: int) -> frozenset[int] | None:
    """The lengths, up to ``bound``, of the strings ``pattern`` matches whole (or more: see the
    module docstring); None when the pattern holds syntax other than the metadata's."""
    reader = _Reader(pattern, bound)
    try:
        lengths = reader.alternation()
    except _Unknown:
        return None
    return lengths if reader.at == len(pattern) else None
