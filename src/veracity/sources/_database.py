"""What every database kind shares: the URL (environment variables, the masked display name,
``?table=``), the rule that a query is one read-only SELECT, and the reader that yields a table's
rows as text in batches of ``chunk_rows``, each record numbered by its ordinal in the read.

A kind supplies a :class:`Stream`: the column names and database types, and the rows of chosen
columns as String frames in batches, each with the bytes the fingerprint is computed over.
Whole mode (``chunk_rows=None``) reads once and keeps the frame. Chunked mode reads once at open
to count and fingerprint the rows, then once more per pass over the chunks, inside the same
read-only snapshot, so every pass sees the same rows in the same order.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np
import polars as pl

from veracity.errors import SourceError
from veracity.sources._pieces import Piece, Reader
from veracity.sources._table import check_header, quote
from veracity.sources.base import SourceSpec
from veracity.sources.registry import Opened

__all__ = [
    "DatabaseReader",
    "Stream",
    "Target",
    "expand_env",
    "masked",
    "opened",
    "read_only_select",
    "target_of",
    "unsupported_type",
]

#: Rows per batch when the caller does not ask for chunks (whole mode, the opening pass).
BATCH_ROWS = 100_000

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, what: str) -> str:
    """``${NAME}`` replaced by the environment variable's value; an unset one is an error."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in os.environ:
            raise SourceError(
                f"{what}: the environment variable {name} is not set; export it or write the value "
                "in 'database:' in the rule file"
            )
        return os.environ[name]

    return _ENV.sub(value, text)


def masked(url: str) -> str:
    """The URL without its user and password and without query parameters (they may carry a
    password: ``?password=``). What remains names the server and the database; the user is
    left out too, since ``user@host.domain`` reads as an e-mail address and is masked as one."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}"


@dataclass(frozen=True)
class Target:
    """What one database source reads: a table or a query, and how messages name it."""

    url: str  # expanded, with the credentials, without ``table=``: for the driver only
    display: str  # masked URL plus ``?table=`` or ``?query=sha256:...``
    table: str | None
    query: str | None
    query_sha256: str | None
    params: dict[str, str]  # the URL's other query parameters (driver options)


def target_of(spec: SourceSpec, scheme_label: str) -> Target:
    """The table or query of a spec: the rule file's ``table:``/``query:``, else the URL's
    ``?table=``. Exactly one must be given."""
    url = expand_env(spec.path, "database")
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    table = spec.table if spec.table is not None else params.pop("table", None)
    params.pop("table", None)
    query = spec.query if spec.query is not None else params.pop("query", None)
    params.pop("query", None)
    base = masked(url)
    if (table is None) == (query is None):
        raise SourceError(
            f"{base}: say what to read from the {scheme_label} database: 'table:' or 'query:' in the rule "
            "file, or ?table=SCHEMA.TABLE at the end of the URL on the command line"
        )
    driver_url = url.split("?", 1)[0]
    if table is not None:
        table = unquote(table).strip()
        if not table:
            raise SourceError(f"{base}: the table name is empty; give 'table:' as TABLE or SCHEMA.TABLE")
        return Target(driver_url, f"{base}?table={table}", table, None, None, params)
    assert query is not None
    digest = hashlib.sha256(query.encode()).hexdigest()
    return Target(driver_url, f"{base}?query=sha256:{digest[:12]}", None, query, digest, params)


# A query is checked on its tokens with strings, quoted names and comments taken out, so that
# a ';' or a keyword inside them does not count.
_SKIPPED = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|(\$[A-Za-z_0-9]*\$).*?\1", re.DOTALL
)
_FIRST_WORDS = ("select", "with", "values", "table")


def read_only_select(query: str, display: str) -> str:
    """The query without a trailing ';', if it is one SELECT (or WITH/VALUES/TABLE) statement;
    anything else is refused. The database's own read-only mode is the second guard."""
    bare = _SKIPPED.sub(" ", query).strip().rstrip(";").rstrip()
    first = bare.split(None, 1)[0].lower() if bare else ""
    if ";" in bare or first not in _FIRST_WORDS:
        raise SourceError(
            f"{display}: 'query:' must be one SELECT statement (rule files never change data); "
            "write a single select ... from ..., or name a table with 'table:'"
        )
    body = query.strip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    return body


