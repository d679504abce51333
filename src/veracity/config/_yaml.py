"""YAML loading that remembers where every node stands, so errors can point at file:line:col."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from veracity.errors import Location, RuleFileError


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off/y/n as booleans,
    which turns Norway's country code ``NO`` into ``False`` in a list of codes."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

Path_ = tuple[str | int, ...]


@dataclass
class Positions:
    """1-based (line, column) of each value node and each mapping key, by path."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The closest known location of ``path`` (walking up to its parents)."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                line, column = table[probe]
                return Location(self.file, line, column)
            if probe in self.values:
                line, column = self.values[probe]
                return Location(self.file, line, column)
            probe = probe[:-1]
        line, column = self.values.get((), (1, 1))
        return Location(self.file, line, column)


def load_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse ``text``; return plain Python data and the positions of its nodes."""
    positions = Positions(file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "invalid YAML"
        raise RuleFileError(f"YAML syntax error: {problem}; check indentation and quoting", where) from None
    except yaml.YAMLError as exc:
        raise RuleFileError(f"YAML syntax error: {exc}", Location(file)) from None
    if node is None:
        raise RuleFileError(
            "the rule file is empty; start with 'version: 1' and a 'rules:' list", Location(file)
        )
    return _construct(node, (), positions), positions


def _construct(node: yaml.Node, path: Path_, positions: Positions) -> Any:
    positions.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are names: `true:` under `booleans:` is the word, not a boolean.
            if not isinstance(key_node, yaml.ScalarNode):
                raise RuleFileError(
                    "complex mapping keys are not supported",
                    Location(positions.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                )
            key = key_node.value
            child = (*path, key)
            where = Location(positions.file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                raise RuleFileError(f"duplicate key '{key}'; remove one of them", where)
            positions.keys[child] = (where.line or 1, where.column or 1)
            result[key] = _construct(value_node, child, positions)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), positions) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = _Loader("").construct_object(node, deep=True)
        # Dates stay text: checks parse them with their own formats, and `today` is text too.
        if isinstance(value, dt.date | dt.datetime):
            return node.value
        return value
    raise RuleFileError("complex mapping keys are not supported")
