"""Reading a rule file and every file it includes (``include:``), bounded and without cycles.

The files come back in merge order: each included file before the file that includes it, in
the order the ``include:`` list names them (a depth-first walk). A file included a second time
(two packs sharing a base) is read once, at its first place; a file that includes itself,
directly or through others, is refused with the chain.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veracity.config._yaml import Positions, YamlDocument, read_yaml
from veracity.errors import Location, RuleFileError
from veracity.packs import PACK_PREFIX, find_pack, pack_names
from veracity.suggest import did_you_mean

__all__ = ["MAX_INCLUDED_FILES", "MAX_INCLUDE_DEPTH", "MAX_RULE_FILE_BYTES", "Layer", "read_layers"]

#: Largest rule file read: a rule pack of thousands of rules is a few hundred kB.
MAX_RULE_FILE_BYTES = 5 * 1024 * 1024
#: Longest chain of includes (a project file, a team pack, a company pack... need a handful).
MAX_INCLUDE_DEPTH = 16
#: Most files one rule file may bring in, itself included.
MAX_INCLUDED_FILES = 64


@dataclass
class Layer:
    """One rule file of a composition: its data and where each node stands in it."""

    #: The file as messages name it: the path as given (relative to the including file's
    #: directory), or ``veracity:<pack>``.
    shown: str
    data: Any
    positions: Positions
    document: YamlDocument | None
    #: The directory the file's relative paths (includes, sources) start from.
    base_dir: Path | None
    sha256: str | None = None
    #: The files this one includes, as they were read (for ``veracity rules show``).
    includes: list[str] = field(default_factory=list)


_Identity = tuple[int, int]


def read_rule_bytes(file: Path, shown: str, *, pipe: bool = False) -> tuple[bytes, _Identity]:
    """The file's bytes, read once and at most MAX_RULE_FILE_BYTES of them, and its identity
    (device, inode). A device such as /dev/zero would be read for ever, so only a regular file
    is read, or with ``pipe`` a named pipe (``-r <(generate-rules)``); an included file that is
    a pipe would wait for a writer that never comes, so there the open does not wait
    (O_NONBLOCK) and the pipe is refused."""
    try:
        if stat.S_ISSOCK(os.stat(file).st_mode):
            raise RuleFileError(f"rule file {shown} is a socket, not a file; name a .yaml file")
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | (0 if pipe else os.O_NONBLOCK)
        descriptor = os.open(file, flags)
    except FileNotFoundError:
        raise RuleFileError(f"rule file {shown} not found; check the path") from None
    except IsADirectoryError:  # pragma: no cover - Linux opens directories; other systems refuse
        raise RuleFileError(f"rule file {shown} is a directory; name a .yaml file") from None
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file {shown}: {exc.strerror}") from None
    status = os.fstat(descriptor)
    mode = status.st_mode
    problem = (
        "is a directory; name a .yaml file"
        if stat.S_ISDIR(mode)
        else "is a device, not a file; name a .yaml file"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "is a named pipe, not a file; name a .yaml file"
        if not stat.S_ISREG(mode) and not (pipe and stat.S_ISFIFO(mode))
        else None
    )
    if problem is not None:
        os.close(descriptor)
        raise RuleFileError(f"rule file {shown} {problem}")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            raw = handle.read(MAX_RULE_FILE_BYTES + 1)
        except OSError as exc:
            raise RuleFileError(f"cannot read rule file {shown}: {exc.strerror}") from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RuleFileError(
            f"rule file {shown} is larger than {MAX_RULE_FILE_BYTES // 2**20} MB; "
            "a rule file is text of a few kB: check the path"
        )
    return raw, (status.st_dev, status.st_ino)


def decode_rule_text(raw: bytes, shown: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleFileError(f"rule file {shown} is not UTF-8 text; save it as UTF-8") from None


def parse_layer(raw: bytes, shown: str, base_dir: Path | None) -> Layer:
    """A file's bytes as a layer; syntax errors raise (nothing after one can be trusted)."""
    document = read_yaml(decode_rule_text(raw, shown), shown)
    return Layer(
        shown,
        document.data,
        document.positions,
        document,
        base_dir,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def read_layers(root: Layer, root_identity: _Identity | None) -> tuple[list[Layer], list[RuleFileError]]:
    """``root`` and every file it includes, in merge order, with the problems of the
    ``include:`` lists (each at its entry), which do not stop the others from being read."""
    walk = _Walk()
    walk.visit(root, [(root_identity, root.shown)] if root_identity else [(None, root.shown)])
    return walk.layers, walk.problems


@dataclass
class _Target:
    path: Path
    shown: str
    base_dir: Path


class _Walk:
    def __init__(self) -> None:
        self.layers: list[Layer] = []
        self.problems: list[RuleFileError] = []
        self.read: set[_Identity] = set()
        self.files = 1

    def visit(self, layer: Layer, chain: list[tuple[_Identity | None, str]]) -> None:
        for index, (name, where) in enumerate(_include_entries(layer, self.problems)):
            entry = ("include", index) if isinstance(layer.data.get("include"), list) else ("include",)
            label = "include" + (f"[{index}]" if len(entry) == 2 else "")
            try:
                target = _resolve(name, layer)
                raw, identity = read_rule_bytes(target.path, target.shown)
            except RuleFileError as exc:
                self.problems.append(RuleFileError(f"{label}: {exc.detail}", where))
                continue
            if identity in (ident for ident, _ in chain):
                names = " -> ".join([*(shown for _, shown in chain), target.shown])
                self.problems.append(
                    RuleFileError(
                        f"{label}: includes form a cycle: {names}; remove one of these includes", where
                    )
                )
                continue
            if identity in self.read:
                continue
            if len(chain) >= MAX_INCLUDE_DEPTH:
                self.problems.append(
                    RuleFileError(
                        f"{label}: includes nest more than {MAX_INCLUDE_DEPTH} files deep; "
                        "include the shared files from one place",
                        where,
                    )
                )
                continue
            if self.files >= MAX_INCLUDED_FILES:
                self.problems.append(
                    RuleFileError(
                        f"{label}: more than {MAX_INCLUDED_FILES} rule files are included in all; "
                        "merge some of them",
                        where,
                    )
                )
                continue
            self.files += 1
            self.read.add(identity)
            try:
                child = parse_layer(raw, target.shown, target.base_dir)
            except RuleFileError as exc:
                self.problems.extend(exc.problems)
                continue
            layer.includes.append(target.shown)
            if not isinstance(child.data, dict):
                self.problems.append(
                    RuleFileError(
                        "an included rule file must be a mapping with 'version' and its keys",
                        child.positions.locate(()),
                    )
                )
                continue
            self.visit(child, [*chain, (identity, target.shown)])
        self.layers.append(layer)


def _include_entries(layer: Layer, problems: list[RuleFileError]) -> list[tuple[str, Location]]:
    """The names ``include:`` lists (one name, or a list of them), each with its place."""
    if not isinstance(layer.data, dict) or "include" not in layer.data:
        return []
    value = layer.data["include"]
    positions = layer.positions
    if isinstance(value, str) and value.strip():
        return [(value, positions.locate(("include",)))]
    if not isinstance(value, list):
        problems.append(
            RuleFileError(
                "include: must be a rule file's path or a list of them, e.g. [../shared/customers.yaml]",
                positions.locate(("include",)),
            )
        )
        return []
    entries: list[tuple[str, Location]] = []
    for index, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            entries.append((item, positions.locate(("include", index))))
        else:
            problems.append(
                RuleFileError(
                    f"include[{index}]: must be a rule file's path (relative to this file) "
                    f"or a shipped pack such as {PACK_PREFIX}customer-master",
                    positions.locate(("include", index)),
                )
            )
    return entries


def _resolve(name: str, layer: Layer) -> _Target:
    """Where an include entry points: a shipped pack, or a path relative to the including file."""
    if name.startswith(PACK_PREFIX):
        pack = find_pack(name.removeprefix(PACK_PREFIX))
        if pack is None:
            wanted = name.removeprefix(PACK_PREFIX)
            known = pack_names()
            raise RuleFileError(
                f"unknown rule pack '{name}'{did_you_mean(wanted, known)} "
                f"(shipped packs: {', '.join(PACK_PREFIX + known_name for known_name in known)}; "
                "see 'veracity rules packs')"
            )
        return _Target(pack.path, pack.reference, pack.path.parent)
    given = Path(name)
    base = layer.base_dir if layer.base_dir is not None else Path.cwd()
    path = given if given.is_absolute() else base / given
    if given.is_absolute() or layer.shown.startswith(PACK_PREFIX):
        shown = name
    else:
        shown = os.path.normpath(os.path.join(os.path.dirname(layer.shown), name))
    return _Target(path, shown, path.resolve().parent if path.exists() else path.parent)
