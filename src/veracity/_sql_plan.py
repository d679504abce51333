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
from veracity.checks.typed import TypedFields, context_field_types
from veracity.config.loader import Rule
from veracity.errors import RuleFileError
from veracity.fieldtypes import FieldType
from veracity.sql import Compiled, Kind, SqlError, compile_sql, sql_fields

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


class SqlPlan(TypedFields):
    """Compiles rules' SQL over one set of field types, and the typed columns it reads."""

    def __init__(
        self, ctx: CheckContext, field_types: Mapping[str, FieldType], *, staged: bool = True
    ) -> None:
        super().__init__(ctx, field_types, staged=staged)
        # Many rules share a condition (``when: "country = 'US'"``): compiled once.
        self._compiled: dict[str, Compiled] = {}

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
                problems.setdefault((name, kind), FieldType(kind, self.format_of(name, kind)).problem(name))
        return RuleSql(when, condition, tuple((n, k, m) for (n, k), m in problems.items()))

    def bad(self, sql: RuleSql) -> pl.Expr:
        """True where a value the rule reads as a type is not of it (the record fails)."""
        return pl.any_horizontal(
            [pl.col(name).is_not_null() & self.staged(name, kind).is_null() for name, kind, _ in sql.problems]
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
