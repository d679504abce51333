"""Opening one source spec through the registry, and the column rules every kind shares:
renames, and "missing" spellings turned into null."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from veracity.errors import SourceError
from veracity.sources._database import expand_env
from veracity.sources._detect import detect_format
from veracity.sources._files import FileKind
from veracity.sources._input import (
    STDIN_DISPLAY,
    STDIN_PATH,
    read_stdin,
    readable_path,
    resolve,
    stdin_format,
)
from veracity.sources._pieces import Reader
from veracity.sources._table import RESERVED, quote
from veracity.sources.base import ColumnOrigin, SourceInfo, SourceSpec
from veracity.sources.registry import OpenContext, Opened, kind_named, kind_of_url, url_schemes

__all__ = ["MAX_SOURCES", "OpenSource", "check_specs", "open_source", "open_spec"]

MAX_SOURCES = 2**16  # SOURCE_COL is UInt16


@dataclass
class OpenSource:
    """One opened source of an audit: its description, its fields, its reader."""

    index: int
    info: SourceInfo
    fields: list[str]  # field name of each column of the source
    markers: tuple[str, ...]
    reader: Reader


def check_specs(specs: Sequence[SourceSpec]) -> None:
    if not specs:
        raise SourceError("no sources to load; list at least one file under 'sources:' in the rule file")
    if len(specs) > MAX_SOURCES:
        raise SourceError(f"{len(specs)} sources given, at most {MAX_SOURCES} can be audited together")
    if sum(spec.path == STDIN_PATH for spec in specs) > 1:
        raise SourceError(
            "standard input ('-') is given as a source more than once; it can be read only once"
        )


def open_spec(spec: SourceSpec, context: OpenContext) -> Opened:
    """The source a spec names, opened by its kind: standard input, a URL's scheme, or a file's
    ``read.format`` or extension."""
    if spec.path == STDIN_PATH:
        # Standard input can be read only once: it is held whole.
        raw = read_stdin(context.stdin)
        kind = kind_named(stdin_format(spec.read.format, raw))
        assert isinstance(kind, FileKind)  # stdin_format names only file kinds
        return kind.open_bytes(raw, spec.read, STDIN_DISPLAY, context.chunk_rows)
    by_url = kind_of_url(spec.path)
    if by_url is None and (spec.table is not None or spec.query is not None):
        # A rule file's database: ${CRM_DB_URL} is a URL only once expanded.
        spec = replace(spec, path=expand_env(spec.path, "database"))
        by_url = kind_of_url(spec.path)
        if by_url is None:
            schemes = ", ".join(f"{scheme}://" for scheme in url_schemes())
            raise SourceError(
                f"database: the URL does not start with one of {schemes}; fix 'database:' in the rule file"
            )
    if by_url is not None:
        return by_url.open(spec, context)
    # A missing file is reported before a name whose format cannot be told.
    readable_path(spec.path, context.base_dir)
    kind = kind_named(detect_format(spec.read.format, spec.path, spec.path))
    assert kind is not None  # detect_format names only registered kinds
    return kind.open(spec, context)


def open_source(
    index: int,
    spec: SourceSpec,
    context: OpenContext,
    markers: tuple[str, ...],
    opened: Opened | None = None,
) -> OpenSource:
    """A spec opened (or described from ``opened``, its bytes read by someone else) with its
    fields and lineage."""
    opened = open_spec(spec, context) if opened is None else opened
    reader = opened.reader
    used_markers = tuple(dict.fromkeys((*markers, *spec.read.null_markers)))
    fields = _fields(reader.names, spec.columns, opened.display)
    origins = [
        ColumnOrigin(original=name, field=renamed, original_type=kind)
        for name, renamed, kind in zip(reader.names, fields, reader.original_types, strict=True)
    ]
    info = SourceInfo(
        index=index,
        # Files keep the path as given; a database is named by its masked URL.
        path=opened.identity or spec.path,
        format=opened.format,
        size=opened.size,
        sha256=opened.sha256,
        rows=reader.rows,
        position_kind=reader.position_kind,
        columns=origins,
        encoding=opened.encoding,
        encoding_confidence=opened.encoding_confidence,
        delimiter=opened.delimiter,
        sheet=opened.sheet,
        null_markers=used_markers,
        details=dict(opened.details),
        modified=_modified(spec, context),
    )
    return OpenSource(index=index, info=info, fields=fields, markers=used_markers, reader=reader)


def _modified(spec: SourceSpec, context: OpenContext) -> datetime | None:
    """When the file a spec names was last modified; None for standard input and databases."""
    if spec.path == STDIN_PATH or spec.table is not None or spec.query is not None:
        return None
    if kind_of_url(spec.path) is not None:
        return None
    try:
        return datetime.fromtimestamp(resolve(spec.path, context.base_dir).stat().st_mtime, UTC)
    except OSError:  # gone since it was read: its time cannot be told
        return None


def _fields(columns: list[str], renames: Mapping[str, str], display: str) -> list[str]:
    """The field name of each column.

    Renames of columns this source lacks are ignored: the CLI applies the renames of every
    configured source to each file it is given.
    """
    fields = [renames.get(name, name) for name in columns]
    for name, field in zip(columns, fields, strict=True):
        if field == name:
            continue
        if not field.strip():
            raise SourceError(
                f"{display}: column {quote(name)} is renamed to an empty name; give it a field name"
            )
        if field in RESERVED:
            raise SourceError(
                f"{display}: column {quote(name)} is renamed to the reserved name {quote(field)}; "
                "choose another"
            )
    owners: dict[str, str] = {}
    for name, field in zip(columns, fields, strict=True):
        first = owners.setdefault(field, name)
        if first == name:
            continue
        if field in (first, name):
            # One of the two keeps its own name: the rename lands on an existing column.
            renamed = name if field == first else first
            raise SourceError(
                f"{display}: renaming column {quote(renamed)} to {quote(field)} collides with the existing "
                f"column {quote(field)}; choose another field name in the rule file"
            )
        raise SourceError(
            f"{display}: columns {quote(first)} and {quote(name)} are both renamed to {quote(field)}; "
            "choose different field names"
        )
    return fields
