"""The fields SQL reads, as typed values over a check's context.

SQL (``when:`` and the ``expression`` check) compares typed values, but sources give text: each
field is read as its declared or inferred type (:mod:`veracity.fieldtypes`), dates and yes/no
values with the rule file's formats and spellings. The ``expression`` check reads its fields
this way when it is built alone; the engine's SQL plan (which also compiles every rule's SQL
and locates its errors) builds on the same reading.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from veracity.checks.base import CheckContext
from veracity.fieldtypes import FieldType, declared_field_types, infer_field_types, typed_expr
from veracity.sql import FieldReader, Kind
from veracity.text.dates import parse_date

__all__ = ["TypedFields", "context_field_types", "field_dates"]


def field_dates(ctx: CheckContext, field: str, fmt: str | None = None) -> pl.Expr:
    """The data's field ``field`` as dates: ``fmt``, else the field's declared format, else ISO.

    ISO dates are parsed record by record: one vectorised parse per value (the format picked by
    the value's length) costs less than looking each record up in a table of the distinct
    values, which for a field of almost distinct timestamps is as large as the data and is
    built again wherever the expression is evaluated. Other formats are parsed once per
    distinct value (:meth:`CheckContext.parse_date`).
    """
    fmt = fmt or ctx.date_formats.get(field)
    if fmt is None:
        return parse_date(pl.col(field))
    return ctx.parse_date(pl.col(field), fmt, field)


def context_field_types(ctx: CheckContext, fields: Sequence[str]) -> dict[str, FieldType]:
    """The types of ``fields``: declared in the rule file, else inferred from ``ctx.data``."""
    declared = declared_field_types(ctx.field_kinds, ctx.date_formats)
    return infer_field_types(ctx.data.frame, fields, declared, ctx.booleans)


class TypedFields:
    """The data's fields read as types, and the reader SQL compiles against."""

    def __init__(
        self, ctx: CheckContext, field_types: Mapping[str, FieldType], *, staged: bool = True
    ) -> None:
        """``staged``: typed values are columns of the query (:meth:`typed_columns`); else
        expressions over the data's own columns."""
        self.ctx = ctx
        self._stage = staged
        self.field_types = dict(field_types)
        self._columns: dict[tuple[str, Kind], pl.Expr] = {}
        booleans = ctx.booleans
        true = {s.strip().lower() for s in booleans.true}
        false = {s.strip().lower() for s in booleans.false}

        def yes_no(text: str) -> bool | None:
            normal = text.strip().lower()
            return True if normal in true else False if normal in false else None

        self.reader = FieldReader(
            kinds={name: t.kind for name, t in self.field_types.items()},
            read=self.staged,
            yes_no=yes_no,
            as_of=ctx.as_of,
        )

    def format_of(self, name: str, kind: Kind) -> str | None:
        """The format ``name`` is read with as ``kind`` (dates: declared or inferred)."""
        own = self.field_types.get(name)
        if own is not None and own.kind == kind:
            return own.format
        return self.ctx.date_formats.get(name) if kind in ("date", "datetime") else None

    def raw(self, name: str, kind: Kind) -> pl.Expr:
        """The data's column ``name`` read as ``kind`` (null where a value does not parse)."""
        column = pl.col(name)
        if kind == "date":
            return field_dates(self.ctx, name, self.format_of(name, kind))
        if kind == "boolean":
            return self.ctx.parse_bool(column)
        return typed_expr(column, kind, self.format_of(name, kind), self.ctx.booleans)

    def staged(self, name: str, kind: Kind) -> pl.Expr:
        """``name`` read as ``kind``: a column of the query when staged, else :meth:`raw`."""
        if not self._stage:
            return self.raw(name, kind)
        column = f"__sql\x00{name}\x00{kind}"
        if (name, kind) not in self._columns:
            self._columns[(name, kind)] = self.raw(name, kind).alias(column)
        return pl.col(column)

    def typed_columns(self) -> list[pl.Expr]:
        """The typed columns the compiled rules read (add them to the query before the rules)."""
        return list(self._columns.values())
