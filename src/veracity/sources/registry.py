"""Source kinds: the one list of what veracity can read.

A kind is one module (``veracity.sources.kinds.<name>``) that subclasses :class:`SourceKind`
and registers itself with :func:`register`. Everything that lists or tells formats apart reads
this registry: format detection from extensions and URL schemes, the rule file's
``read.format`` values, the CLI's ``--input-format`` choices, lineage and OpenLineage naming.

A kind opens a :class:`~veracity.sources.base.SourceSpec` into an :class:`Opened` source: a
description (everything :class:`~veracity.sources.base.SourceInfo` and lineage need) and a
:class:`Reader` that yields the records in :class:`Piece` batches, each record with its position.
The whole-frame read (``load_sources``) is the one-piece case (``chunk_rows=None``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, TypeVar

from veracity.sources._pieces import Piece, Reader
from veracity.sources.base import SourceSpec

__all__ = [
    "OpenContext",
    "Opened",
    "Piece",
    "Reader",
    "SourceKind",
    "extensions",
    "file_formats",
    "kind_named",
    "kind_of_url",
    "register",
    "source_kinds",
    "url_schemes",
]


@dataclass(frozen=True)
class OpenContext:
    """What a kind needs besides the spec: where relative paths start, standard input, and the
    batch size (``None``: the whole source in one piece)."""

    base_dir: Path | None = None
    stdin: IO[bytes] | None = None
    chunk_rows: int | None = None


@dataclass
class Opened:
    """A source ready to be read: how it describes itself, and its reader."""

    reader: Reader
    format: str  # the kind's name
    display: str  # how messages, findings and lineage name it (passwords masked)
    size: int  # bytes read (for a database: bytes of the rows as text)
    sha256: str  # fingerprint of what was read
    encoding: str | None = None
    encoding_confidence: float | None = None
    delimiter: str | None = None
    sheet: str | None = None
    #: Kind-specific facts for lineage, e.g. server, database, table, query_sha256, read_at.
    details: dict[str, str] = field(default_factory=dict)
    #: The name findings and lineage use instead of the path as given (a database: its URL
    #: with the password masked); None for files.
    identity: str | None = None


class SourceKind(ABC):
    """One kind of source. Subclasses set the class attributes and implement :meth:`open`."""

    #: The name users write in ``read.format`` / ``--input-format`` (files) and lineage shows.
    name: ClassVar[str]
    #: File extensions (lower case, with the dot) that imply this kind.
    extensions: ClassVar[tuple[str, ...]] = ()
    #: URL schemes (``postgresql``) whose URLs this kind reads.
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Whether values are text in the source itself (no "read as text from <type>" step).
    text: ClassVar[bool] = False
    #: Where the kind is listed in messages and help texts (lowest first).
    order: ClassVar[int] = 100

    @abstractmethod
    def open(self, spec: SourceSpec, context: OpenContext) -> Opened:
        """Check the source and learn its shape; raise a one-line ``SourceError`` if unusable."""

    def openlineage_dataset(self, details: Mapping[str, str]) -> tuple[str, str] | None:
        """(namespace, name) of the source in OpenLineage's dataset naming, from the
        ``details`` :meth:`open` recorded; None: a local file, named by its path."""
        del details
        return None


_KINDS: dict[str, SourceKind] = {}

K = TypeVar("K", bound=type[SourceKind])


def register(cls: K) -> K:
    """Class decorator: add a kind to the registry; a name, extension or scheme given twice is
    a programming error caught at import."""
    kind = cls()
    if kind.name in _KINDS:
        raise RuntimeError(f"source kind {kind.name!r} is registered twice")
    for other in _KINDS.values():
        shared = set(other.extensions) & set(kind.extensions) or set(other.schemes) & set(kind.schemes)
        if shared:
            raise RuntimeError(f"source kinds {other.name!r} and {kind.name!r} both claim {sorted(shared)}")
    _KINDS[kind.name] = kind
    return cls


def _loaded() -> dict[str, SourceKind]:
    # The kinds register themselves on import; importing the package here (not at the top)
    # lets a kind module import this one.
    import veracity.sources.kinds  # noqa: F401

    return _KINDS


def source_kinds() -> list[SourceKind]:
    """Every registered kind, in listing order."""
    return sorted(_loaded().values(), key=lambda kind: kind.order)


def kind_named(name: str) -> SourceKind | None:
    return _loaded().get(name)


def file_formats() -> tuple[str, ...]:
    """Names of the kinds read from files (those with extensions), for ``read.format``."""
    return tuple(kind.name for kind in source_kinds() if kind.extensions)


def extensions() -> dict[str, str]:
    """Extension -> kind name."""
    return {ext: kind.name for kind in source_kinds() for ext in kind.extensions}


def url_schemes() -> dict[str, str]:
    """URL scheme -> kind name."""
    return {scheme: kind.name for kind in source_kinds() for scheme in kind.schemes}


def kind_of_url(text: str) -> SourceKind | None:
    """The kind whose URL scheme ``text`` starts with (``postgresql://...``), else None."""
    scheme, sep, _ = text.partition("://")
    if not sep:
        return None
    name = url_schemes().get(scheme.lower())
    return None if name is None else _KINDS[name]
