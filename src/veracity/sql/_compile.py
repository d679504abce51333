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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlglot import exp

from veracity.sql import _functions as fn
from veracity.sql._front import SqlError, parse_sql
from veracity.sql._types import DTYPES, NUMERIC, Compiled, FieldReader, Kind, Value, ValueKind, describe_kind

__all__ = ["Compiled", "FieldReader", "Kind", "compile_sql"]


def compile_sql(sql: str, reader: FieldReader) -> Compiled:
    """Translate ``sql`` (checked by :func:`parse_sql`) into a Boolean polars expression."""
    return Translator(reader).condition(parse_sql(sql))


@dataclass
class Translator:
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

    def use(self, value: Value) -> pl.Expr:
        """``value``'s expression, read as its type: a field's unparseable values now count."""
        if value.field is not None and value.kind not in ("string", "null"):
            self.checked.setdefault((value.field, value.kind), None)  # type: ignore[arg-type]
        return value.expr

    def text(self, value: Value) -> pl.Expr:
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

    def convert(self, value: Value, kind: ValueKind) -> Value:
        """``value`` read as ``kind`` (SqlError if it cannot be)."""
        if value.kind == kind:
            self.use(value)
            return value
        if value.kind == "null":
            return Value(pl.lit(None, dtype=DTYPES.get(kind, pl.Null())), kind, const=None, is_const=True)
        if value.text is not None and kind != "interval":
            # A number beside yes/no values is read as a spelling: 1 and 0 are defaults.
            if value.is_number and kind not in (*NUMERIC, "string", "boolean"):
                raise SqlError(f"the number {value.text} cannot be compared with {describe_kind(kind)}")
            return self.typed_literal(value.text, kind)  # type: ignore[arg-type]
        # A text field beside a typed operand reads as that type; a 1/0 field as yes/no.
        flag = value.kind == "integer" and kind == "boolean"
        if value.field is not None and (value.kind == "string" or flag) and kind in DTYPES:
            typed = kind
            self.checked.setdefault((value.field, typed), None)  # type: ignore[arg-type]
            return Value(self.reader.read(value.field, typed), kind, field=value.field)  # type: ignore[arg-type]
        if value.kind == "integer" and kind == "decimal":
            return Value(self.use(value).cast(pl.Float64), "decimal")
        if value.kind == "date" and kind == "datetime":
            return Value(self.use(value).cast(pl.Datetime("us")), "datetime")
        if kind == "string":
            return Value(self.text(value), "string")
        raise SqlError(
            f"{describe_kind(value.kind)} cannot be compared with {describe_kind(kind)}; "
            "CAST one side, e.g. CAST(x AS DATE)"
        )

    def typed_literal(self, text: str, kind: Kind) -> Value:
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
        return Value(pl.lit(parsed, dtype=DTYPES[kind]), kind, const=parsed, is_const=True)

    def common(self, values: Sequence[Value], what: str) -> ValueKind:
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
        if fixed == {"integer", "boolean"} and all(
            v.field is not None for v in values if v.kind == "integer"
        ):
            return "boolean"  # a field of 1s and 0s beside TRUE/FALSE: its yes/no reading
        if len(fixed) == 1:
            return next(iter(fixed))
        if fixed <= {"integer", "decimal"} and fixed:
            return "decimal"
        if fixed <= {"date", "datetime"} and fixed:
            return "datetime"
        names = " and ".join(sorted(describe_kind(k) for k in kinds))
        raise SqlError(f"{what} mixes {names}; CAST one side, e.g. CAST(x AS DATE)")

    def boolean(self, value: Value, what: str) -> pl.Expr:
        if value.kind in ("boolean", "null"):
            return self.use(value).cast(pl.Boolean)
        if value.field is not None and value.kind in ("string", "integer"):
            return self.convert(value, "boolean").expr
        raise SqlError(f"{what} must be true or false, not {describe_kind(value.kind)}")

    # -- nodes ----------------------------------------------------------------------------------

    def node(self, node: exp.Expression) -> Value:
        handler = _HANDLERS.get(type(node))
        if handler is None:  # parse_sql refused it already; kept for trees built elsewhere
            raise SqlError(f"{type(node).__name__} syntax is not allowed in a rule's SQL")
        return handler(self, node)

    def column(self, node: exp.Column) -> Value:
        name = node.name
        kind = self.reader.kinds.get(name, "string")
        expr = pl.col(name) if kind == "string" else self.reader.read(name, kind)
        return Value(expr, kind, field=name)

    def literal(self, node: exp.Literal) -> Value:
        text = str(node.this)
        if node.is_string:
            return Value(pl.lit(text, dtype=pl.String), "string", text=text, const=text, is_const=True)
        if re.fullmatch(r"\d{1,18}", text):
            return Value(pl.lit(int(text), dtype=pl.Int64), "integer", text=text, is_number=True)
        return Value(pl.lit(float(text), dtype=pl.Float64), "decimal", text=text, is_number=True)

    def connector(self, node: exp.Expression) -> Value:
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
        return Value(combine(operands), "boolean")

    def negation(self, node: exp.Not) -> Value:
        return Value(~self.boolean(self.node(node.this), "NOT's operand"), "boolean")

    def compare(self, node: exp.Expression) -> Value:
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
        return Value(operations[type(node)](a, b), "boolean")

    def is_(self, node: exp.Is) -> Value:
        subject, target = self.node(node.this), node.expression
        if isinstance(target, exp.Null):
            expr = pl.col(subject.field) if subject.field is not None else subject.expr
            return Value(expr.is_null(), "boolean")
        if isinstance(target, exp.Boolean):
            value = self.boolean(subject, "IS TRUE's operand")
            return Value((value == pl.lit(bool(target.this))).fill_null(False), "boolean")
        raise SqlError("IS is followed by NULL, TRUE or FALSE")

    def in_(self, node: exp.In) -> Value:
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
            return Value(found, "boolean")
        return Value(pl.any_horizontal([left == self.use(item) for item in typed]), "boolean")

    def between(self, node: exp.Between) -> Value:
        subject, low, high = self.node(node.this), self.node(node.args["low"]), self.node(node.args["high"])
        kind = self.common([subject, low, high], "BETWEEN")
        value = self.use(self.convert(subject, kind))
        return Value(
            (value >= self.use(self.convert(low, kind))) & (value <= self.use(self.convert(high, kind))),
            "boolean",
        )

    def like(self, node: exp.Like | exp.ILike) -> Value:
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
        return Value(~matched if node.args.get("negate") else matched, "boolean")

    def arithmetic(self, node: exp.Expression) -> Value:
        left, right = self.node(node.this), self.node(node.expression)
        op = type(node)
        if "interval" in (left.kind, right.kind):
            return self._interval(op, left, right)
        dated = {left.kind, right.kind} & {"date", "datetime"}
        if dated and op in (exp.Add, exp.Sub):
            return self._dates(op, left, right)
        kind = self.common([left, right], "arithmetic")
        if kind not in NUMERIC:
            texts = [v.field for v in (left, right) if v.field is not None and v.kind == "string"]
            # A field of dates or numbers with many bad values is inferred as text: say how
            # to read it as what it is meant to hold.
            hint = (
                f", or declare the field's type: fields: {{{texts[0]}: {{type: date}}}} (or integer, decimal)"
                if texts
                else ""
            )
            raise SqlError(
                f"arithmetic needs numbers or dates, not {describe_kind(kind)}; use || to join text{hint}"
            )
        a, b = self.use(self.convert(left, kind)), self.use(self.convert(right, kind))
        if op is exp.Div:
            return Value(pl.when(b != 0).then(a.cast(pl.Float64) / b.cast(pl.Float64)), "decimal")
        if op is exp.Mod:
            return Value(pl.when(b != 0).then(a % b), kind)
        result = a + b if op is exp.Add else a - b if op is exp.Sub else a * b
        return Value(result, kind)

    def _interval(self, op: type[exp.Expression], left: Value, right: Value) -> Value:
        if op not in (exp.Add, exp.Sub) or right.kind != "interval" or left.kind == "interval":
            raise SqlError(
                "an INTERVAL can only be added to or subtracted from a date: d + INTERVAL '30 days'"
            )
        if left.kind not in ("date", "datetime"):
            left = self.convert(left, "date")
        offset = right.interval or "0d"
        if op is exp.Sub:
            offset = "-" + offset
        return Value(self.use(left).dt.offset_by(offset), left.kind)

    def _dates(self, op: type[exp.Expression], left: Value, right: Value) -> Value:
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
                return Value((a - b).dt.total_days().cast(pl.Int64), "integer")
            return Value((a - b).dt.total_seconds().cast(pl.Float64) / 86400.0, "decimal")
        days_side = right if left.kind in ("date", "datetime") else left
        date_side = left if days_side is right else right
        if op is exp.Sub and date_side is right:
            raise SqlError("a number minus a date is not defined; write the date first: d - 1")
        days = self.use(self.convert(days_side, "integer"))
        step = days if op is exp.Add else -days
        # Beyond some 8,000 years either way the result is no date: unknown, not an overflow.
        in_range = step.abs() <= _MAX_DAYS
        if date_side.kind == "date":
            days_since_epoch = self.use(date_side).cast(pl.Int64) + step
            shifted = pl.when(in_range & (days_since_epoch.abs() <= _MAX_DAYS)).then(
                days_since_epoch.cast(pl.Int32, strict=False).cast(pl.Date)
            )
        else:
            shifted = pl.when(in_range).then(
                self.use(date_side) + pl.duration(days=step.clip(-_MAX_DAYS, _MAX_DAYS))
            )
        return Value(shifted, date_side.kind)

    def negative(self, node: exp.Neg) -> Value:
        value = self.node(node.this)
        if value.is_number and value.text is not None:
            return Value(-value.expr, value.kind, text=f"-{value.text}", is_number=True)
        if value.kind == "string" and value.field is not None:
            value = self.convert(value, "decimal")
        if value.kind not in NUMERIC:
            raise SqlError(f"only numbers can be negated, not {describe_kind(value.kind)}")
        return Value(-self.use(value), value.kind)

    def concat_pipe(self, node: exp.DPipe) -> Value:
        return Value(
            pl.concat_str([self.text(self.node(node.this)), self.text(self.node(node.expression))]), "string"
        )

    def concat(self, node: exp.Concat) -> Value:
        parts = [self.text(self.node(part)) for part in node.expressions]
        return Value(pl.concat_str(parts, ignore_nulls=True), "string")

    def case(self, node: exp.Case) -> Value:
        subject = self.node(node.this) if node.this is not None else None
        branches: list[tuple[pl.Expr, Value]] = []
        for branch in node.args.get("ifs") or []:
            if subject is not None:
                match = self.node(branch.this)
                kind = self.common([subject, match], "CASE")
                condition = self.use(self.convert(subject, kind)) == self.use(self.convert(match, kind))
            else:
                condition = self.boolean(self.node(branch.this), "a WHEN condition")
            branches.append((condition, self.node(branch.args["true"])))
        default = node.args.get("default")
        otherwise = self.node(default) if default is not None else Value(pl.lit(None), "null")
        return self._choose(branches, otherwise)

    def if_(self, node: exp.If) -> Value:
        condition = self.boolean(self.node(node.this), "IF's condition")
        otherwise = node.args.get("false")
        return self._choose(
            [(condition, self.node(node.args["true"]))],
            self.node(otherwise) if otherwise is not None else Value(pl.lit(None), "null"),
        )

    def _choose(self, branches: list[tuple[pl.Expr, Value]], otherwise: Value) -> Value:
        if not branches:
            raise SqlError("CASE needs at least one WHEN")
        kind = self.common([value for _, value in branches] + [otherwise], "CASE")
        first_condition, first_value = branches[0]
        chain: Any = pl.when(first_condition).then(self.use(self.convert(first_value, kind)))
        for condition, value in branches[1:]:
            chain = chain.when(condition).then(self.use(self.convert(value, kind)))
        return Value(chain.otherwise(self.use(self.convert(otherwise, kind))), kind)

    def constant(self, node: exp.Expression) -> Value:
        if isinstance(node, exp.Null):
            return Value(pl.lit(None), "null", const=None, is_const=True)
        value = bool(node.this)
        return Value(pl.lit(value), "boolean", const=value, is_const=True)

    def paren(self, node: exp.Paren) -> Value:
        return self.node(node.this)


