"""Column names as Spark takes them. In the text Spark parses (DDL schemas, column references)
each name is quoted in backticks, a backtick inside doubled; a ``mapInArrow`` pass over columns
whose names hold a backtick goes through stand-ins. So any name a data file can hold (dots,
spaces, quotes, backticks) reaches Spark as itself and never as SQL."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["map_in_arrow", "quoted"]


def quoted(name: str) -> str:
    """``name`` as one quoted identifier: ``na`me`` becomes ```na``me```."""
    return "`" + name.replace("`", "``") + "`"


def map_in_arrow(
    frame: DataFrame, function: Callable[[Iterator[Any]], Iterator[Any]], schema: str
) -> DataFrame:
    """``frame.mapInArrow(function, schema)`` whatever the columns are called. pyspark hands
    the columns to the pass by parsing their names (``frame[name]``), which a backtick in a name
    breaks; such a frame's columns go by stand-in names, and ``function`` sees its batches with
    the real ones."""
    names = list(frame.columns)
    if not any("`" in name for name in names):
        return frame.mapInArrow(function, schema)
    stand_ins = [f"_c{n}" for n in range(len(names))]
    named = functools.partial(_named, function=function, names=names)
    return frame.toDF(*stand_ins).mapInArrow(named, schema)


def _named(
    batches: Iterator[Any], *, function: Callable[[Iterator[Any]], Iterator[Any]], names: list[str]
) -> Iterator[Any]:
    yield from function(batch.rename_columns(names) for batch in batches)
