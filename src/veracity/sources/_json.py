"""JSON (an array of objects) and NDJSON (one object per line), read with the json module.

polars' JSON readers turn ``2.50`` into ``2.5`` and ``1e3`` into ``1000.0``, fail on columns
that mix objects with scalars, and quote values in their errors. The json module with
``parse_int``/``parse_float`` hooks keeps every number exactly as written and reports where a
syntax error is without quoting the data. It is Python-level work per record: about 25 us for
a record of 15 text fields, two thirds of it in the json module, so a 1M-record NDJSON export
takes about 25 s to read where the same records as CSV take 1.5 s. CSV and Parquet are where
the large files are.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from veracity.errors import SourceError
from veracity.sources._detect import decode_text
from veracity.sources._table import Table, check_reserved, quote
from veracity.sources.base import ReadOptions

__all__ = ["read_json", "read_ndjson"]


class _Number(str):
    """A JSON number, kept as the text it was written as."""

    __slots__ = ()


class _Object(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs, so that repeated keys can be reported."""

    __slots__ = ()


_TYPE_NAMES: dict[type, str] = {
    str: "string",
    _Number: "number",
    bool: "boolean",
    _Object: "object",
    list: "array",
}


#: One decoder for every call: json.loads with hooks would build a new one per record.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_Object, parse_int=_Number, parse_float=_Number, parse_constant=_Number
)


def _loads(text: str) -> Any:
    return _DECODER.decode(text)


def read_json(raw: bytes, options: ReadOptions, display: str) -> Table:
    data, encoding = decode_text(raw, options.encoding, display)
    text = data.decode("utf-8")
    if not text.strip():
        raise SourceError(f"{display}: the file is empty; export the data again or remove this source")
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{display}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); fix the file, "
            "or set read.format to ndjson if it has one object per line"
        ) from None
    except RecursionError:
        raise SourceError(f"{display}: the JSON is nested too deeply to read; flatten the records") from None
    if not isinstance(document, list) or isinstance(document, _Object):
        raise SourceError(
            f"{display}: expected a JSON array of objects, found {_kind(document)} at the top level; "
            "wrap the records in [ ], or set read.format to ndjson for one object per line"
        )
    if not document:
        raise SourceError(
            f"{display}: the array holds no records; export the data again or remove this source"
        )
    return _table(document, None, display, encoding)


def read_ndjson(raw: bytes, options: ReadOptions, display: str) -> Table:
    data, encoding = decode_text(raw, options.encoding, display)
    # Split on "\n" only: str.splitlines would also split on U+2028 and friends, which JSON
    # strings may contain verbatim.
    records: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(data.decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(_loads(line))
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{display}:{number}:{exc.colno}: not valid JSON ({exc.msg}); "
                "each line must hold one JSON object"
            ) from None
        except RecursionError:
            raise SourceError(
                f"{display}:{number}: the JSON is nested too deeply to read; flatten the record"
            ) from None
        lines.append(number)
    if not records:
        raise SourceError(f"{display}: the file is empty; export the data again or remove this source")
    return _table(records, lines, display, encoding)


def _table(records: list[Any], lines: list[int] | None, display: str, encoding: str) -> Table:
    """Records to String columns. ``lines`` (NDJSON) locates records in error messages."""

    def where(index: int) -> str:
        return f"{display}:{lines[index]}: the record" if lines else f"{display}: record {index + 1}"

    rows: list[dict[str, str | None]] = []
    kinds: dict[str, set[str]] = {}
    # The type of each key's last value: most columns hold one type, so its name is added to
    # the key's kinds only when the type changes (a per-value set insert costs more).
    last_type: dict[str, type] = {}
    for index, record in enumerate(records):
        if type(record) is not _Object:
            raise SourceError(
                f"{where(index)} is {_kind(record)}, not an object; every record must be a JSON object"
            )
        row: dict[str, str | None] = {}
        for position, (key, value) in enumerate(record):
            kind = type(value)
            if kind is str:
                cell: str | None = value
            elif value is None:
                cell = None
            else:
                cell = _cell(value)
            if last_type.get(key) is not kind:
                if key not in kinds:
                    if not key.strip():
                        if len(row) < position:  # a key repeated before this one is reported first
                            raise _twice(where(index), record)
                        raise SourceError(f"{where(index)} has an empty key; name it or remove it")
                    kinds[key] = set()
                if value is not None:
                    kinds[key].add(_TYPE_NAMES[kind])
                last_type[key] = kind
            row[key] = cell
        if len(row) != len(record):
            raise _twice(where(index), record)
        rows.append(row)
    names = list(kinds)
    if not names:
        raise SourceError(f"{display}: the records have no keys; export the data again or remove this source")
    check_reserved(names, display)
    frame = pl.from_dicts(rows, schema=dict.fromkeys(names, pl.String))
    types = ["|".join(sorted(kinds[name])) or "null" for name in names]
    return Table.numbered(frame, types, encoding=encoding)


def _twice(where: str, record: _Object) -> SourceError:
    """The error for the first key of ``record`` that appears a second time."""
    seen: set[str] = set()
    for key, _ in record:
        if key in seen:
            return SourceError(f"{where} has the key {quote(key)} twice; remove one")
        seen.add(key)
    raise AssertionError("no key repeats")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str.__str__(value)
    return _dump(value)


def _dump(value: Any) -> str:
    """Compact JSON for a nested value, with numbers exactly as they were written."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, _Object):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_dump(v)}" for k, v in value) + "}"
    return "[" + ",".join(_dump(v) for v in value) + "]"


def _kind(value: Any) -> str:
    """'an object', 'a number', ... for messages: the kind of a value, never the value."""
    name = _TYPE_NAMES.get(type(value))
    if name is None:
        return "null"
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"
