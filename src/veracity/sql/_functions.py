"""SQL functions and casts in rules, translated into polars expressions (see _compile)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl
from sqlglot import exp

from veracity.sql._front import SqlError
from veracity.sql._types import DTYPES, NUMERIC, Kind, Value, describe_kind

if TYPE_CHECKING:
    from veracity.sql._compile import Translator


def cast(t: Translator, node: exp.Cast) -> Value:
    kind = _cast_kind(node.args["to"])
    value = t.node(node.this)
    strict = not isinstance(node, exp.TryCast)
    if value.kind == kind:
        return value
    if value.field is not None and kind != "string":
        if strict:  # CAST(field AS T): a value that is no T fails the record, as a typed field
            t.checked.setdefault((value.field, kind), None)
        return Value(t.reader.read(value.field, kind), kind, field=value.field if strict else None)
    if value.text is not None and not value.is_number:
        return t.typed_literal(value.text, kind) if strict else _try_literal(t, value.text, kind)
    if kind == "string":
        return Value(t.text(value), "string")
    source = t.use(value)
    if kind in NUMERIC and value.kind in (*NUMERIC, "string", "boolean", "null"):
        return Value(source.cast(DTYPES[kind], strict=False), kind)
    if kind == "date" and value.kind == "datetime":
        return Value(source.dt.date(), "date")
    if kind == "datetime" and value.kind == "date":
        return Value(source.cast(pl.Datetime("us")), "datetime")
    if kind == "date" and value.kind == "string":
        from veracity.text.dates import parse_date

        return Value(parse_date(source), "date")
    raise SqlError(f"{describe_kind(value.kind)} cannot be cast to {describe_kind(kind)}")


def _try_literal(t: Translator, text: str, kind: Kind) -> Value:
    try:
        return t.typed_literal(text, kind)
    except SqlError:
        return Value(pl.lit(None, dtype=DTYPES[kind]), kind)


def interval(t: Translator, node: exp.Interval) -> Value:
    amount = str(node.this.this) if isinstance(node.this, exp.Literal) else ""
    unit_node = node.args.get("unit")
    unit = str(unit_node.name if isinstance(unit_node, exp.Expression) else "").lower()
    # At most 99,999 of a unit: any ISO date plus that stays within polars' calendar.
    match = re.fullmatch(r"\s*(\d{1,5})\s*([a-z]*)\s*", amount.lower())
    if match and not unit:
        amount, unit = match.group(1), match.group(2)
    elif match:
        amount = match.group(1)
    suffix = _INTERVAL_UNITS.get(unit.rstrip("s") if unit not in ("s",) else unit)
    if not match or suffix is None:
        raise SqlError(
            "write an interval as a whole number (at most 99,999) of days, weeks, months or years: "
            "INTERVAL '30 days'"
        )
    return Value(pl.lit(None), "interval", interval=f"{int(amount)}{suffix}")


def text_function(t: Translator, node: exp.Expression) -> Value:
    value = t.text(t.node(node.this))
    if isinstance(node, exp.Lower):
        return Value(value.str.to_lowercase(), "string")
    if isinstance(node, exp.Upper):
        return Value(value.str.to_uppercase(), "string")
    if isinstance(node, exp.Length):
        return Value(value.str.len_chars().cast(pl.Int64), "integer")
    raise SqlError(f"{type(node).__name__} is not allowed in a rule's SQL")


def trim(t: Translator, node: exp.Trim) -> Value:
    value = t.text(t.node(node.this))
    chars_node = node.expression
    chars: str | None = None
    if chars_node is not None:
        if not (isinstance(chars_node, exp.Literal) and chars_node.is_string):
            raise SqlError("TRIM's characters must be a quoted text, e.g. TRIM('0' FROM code)")
        chars = str(chars_node.this)
    position = str(node.args.get("position") or "").upper()
    if position == "LEADING":
        return Value(value.str.strip_chars_start(chars), "string")
    if position == "TRAILING":
        return Value(value.str.strip_chars_end(chars), "string")
    return Value(value.str.strip_chars(chars), "string")


def substring(t: Translator, node: exp.Substring) -> Value:
    value = t.text(t.node(node.this))
    start = node.args.get("start")
    length = node.args.get("length")
    first = t.use(t.convert(t.node(start), "integer")) if start is not None else pl.lit(1)
    count = t.use(t.convert(t.node(length), "integer")) if length is not None else None
    return Value(value.str.slice((first - 1).clip(lower_bound=0), count), "string")


def coalesce(t: Translator, node: exp.Coalesce) -> Value:
    values = [t.node(node.this), *(t.node(e) for e in node.expressions)]
    kind = t.common(values, "COALESCE")
    return Value(pl.coalesce([t.use(t.convert(v, kind)) for v in values]), kind)


def nullif(t: Translator, node: exp.Nullif) -> Value:
    value, other = t.node(node.this), t.node(node.expression)
    kind = t.common([value, other], "NULLIF")
    a = t.use(t.convert(value, kind))
    return Value(pl.when(a != t.use(t.convert(other, kind))).then(a), kind)


def abs_(t: Translator, node: exp.Abs) -> Value:
    value = t.node(node.this)
    value = t.convert(value, "decimal") if value.kind not in NUMERIC else value
    return Value(t.use(value).abs(), value.kind)


def round_(t: Translator, node: exp.Round) -> Value:
    value = t.node(node.this)
    value = t.convert(value, "decimal") if value.kind not in NUMERIC else value
    digits_node = node.args.get("decimals")
    digits = 0
    if digits_node is not None:
        if not (isinstance(digits_node, exp.Literal) and re.fullmatch(r"\d{1,2}", str(digits_node.this))):
            raise SqlError("ROUND's second argument is a whole number of decimals, e.g. ROUND(x, 2)")
        digits = int(str(digits_node.this))
    if value.kind == "integer":
        return value
    return Value(t.use(value).round(digits), "decimal")


def date_part(t: Translator, node: exp.Expression) -> Value:
    value = t.node(node.this)
    if value.kind not in ("date", "datetime"):
        value = t.convert(value, "date")
    expr = t.use(value)
    part = (
        expr.dt.year()
        if isinstance(node, exp.Year)
        else expr.dt.month()
        if isinstance(node, exp.Month)
        else expr.dt.day()
    )
    return Value(part.cast(pl.Int64), "integer")


def current_date(t: Translator, node: exp.CurrentDate) -> Value:
    return Value(pl.lit(t.reader.as_of, dtype=pl.Date), "date")


_INTERVAL_UNITS = {
    "day": "d",
    "d": "d",
    "week": "w",
    "w": "w",
    "month": "mo",
    "mon": "mo",
    "year": "y",
    "y": "y",
}

_CAST_KINDS: dict[str, Kind] = {
    **dict.fromkeys(("TEXT", "VARCHAR", "CHAR", "NVARCHAR", "NCHAR", "STRING", "BPCHAR", "NAME"), "string"),
    **dict.fromkeys(("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT"), "integer"),
    **dict.fromkeys(("DECIMAL", "DOUBLE", "FLOAT", "REAL", "NUMERIC", "BIGDECIMAL", "MONEY"), "decimal"),
    "DATE": "date",
    **dict.fromkeys(("TIMESTAMP", "DATETIME", "TIMESTAMPNTZ", "DATETIME2"), "datetime"),
    "BOOLEAN": "boolean",
}


def _cast_kind(data_type: exp.Expression) -> Kind:
    name = getattr(data_type.this, "name", str(data_type.this)).upper()
    kind = _CAST_KINDS.get(name)
    if kind is None:
        raise SqlError(
            f"CAST to {name} is not supported; cast to TEXT, INTEGER, DECIMAL, DATE, TIMESTAMP or BOOLEAN"
        )
    return kind
