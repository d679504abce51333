"""JSON (an array of objects) and NDJSON (one object per line), read with the json module.

polars' JSON readers turn ``2.50`` into ``2.5`` and ``1e3`` into ``1000.0``, fail on columns
that mix objects with scalars, and quote values in their errors. The json module with
``parse_int``/``parse_float`` hooks keeps every number exactly as written and reports where a
syntax error is without quoting the data. It is Python-level work per record: about 17 us for
a record of 15 text fields, most of it in the json module, so a 1M-record NDJSON export takes
about 17 s to read where the same records as CSV take 1.5 s. CSV and Parquet are where the
large files are.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from veracity.errors import SourceError
from veracity.sources._detect import decode_text
from veracity.sources._table import Table, check_reserved, empty_file, quote
from veracity.sources.base import ReadOptions

__all__ = ["MAX_DEPTH", "MAX_KEYS", "read_json", "read_ndjson"]

#: The deepest nesting of arrays and objects a record may have (the record itself is level 1).
#: Records are flat customer data; deeper nesting is generated, and the json module itself
#: stops near 1,000 levels with a RecursionError.
MAX_DEPTH = 64
_TOO_DEEP = f"nests arrays and objects more than {MAX_DEPTH} levels deep"
_FLATTEN = f"; flatten it to at most {MAX_DEPTH} levels"
#: The most distinct keys the records may have together: as many columns as an Excel sheet
#: (and a CSV header) may have. Every record without a key pads its column, so time grows with
#: records times keys.
MAX_KEYS = 16_384
#: Strings (skipped whole, so brackets inside them do not count), brackets, commas, line ends.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},\n]')


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
        raise empty_file(display)
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{display}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); fix the file, "
            "or set read.format (--input-format) to ndjson if it has one object per line"
        ) from None
    except RecursionError:
        raise _nested_too_deeply(display, text) from None
    if not isinstance(document, list) or isinstance(document, _Object):
        raise SourceError(
            f"{display}: expected a JSON array of objects, found {_kind(document)} at the top level; "
            "wrap the records in [ ], or set read.format (--input-format) to ndjson for one object per line"
        )
    if not document:
        raise SourceError(
            f"{display}: the array holds no records; export the data again or remove this source"
        )
    columns = _Columns(display, by_line=False)
    for index, record in enumerate(document, start=1):
        columns.add(record, index)
    return columns.table(encoding)


def read_ndjson(raw: bytes, options: ReadOptions, display: str) -> Table:
    data, encoding = decode_text(raw, options.encoding, display)
    columns = _Columns(display, by_line=True)
    # A record that is not a proper one is reported after every line has been parsed: a line
    # that is not JSON at all, anywhere in the file, is reported first.
    problem: SourceError | None = None
    records = 0
    # Split on "\n" only: str.splitlines would also split on U+2028 and friends, which JSON
    # strings may contain verbatim.
    for number, line in enumerate(data.decode("utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = _loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(
                f"{display}:{number}:{exc.colno}: not valid JSON ({exc.msg}); "
                "each line must hold one JSON object"
            ) from None
        except RecursionError:
            raise SourceError(f"{display}:{number}: the record {_TOO_DEEP}{_FLATTEN}") from None
        records += 1
        if problem is None:
            try:
                # Each record becomes column values at once, so that the parsed records need
                # not all be held (they take several times the memory of their values).
                columns.add(record, number)
            except SourceError as error:
                problem = error
    if not records:
        raise empty_file(display)
    if problem is not None:
        raise problem
    return columns.table(encoding)


class _Columns:
    """Records turned into String columns one at a time, with each key's JSON value types.

    Records are named in errors by their line (NDJSON, ``by_line``) or their number (JSON).
    """

    def __init__(self, display: str, *, by_line: bool) -> None:
        self.display = display
        self.by_line = by_line
        self.positions: list[int] = []
        self.values: dict[str, list[str | None]] = {}
        self.kinds: dict[str, set[str]] = {}
        # The type of each key's last value: most columns hold one type, so its name is added
        # to the key's kinds only when the type changes (a per-value set insert costs more).
        self.last_type: dict[str, type] = {}
        self.rows = 0

    def where(self, position: int) -> str:
        if self.by_line:
            return f"{self.display}:{position}: the record"
        return f"{self.display}: record {position}"

    def add(self, record: Any, position: int) -> None:
        """Append ``record``, found at ``position`` (its line or number)."""
        if type(record) is not _Object:
            where = self.where(position)
            raise SourceError(
                f"{where} is {_kind(record)}, not an object; every record must be a JSON object"
            )
        self.positions.append(position)
        rows, values = self.rows, self.values
        for key, value in record:
            column = values.get(key)
            if column is None:
                if not key.strip():
                    raise SourceError(f"{self.where(position)} has an empty key; name it or remove it")
                if len(values) >= MAX_KEYS:
                    raise SourceError(
                        f"{self.where(position)} brings the number of distinct keys above {MAX_KEYS:,}, the most "
                        "columns veracity reads; keep the fields the rules need and move the rest out"
                    )
                column = values[key] = [None] * rows
                self.kinds[key] = set()
            elif len(column) > rows:  # this record gave the key a value already
                raise SourceError(f"{self.where(position)} has the key {quote(key)} twice; remove one")
            kind = type(value)
            if kind is str:
                column.append(value)
            elif value is None:
                column.append(None)
            else:
                try:
                    column.append(_cell(value))
                except _TooDeep:
                    raise SourceError(
                        f"{self.where(position)} {_TOO_DEEP} (in {quote(key)}){_FLATTEN}"
                    ) from None
            if self.last_type.get(key) is not kind:
                if value is not None:
                    self.kinds[key].add(_TYPE_NAMES[kind])
                self.last_type[key] = kind
        self.rows = rows = rows + 1
        if len(record) != len(values):  # keys this record lacks
            for column in values.values():
                if len(column) < rows:
                    column.append(None)

    def table(self, encoding: str) -> Table:
        names = list(self.values)
        if not names:
            raise SourceError(
                f"{self.display}: the records have no keys; export the data again or remove this source"
            )
        check_reserved(names, self.display)
        try:
            series = [pl.Series(name, column, dtype=pl.String) for name, column in self.values.items()]
        except UnicodeEncodeError:
            raise self._not_text() from None
        frame = pl.DataFrame(series, height=self.rows)
        types = ["|".join(sorted(self.kinds[name])) or "null" for name in names]
        return Table.numbered(frame, types, encoding=encoding)

    def _not_text(self) -> SourceError:
        """The error for a value that is not text: JSON's \\u escapes can write half of a
        UTF-16 surrogate pair alone, which the json module accepts and no text can hold."""
        for key, column in self.values.items():
            for row, value in enumerate(column):
                if value is not None and not _encodable(value):
                    return SourceError(
                        f"{self.where(self.positions[row])} has a lone surrogate escape (\\ud800 to "
                        f"\\udfff) in {quote(key)}, which is not text; fix the value in the export"
                    )
        raise AssertionError("every value is text")


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _TooDeep(Exception):
    """A value nested deeper than MAX_DEPTH."""


def _nested_too_deeply(display: str, text: str) -> SourceError:
    """The error for a document too deep for the json module to parse: at the line, column
    and record where the nesting first goes deeper than MAX_DEPTH."""
    depth = 0
    record = line = 1
    line_start = 0
    for token in _TOKENS.finditer(text):
        kind = token[0]
        if kind == "\n":
            line, line_start = line + 1, token.end()
        elif kind in "[{":
            depth += 1
            # The top-level array is depth 1; records start at 2.
            if depth - 1 > MAX_DEPTH:
                column = token.start() - line_start + 1
                return SourceError(f"{display}:{line}:{column}: record {record} {_TOO_DEEP}{_FLATTEN}")
        elif kind in "]}":
            depth -= 1
        elif kind == "," and depth == 1:
            record += 1
    return SourceError(f"{display}: the document {_TOO_DEEP}{_FLATTEN}")


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str.__str__(value)
    return _dump(value, 2)


def _dump(value: Any, depth: int) -> str:
    """Compact JSON for a nested value at ``depth`` (the record is 1), with numbers exactly
    as they were written."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, _Object):
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_dump(v, depth + 1)}" for k, v in value)
            + "}"
        )
    return "[" + ",".join(_dump(v, depth + 1) for v in value) + "]"


def _kind(value: Any) -> str:
    """'an object', 'a number', ... for messages: the kind of a value, never the value."""
    name = _TYPE_NAMES.get(type(value))
    if name is None:
        return "null"
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"