class Stream(ABC):
    """One open read of a table or query, inside a read-only snapshot."""

    names: list[str]
    types: list[str]  # the database's type name of each column

    @abstractmethod
    def close(self) -> None:
        """End the snapshot and the connection (called when no pass can follow)."""

    @abstractmethod
    def batches(self, columns: list[int], size: int) -> Iterator[tuple[pl.DataFrame, bytes]]:
        """The rows of ``columns`` in read order, ``size`` at a time: String columns named as in
        the database, and the bytes read for them (what the fingerprint is computed over)."""

    def raw_batches(self, size: int) -> Iterator[tuple[bytes, int]]:
        """Every column's bytes as :meth:`batches` reads them, with the number of rows; a kind
        that can skip parsing them overrides this."""
        for frame, raw in self.batches(list(range(len(self.names))), size):
            yield raw, frame.height


class DatabaseReader(Reader):
    """A database table or query read as text in batches; ``LINE_COL`` is the row's ordinal."""

    def __init__(self, stream: Stream, display: str, chunk_rows: int | None) -> None:
        self._stream = stream
        self._display = display
        self._chunk_rows = chunk_rows
        self.names = stream.names
        self.original_types = stream.types
        self.position_kind = "key"
        try:
            self._first_pass(stream, display, chunk_rows)
        except BaseException:
            stream.close()
            raise
        if chunk_rows is None:
            stream.close()
        else:
            # Chunked passes follow until the reader is dropped.
            weakref.finalize(self, stream.close)

    def _first_pass(self, stream: Stream, display: str, chunk_rows: int | None) -> None:
        check_header(self.names, [str(i) for i in range(1, len(self.names) + 1)], display)
        if not self.names:
            raise SourceError(f"{display}: reads no columns; name at least one column in the query")
        started = time.monotonic()
        self.read_at = datetime.now(UTC).isoformat(timespec="seconds")
        hasher = hashlib.sha256()
        size = rows = 0
        kept: list[pl.DataFrame] = []
        if chunk_rows is None:
            for frame, raw in stream.batches(list(range(len(self.names))), BATCH_ROWS):
                hasher.update(raw)
                size += len(raw)
                rows += frame.height
                kept.append(frame)
        else:
            # Chunks are read later: here only counted and fingerprinted, over the same bytes.
            for raw, count in stream.raw_batches(BATCH_ROWS):
                hasher.update(raw)
                size += len(raw)
                rows += count
        if not rows:
            raise SourceError(
                f"{display}: has columns but no rows; check the table or the query's where clause, "
                "or remove this source"
            )
        self.read_seconds = time.monotonic() - started
        self.sha256 = hasher.hexdigest()
        self.size = size
        self.rows = rows
        self._whole = pl.concat(kept) if kept else None

    def pieces(self, columns: list[int]) -> Iterator[Piece]:
        names = [self.names[i] for i in columns]
        if self._whole is not None:
            yield Piece(self._whole.select(names), np.arange(1, self.rows + 1, dtype=np.int64))
            return
        assert self._chunk_rows is not None
        start = 0
        for frame, _ in self._stream.batches(columns, self._chunk_rows):
            positions = np.arange(start + 1, start + frame.height + 1, dtype=np.int64)
            start += frame.height
            yield Piece(frame, positions)


def unsupported_type(display: str, column: str, type_name: str, conversion: str) -> SourceError:
    return SourceError(
        f"{display}: column {quote(column)} is of type {type_name}, which cannot be audited as text; "
        f"leave it out or convert it in a 'query:' (e.g. {conversion})"
    )


def opened(kind: str, target: Target, reader: DatabaseReader, where: dict[str, str], relation: str) -> Opened:
    """What a database kind hands over once ``reader`` has opened ``target``: lineage details
    (``where`` names the server or file; the table, or the query's digest) and the reader."""
    details = {**where, "read_at": reader.read_at, "read_seconds": f"{reader.read_seconds:.3f}"}
    if target.table is not None:
        details["table"] = relation
    else:
        details["query_sha256"] = target.query_sha256 or ""
    return Opened(
        reader=reader,
        format=kind,
        display=target.display,
        size=reader.size,
        sha256=reader.sha256,
        encoding="utf-8",
        details=details,
        identity=target.display,
    )
