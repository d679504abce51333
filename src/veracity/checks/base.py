"""The check catalogue's machinery: declaration, registry, and the context checks build in.

A check type is declared once, with :func:`register`, on the function that turns its typed
parameters into a polars expression::

    @register("email", Dimension.VALIDITY, EmailParams, message="not a valid e-mail address",
              value_kind="email")
    def email(params: EmailParams, ctx: CheckContext) -> pl.Expr:
        '''What it checks ... Why it matters ... Example ... '''

The expression is evaluated once per record and means: ``True`` the record passes, ``False``
it fails, ``null`` the rule does not apply (the engine adds ``when:`` and missing-value
handling around it, so a check only states what "good" means).

Every check declares what it reads (``reads=``), which is how the engine runs it exactly on
data split into partitions (chunks) without knowing any check by name:

- ``"record"`` (the default): the record's own fields only. Any partition judges it alone.
- ``"key"``: the records sharing a key (``unique``). The check supplies its key expression
  (``key=``); the engine groups the whole data by it and hands the check a :class:`KeyMatch`
  (:func:`key_match`): whether the record is the first of its key, and where that first
  record is. The check's expressions read only that and the record's own fields.
- ``"table"``: the whole data set at once (``duplicates``), with more than one expression can
  say. It returns a :class:`TableOutcome`: the same per-record verdicts a record check yields,
  computed for the records in ``ctx.scope`` (``when:`` holds and the fields are present), plus
  optional per-record messages and cluster ids and a details object for the reports. The
  engine runs it once, on the records it reads (:meth:`CheckParams.read_fields`) gathered
  from every partition. A table check may read another table rule's clusters (its
  ``cluster_ids``): it names that rule in a parameter listed in ``cluster_params``, and the
  engine runs that rule first and hands its cluster ids in ``ctx.clusters`` (a rule named
  that does not exist, yields no clusters, or reads the clusters of the first is a rule-file
  error found at load time).
- ``"dataset"``: the sources' schema (``required_columns``). It returns a
  :class:`DatasetOutcome`: it judges the sources, not the records. A dataset check that also
  judges the values declares a ``scan=``: counts over a partition's records (a
  :data:`ScanCounts`), which the engine works out on every partition, adds up, and hands the
  check as ``ctx.scanned`` (exact in chunks: counts add up).
"""

from __future__ import annotations

import hashlib
import importlib
import re
import threading
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

import polars as pl
from pydantic import BaseModel, ConfigDict

from veracity.sources.base import LoadedData
from veracity.text.booleans import BooleanSpellings, parse_yes_no
from veracity.vocabulary import Dimension

__all__ = [
    "REGISTRY",
    "BooleanSpellings",
    "CheckContext",
    "CheckParams",
    "CheckRegistry",
    "CheckType",
    "DatasetFailure",
    "DatasetOutcome",
    "Dimension",
    "FieldParams",
    "KeyMatch",
    "Reads",
    "ScanCounts",
    "TableOutcome",
    "add_counts",
    "get_check",
    "key_match",
    "parse_yes_no",
    "register",
]


