"""YAML loading that remembers where every node stands, so errors can point at file:line:col.

A rule file is small, and its YAML is read with bounds, so that no file can make loading slow
or crash it: nesting deeper than :data:`MAX_DEPTH`, aliases that expand to more than
:data:`MAX_ALIAS_NODES` nodes (the "billion laughs"), aliases that contain themselves and tags
other than YAML's plain scalar types are refused with their location.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from veracity.errors import Location, RuleFileError

#: Deepest nesting of mappings and lists; a rule file needs about 6 levels.
MAX_DEPTH = 64
#: Most nodes that aliases may add to the document in total: enough to reuse a list of every
#: country code in a few hundred rules, and far below what takes noticeable time to build.
MAX_ALIAS_NODES = 100_000

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep; a rule file needs far fewer"


class _TooDeep(yaml.MarkedYAMLError):
    """Nesting beyond MAX_DEPTH, raised while composing (before Python's recursion runs out)."""


class _AliasBound(Exception):
    """Aliases expanded beyond MAX_ALIAS_NODES: unwinds to the outermost alias."""


class _Alias(yaml.Node):
    """A use of an anchor (``*name``): the anchored node, and where the alias stands."""

    def __init__(self, target: yaml.Node, start_mark: yaml.Mark, end_mark: yaml.Mark, anchor: str) -> None:
        super().__init__(target.tag, target.value, start_mark, end_mark)
        self.target = target
        self.anchor = anchor


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's reader, scanner and parser, written in Python."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off/y/n as booleans,
    which turns Norway's country code ``NO`` into ``False`` in a list of codes."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _BoundedComposer(yaml.composer.Composer):
    """Composes nodes in Python whatever the parser, bounding the nesting depth and keeping
    each alias's own position."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        events: Any = self  # PyYAML's event methods carry no annotations
        if events.check_event(yaml.AliasEvent):
            event = events.peek_event()
            target = yaml.composer.Composer.compose_node(self, parent, index)
            assert target is not None  # an alias names a node (an unknown one raises)
            return _Alias(target, event.start_mark, event.end_mark, str(event.anchor))
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(problem=_TOO_DEEP, problem_mark=events.peek_event().start_mark)
            return yaml.composer.Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


class _PyLoader(_PyParser, _BoundedComposer, yaml.constructor.SafeConstructor, _Resolver):
    """PyYAML's own parser: the reference for error messages, and the parser without libyaml."""

    def __init__(self, stream: str) -> None:
        _PyParser.__init__(self, stream)
        _BoundedComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type[_BoundedComposer]
try:
    from yaml._yaml import CParser

    class _CLoader(CParser, _BoundedComposer, yaml.constructor.SafeConstructor, _Resolver):
        """libyaml's parser turns text into events ten times faster than PyYAML's (a rule file
        of 5,000 rules: 0.6 s against 4.6 s)."""

        # CParser composes documents in C, where neither bound could be applied: the
        # Python composer is used instead (CParser comes first among the bases).
        get_single_node = yaml.composer.Composer.get_single_node
        compose_document = yaml.composer.Composer.compose_document

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = _PyLoader


def _compose(text: str) -> yaml.Node | None:
    """The document's root node. A text that does not parse is parsed again by PyYAML's own
    parser (errors are rare), so that a syntax error reads the same with or without libyaml."""
    try:
        return _Loader(text).get_single_node()  # type: ignore[call-arg]
    except yaml.MarkedYAMLError:
        if _Loader is _PyLoader:
            raise
        _PyLoader(text).get_single_node()
        raise


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


class Unusable:
    """Stands in for a YAML value that could not be read (its problem is already reported):
    no model accepts it, and the model's own error about it is not reported twice."""

    def __repr__(self) -> str:
        return "<unusable>"


@dataclass
class YamlDocument:
    """A parsed rule file: plain Python data, where its nodes stand, and the problems found
    while building it (the data holds :class:`Unusable` where they were)."""

    data: Any
    positions: Positions
    problems: list[RuleFileError]
    #: Where the data holds an Unusable value.
    unreadable: set[Location] = field(default_factory=set)


def load_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse ``text``; return plain Python data and the positions of its nodes.

    Raises :class:`RuleFileError` with every problem found (see :func:`read_yaml`)."""
    document = read_yaml(text, file)
    if document.problems:
        raise RuleFileError.collected(file, document.problems)
    return document.data, document.positions


def read_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text``. Syntax errors raise :class:`RuleFileError` (nothing after one can be
    trusted); problems with single nodes (duplicate keys, unknown tags, unreadable scalars,
    aliases beyond the bounds) are collected in the document."""
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "invalid YAML"
        advice = "" if isinstance(exc, _TooDeep) else "; check indentation and quoting"
        raise RuleFileError(f"YAML syntax error: {problem}{advice}", where) from None
    except yaml.YAMLError as exc:
        raise RuleFileError(f"YAML syntax error: {exc}", Location(file)) from None
    if node is None:
        raise RuleFileError(
            "the rule file is empty; start with 'version: 1' and a 'rules:' list", Location(file)
        )
    builder = _Builder(Positions(file))
    data = builder.build(node, ())
    return YamlDocument(data, builder.positions, builder.problems, builder.unreadable)


def dotted(path: Path_) -> str:
    """``rules[0].values``: a path as problems name it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _where(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Nodes -> Python data with positions, collecting problems instead of stopping at one."""

    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.problems: list[RuleFileError] = []
        self.unreadable: set[Location] = set()
        #: The path of the node being built, named in problems.
        self.here: Path_ = ()
        self.constructor = _PyLoader("")
        #: Nodes being built (by id): an alias to one of them would expand for ever.
        self.open: set[int] = set()
        #: Nodes built as part of an alias's expansion, and the alias that crossed the bound.
        self.alias_nodes = 0
        self.alias_depth = 0
        self.alias_refused = False

    def problem(self, message: str, mark: yaml.Mark | None) -> Unusable:
        """An Unusable value at ``mark``, with ``message`` reported (None: already reported)."""
        where = _where(self.positions.file, mark) if mark else None
        if where is not None:
            self.unreadable.add(where)
            if message:
                name = dotted(self.here)
                self.problems.append(RuleFileError(f"{name}: {message}" if name else message, where))
        return Unusable()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        outer, self.here = self.here, path
        try:
            return self.build_here(node, path)
        finally:
            self.here = outer

    def build_here(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, _Alias):
            value = self.expand(node, path)
            # Positions inside the expansion are those of the anchored nodes; an error about
            # the value as a whole points at the alias.
            self.positions.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
            return value
        self.positions.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if self.alias_depth:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise _AliasBound
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node, path)
            return self.scalar(node)
        finally:
            self.open.discard(id(node))

    def expand(self, alias: _Alias, path: Path_) -> Any:
        if self.alias_refused:  # reported once, where the bound was crossed
            return self.problem("", alias.start_mark)
        if id(alias.target) in self.open:
            return self.problem(
                f"alias *{alias.anchor} refers to a node that contains it; remove the alias", alias.start_mark
            )
        self.alias_depth += 1
        try:
            value = self.build(alias.target, path)
        except _AliasBound:
            if self.alias_depth > 1:
                raise
            # Reported once, at the outermost alias: the place the user wrote the repetition.
            self.alias_refused = True
            return self.problem(
                f"aliases expand to more than {MAX_ALIAS_NODES:,} values; write the repeated part "
                f"out or use fewer aliases (alias *{alias.anchor})",
                alias.start_mark,
            )
        finally:
            self.alias_depth -= 1
        return value

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any] | Unusable:
        if node.tag not in (f"{_CORE}map",):
            return self.problem(_tag_problem(node.tag), node.start_mark)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            # Keys are names: `true:` under `booleans:` is the word, not a boolean.
            if not isinstance(key_node, yaml.ScalarNode) or isinstance(key_node, _Alias):
                self.problem("complex mapping keys are not supported; use a plain name", key_node.start_mark)
                continue
            key = key_node.value
            if key == "<<":
                self.problem("merge keys ('<<') are not supported; write the keys out", key_node.start_mark)
                continue
            if key in result:
                self.problem(f"duplicate key '{key}'; remove one of them", key_node.start_mark)
                continue
            child = (*path, key)
            self.positions.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.build(value_node, child)
        return result

    def sequence(self, node: yaml.SequenceNode, path: Path_) -> list[Any] | Unusable:
        if node.tag not in (f"{_CORE}seq",):
            return self.problem(_tag_problem(node.tag), node.start_mark)
        return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        # Dates stay text: checks parse them with their own formats, and `today` is text too
        # (PyYAML would also refuse an impossible date such as 2026-02-30 with a bare ValueError).
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag not in (_INT, _FLOAT, _BOOL, _NULL):
            return self.problem(_tag_problem(tag), node.start_mark)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            kind = tag.removeprefix(_CORE)
            return self.problem(
                f"the value tagged !!{kind} is not a valid {kind}; remove the tag or fix the value",
                node.start_mark,
            )


def _tag_problem(tag: str) -> str:
    shown = f"!!{tag.removeprefix(_CORE)}" if tag.startswith(_CORE) else tag
    return (
        f"unsupported YAML tag {shown}: a rule file holds plain text, numbers, true/false, "
        "lists and mappings; remove the tag"
    )
