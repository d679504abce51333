"""A checked syntax tree -> one polars expression, typed by the fields it reads.

The translator is the allow-list's other half: each node type :mod:`veracity.sql._front` lets
through has one rule here, and the whole expression stays vectorised (polars does the work,
never Python per record). Typing follows docs/sql.md:

- a field reads as its type (declared in ``fields:``, inferred otherwise); a value that does not
  parse as that type makes the record fail the rule (``Compiled.bad``), it never stops the audit;
- a literal beside a typed operand is read as that type (``x = '1'`` on an integer field
  compares integers), and a text field beside a typed operand is read as that type too;
- text operations (LIKE, ILIKE, ||, lower, upper, length, trim, substr, concat) read the text
  as stored, whatever the field's type;
- dates add whole days (``d + 1``) and intervals (``d + INTERVAL '30 days'``); a date minus a
  date is a number of days.

A chain of ANDs or ORs becomes one ``all_horizontal``/``any_horizontal``: linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import polars as pl
from sqlglot import exp

from veracity.sql._front import SqlError, parse_sql

__all__ = ["Compiled", "FieldReader", "Kind", "compile_sql"]

Kind = Literal["string", "integer", "decimal", "date", "datetime", "boolean"]
#: Kinds of intermediate values: a field's kinds, plus NULL and INTERVAL literals.
_Kind = Literal["string", "integer", "decimal", "date", "datetime", "boolean", "null", "interval"]

_NAMES: dict[str, str] = {
    "string": "text",
    "integer": "an integer",
    "decimal": "a decimal number",
    "date": "a date",
    "datetime": "a date-time",
    "boolean": "a yes/no value",
    "null": "NULL",
    "interval": "an interval",
}
DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "integer": pl.Int64(),
    "decimal": pl.Float64(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "boolean": pl.Boolean(),
}
_NUMERIC = ("integer", "decimal")


@dataclass
class FieldReader:
    """How the translator reads fields: their kinds and their typed columns."""

    kinds: Mapping[str, Kind]
    #: The field read as ``kind``: null where a present value does not parse.
    read: Callable[[str, Kind], pl.Expr]
    #: A yes/no literal's value under the rule file's ``booleans:`` (None: not a spelling).
    yes_no: Callable[[str], bool | None]
    as_of: date


@dataclass(frozen=True)
class Compiled:
    """A compiled condition: ``value`` is its Boolean (null when SQL says unknown); ``bad`` is
    true where a field it reads as a type holds a value of another (the record fails)."""

    value: pl.Expr
    bad: pl.Expr
    #: (field, kind) pairs read as a type: each makes the record fail where the value does not parse.
    checked: tuple[tuple[str, Kind], ...]

    def verdict(self) -> pl.Expr:
        """The condition with unparseable values failing: True, False, or null (unknown)."""
        if not self.checked:
            return self.value
        return pl.when(self.bad).then(pl.lit(False)).otherwise(self.value)


@dataclass(frozen=True)
class _V:
    """A typed intermediate value."""

    expr: pl.Expr
    kind: _Kind
    #: The field a bare column reference names (its raw text is ``pl.col(field)``).
    field: str | None = None
    #: A string literal's text, or a number literal's text as written.
    text: str | None = None
    is_number: bool = False
    #: A literal's Python value once typed (for IN lists); ``_NONE`` when not a literal.
    const: Any = None
    is_const: bool = False
    #: An INTERVAL's polars duration, e.g. "30d".
    interval: str | None = None


def compile_sql(sql: str, reader: FieldReader) -> Compiled:
    """Translate ``sql`` (checked by :func:`parse_sql`) into a Boolean polars expression."""
    return _Translator(reader).condition(parse_sql(sql))


def describe_kind(kind: str) -> str:
    return _NAMES.get(kind, kind)


@dataclass
class _Translator:
    reader: FieldReader
    checked: dict[tuple[str, Kind], None] = field(default_factory=dict)

    def condition(self, tree: exp.Expression) -> Compiled:
        value = self.boolean(self.node(tree), "the condition")
        checked = tuple(self.checked)
        bad = (
            pl.any_horizontal([self._bad(name, kind) for name, kind in checked]) if checked else pl.lit(False)
        )
        return Compiled(value.cast(pl.Boolean), bad, checked)

    def _bad(self, name: str, kind: Kind) -> pl.Expr:
        return pl.col(name).is_not_null() & self.reader.read(name, kind).is_null()

    # -- values and kinds -------------------------------------------------------------------

    def use(self, value: _V) -> pl.Expr:
        """``value``'s expression, read as its type: a field's unparseable values now count."""
        if value.field is not None and value.kind not in ("string", "null"):
            self.checked.setdefault((value.field, value.kind), None)  # type: ignore[arg-type]
        return value.expr

    def text(self, value: _V) -> pl.Expr:
        """``value`` as text: a field's value as stored, whatever its type."""
        if value.field is not None:
            return pl.col(value.field).cast(pl.String)
        if value.text is not None:
            return pl.lit(value.text, dtype=pl.String)
        if value.kind == "interval":
            raise SqlError("an INTERVAL can only be added to or subtracted from a date")
        if value.kind == "date":
            return value.expr.dt.strftime("%Y-%m-%d")
        return value.expr.cast(pl.String)

    def convert(self, value: _V, kind: _Kind) -> _V:
        """``value`` read as ``kind`` (SqlError if it cannot be)."""
        if value.kind == kind:
            self.use(value)
            return value
        if value.kind == "null":
            return _V(pl.lit(None, dtype=DTYPES.get(kind, pl.Null())), kind, const=None, is_const=True)
        if value.text is not None and kind != "interval":
            # A number beside yes/no values is read as a spelling: 1 and 0 are defaults.
            if value.is_number and kind not in (*_NUMERIC, "string", "boolean"):
                raise SqlError(f"the number {value.text} cannot be compared with {describe_kind(kind)}")
            return self._literal(value.text, kind)  # type: ignore[arg-type]
        if value.field is not None and value.kind == "string" and kind in DTYPES:
            typed = kind  # a text field beside a typed operand reads as that type
            self.checked.setdefault((value.field, typed), None)  # type: ignore[arg-type]
            return _V(self.reader.read(value.field, typed), kind, field=value.field)  # type: ignore[arg-type]
        if value.kind == "integer" and kind == "decimal":
            return _V(self.use(value).cast(pl.Float64), "decimal")
        if value.kind == "date" and kind == "datetime":
            return _V(self.use(value).cast(pl.Datetime("us")), "datetime")
        if kind == "string":
            return _V(self.text(value), "string")
        raise SqlError(
            f"{describe_kind(value.kind)} cannot be compared with {describe_kind(kind)}; "
            "CAST one side, e.g. CAST(x AS DATE)"
        )

    def _literal(self, text: str, kind: Kind) -> _V:
        parsed: Any
        if kind == "string":
            parsed = text
        elif kind == "integer":
            parsed = int(text) if re.fullmatch(r"[+-]?\d{1,18}", text.strip()) else None
        elif kind == "decimal":
            try:
                parsed = float(text)
            except ValueError:
                parsed = None
        elif kind == "date":
            parsed = _python_date(text)
        elif kind == "datetime":
            try:
                parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00")).replace(tzinfo=None)
            except ValueError:
                parsed = None
        else:
            parsed = self.reader.yes_no(text)
        if parsed is None:
            raise SqlError(f"the literal '{text}' is not {describe_kind(kind)}, the type it is compared with")
        return _V(pl.lit(parsed, dtype=DTYPES[kind]), kind, const=parsed, is_const=True)

    def common(self, values: Sequence[_V], what: str) -> _Kind:
        """The kind ``values`` are read as together (comparisons, IN, CASE, COALESCE)."""
        kinds = {v.kind for v in values} - {"null"}
        if not kinds:
            return "null"
        if len(kinds) == 1:
            return next(iter(kinds))
        if kinds <= {"integer", "decimal"}:
            return "decimal"
        if kinds <= {"date", "datetime"}:
            return "datetime"
        # Literals adapt first, then text fields, to the operands that have a type.
        fixed = {v.kind for v in values if v.kind != "null" and v.text is None}
        if len(fixed) > 1:
            fixed -= {v.kind for v in values if v.field is not None and v.kind == "string"}
        if len(fixed) == 1:
            return next(iter(fixed))
        if fixed <= {"integer", "decimal"} and fixed:
            return "decimal"
        if fixed <= {"date", "datetime"} and fixed:
            return "datetime"
        names = " and ".join(sorted(describe_kind(k) for k in kinds))
        raise SqlError(f"{what} mixes {names}; CAST one side, e.g. CAST(x AS DATE)")

    def boolean(self, value: _V, what: str) -> pl.Expr:
        if value.kind in ("boolean", "null"):
            return self.use(value).cast(pl.Boolean)
        if value.field is not None and value.kind == "string":
            return self.convert(value, "boolean").expr
        raise SqlError(f"{what} must be true or false, not {describe_kind(value.kind)}")

    # -- nodes ----------------------------------------------------------------------------------

    def node(self, node: exp.Expression) -> _V:
        handler = _HANDLERS.get(type(node))
        if handler is None:  # parse_sql refused it already; kept for trees built elsewhere
            raise SqlError(f"{type(node).__name__} syntax is not allowed in a rule's SQL")
        return handler(self, node)

    def column(self, node: exp.Column) -> _V:
        name = node.name
        kind = self.reader.kinds.get(name, "string")
        expr = pl.col(name) if kind == "string" else self.reader.read(name, kind)
        return _V(expr, kind, field=name)

    def literal(self, node: exp.Literal) -> _V:
        text = str(node.this)
        if node.is_string:
            return _V(pl.lit(text, dtype=pl.String), "string", text=text, const=text, is_const=True)
        if re.fullmatch(r"\d{1,18}", text):
            return _V(pl.lit(int(text), dtype=pl.Int64), "integer", text=text, is_number=True)
        return _V(pl.lit(float(text), dtype=pl.Float64), "decimal", text=text, is_number=True)

    def connector(self, node: exp.Expression) -> _V:
        kind = type(node)
        parts: list[exp.Expression] = []
        stack = [node]
        while stack:  # a left-deep chain as long as the SQL: flattened without recursion
            current = stack.pop()
            if type(current) is kind:
                stack.extend([current.expression, current.this])
            else:
                parts.append(current)
        word = "AND" if kind is exp.And else "OR"
        operands = [self.boolean(self.node(p), f"each side of {word}") for p in parts]
        combine = pl.all_horizontal if kind is exp.And else pl.any_horizontal
        return _V(combine(operands), "boolean")

    def negation(self, node: exp.Not) -> _V:
        return _V(~self.boolean(self.node(node.this), "NOT's operand"), "boolean")

    def compare(self, node: exp.Expression) -> _V:
        left, right = self.node(node.this), self.node(node.expression)
        kind = self.common([left, right], "a comparison")
        a, b = self.use(self.convert(left, kind)), self.use(self.convert(right, kind))
        if kind == "interval":
            raise SqlError("intervals cannot be compared; add them to a date")
        operations: dict[type[exp.Expression], Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
            exp.EQ: lambda x, y: x == y,
            exp.NEQ: lambda x, y: x != y,
            exp.GT: lambda x, y: x > y,
            exp.GTE: lambda x, y: x >= y,
            exp.LT: lambda x, y: x < y,
            exp.LTE: lambda x, y: x <= y,
            exp.NullSafeEQ: lambda x, y: x.eq_missing(y),
            exp.NullSafeNEQ: lambda x, y: x.ne_missing(y),
        }
        return _V(operations[type(node)](a, b), "boolean")

    def is_(self, node: exp.Is) -> _V:
        subject, target = self.node(node.this), node.expression
        if isinstance(target, exp.Null):
            expr = pl.col(subject.field) if subject.field is not None else subject.expr
            return _V(expr.is_null(), "boolean")
        if isinstance(target, exp.Boolean):
            value = self.boolean(subject, "IS TRUE's operand")
            return _V((value == pl.lit(bool(target.this))).fill_null(False), "boolean")
        raise SqlError("IS is followed by NULL, TRUE or FALSE")

    def in_(self, node: exp.In) -> _V:
        subject = self.node(node.this)
        items = [self.node(item) for item in node.expressions]
        if not items:
            raise SqlError("IN needs at least one value")
        kind = self.common([subject, *items], "IN")
        left = self.use(self.convert(subject, kind))
        typed = [self.convert(item, kind) for item in items]
        if all(item.is_const for item in typed):
            values = [item.const for item in typed if item.const is not None]
            found = left.is_in(pl.Series(values, dtype=DTYPES.get(kind, pl.Null())))
            if len(values) < len(typed):  # x IN (..., NULL): unknown unless found
                found = pl.when(found).then(pl.lit(True)).otherwise(pl.lit(None, dtype=pl.Boolean))
            return _V(found, "boolean")
        return _V(pl.any_horizontal([left == self.use(item) for item in typed]), "boolean")

    def between(self, node: exp.Between) -> _V:
        subject, low, high = self.node(node.this), self.node(node.args["low"]), self.node(node.args["high"])
        kind = self.common([subject, low, high], "BETWEEN")
        value = self.use(self.convert(subject, kind))
        return _V(
            (value >= self.use(self.convert(low, kind))) & (value <= self.use(self.convert(high, kind))),
            "boolean",
        )

    def like(self, node: exp.Like | exp.ILike) -> _V:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise SqlError("LIKE needs a quoted pattern, e.g. name LIKE 'A%'")
        regex = (
            "^"
            + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in str(pattern.this))
            + "$"
        )
        flags = "(?is)" if isinstance(node, exp.ILike) else "(?s)"
        matched = self.text(self.node(node.this)).str.contains(flags + regex)
        return _V(~matched if node.args.get("negate") else matched, "boolean")

    def arithmetic(self, node: exp.Expression) -> _V:
        left, right = self.node(node.this), self.node(node.expression)
        op = type(node)
        if "interval" in (left.kind, right.kind):
            return self._interval(op, left, right)
        dated = {left.kind, right.kind} & {"date", "datetime"}
        if dated and op in (exp.Add, exp.Sub):
            return self._dates(op, left, right)
        kind = self.common([left, right], "arithmetic")
        if kind not in _NUMERIC:
            raise SqlError(
                f"arithmetic needs numbers or dates, not {describe_kind(kind)}; use || to join text"
            )
        a, b = self.use(self.convert(left, kind)), self.use(self.convert(right, kind))
        if op is exp.Div:
            return _V(pl.when(b != 0).then(a.cast(pl.Float64) / b.cast(pl.Float64)), "decimal")
        if op is exp.Mod:
            return _V(pl.when(b != 0).then(a % b), kind)
        result = a + b if op is exp.Add else a - b if op is exp.Sub else a * b
        return _V(result, kind)

    def _interval(self, op: type[exp.Expression], left: _V, right: _V) -> _V:
        if op not in (exp.Add, exp.Sub) or right.kind != "interval" or left.kind == "interval":
            raise SqlError(
                "an INTERVAL can only be added to or subtracted from a date: d + INTERVAL '30 days'"
            )
        if left.kind not in ("date", "datetime"):
            left = self.convert(left, "date")
        offset = right.interval or "0d"
        if op is exp.Sub:
            offset = "-" + offset
        return _V(self.use(left).dt.offset_by(offset), left.kind)

    def _dates(self, op: type[exp.Expression], left: _V, right: _V) -> _V:
        dated = [v for v in (left, right) if v.kind in ("date", "datetime")]
        other = right if left.kind in ("date", "datetime") else left
        # Text beside a date (a text field, a quoted literal) is a date too: a date difference.
        text_date = other.kind == "string" and not other.is_number
        if len(dated) == 2 or text_date:
            kind = self.common([left, right], "a date difference")
            a, b = self.use(self.convert(left, kind)), self.use(self.convert(right, kind))
            if op is exp.Add:
                raise SqlError("two dates cannot be added; subtract them for the days between")
            if kind == "date":
                return _V((a - b).dt.total_days().cast(pl.Int64), "integer")
            return _V((a - b).dt.total_seconds().cast(pl.Float64) / 86400.0, "decimal")
        days_side = right if left.kind in ("date", "datetime") else left
        date_side = left if days_side is right else right
        if op is exp.Sub and date_side is right:
            raise SqlError("a number minus a date is not defined; write the date first: d - 1")
        days = self.use(self.convert(days_side, "integer"))
        step = days if op is exp.Add else -days
        if date_side.kind == "date":
            shifted = (self.use(date_side).cast(pl.Int32) + step.cast(pl.Int32)).cast(pl.Date)
        else:
            shifted = self.use(date_side) + pl.duration(days=step)
        return _V(shifted, date_side.kind)

    def negative(self, node: exp.Neg) -> _V:
        value = self.node(node.this)
        if value.is_number and value.text is not None:
            return _V(-value.expr, value.kind, text=f"-{value.text}", is_number=True)
        if value.kind == "string" and value.field is not None:
            value = self.convert(value, "decimal")
        if value.kind not in _NUMERIC:
            raise SqlError(f"only numbers can be negated, not {describe_kind(value.kind)}")
        return _V(-self.use(value), value.kind)

    def concat_pipe(self, node: exp.DPipe) -> _V:
        return _V(
            pl.concat_str([self.text(self.node(node.this)), self.text(self.node(node.expression))]), "string"
        )

    def concat(self, node: exp.Concat) -> _V:
        parts = [self.text(self.node(part)) for part in node.expressions]
        return _V(pl.concat_str(parts, ignore_nulls=True), "string")

    def case(self, node: exp.Case) -> _V:
        subject = self.node(node.this) if node.this is not None else None
        branches: list[tuple[pl.Expr, _V]] = []
        for branch in node.args.get("ifs") or []:
            if subject is not None:
                match = self.node(branch.this)
                kind = self.common([subject, match], "CASE")
                condition = self.use(self.convert(subject, kind)) == self.use(self.convert(match, kind))
            else:
                condition = self.boolean(self.node(branch.this), "a WHEN condition")
            branches.append((condition, self.node(branch.args["true"])))
        default = node.args.get("default")
        otherwise = self.node(default) if default is not None else _V(pl.lit(None), "null")
        return self._choose(branches, otherwise)

    def if_(self, node: exp.If) -> _V:
        condition = self.boolean(self.node(node.this), "IF's condition")
        otherwise = node.args.get("false")
        return self._choose(
            [(condition, self.node(node.args["true"]))],
            self.node(otherwise) if otherwise is not None else _V(pl.lit(None), "null"),
        )

    def _choose(self, branches: list[tuple[pl.Expr, _V]], otherwise: _V) -> _V:
        if not branches:
            raise SqlError("CASE needs at least one WHEN")
        kind = self.common([value for _, value in branches] + [otherwise], "CASE")
        first_condition, first_value = branches[0]
        chain: Any = pl.when(first_condition).then(self.use(self.convert(first_value, kind)))
        for condition, value in branches[1:]:
            chain = chain.when(condition).then(self.use(self.convert(value, kind)))
        return _V(chain.otherwise(self.use(self.convert(otherwise, kind))), kind)

    def cast(self, node: exp.Cast) -> _V:
        kind = _cast_kind(node.args["to"])
        value = self.node(node.this)
        strict = not isinstance(node, exp.TryCast)
        if value.kind == kind:
            return value
        if value.field is not None and kind != "string":
            if strict:  # CAST(field AS T): a value that is no T fails the record, as a typed field
                self.checked.setdefault((value.field, kind), None)
            return _V(self.reader.read(value.field, kind), kind, field=value.field if strict else None)
        if value.text is not None and not value.is_number:
            return self._literal(value.text, kind) if strict else self._try_literal(value.text, kind)
        if kind == "string":
            return _V(self.text(value), "string")
        source = self.use(value)
        if kind in _NUMERIC and value.kind in (*_NUMERIC, "string", "boolean", "null"):
            return _V(source.cast(DTYPES[kind], strict=False), kind)
        if kind == "date" and value.kind == "datetime":
            return _V(source.dt.date(), "date")
        if kind == "datetime" and value.kind == "date":
            return _V(source.cast(pl.Datetime("us")), "datetime")
        if kind == "date" and value.kind == "string":
            from veracity.checks._dates import parse_date

            return _V(parse_date(source), "date")
        raise SqlError(f"{describe_kind(value.kind)} cannot be cast to {describe_kind(kind)}")

    def _try_literal(self, text: str, kind: Kind) -> _V:
        try:
            return self._literal(text, kind)
        except SqlError:
            return _V(pl.lit(None, dtype=DTYPES[kind]), kind)

    def interval(self, node: exp.Interval) -> _V:
        amount = str(node.this.this) if isinstance(node.this, exp.Literal) else ""
        unit_node = node.args.get("unit")
        unit = str(unit_node.name if isinstance(unit_node, exp.Expression) else "").lower()
        match = re.fullmatch(r"\s*(\d{1,6})\s*([a-z]*)\s*", amount.lower())
        if match and not unit:
            amount, unit = match.group(1), match.group(2)
        elif match:
            amount = match.group(1)
        suffix = _INTERVAL_UNITS.get(unit.rstrip("s") if unit not in ("s",) else unit)
        if not match or suffix is None:
            raise SqlError(
                "write an interval as a whole number of days, weeks, months or years: INTERVAL '30 days'"
            )
        return _V(pl.lit(None), "interval", interval=f"{int(amount)}{suffix}")

    def text_function(self, node: exp.Expression) -> _V:
        value = self.text(self.node(node.this))
        if isinstance(node, exp.Lower):
            return _V(value.str.to_lowercase(), "string")
        if isinstance(node, exp.Upper):
            return _V(value.str.to_uppercase(), "string")
        if isinstance(node, exp.Length):
            return _V(value.str.len_chars().cast(pl.Int64), "integer")
        raise SqlError(f"{type(node).__name__} is not allowed in a rule's SQL")

    def trim(self, node: exp.Trim) -> _V:
        value = self.text(self.node(node.this))
        chars_node = node.expression
        chars: str | None = None
        if chars_node is not None:
            if not (isinstance(chars_node, exp.Literal) and chars_node.is_string):
                raise SqlError("TRIM's characters must be a quoted text, e.g. TRIM('0' FROM code)")
            chars = str(chars_node.this)
        position = str(node.args.get("position") or "").upper()
        if position == "LEADING":
            return _V(value.str.strip_chars_start(chars), "string")
        if position == "TRAILING":
            return _V(value.str.strip_chars_end(chars), "string")
        return _V(value.str.strip_chars(chars), "string")

    def substring(self, node: exp.Substring) -> _V:
        value = self.text(self.node(node.this))
        start = node.args.get("start")
        length = node.args.get("length")
        first = self.use(self.convert(self.node(start), "integer")) if start is not None else pl.lit(1)
        count = self.use(self.convert(self.node(length), "integer")) if length is not None else None
        return _V(value.str.slice((first - 1).clip(lower_bound=0), count), "string")

    def coalesce(self, node: exp.Coalesce) -> _V:
        values = [self.node(node.this), *(self.node(e) for e in node.expressions)]
        kind = self.common(values, "COALESCE")
        return _V(pl.coalesce([self.use(self.convert(v, kind)) for v in values]), kind)

    def nullif(self, node: exp.Nullif) -> _V:
        value, other = self.node(node.this), self.node(node.expression)
        kind = self.common([value, other], "NULLIF")
        a = self.use(self.convert(value, kind))
        return _V(pl.when(a != self.use(self.convert(other, kind))).then(a), kind)

    def abs_(self, node: exp.Abs) -> _V:
        value = self.node(node.this)
        value = self.convert(value, "decimal") if value.kind not in _NUMERIC else value
        return _V(self.use(value).abs(), value.kind)

    def round_(self, node: exp.Round) -> _V:
        value = self.node(node.this)
        value = self.convert(value, "decimal") if value.kind not in _NUMERIC else value
        digits_node = node.args.get("decimals")
        digits = 0
        if digits_node is not None:
            if not (isinstance(digits_node, exp.Literal) and re.fullmatch(r"\d{1,2}", str(digits_node.this))):
                raise SqlError("ROUND's second argument is a whole number of decimals, e.g. ROUND(x, 2)")
            digits = int(str(digits_node.this))
        if value.kind == "integer":
            return value
        return _V(self.use(value).round(digits), "decimal")

    def date_part(self, node: exp.Expression) -> _V:
        value = self.node(node.this)
        if value.kind not in ("date", "datetime"):
            value = self.convert(value, "date")
        expr = self.use(value)
        part = (
            expr.dt.year()
            if isinstance(node, exp.Year)
            else expr.dt.month()
            if isinstance(node, exp.Month)
            else expr.dt.day()
        )
        return _V(part.cast(pl.Int64), "integer")

    def current_date(self, node: exp.CurrentDate) -> _V:
        return _V(pl.lit(self.reader.as_of, dtype=pl.Date), "date")

    def constant(self, node: exp.Expression) -> _V:
        if isinstance(node, exp.Null):
            return _V(pl.lit(None), "null", const=None, is_const=True)
        value = bool(node.this)
        return _V(pl.lit(value), "boolean", const=value, is_const=True)

    def paren(self, node: exp.Paren) -> _V:
        return self.node(node.this)


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