class CheckParams(BaseModel):
    """Parameters of one check type. Unknown keys are refused."""

    # defer_build: a parameter model's validator is built when a rule first uses it, not when
    # its module is imported (a module declares several checks; an audit uses a few).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    #: Parameter names that hold a field name (validated against the sources).
    field_params: ClassVar[tuple[str, ...]] = ()
    #: Field parameters the check reads where present: a missing value there does not keep
    #: the record from being evaluated (e.g. a phone's country).
    optional_field_params: ClassVar[tuple[str, ...]] = ()
    #: Parameter names that hold a SQL expression. Checks with one are evaluated over typed
    #: columns (dates as dates, numbers as numbers), like ``when:`` conditions.
    sql_params: ClassVar[tuple[str, ...]] = ()
    #: Parameter names that hold the id of another rule whose clusters (its table outcome's
    #: ``cluster_ids``) a table check reads, handed in as ``CheckContext.clusters``.
    cluster_params: ClassVar[tuple[str, ...]] = ()

    def cluster_rules(self) -> list[str]:
        """Ids of the rules whose clusters this rule reads (``cluster_params``' values)."""
        return [value for param in self.cluster_params if isinstance(value := getattr(self, param), str)]

    def referenced_fields(self) -> list[str]:
        """Fields this rule reads, primary field first (that one's value goes into findings)."""
        names: list[str] = []
        for param in (*self.field_params, *self.optional_field_params):
            value = getattr(self, param)
            if value is None:
                continue
            for name in [value] if isinstance(value, str) else value:
                if name not in names:
                    names.append(name)
        from veracity.sql import sql_fields  # the SQL front end imports nothing of the checks

        for param in self.sql_params:
            sql = getattr(self, param)
            if sql is not None:
                for name in sql_fields(sql):
                    if name not in names:
                        names.append(name)
        return names

    def with_fields(self, fields: Mapping[str, Any], read: frozenset[str]) -> CheckParams:
        """These parameters completed from the rule file's ``fields:`` declarations (name ->
        :class:`~veracity.config.models.FieldConfig`), e.g. a retention period declared once per
        field, and from ``read``, the fields the rule file's rules read. ValueError, with what to
        write, when they cannot be. Most checks need neither and return themselves."""
        return self

    def read_fields(self, available: Sequence[str]) -> list[str]:
        """Every field of the data (``available``) this rule reads: what a table check is
        handed of each record. The referenced fields, unless a check reads fields it can only
        tell with the data."""
        return [name for name in self.referenced_fields() if name in available]


def required_fields(params: CheckParams) -> list[str]:
    """Fields that must all have a value for the record to be evaluated."""
    optional = {getattr(params, p) for p in params.optional_field_params}
    return [name for name in params.referenced_fields() if name not in optional]


class FieldParams(CheckParams):
    """Parameters of a check on a single field."""

    field_params: ClassVar[tuple[str, ...]] = ("field",)
    field: str


@dataclass(frozen=True)
class DatasetFailure:
    source_index: int | None
    message: str
    field: str | None = None


@dataclass(frozen=True)
class DatasetOutcome:
    evaluated: int
    failures: list[DatasetFailure]
    #: Check-specific results for the reports (``to_dict()`` for JSON), e.g. a data set's age.
    details: Any = None


@dataclass(frozen=True)
class TableOutcome:
    """What a table-scoped check found, aligned with the frame's rows (ROW_ID order)."""

    #: Boolean per record: True passed, False failed, null not evaluated.
    verdicts: pl.Series
    #: String per record, read where the record failed; the check's message otherwise.
    messages: pl.Series | None = None
    #: Per record, the id of the group it was judged in (e.g. a duplicate cluster), or null.
    cluster_ids: pl.Series | None = None
    #: Check-specific results for the reports (``to_dict()`` for JSON), e.g. clusters.
    details: Any = None


#: What a check reads besides the rule's parameters (see the module docstring).
Reads = Literal["record", "key", "table", "dataset"]
#: A dataset check's counts over some records, by (field, measure): they add up over partitions.
ScanCounts = dict[tuple[str, str], int]


def add_counts(total: ScanCounts, part: ScanCounts) -> None:
    """Add a partition's counts to ``total``."""
    for key, count in part.items():
        total[key] = total.get(key, 0) + count


@dataclass(frozen=True)
class KeyMatch:
    """What a ``reads="key"`` check knows of the other records sharing its key, per record:
    columns the engine adds to the data before the check's expressions are evaluated."""

    #: Boolean: no earlier record (in audit order: source, then position) has the same key.
    first: pl.Expr
    #: The first record with the same key: its source index (``SOURCE_COL``'s values) and its
    #: line (``LINE_COL``'s); the record's own where it is the first.
    source: pl.Expr
    line: pl.Expr


def key_columns(key: pl.Expr) -> tuple[str, str, str]:
    """The names of the columns the engine adds for ``key``: (first, source, line). The NUL
    keeps them apart from any column name a header can spell."""
    stem = "__veracity\x00key:" + hashlib.sha256(str(key).encode()).hexdigest()[:16]
    return f"{stem}:first", f"{stem}:source", f"{stem}:line"


def key_match(key: pl.Expr) -> KeyMatch:
    """The engine's grouping of the whole data by ``key`` (a check's ``key=`` expression)."""
    first, source, line = key_columns(key)
    return KeyMatch(pl.col(first), pl.col(source), pl.col(line))


T = TypeVar("T")


