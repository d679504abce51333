"""The engine's side of SQL in rules: typed columns for the fields SQL reads, each rule's
``when:`` and SQL parameters compiled over them, and located errors.

Each (field, type) pair SQL reads is one column of the engine's query, parsed once (dates and
yes/no values once per distinct value); every rule reads those columns. A value that does not
parse as the type a rule reads it as makes that record fail the rule, with a message naming the
field and the type (docs/sql.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from veracity.checks.base import CheckContext
from veracity.config.loader import Rule
from veracity.errors import RuleFileError
from veracity.fieldtypes import FieldType, declared_field_types, infer_field_types, typed_expr
from veracity.sql import Compiled, FieldReader, Kind, SqlError, compile_sql, sql_fields

__all__ = ["RuleSql", "SqlPlan", "check_sql", "context_field_types", "rule_sql_fields", "sql_texts"]


def sql_texts(rule: Rule) -> list[tuple[str, str]]:
    """(parameter, SQL) of every SQL text of ``rule``: ``when`` first, then the check's own."""
    texts = [("when", rule.when)] if rule.when else []
    for param in rule.params.sql_params:
        value = getattr(rule.params, param, None)
        if value:
            texts.append((param, value))
    return texts


def rule_sql_fields(rules: Sequence[Rule]) -> list[str]:
    """Every field the rules' SQL reads, in rule order."""
    names: dict[str, None] = {}
    for rule in rules:
        for _, sql in sql_texts(rule):
            names.update(dict.fromkeys(sql_fields(sql)))
    return list(names)


def context_field_types(ctx: CheckContext, fields: Sequence[str]) -> dict[str, FieldType]:
    """The types of ``fields``: declared in the rule file, else inferred from ``ctx.data``."""
    declared = declared_field_types(ctx.field_kinds, ctx.date_formats)
    return infer_field_types(ctx.data.frame, fields, declared, ctx.booleans)


@dataclass(frozen=True)
class RuleSql:
    """A rule's compiled SQL: its ``when:`` and its check's condition (either may be absent)."""

    when: Compiled | None
    condition: Compiled | None
    #: Per (field, type) read, the finding's message where the value is not of that type.
    problems: tuple[tuple[str, Kind, str], ...]

    @property
    def checked(self) -> bool:
        return bool(self.problems)


class SqlPlan:
    """Compiles rules' SQL over one set of field types, and the typed columns it reads."""

    def __init__(
        self, ctx: CheckContext, field_types: Mapping[str, FieldType], *, staged: bool = True
    ) -> None:
        """``staged``: typed values are columns of the query (:meth:`typed_columns`); else
        expressions over the data's own columns."""
        self.ctx = ctx
        self._stage = staged
        self.field_types = dict(field_types)
        self._columns: dict[tuple[str, Kind], pl.Expr] = {}
        # Many rules share a condition (``when: "country = 'US'"``): compiled once.
        self._compiled: dict[str, Compiled] = {}
        booleans = ctx.booleans
        true = {s.strip().lower() for s in booleans.true}
        false = {s.strip().lower() for s in booleans.false}

        def yes_no(text: str) -> bool | None:
            normal = text.strip().lower()
            return True if normal in true else False if normal in false else None

        self.reader = FieldReader(
            kinds={name: t.kind for name, t in self.field_types.items()},
            read=self._staged,
            yes_no=yes_no,
            as_of=ctx.as_of,
        )

    def _format(self, name: str, kind: Kind) -> str | None:
        own = self.field_types.get(name)
        if own is not None and own.kind == kind:
            return own.format
        return self.ctx.date_formats.get(name) if kind in ("date", "datetime") else None

    def raw(self, name: str, kind: Kind) -> pl.Expr:
        """The data's column ``name`` read as ``kind`` (null where a value does not parse)."""
        column = pl.col(name)
        if kind == "date":
            return self.ctx.parse_date(column, self._format(name, kind), name)
        if kind == "boolean":
            return self.ctx.parse_bool(column)
        return typed_expr(column, kind, self._format(name, kind), self.ctx.booleans)

    def _staged(self, name: str, kind: Kind) -> pl.Expr:
        if not self._stage:
            return self.raw(name, kind)
        column = f"__sql\x00{name}\x00{kind}"
        if (name, kind) not in self._columns:
            self._columns[(name, kind)] = self.raw(name, kind).alias(column)
        return pl.col(column)

    def typed_columns(self) -> list[pl.Expr]:
        """The typed columns the compiled rules read (add them to the query before the rules)."""
        return list(self._columns.values())

    def compile(self, rule: Rule, index: int | None = None) -> RuleSql:
        """``rule``'s SQL compiled; RuleFileError at the SQL's place in the rule file
        (``index``: the rule's place in the file, for the message)."""
        when: Compiled | None = None
        parts: list[Compiled] = []
        for param, sql in sql_texts(rule):
            try:
                compiled = self._compiled.get(sql) or self._compiled.setdefault(
                    sql, compile_sql(sql, self.reader)
                )
            except SqlError as exc:
                where = rule.key_locations.get(param) or rule.location
                name = f"rules[{index}].{param}" if index is not None else f"rule '{rule.id}' {param}"
                raise RuleFileError(f"{name}: {exc}", where) from None
            if param == "when":
                when = compiled
            else:
                parts.append(compiled)
        condition = parts[0] if len(parts) == 1 else _all(parts) if parts else None
        problems: dict[tuple[str, Kind], str] = {}
        for compiled in ([when] if when else []) + parts:
            for name, kind in compiled.checked:
                problems.setdefault((name, kind), FieldType(kind, self._format(name, kind)).problem(name))
        return RuleSql(when, condition, tuple((n, k, m) for (n, k), m in problems.items()))

    def bad(self, sql: RuleSql) -> pl.Expr:
        """True where a value the rule reads as a type is not of it (the record fails)."""
        return pl.any_horizontal(
            [
                pl.col(name).is_not_null() & self._staged(name, kind).is_null()
                for name, kind, _ in sql.problems
            ]
        )

    def message(self, sql: RuleSql) -> pl.Expr:
        """The message of a record that fails for a value of the wrong type, over the data's
        own columns (worked out for the failing records only); null for other failures."""
        chain: pl.Expr | None = None
        for name, kind, text in reversed(sql.problems):
            bad = pl.col(name).is_not_null() & self.raw(name, kind).is_null()
            chain = (
                pl.when(bad)
                .then(pl.lit(text))
                .otherwise(chain if chain is not None else pl.lit(None, dtype=pl.String))
            )
        return chain if chain is not None else pl.lit(None, dtype=pl.String)


def _all(parts: list[Compiled]) -> Compiled:
    return Compiled(
        pl.all_horizontal([p.value for p in parts]),
        pl.any_horizontal([p.bad for p in parts]),
        tuple(dict.fromkeys(pair for p in parts for pair in p.checked)),
    )


def check_sql(rules: Sequence[Rule], ctx: CheckContext) -> list[RuleFileError]:
    """Every rule's SQL compiled over ``ctx.data``'s field types: one located error per rule
    whose SQL cannot run (types that cannot be compared, a literal that is not of its field's
    type, ...), in rule order."""
    plan = SqlPlan(ctx, context_field_types(ctx, rule_sql_fields(rules)))
    problems: list[RuleFileError] = []
    for index, rule in enumerate(rules):
        try:
            plan.compile(rule, index)
        except RuleFileError as exc:
            problems.append(exc)
    return problems
