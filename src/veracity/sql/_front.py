"""SQL text -> a checked syntax tree: parsed by sqlglot, held to size limits and an allow-list.

SQL in a rule is an expression over one record's fields. Nothing that reads anything else may
pass: no statement (SELECT, INSERT, ...), subquery, EXISTS, table function (``read_csv``),
aggregate or window function. The tree is checked node by node against the node types the
translator (:mod:`veracity.sql._compile`) knows; every other node is refused, so a node type a
new sqlglot release adds is refused until the translator learns it.

The checks run on the parse tree only: the SQL is never handed to an engine that could read
a file while compiling it, and no error quotes engine output (which can contain data).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from veracity.sql._errors import MAX_CHARACTERS, MAX_DEPTH, MAX_NODES, SqlError

__all__ = ["MAX_CHARACTERS", "MAX_DEPTH", "MAX_NODES", "SqlError", "parse_sql", "sql_fields"]


#: Node types an expression may contain: values, operators and the functions the translator
#: implements. Anything else is refused by name.
ALLOWED: frozenset[type[exp.Expression]] = frozenset(
    {
        exp.Column,
        exp.Identifier,
        exp.Literal,
        exp.Boolean,
        exp.Null,
        exp.Paren,
        exp.And,
        exp.Or,
        exp.Not,
        exp.EQ,
        exp.NEQ,
        exp.GT,
        exp.GTE,
        exp.LT,
        exp.LTE,
        exp.NullSafeEQ,
        exp.NullSafeNEQ,
        exp.Is,
        exp.In,
        exp.Between,
        exp.Like,
        exp.ILike,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Mod,
        exp.Neg,
        exp.DPipe,
        exp.Case,
        exp.If,
        exp.Cast,
        exp.TryCast,
        exp.DataType,
        exp.DataTypeParam,
        exp.Interval,
        exp.Var,
        exp.Lower,
        exp.Upper,
        exp.Length,
        exp.Trim,
        exp.Substring,
        exp.Concat,
        exp.Coalesce,
        exp.Nullif,
        exp.Abs,
        exp.Round,
        exp.Year,
        exp.Month,
        exp.Day,
        exp.CurrentDate,
    }
)

#: Arguments a node may carry beyond its operands: ``x IN (SELECT ...)`` keeps the subquery
#: under ``query``, ``IN UNNEST(...)`` under ``unnest``; those keys are refused.
_REFUSED_ARGS = frozenset({"query", "unnest", "field", "from", "joins", "where"})

_CONNECTORS = (exp.And, exp.Or)

#: What the common refusals are called in messages (the class name otherwise).
_WHY = {
    exp.Select: "a SELECT statement",
    exp.Subquery: "a subquery",
    exp.Exists: "EXISTS",
    exp.Table: "a table",
    exp.Star: "*",
    exp.Window: "a window function (OVER)",
    exp.Placeholder: "a placeholder",
    exp.Parameter: "a parameter",
    exp.Dot: "a qualified name",
}


def _describe(node: exp.Expression) -> str:
    for kind, text in _WHY.items():
        if isinstance(node, kind):
            return text
    if isinstance(node, exp.Anonymous):
        return f"the function {str(node.name).upper()}()"
    if isinstance(node, exp.AggFunc):
        return f"the aggregate function {node.sql_name()}()"
    if isinstance(node, exp.Func):
        return f"the function {node.sql_name()}()"
    if isinstance(node, exp.Query | exp.DDL | exp.DML | exp.Command):
        return "a statement"
    return f"{type(node).__name__} syntax"


def _refuse(node: exp.Expression) -> SqlError:
    return SqlError(
        f"{_describe(node)} is not allowed: SQL in a rule reads the record's own fields only "
        "(docs/sql.md lists the operators and functions it can use)"
    )


def _paren_depth(sql: str) -> int:
    """The deepest nesting of parentheses outside quotes: refused before parsing, whose
    recursion grows with it."""
    depth = deepest = 0
    quote: str | None = None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _children(node: exp.Expression) -> Iterator[exp.Expression]:
    for key, value in node.args.items():
        if key in _REFUSED_ARGS and value:
            raise _refuse(value if isinstance(value, exp.Expression) else node)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, exp.Expression):
                yield item


@lru_cache(maxsize=4096)
def parse_sql(sql: str) -> exp.Expression:
    """The checked syntax tree of ``sql``; SqlError when it is not an allowed expression.

    Cached: the same condition is often written on many rules, and each is read by the
    loader, the engine and ``rules check``. Callers must not modify the tree.
    """
    if not sql.strip():
        raise SqlError("the SQL expression is empty; write a condition such as \"country = 'US'\"")
    if len(sql) > MAX_CHARACTERS:
        raise SqlError(
            f"the SQL expression is {len(sql):,} characters long, more than the {MAX_CHARACTERS:,} allowed; "
            "split it into several rules, or use check: in_set for long lists of values"
        )
    if _paren_depth(sql) > MAX_DEPTH:
        raise SqlError(f"the SQL expression nests parentheses more than {MAX_DEPTH} deep; simplify it")
    try:
        statements = sqlglot.parse(sql)
    except ParseError as exc:
        raise SqlError(f"invalid SQL expression: {_parse_problem(exc)}") from None
    except RecursionError:
        raise SqlError(f"the SQL expression nests more than {MAX_DEPTH} deep; simplify it") from None
    except Exception:  # sqlglot's tokenizer raises several types for broken text
        raise SqlError(
            "invalid SQL expression: it cannot be read as SQL (check quotes and brackets)"
        ) from None
    if len(statements) != 1:
        raise SqlError("write one SQL expression, without ';'")
    if statements[0] is None:
        raise SqlError("the SQL expression is empty once its comments (-- and /* */) are removed")
    tree = statements[0]
    if not isinstance(tree, exp.Expression):
        raise SqlError("write one SQL expression")
    _check(tree)
    return tree


def _parse_problem(exc: ParseError) -> str:
    errors = exc.errors or []
    if not errors:
        return "it cannot be read as SQL"
    first = errors[0]
    description = str(first.get("description") or "it cannot be read as SQL").splitlines()[0]
    column = first.get("col")
    return f"{description[:120]} (at character {column})" if column else description[:120]


def _check(tree: exp.Expression) -> None:
    """Every node allowed; at most MAX_NODES nodes, MAX_DEPTH levels. Iterative: a long chain
    of ORs is as deep as it is long in sqlglot's tree."""
    count = 0
    stack: list[tuple[exp.Expression, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise SqlError(
                f"the SQL expression has more than {MAX_NODES:,} parts; split it into several rules, "
                "or use check: in_set for long lists of values"
            )
        if type(node) not in ALLOWED:
            raise _refuse(node)
        if isinstance(node, exp.Column) and (node.args.get("table") or node.args.get("db")):
            raise SqlError(
                "qualified names (table.field) are not allowed: name the field alone, "
                'in double quotes if it has a dot ("a.b")'
            )
        if depth > MAX_DEPTH:
            raise SqlError(f"the SQL expression nests more than {MAX_DEPTH} deep; simplify it")
        for child in _children(node):
            # A chain of the same connector is one level: it is compiled as one n-ary step.
            same_chain = isinstance(node, _CONNECTORS) and type(child) is type(node)
            stack.append((child, depth if same_chain else depth + 1))


def sql_fields(sql: str) -> list[str]:
    """The fields ``sql`` reads, in order of first mention (SqlError if it is not allowed)."""
    return list(_fields(sql))


@lru_cache(maxsize=4096)
def _fields(sql: str) -> tuple[str, ...]:
    names: dict[str, None] = {}
    stack = [parse_sql(sql)]
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Column):
            names.setdefault(node.name)
        else:
            stack.extend(reversed(list(_children(node))))
    return tuple(names)