@dataclass
class CheckContext:
    """What a check may use to build its expression: the data's schema, the audit date, shared
    parsers, and distinct values (so library calls run once per distinct value, not per row)."""

    data: LoadedData
    as_of: date
    booleans: BooleanSpellings = field(default_factory=BooleanSpellings)
    #: Declared date/time formats per field (``fields:`` in the rule file).
    date_formats: dict[str, str] = field(default_factory=dict)
    #: Declared SQL types per field (``fields: {NAME: {type: ...}}``): integer, decimal, date,
    #: datetime, boolean or text.
    field_kinds: dict[str, str] = field(default_factory=dict)
    #: For table-scoped checks: which records the rule applies to (Boolean per row), or None.
    scope: pl.Series | None = None
    #: For dataset checks with a ``scan=``: its counts over every record of the data.
    scanned: ScanCounts | None = None
    #: For table checks with ``cluster_params``: per rule id named there, that rule's cluster
    #: id per record (aligned with the frame's rows; null where the record is in no cluster).
    clusters: Mapping[str, pl.Series] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: One lock per memo key, so that checks built on several threads (the engine does) work
    #: out each shared value once, and different values at the same time.
    _locks: dict[Any, threading.Lock] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Whether the engine works out :meth:`staged` columns (it does in its pass); elsewhere
    #: (e.g. judging candidate corrections) staged expressions stay inline.
    staging: bool = False
    _staged: dict[str, pl.Expr] = field(default_factory=dict, repr=False)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``, once per ``key`` for this audit: for work that several checks, or a
        check's verdict and its message, need. Safe to call from several threads; ``compute``
        must not call ``memo`` itself (two threads nesting keys in opposite orders would wait
        for each other for ever)."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = compute()
        return cast(T, self._memo[key])

    def staged(self, key: Any, expr: pl.Expr) -> pl.Expr:
        """``expr`` worked out once, as a column, before the verdicts and tallies that read it:
        polars evaluates a sub-expression again in every expression that holds it. For a
        check's verdict and tally only; its message is worked out on the failing records alone
        and reads the data's own fields."""
        if not self.staging:
            return expr
        name = "__veracity\x00staged:" + hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        with self._guard:
            self._staged.setdefault(name, expr.alias(name))
        return pl.col(name)

    def staged_columns(self) -> list[pl.Expr]:
        """The columns :meth:`staged` asked for, for the engine to add first."""
        with self._guard:
            return list(self._staged.values())

    def distinct(self, *fields: str) -> pl.DataFrame:
        """Distinct combinations of ``fields`` where the first one is not null (cached)."""
        return self.memo(
            ("distinct", *fields),
            lambda: (
                self.data.frame.lazy()
                .select(*fields)
                .filter(pl.col(fields[0]).is_not_null())
                .unique()
                .collect()
            ),
        )

    def parse_bool(self, expr: pl.Expr) -> pl.Expr:
        """True/False for recognised spellings, null for anything else.

        A whole field (``expr`` is a column of the data) is judged once per distinct value:
        a yes/no column holds a handful of spellings.
        """
        name = expr.meta.output_name() if expr.meta.is_column() else None
        if name is None or not _is_column(expr, name) or name not in self.data.frame.columns:
            return parse_yes_no(expr, self.booleans)
        return self._per_distinct_value(
            name, lambda column: parse_yes_no(column, self.booleans), pl.Boolean, ("bool", name)
        )

    def parse_date(self, expr: pl.Expr, fmt: str | None = None, field: str | None = None) -> pl.Expr:
        """A Date, or null where the text is not a date in ``fmt`` (the field's declared
        format when ``fmt`` is None, else ISO 8601).

        A whole field (``expr`` is ``pl.col(field)``) is parsed once per distinct value: a
        column holds far fewer distinct dates than records, parsing tries several formats per
        value, and the same field is often read by several rules.
        """
        from veracity.text.dates import parse_date

        if fmt is None and field is not None:
            fmt = self.date_formats.get(field)
        if field is None or not _is_column(expr, field) or field not in self.data.frame.columns:
            return parse_date(expr, fmt)
        return self._per_distinct_value(
            field, lambda column: parse_date(column, fmt), pl.Date, ("date", field, fmt)
        )

    def _per_distinct_value(
        self, name: str, parse: Callable[[pl.Expr], pl.Expr], dtype: type[pl.DataType], key: Any
    ) -> pl.Expr:
        """``parse`` of the data's column ``name``, worked out once per distinct value (once
        per audit for ``key``) and looked up per record.

        The expression maps each record's value through a table of the column's distinct
        values, so it is exact for any frame whose column holds only the data's values (any
        other value reads as null): the data itself, or some of its records.
        """

        def lookup() -> pl.Expr:
            distinct = self.data.frame.get_column(name).drop_nulls().unique()
            parsed = distinct.to_frame().select(parse(pl.col(name))).to_series()
            return pl.col(name).replace_strict(distinct, parsed, default=None, return_dtype=dtype)

        return self.memo(key, lookup)


