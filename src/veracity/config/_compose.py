"""Merging rule files (a file and those it includes) and outside settings into one document,
each node still knowing the file, line and column it came from.

The merge, in order (each included file before the file that includes it):

- ``rules`` add up. A rule whose id an earlier file already defined replaces that rule, in its
  place, only with ``override: true``; without it the clash is an error naming both places.
  ``disable: [id, ...]`` drops rules that earlier files defined.
- Mappings (``defaults``, ``gate``, ``fields``, ``booleans``, ``scoring``, ...) merge key by
  key, the later file's value winning; ``sources`` and ``null_markers`` add up; any other value
  (``key``, ``segments``, a list) is replaced by the later file's.
- A relative ``sources[].path`` of an included file is relative to that file, and so is the
  file of a relative ``sources[].database: sqlite:///FILE``.
- Every file declares ``version: 1``; the including file's own ``version`` is the result's.
- Settings (``--set``, ``VERACITY_SET_*``) apply last, to the merged document.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from veracity.config._include import Layer
from veracity.config._yaml import Path_, Positions, dotted
from veracity.config.settings import Setting
from veracity.errors import Location, RuleFileError
from veracity.suggest import did_you_mean

__all__ = ["COMPOSITION_KEYS", "Composition", "RuleOrigin", "SourcedPositions", "compose"]

#: Keys of a rule file that shape the merge and are not in the merged document.
COMPOSITION_KEYS = ("include", "disable")
_DIRECTIVES = (*COMPOSITION_KEYS, "rules")
#: Lists that add up across files; other lists are replaced.
_ADDING_LISTS = ("sources", "null_markers")


@dataclass
class SourcedPositions(Positions):
    """Positions whose nodes may come from several files, or from a setting."""

    #: (is a key, path) -> where the node stands, when it is not in ``file``.
    places: dict[tuple[bool, Path_], Location] = field(default_factory=dict)
    #: Per merged rule, the positions of the file it was written in and its index there.
    rules: list[tuple[Positions, int]] = field(default_factory=list)

    @classmethod
    def wrap(cls, positions: Positions) -> SourcedPositions:
        if isinstance(positions, SourcedPositions):
            return positions
        return cls(positions.file, positions.values, positions.keys)

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int) and path[1] < len(self.rules):
            positions, index = self.rules[path[1]]
            return positions.locate(("rules", index, *path[2:]), key=key)
        probe = tuple(path)
        while probe:
            if key and probe in self.keys:
                return self.places.get((True, probe)) or Location(self.file, *self.keys[probe])
            if probe in self.values:
                return self.places.get((False, probe)) or Location(self.file, *self.values[probe])
            probe = probe[:-1]
        if () in self.values:
            return self.places.get((False, ())) or Location(self.file, *self.values[()])
        return Location(self.file, 1, 1)

    def place(self, path: Path_, where: Location, *, key: bool) -> None:
        table = self.keys if key else self.values
        table[path] = (where.line or 0, where.column or 0)
        self.places[(key, path)] = where

    def forget(self, prefix: Path_) -> None:
        """Drop every node at or under ``prefix`` (its value is being replaced)."""
        size = len(prefix)
        for table, is_key in ((self.values, False), (self.keys, True)):
            for path in [p for p in table if p[:size] == prefix]:
                del table[path]
                self.places.pop((is_key, path), None)


@dataclass(frozen=True)
class RuleOrigin:
    """Where a merged rule was written: its file (a layer) and its index in that file."""

    layer: int
    index: int


@dataclass
class Composition:
    data: dict[str, Any]
    positions: Positions
    #: Per merged rule, the file and index it comes from (aligned with ``data["rules"]``).
    origins: list[RuleOrigin]
    layers: list[Layer]
    problems: list[RuleFileError]


def compose(layers: list[Layer], settings: Iterable[Setting], root_dir: Path | None) -> Composition:
    """Merge ``layers`` (the including file last) and apply ``settings``."""
    settings = list(settings)
    plain = len(layers) == 1 and not settings
    merger = _Merger(layers, root_dir, track=not plain)
    for number, layer in enumerate(layers):
        merger.add(number, layer)
    merger.apply(settings)
    return merger.result()


class _Merger:
    def __init__(self, layers: list[Layer], root_dir: Path | None, *, track: bool) -> None:
        self.layers = layers
        #: Whether positions are merged too; one file with nothing set keeps its own.
        self.track = track
        self._subtrees: dict[int, dict[str | int, list[tuple[Path_, bool]]]] = {}
        self.root = len(layers) - 1
        self.root_dir = root_dir if root_dir is not None else Path.cwd()
        self.data: dict[str, Any] = {}
        self.positions = SourcedPositions(layers[-1].shown)
        self.problems: list[RuleFileError] = []
        #: Merged rules: (id, item, origin); None where a rule was disabled.
        self.rules: list[tuple[str | None, Any, RuleOrigin] | None] = []
        self.by_id: dict[str, int] = {}
        self.rules_seen = False

    def where(self, layer: int, path: Path_, *, key: bool = False) -> Location:
        return self.layers[layer].positions.locate(path, key=key)

    def add(self, number: int, layer: Layer) -> None:
        data = layer.data
        if number != self.root:
            self._check_version(number, data)
        self._disable(number, data.get("disable"), "disable" in data)
        for key, value in data.items():
            if key in _DIRECTIVES or (key == "version" and number != self.root):
                continue
            self._merge(number, (key,), value)
        if "rules" in data:
            self._add_rules(number, data["rules"])

    def _check_version(self, number: int, data: dict[str, Any]) -> None:
        if "version" not in data:
            self.problems.append(RuleFileError("missing required key 'version'", self.where(number, ())))
        elif type(data["version"]) is not int or data["version"] != 1:
            self.problems.append(
                RuleFileError("version: input should be 1", self.where(number, ("version",)))
            )

    def _disable(self, number: int, value: Any, present: bool) -> None:
        if not present:
            return
        items = value if isinstance(value, list) else [value]
        for index, rule_id in enumerate(items):
            path: Path_ = ("disable", index) if isinstance(value, list) else ("disable",)
            name = dotted(path)
            if not isinstance(rule_id, str):
                self.problems.append(
                    RuleFileError(f"{name}: must be a rule id (or a list of them)", self.where(number, path))
                )
                continue
            slot = self.by_id.pop(rule_id, None)
            if slot is None:
                known = list(self.by_id)
                self.problems.append(
                    RuleFileError(
                        f"{name}: no included rule has id '{rule_id}'{did_you_mean(rule_id, known)}; "
                        "'disable:' drops rules of the files this one includes",
                        self.where(number, path),
                    )
                )
                continue
            self.rules[slot] = None

    def _add_rules(self, number: int, items: Any) -> None:
        if not isinstance(items, list):
            if number == self.root:
                # The model reports it at its place, as for a file without includes.
                self.data["rules"] = items
                self.rules_seen = True
            else:
                self.problems.append(
                    RuleFileError("rules: input should be a valid list", self.where(number, ("rules",)))
                )
            return
        self.rules_seen = True
        earlier = dict(self.by_id)
        for index, item in enumerate(items):
            origin = RuleOrigin(number, index)
            rule_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(rule_id, str):
                rule_id = None
            override = False
            if isinstance(item, dict) and "override" in item:
                override = item["override"] is True
                if not isinstance(item["override"], bool):
                    self.problems.append(
                        RuleFileError(
                            f"rules[{index}].override: must be true or false",
                            self.where(number, ("rules", index, "override")),
                        )
                    )
                item = {k: v for k, v in item.items() if k != "override"}
            if rule_id is not None and rule_id in earlier:
                slot = earlier[rule_id]
                entry = self.rules[slot]
                if override and entry is not None:
                    self.rules[slot] = (rule_id, item, origin)
                    continue
                first = self.where(entry[2].layer, ("rules", entry[2].index)) if entry else None
                self.problems.append(
                    RuleFileError(
                        f"rules[{index}].id: '{rule_id}' is already defined at {first}; add "
                        f"'override: true' to this rule to replace it, or give it another id",
                        self.where(number, ("rules", index, "id")),
                    )
                )
                # Kept, so that its own problems (a misspelt 'override', say) are reported too.
                self.rules.append((rule_id, item, origin))
                continue
            if override:
                self.problems.append(
                    RuleFileError(
                        f"rules[{index}].override: no included rule has id '{rule_id}'"
                        f"{did_you_mean(rule_id or '', list(earlier))}; remove 'override: true' "
                        "or correct the id",
                        self.where(number, ("rules", index, "override"), key=True),
                    )
                )
            if rule_id is not None and rule_id not in self.by_id:
                self.by_id[rule_id] = len(self.rules)
            self.rules.append((rule_id, item, origin))

    def _merge(self, number: int, path: Path_, value: Any) -> None:
        key = path[-1]
        target = self._parent(path)
        layer = self.layers[number]
        here = self.positions
        if len(path) == 1 and key in _ADDING_LISTS and isinstance(value, list):
            existing = target.get(key)
            merged = list(existing) if isinstance(existing, list) else []
            if not isinstance(existing, list) and self.track:
                here.forget(path)
            self._copy(number, path, path, key_only=True)
            for index, item in enumerate(value):
                if key == "null_markers" and item in merged:
                    continue
                if key == "sources" and number != self.root:
                    item = self._rebased(item, layer)
                self._copy(number, (*path, index), (*path, len(merged)))
                merged.append(item)
            target[key] = merged
            return
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            self._copy(number, path, path, key_only=True)
            self._place_node(number, path)
            target[key] = dict(target[key])
            for name, item in value.items():
                self._merge(number, (*path, name), item)
            return
        if self.track:
            here.forget(path)
        self._copy(number, path, path)
        target[key] = value

    def _parent(self, path: Path_) -> dict[Any, Any]:
        node: dict[Any, Any] = self.data
        for part in path[:-1]:
            node = node[part]  # a merged mapping: _merge only descends into mappings
        return node

    def _rebased(self, item: Any, layer: Layer) -> Any:
        """A source of an included file, its relative path (or SQLite file) made relative to the
        root's directory, against which the sources are read."""
        if not isinstance(item, dict) or layer.base_dir is None:
            return item
        path, database = item.get("path"), item.get("database")
        if isinstance(path, str) and path != "-" and not Path(path).is_absolute():
            return {**item, "path": os.path.relpath(layer.base_dir / path, self.root_dir)}
        if isinstance(database, str) and database[:10].lower() == "sqlite:///" and "${" not in database:
            # sqlite:///FILE is relative, sqlite:////FILE absolute; a URL with a host is refused
            # when the source is opened, as in the root file.
            parts = urlsplit(database)
            name = unquote(parts.path)[1:]
            if name and not Path(name).is_absolute():
                moved = quote(os.path.relpath(layer.base_dir / name, self.root_dir))
                query = f"?{parts.query}" if parts.query else ""
                return {**item, "database": f"{database[:10]}{moved}{query}"}
        return item

    def _place_node(self, number: int, path: Path_) -> None:
        if self.track:
            self.positions.place(path, self.where(number, path), key=False)

    def _copy(self, number: int, source: Path_, target: Path_, *, key_only: bool = False) -> None:
        """Copy the positions of ``source`` (and its subtree) in a layer to ``target`` here."""
        if not self.track:
            return
        positions = self.layers[number].positions
        size = len(source)
        if key_only:
            if source in positions.keys:
                self.positions.place(target, positions.locate(source, key=True), key=True)
            return
        for path, is_key in self._subtree(number, source[0]):
            if path[:size] == source:
                self.positions.place((*target, *path[size:]), positions.locate(path, key=is_key), key=is_key)

    def _subtree(self, number: int, top: str | int) -> list[tuple[Path_, bool]]:
        """A layer's nodes under one top-level key (indexed once per layer: a file's rules are
        most of its nodes, and would otherwise be walked for every key merged)."""
        if number not in self._subtrees:
            index: dict[str | int, list[tuple[Path_, bool]]] = {}
            positions = self.layers[number].positions
            for table, is_key in ((positions.values, False), (positions.keys, True)):
                for path in table:
                    if path and path[0] != "rules":
                        index.setdefault(path[0], []).append((path, is_key))
            self._subtrees[number] = index
        return self._subtrees[number].get(top, [])

    def apply(self, settings: list[Setting]) -> None:
        for setting in settings:
            if setting.path[0] == "rules":
                self._set_rule(setting)
            else:
                self._set(setting)

    def _set(self, setting: Setting) -> None:
        node = self.data
        path: Path_ = ()
        for part in setting.path[:-1]:
            path = (*path, part)
            child = node.get(part)
            if child is None:
                child = node[part] = {}
                self.positions.forget(path)
                self.positions.place(path, setting.location, key=True)
                self.positions.place(path, setting.location, key=False)
            elif not isinstance(child, dict):
                self.problems.append(
                    RuleFileError(
                        f"{dotted(path)} is not a mapping, so it has no keys to set", setting.location
                    )
                )
                return
            else:
                node[part] = child = dict(child)
            node = child
        path = (*path, setting.path[-1])
        node[setting.path[-1]] = setting.value
        self._place_setting(self.positions, path, setting)

    @staticmethod
    def _place_setting(positions: SourcedPositions, path: Path_, setting: Setting) -> None:
        positions.forget(path)
        positions.place(path, setting.location, key=True)
        positions.place(path, setting.location, key=False)
        if isinstance(setting.value, list):
            for index in range(len(setting.value)):
                positions.place((*path, index), setting.location, key=False)

    def _set_rule(self, setting: Setting) -> None:
        _, wanted, key = setting.path
        slots = {rule_id: slot for rule_id, slot in self.by_id.items() if self.rules[slot] is not None}
        if setting.loose_ids:
            found = [rid for rid in slots if _loose(rid) == _loose(wanted)]
        else:
            found = [wanted] if wanted in slots else []
        if len(found) != 1:
            problem = (
                f"rules: no rule has id '{wanted}'{did_you_mean(wanted, list(slots))}"
                if not found
                else f"rules: '{wanted}' matches the rules {', '.join(found)}; use --set with the exact id"
            )
            self.problems.append(RuleFileError(problem, setting.location))
            return
        slot = slots[found[0]]
        entry = self.rules[slot]
        assert entry is not None
        rule_id, item, origin = entry
        if not isinstance(item, dict):
            return  # the rule itself is reported where it is written
        self.rules[slot] = (rule_id, {**item, key: setting.value}, origin)
        layer = self.layers[origin.layer]
        layer.positions = positions = SourcedPositions.wrap(layer.positions)
        self._place_setting(positions, ("rules", origin.index, key), setting)

    def result(self) -> Composition:
        kept = [entry for entry in self.rules if entry is not None]
        if self.rules_seen and "rules" not in self.data:
            self.data["rules"] = [item for _, item, _ in kept]
            owner = next(
                (n for n in (self.root, *range(len(self.layers))) if "rules" in self.layers[n].data),
                self.root,
            )
            self._copy(owner, ("rules",), ("rules",), key_only=True)
            self._place_node(owner, ("rules",))
        origins = [origin for _, _, origin in kept]
        if not self.track:
            # One file, nothing set: its own positions, exactly as written.
            return Composition(self.data, self.layers[0].positions, origins, self.layers, self.problems)
        root = self.layers[self.root].positions
        if () in root.values:
            self.positions.place((), root.locate(()), key=False)
        self._place_rules(origins)
        return Composition(self.data, self.positions, origins, self.layers, self.problems)

    def _place_rules(self, origins: list[RuleOrigin]) -> None:
        """Each merged rule's nodes are found at their places in their own files (``rules[7]``
        here may be ``rules[2]`` of a pack), looked up when asked for rather than copied."""
        self.positions.rules = [(self.layers[origin.layer].positions, origin.index) for origin in origins]


def _loose(rule_id: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in rule_id.lower())
