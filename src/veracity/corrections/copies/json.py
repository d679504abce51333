"""NDJSON and JSON copies: the changed records written again, every other byte as stored.

An NDJSON record is its line (the audit's line number); a JSON record is an element of the
top-level array (the audit's record number), whose place in the text the decoder reports. A
changed record is parsed, its changed keys set to the corrected text, and written back in its
place in the same layout: on one line with the spacing it had (``{"a": 1}`` or ``{"a":1}``),
or indented as it was. Its other keys keep their values and types; the record's key order is
kept (a key the record lacked is added at its end).
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from typing import Any

from veracity.corrections.copies.base import CellChange, by_record, moved
from veracity.errors import UsageError

__all__ = ["rewrite_json"]

_WHITESPACE = " \t\r\n"


def rewrite_json(raw: bytes, lines: bool, changes: Iterable[CellChange], display: str) -> bytes:
    """``raw`` (NDJSON when ``lines``, else a JSON array of objects) with ``changes`` applied."""
    grouped = by_record(changes)
    if not grouped:
        return raw
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    text = raw[len(bom) :].decode("utf-8", "surrogatepass")
    spans = _line_spans(text, grouped) if lines else _element_spans(text, display)
    pieces, done = [], 0
    for number in sorted(grouped):
        if number not in spans:
            where = "line" if lines else "record"
            raise UsageError(f"{display} has no {where} {number}; audit it again with --worklist")
        start, end = spans[number]
        record = text[start:end]
        pieces += [text[done:start], _changed(record, grouped[number], display, _indent(text, start))]
        done = end
    pieces.append(text[done:])
    return bom + "".join(pieces).encode("utf-8", "surrogatepass")


def _line_spans(text: str, wanted: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Start and end (before ``\\r\\n`` or ``\\n``) of the wanted lines."""
    spans: dict[int, tuple[int, int]] = {}
    targets = sorted(wanted)
    line, pos = 1, 0
    for number in targets:
        while line < number:
            found = text.find("\n", pos)
            if found == -1:
                return spans
            pos, line = found + 1, line + 1
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        spans[number] = (pos, end - 1 if end > pos and text[end - 1] == "\r" else end)
    return spans


def _element_spans(text: str, display: str) -> dict[int, tuple[int, int]]:
    """Start and end of each element of the top-level array, by number from 1."""
    decoder = json.JSONDecoder()
    spans: dict[int, tuple[int, int]] = {}
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        raise UsageError(f"{display} is not a JSON array of records; fix the data the worklist was made from")
    pos = _skip(text, pos + 1)
    number = 1
    while pos < len(text) and text[pos] != "]":
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            raise UsageError(f"{display}: record {number} is not valid JSON; audit it again") from None
        spans[number] = (pos, end)
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        number += 1
    return spans


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _indent(text: str, start: int) -> str:
    """The whitespace before ``start`` on its line (the element's own indentation)."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    return before if not before.strip() else ""


def _changed(record: str, changes: dict[str, CellChange], display: str, indent: str) -> str:
    try:
        parsed = json.loads(record)
    except json.JSONDecodeError:
        raise UsageError(f"{display}: a changed record is not valid JSON; audit it again") from None
    if not isinstance(parsed, dict):
        raise UsageError(f"{display}: a changed record is not a JSON object; audit it again")
    for column, change in changes.items():
        current = parsed.get(column)
        if isinstance(current, str) and change.old is not None and current.strip() != change.old.strip():
            raise moved(display, change.record, column)
        parsed[column] = change.new
    return _dumped(parsed, record, indent)


def _dumped(value: dict[str, Any], original: str, indent: str) -> str:
    """``value`` written in the layout of ``original``."""
    compact = '":' in original and '": ' not in original
    separators = (",", ":") if compact else (", ", ": ")
    if "\n" not in original.strip():
        return json.dumps(value, ensure_ascii=False, separators=separators)
    second = original.split("\n", 2)[1]
    inner = second[: len(second) - len(second.lstrip(" \t"))]
    step = max(len(inner) - len(indent), 1)
    dumped = json.dumps(value, ensure_ascii=False, indent=step, separators=(",", separators[1]))
    return dumped.replace("\n", "\n" + indent)