def _is_column(expr: pl.Expr, name: str) -> bool:
    return expr.meta.is_column() and expr.meta.output_name() == name


P = TypeVar("P", bound=CheckParams)
RowBuilder = Callable[[Any, CheckContext], pl.Expr]
DatasetBuilder = Callable[[Any, CheckContext], DatasetOutcome]

_HEADING = re.compile(r"^(What it checks|Why it matters|Example|Parameters)\s*$", re.MULTILINE)
DOC_SECTIONS = ("What it checks", "Why it matters", "Example")


@dataclass(frozen=True)
class CheckType(Generic[P]):
    """One registered check type: everything the engine, validator and docs need."""

    name: str
    dimension: Dimension
    params: type[P]
    build: Callable[[P, CheckContext], Any]
    doc: str
    message: str
    #: What the check reads besides the rule's parameters (see the module docstring).
    reads: Reads = "record"
    #: For ``reads="key"``: the key the engine groups records by.
    key: Callable[[P], pl.Expr] | None = None
    #: Missing values are completeness's business: most checks do not judge them.
    skips_missing: bool = True
    #: How to mask this check's values in outputs: e-mail, phone, or any text.
    value_kind: Literal["email", "phone", "text"] = "text"
    #: Optional per-record message (a String expression); ``message`` otherwise. It is worked
    #: out for the failing records only, so it must read nothing but the record's own fields
    #: (and, for a key check, its :class:`KeyMatch`).
    explain: Callable[[P, CheckContext], pl.Expr] | None = None
    #: For ``reads="dataset"``: counts over a partition's records (see the module docstring).
    scan: Callable[[P, CheckContext], ScanCounts] | None = None
    #: For record checks: a label per record (an expression over its own fields; null for
    #: none), whose values are counted over the records the rule passes, in the same pass as
    #: the verdicts, and added up over partitions: the rule state's ``tallies``. E.g. in which
    #: horizon a record passing today will be too old.
    tally: Callable[[P, CheckContext], pl.Expr] | None = None
    #: For table checks: whether its outcome has cluster ids other rules may read
    #: (``CheckParams.cluster_params``).
    clusters: bool = False
    #: The docstring's first line, for listings.
    summary: str = ""

    @property
    def scope(self) -> Literal["row", "dataset", "table"]:
        """What the check judges: each record ("row", whatever else it reads), the whole table
        at once, or the sources' schema; ``reads`` says more."""
        return "table" if self.reads == "table" else "dataset" if self.reads == "dataset" else "row"

    def sections(self) -> dict[str, str]:
        """The docstring split at its fixed headings."""
        parts = _HEADING.split(self.doc)
        sections = {"summary": parts[0].strip()}
        for heading, body in zip(parts[1::2], parts[2::2], strict=True):
            sections[heading] = body.strip("\n").rstrip()
        return sections

    def message_for(self, params: P) -> str:
        return self.message.format(**params.model_dump())