def _python_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


#: Days from 1970-01-01 a date may reach by arithmetic (year 1970 +- 8,200): within polars'
#: range whatever interval is added after.
_MAX_DAYS = 3_000_000

Handler = Callable[[Translator, Any], Value]
_HANDLERS: dict[type[exp.Expression], Handler] = {
    exp.Column: Translator.column,
    exp.Literal: Translator.literal,
    exp.Boolean: Translator.constant,
    exp.Null: Translator.constant,
    exp.Paren: Translator.paren,
    exp.And: Translator.connector,
    exp.Or: Translator.connector,
    exp.Not: Translator.negation,
    **dict.fromkeys(
        (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ),
        Translator.compare,
    ),
    exp.Is: Translator.is_,
    exp.In: Translator.in_,
    exp.Between: Translator.between,
    exp.Like: Translator.like,
    exp.ILike: Translator.like,
    **dict.fromkeys((exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod), Translator.arithmetic),
    exp.Neg: Translator.negative,
    exp.DPipe: Translator.concat_pipe,
    exp.Concat: Translator.concat,
    exp.Case: Translator.case,
    exp.If: Translator.if_,
    exp.Cast: fn.cast,
    exp.TryCast: fn.cast,
    exp.Interval: fn.interval,
    exp.Lower: fn.text_function,
    exp.Upper: fn.text_function,
    exp.Length: fn.text_function,
    exp.Trim: fn.trim,
    exp.Substring: fn.substring,
    exp.Coalesce: fn.coalesce,
    exp.Nullif: fn.nullif,
    exp.Abs: fn.abs_,
    exp.Round: fn.round_,
    exp.Year: fn.date_part,
    exp.Month: fn.date_part,
    exp.Day: fn.date_part,
    exp.CurrentDate: fn.current_date,
}