def _python_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


Handler = Callable[[_Translator, Any], _V]
_HANDLERS: dict[type[exp.Expression], Handler] = {
    exp.Column: _Translator.column,
    exp.Literal: _Translator.literal,
    exp.Boolean: _Translator.constant,
    exp.Null: _Translator.constant,
    exp.Paren: _Translator.paren,
    exp.And: _Translator.connector,
    exp.Or: _Translator.connector,
    exp.Not: _Translator.negation,
    **dict.fromkeys(
        (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ),
        _Translator.compare,
    ),
    exp.Is: _Translator.is_,
    exp.In: _Translator.in_,
    exp.Between: _Translator.between,
    exp.Like: _Translator.like,
    exp.ILike: _Translator.like,
    **dict.fromkeys((exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod), _Translator.arithmetic),
    exp.Neg: _Translator.negative,
    exp.DPipe: _Translator.concat_pipe,
    exp.Concat: _Translator.concat,
    exp.Case: _Translator.case,
    exp.If: _Translator.if_,
    exp.Cast: _Translator.cast,
    exp.TryCast: _Translator.cast,
    exp.Interval: _Translator.interval,
    exp.Lower: _Translator.text_function,
    exp.Upper: _Translator.text_function,
    exp.Length: _Translator.text_function,
    exp.Trim: _Translator.trim,
    exp.Substring: _Translator.substring,
    exp.Coalesce: _Translator.coalesce,
    exp.Nullif: _Translator.nullif,
    exp.Abs: _Translator.abs_,
    exp.Round: _Translator.round_,
    exp.Year: _Translator.date_part,
    exp.Month: _Translator.date_part,
    exp.Day: _Translator.date_part,
    exp.CurrentDate: _Translator.current_date,
}