class CheckRegistry(MutableMapping[str, CheckType[Any]]):
    """Every check type by name; a check's module is imported when its name is first looked up.

    A rule file may name any check, but an audit uses a few: importing every family up front
    (and what each imports: record linkage, rapidfuzz, phone and country tables) cost more
    start-up than the rest of an audit's imports together. Which module declares a name is
    read from the package's source files, where every check is declared by a line starting
    with ``@register("name"``: adding a check still touches its one module and nothing else.
    (A generated name -> module index would be a second file to keep in step, with a test to
    keep it so; a naming convention does not fit families of checks sharing a module.) The
    scan reads the package's few small files once, about a millisecond; a declaration it
    cannot see (a name built at run time) fails ``tests/checks/test_registry.py``, which
    compares it with what importing every module registers.

    Listing (iterating, ``len``, ``values``) imports every declaring module first, so the
    catalogue, ``rules list``, generated docs and "did you mean" see every check.
    """

    def __init__(self, package: str, directory: Path) -> None:
        self._checks: dict[str, CheckType[Any]] = {}
        self._package = package
        self._directory = directory
        self._modules: dict[str, str] | None = None

    def declared(self) -> dict[str, str]:
        """Check name -> the module of this package that declares it, read from the source."""
        if self._modules is None:
            modules: dict[str, str] = {}
            for path in sorted(self._directory.glob("*.py")):
                for name in _DECLARATION.findall(path.read_text(encoding="utf-8")):
                    modules.setdefault(name, f"{self._package}.{path.stem}")
            self._modules = modules
        return self._modules

    def __getitem__(self, name: str) -> CheckType[Any]:
        check = self._checks.get(name)
        if check is None:
            module = self.declared().get(name) if isinstance(name, str) else None
            if module is None:
                raise KeyError(name)
            # Importing it registers its checks (a module being imported is returned as it is).
            importlib.import_module(module)
            check = self._checks.get(name)
            if check is None:
                raise KeyError(name)
        return check

    def _load_all(self) -> None:
        for module in sorted(set(self.declared().values())):
            importlib.import_module(module)

    def __iter__(self) -> Iterator[str]:
        self._load_all()
        return iter(list(self._checks))

    def __len__(self) -> int:
        self._load_all()
        return len(self._checks)

    def __setitem__(self, name: str, check: CheckType[Any]) -> None:
        self._checks[name] = check

    def __delitem__(self, name: str) -> None:
        del self._checks[name]


#: A check's declaration in its module's source (module level, so not the docstring above).
_DECLARATION = re.compile(r'^@register\(\s*"([^"]+)"', re.MULTILINE)

REGISTRY = CheckRegistry(__name__.rpartition(".")[0], Path(__file__).parent)


def register(
    name: str,
    dimension: Dimension,
    params: type[P],
    *,
    message: str,
    reads: Reads = "record",
    key: Callable[[P], pl.Expr] | None = None,
    skips_missing: bool = True,
    value_kind: Literal["email", "phone", "text"] = "text",
    explain: Callable[[P, CheckContext], pl.Expr] | None = None,
    scan: Callable[[P, CheckContext], ScanCounts] | None = None,
    tally: Callable[[P, CheckContext], pl.Expr] | None = None,
    clusters: bool = False,
) -> Callable[[Callable[[P, CheckContext], Any]], Callable[[P, CheckContext], Any]]:
    """Declare a check type. A second check with the same name fails at import; a check that
    reads a key must say which (``key=``)."""
    if (reads == "key") != (key is not None):
        raise RuntimeError(f"check type {name!r}: give key= exactly when reads='key'")
    if scan is not None and reads != "dataset":
        raise RuntimeError(f"check type {name!r}: scan= belongs to reads='dataset' checks")
    if tally is not None and reads != "record":
        raise RuntimeError(f"check type {name!r}: tally= belongs to reads='record' checks")
    if (clusters or params.cluster_params) and reads != "table":
        raise RuntimeError(f"check type {name!r}: clusters are made and read by reads='table' checks")

    def decorator(build: Callable[[P, CheckContext], Any]) -> Callable[[P, CheckContext], Any]:
        if name in REGISTRY:
            raise RuntimeError(f"check type {name!r} is registered twice")
        doc = _dedent_doc(build.__doc__ or "")
        REGISTRY[name] = CheckType(
            name=name,
            dimension=dimension,
            params=params,
            build=build,
            doc=doc,
            message=message,
            reads=reads,
            key=key,
            skips_missing=skips_missing,
            value_kind=value_kind,
            explain=explain,
            scan=scan,
            tally=tally,
            clusters=clusters,
            summary=doc.strip().splitlines()[0] if doc.strip() else "",
        )
        return build

    return decorator


def get_check(name: str) -> CheckType[Any]:
    """The registered check called ``name``; KeyError if there is none."""
    return REGISTRY[name]


def _dedent_doc(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)
