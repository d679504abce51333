"""Rule packs shipped with veracity, included by name: ``include: [veracity:customer-master]``.

Each pack is a rule file in this directory (``<name>.yaml``); its first comment line says what
it is for. This module imports nothing of the project, so the rule-file loader can use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PACK_PREFIX", "Pack", "find_pack", "pack_names", "packs"]

#: How a rule file names a shipped pack in ``include:``.
PACK_PREFIX = "veracity:"

_DIRECTORY = Path(__file__).resolve().parent
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Pack:
    """A shipped pack: its name (without the prefix), its file and its one-line summary."""

    name: str
    path: Path
    summary: str

    @property
    def reference(self) -> str:
        """How ``include:`` names it."""
        return f"{PACK_PREFIX}{self.name}"


def pack_names() -> list[str]:
    """The names of the shipped packs, sorted."""
    return sorted(path.stem for path in _DIRECTORY.glob("*.yaml") if _NAME.match(path.stem))


def find_pack(name: str) -> Pack | None:
    """The pack called ``name`` (without the ``veracity:`` prefix), or None."""
    if not _NAME.match(name) or name not in pack_names():
        return None
    path = _DIRECTORY / f"{name}.yaml"
    return Pack(name, path, _summary(path))


def packs() -> list[Pack]:
    """Every shipped pack, by name."""
    return [pack for name in pack_names() if (pack := find_pack(name)) is not None]


def _summary(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
        if line.strip():
            break
    return ""
