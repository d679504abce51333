"""The shape of the code, checked: layers, import cycles, private modules, shared names, file sizes.

Data flows one way (sources -> engine (checks) -> results -> scoring -> reports), so imports
point one way: every top-level part of ``veracity`` sits in one layer of :data:`LAYERS`, and a
module may import only its own part and the parts of lower layers. Parts that share a layer are
independent: neither imports the other. A strict order of layers also means no import cycle
between parts. A private module or name (``_name``) belongs to the package that holds it: only
that package's modules import it; everything else goes through the package's public modules.
(The top-level ``veracity._name`` modules are thus shared by all of veracity, never by users.)

The checker reads the source with :mod:`ast` (every ``import``, at module level, inside
functions or under ``TYPE_CHECKING``: each is a dependency), so it needs no import of the code
and runs on any copy of the tree; the last tests run it on altered copies to show it fails.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from veracity import vocabulary
from veracity.text import booleans

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "veracity"

#: Top-level parts of ``veracity``, highest layer first. A part may import the parts of any
#: later layer; parts within one layer may not import each other. ``veracity.engine`` names the
#: engine whether it is a module or a package: the runner schedules partitions and calls the
#: checks, the scoring and the findings writer, so it sits above them.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("veracity.__main__",),
    ("veracity.cli",),
    ("veracity.chunked",),
    ("veracity._api",),
    # Runners schedule the engine's partitions (locally, on Spark); profiling and starter rules
    # read partitions through the engine too.
    ("veracity.runners", "veracity.rulegen"),
    ("veracity.profiling",),
    ("veracity.engine",),
    ("veracity.reports", "veracity.catalogue"),
    ("veracity.history",),
    ("veracity.scoring", "veracity.lineage"),
    ("veracity.masking",),
    ("veracity.results",),
    ("veracity._sql_plan",),
    # The rule-file loader resolves check names against the registry: config sits above checks.
    ("veracity.config",),
    ("veracity.checks",),
    # Suggested corrections: per-value fixes decided by a library, below the checks that use them.
    ("veracity.corrections",),
    ("veracity.linkage", "veracity.fieldtypes"),
    ("veracity.sql", "veracity.sources"),
    (
        "veracity.vocabulary",
        "veracity.text",
        "veracity.packs",
        "veracity.personal",
        "veracity.safetext",
        "veracity.suggest",
        "veracity._atomic",
        "veracity._cores",
        "veracity._history_migrations",
    ),
    ("veracity.errors",),
)

#: Parts that may be absent from the tree (on their way out).
OPTIONAL_PARTS = frozenset({"veracity.chunked"})


@dataclass(frozen=True)
class Import:
    """One imported module (or module's name) as written in a source file."""

    importer: str
    target: str
    #: The imported name when it is private (a public name stands for its module).
    name: str | None
    path: Path
    line: int
    #: Whether the statement runs when the module is imported (not inside a function, not
    #: under ``if TYPE_CHECKING``).
    at_import: bool = True

    def where(self, src: Path) -> str:
        return f"{self.path.relative_to(src.parent).as_posix()}:{self.line}"


def _modules(src: Path) -> dict[str, tuple[Path, bool]]:
    """Every module under ``src/veracity``: dotted name -> (file, is a package)."""
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = path.relative_to(src).with_suffix("").parts
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    # A directory of modules without __init__.py is still a package (a namespace package).
    for name in list(found):
        parent = name.rpartition(".")[0]
        while parent and parent not in found:
            found[parent] = (src / Path(*parent.split(".")), True)
            parent = parent.rpartition(".")[0]
    return found


def _package_of(module: str, modules: dict[str, tuple[Path, bool]]) -> str:
    return module if modules[module][1] else module.rpartition(".")[0]


@cache
def _parse(text: str) -> ast.Module:
    # Every test reads the same files (copies of the tree too): each text is parsed once.
    return ast.parse(text)


def _imports(src: Path) -> Iterator[Import]:
    """Each (module, imported module or name) once per statement."""
    modules = _modules(src)
    for module, (path, _) in modules.items():
        if not path.is_file():
            continue
        package = _package_of(module, modules)
        tree = _parse(path.read_text(encoding="utf-8"))
        eager = {id(node) for node in _run_at_import(tree.body)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == ROOT:
                        yield Import(module, alias.name, None, path, node.lineno, id(node) in eager)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.split(".")[0] != ROOT:
                    continue
                reached: dict[tuple[str, str | None], None] = {}
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    if submodule in modules:
                        reached[(submodule, None)] = None
                    else:
                        # Public names count once: the statement imports their module once.
                        reached[(base, alias.name if _is_private(alias.name) else None)] = None
                for target, name in reached:
                    yield Import(module, target, name, path, node.lineno, id(node) in eager)


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of ``body`` Python runs when it imports the module."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            yield from _run_at_import(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _run_at_import(getattr(node, field, []))
        for handler in getattr(node, "handlers", []):
            yield from _run_at_import(handler.body)


def _part(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _private_owner(target: str) -> str | None:
    """The package a private module belongs to (``veracity.checks`` for
    ``veracity.checks._dates``), None when no part of the path is private."""
    parts = target.split(".")
    for index, part in enumerate(parts):
        if _is_private(part):
            return ".".join(parts[:index])
    return None


def layer_violations(src: Path, layers: Sequence[Sequence[str]] = LAYERS) -> list[str]:
    """One line per import that points up the layers or across one layer, or part in no layer."""
    rank = {part: index for index, layer in enumerate(layers) for part in layer}
    problems: list[str] = []
    unplaced = sorted({_part(m) for m in _modules(src)} - set(rank) - {ROOT})
    problems += [
        f"{part} is in no layer: add it to LAYERS in tests/test_architecture.py" for part in unplaced
    ]
    for imp in _imports(src):
        here, there = _part(imp.importer), _part(imp.target)
        # The root package only re-exports the API; ``from veracity import __version__`` reads it.
        if ROOT in (here, there) or here == there or here not in rank or there not in rank:
            continue
        if rank[there] > rank[here]:
            continue
        relation = "is above" if rank[there] < rank[here] else "shares a layer with"
        problems.append(f"{imp.where(src)}: {imp.importer} imports {imp.target} ({there} {relation} {here})")
    return problems


def private_violations(src: Path) -> list[str]:
    """One line per import of a private module or name from outside the package that holds it."""
    modules = _modules(src)
    problems: list[str] = []
    for imp in _imports(src):
        owner = _private_owner(imp.target)
        if owner is not None and not _within(imp.importer, owner):
            problems.append(f"{imp.where(src)}: {imp.importer} imports {imp.target}, private to {owner}")
        if imp.name is not None and _is_private(imp.name) and imp.target in modules:
            holder = _package_of(imp.target, modules)
            if not _within(imp.importer, holder):
                problems.append(
                    f"{imp.where(src)}: {imp.importer} imports {imp.name} from {imp.target}, "
                    f"private to {holder}"
                )
    return problems


def import_cycles(src: Path) -> list[str]:
    """The groups of modules that import each other, each sorted, as Python imports them (imports
    inside functions and for type checking only are left out: they are how a package defers
    one module's import to when it is used)."""
    modules = _modules(src)
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for imp in _imports(src):
        # The root package re-exports the API and defines __version__ before importing it.
        if imp.at_import and imp.target not in (imp.importer, ROOT) and imp.target in modules:
            graph[imp.importer].add(imp.target)
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(" <-> ".join(sorted(group)))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(cycles)


def test_imports_follow_the_layers() -> None:
    assert layer_violations(SRC) == []


def test_no_modules_import_each_other() -> None:
    assert import_cycles(SRC) == []


def test_no_module_imports_another_packages_private_names() -> None:
    assert private_violations(SRC) == []


def test_every_layer_names_a_part_of_the_code() -> None:
    parts = {_part(m) for m in _modules(SRC)}
    listed = [part for layer in LAYERS for part in layer]
    assert len(listed) == len(set(listed)), "a part is listed in two layers"
    assert sorted(set(listed) - parts - OPTIONAL_PARTS) == []


def test_shared_vocabulary_and_text_import_nothing_of_the_project_above_them() -> None:
    allowed = {"veracity.vocabulary", "veracity.text"}
    imports = [imp for imp in _imports(SRC) if _part(imp.importer) in allowed]
    assert [imp.target for imp in imports if _part(imp.target) not in allowed] == []


#: Source files may grow to this many lines; past it, split the module (house rule: ~600).
MAX_LINES = 650
#: Files already over MAX_LINES, each with the size it may not exceed (none today: keep it so).
LONG_FILES: dict[str, int] = {}


def _line_counts(src: Path) -> dict[str, int]:
    return {
        path.relative_to(src.parent).as_posix(): len(path.read_bytes().splitlines())
        for path in sorted((src / ROOT).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def too_long(src: Path, allowed: dict[str, int] = LONG_FILES) -> dict[str, int]:
    """Files over their limit, with their line counts."""
    return {name: lines for name, lines in _line_counts(src).items() if lines > allowed.get(name, MAX_LINES)}


def test_no_source_file_grows_past_the_line_limit() -> None:
    assert too_long(SRC) == {}, f"split these modules (limit {MAX_LINES} lines)"


@pytest.mark.parametrize(
    ("lines", "allowed", "expected"),
    [
        (MAX_LINES, {}, {}),
        (MAX_LINES + 1, {}, {"src/veracity/big.py": MAX_LINES + 1}),
        (700, {"src/veracity/big.py": 700}, {}),
        (701, {"src/veracity/big.py": 700}, {"src/veracity/big.py": 701}),
    ],
)
def test_line_limit_checker(
    lines: int, allowed: dict[str, int], expected: dict[str, int], tmp_path: Path
) -> None:
    src = _tree(tmp_path, {"veracity/big.py": "x = 1\n" * lines})
    assert too_long(src, allowed) == expected


def test_long_file_allowances_only_shrink() -> None:
    counts = _line_counts(SRC)
    stale = {name: counts.get(name, 0) for name in LONG_FILES if counts.get(name, 0) <= MAX_LINES}
    assert stale == {}, "these files are within the limit now: remove them from LONG_FILES"


# ---------------------------------------------------------------------------------------------
# The checker fails where it should: on small made-up trees, and on copies of the real one.


def _tree(root: Path, files: dict[str, str]) -> Path:
    """A ``src`` directory holding ``files`` (paths under ``veracity/``)."""
    src = root / "src"
    for name, text in {"veracity/__init__.py": "", **files}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return src


TWO_LAYERS = (("veracity.high",), ("veracity.low",))

LAYER_CASES = {
    "a lower layer imports a higher one": (
        {"veracity/high.py": "", "veracity/low.py": "from veracity.high import thing\n"},
        TWO_LAYERS,
        ["src/veracity/low.py:1: veracity.low imports veracity.high (veracity.high is above veracity.low)"],
    ),
    "a higher layer imports a lower one": (
        {"veracity/high.py": "import veracity.low\n", "veracity/low.py": ""},
        TWO_LAYERS,
        [],
    ),
    "an import inside a function counts": (
        {"veracity/high.py": "", "veracity/low.py": "def f():\n    import veracity.high\n"},
        TWO_LAYERS,
        ["src/veracity/low.py:2: veracity.low imports veracity.high (veracity.high is above veracity.low)"],
    ),
    "an import for type checking counts": (
        {
            "veracity/high.py": "",
            "veracity/low.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from veracity import high\n",
        },
        TWO_LAYERS,
        ["src/veracity/low.py:3: veracity.low imports veracity.high (veracity.high is above veracity.low)"],
    ),
    "a relative import is resolved": (
        {"veracity/high.py": "", "veracity/low/__init__.py": "from ..high import thing\n"},
        TWO_LAYERS,
        [
            "src/veracity/low/__init__.py:1: veracity.low imports veracity.high (veracity.high is above veracity.low)"
        ],
    ),
    "parts of one layer import each other": (
        {"veracity/high.py": "", "veracity/low.py": "", "veracity/side.py": "from veracity.low import x\n"},
        (("veracity.high",), ("veracity.low", "veracity.side")),
        [
            "src/veracity/side.py:1: veracity.side imports veracity.low (veracity.low shares a layer with veracity.side)"
        ],
    ),
    "a package without __init__ is one part (engine as a package)": (
        {"veracity/high.py": "", "veracity/low/runner.py": "from veracity.high import thing\n"},
        TWO_LAYERS,
        [
            "src/veracity/low/runner.py:1: veracity.low.runner imports veracity.high (veracity.high is above veracity.low)"
        ],
    ),
    "a part in no layer": (
        {"veracity/high.py": "", "veracity/low.py": "", "veracity/stray.py": ""},
        TWO_LAYERS,
        ["veracity.stray is in no layer: add it to LAYERS in tests/test_architecture.py"],
    ),
}


@pytest.mark.parametrize("case", LAYER_CASES)
def test_layer_checker(case: str, tmp_path: Path) -> None:
    files, layers, expected = LAYER_CASES[case]
    found = layer_violations(_tree(tmp_path, files), layers)
    assert found == expected


CYCLE_CASES = {
    "two modules import each other": (
        {"veracity/a.py": "from veracity.b import x\n", "veracity/b.py": "import veracity.a\n"},
        ["veracity.a <-> veracity.b"],
    ),
    "a cycle through three modules": (
        {
            "veracity/a.py": "import veracity.b\n",
            "veracity/b.py": "import veracity.c\n",
            "veracity/c.py": "class C:\n    import veracity.a\n",
        },
        ["veracity.a <-> veracity.b <-> veracity.c"],
    ),
    "one import deferred into a function": (
        {"veracity/a.py": "import veracity.b\n", "veracity/b.py": "def f():\n    import veracity.a\n"},
        [],
    ),
    "one import for type checking only": (
        {
            "veracity/a.py": "import veracity.b\n",
            "veracity/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import veracity.a\n",
        },
        [],
    ),
}


@pytest.mark.parametrize("case", CYCLE_CASES)
def test_cycle_checker(case: str, tmp_path: Path) -> None:
    files, expected = CYCLE_CASES[case]
    assert import_cycles(_tree(tmp_path, files)) == expected


PRIVATE_CASES = {
    "a private module of another package": (
        {"veracity/a/_helpers.py": "", "veracity/b.py": "from veracity.a._helpers import f\n"},
        ["src/veracity/b.py:1: veracity.b imports veracity.a._helpers, private to veracity.a"],
    ),
    "a private module named in the import list": (
        {"veracity/a/_helpers.py": "", "veracity/b.py": "from veracity.a import _helpers\n"},
        ["src/veracity/b.py:1: veracity.b imports veracity.a._helpers, private to veracity.a"],
    ),
    "a private name of another package's module": (
        {"veracity/a/tools.py": "def _f(): ...\n", "veracity/b.py": "from veracity.a.tools import _f\n"},
        ["src/veracity/b.py:1: veracity.b imports _f from veracity.a.tools, private to veracity.a"],
    ),
    "a private module inside its own package": (
        {"veracity/a/_helpers.py": "", "veracity/a/tools.py": "from veracity.a._helpers import f\n"},
        [],
    ),
    "a public name re-exported by a package": (
        {
            "veracity/a/__init__.py": "from veracity.a._helpers import f\n",
            "veracity/a/_helpers.py": "",
            "veracity/b.py": "from veracity.a import f\n",
        },
        [],
    ),
}


@pytest.mark.parametrize("case", PRIVATE_CASES)
def test_private_checker(case: str, tmp_path: Path) -> None:
    files, expected = PRIVATE_CASES[case]
    assert private_violations(_tree(tmp_path, files)) == expected


#: A forbidden import added to a copy of the real tree, and the start of the line reporting it.
REAL_TREE_CASES = {
    "text reaches up to the command line": (
        "veracity/text/dates.py",
        "from veracity.cli import app",
        layer_violations,
        "src/veracity/text/dates.py:",
    ),
    "linkage imports checks again (the old checks <-> linkage cycle)": (
        "veracity/linkage/blocking.py",
        "from veracity.checks.base import CheckContext",
        layer_violations,
        "src/veracity/linkage/blocking.py:",
    ),
    "the expression check reaches up to the engine's SQL plan (the old cycle)": (
        "veracity/checks/consistency.py",
        "from veracity._sql_plan import SqlPlan",
        layer_violations,
        "src/veracity/checks/consistency.py:",
    ),
    "sources read the results": (
        "veracity/sources/base.py",
        "from veracity.results import AuditResult",
        layer_violations,
        "src/veracity/sources/base.py:",
    ),
    "SQL reaches into the sources' private CSV reader": (
        "veracity/sql/__init__.py",
        "from veracity.sources._csv import read_delimited",
        private_violations,
        "src/veracity/sql/__init__.py:",
    ),
}


@pytest.mark.parametrize("case", REAL_TREE_CASES)
def test_checker_fails_on_a_forbidden_import_in_the_real_tree(case: str, tmp_path: Path) -> None:
    module, statement, checker, where = REAL_TREE_CASES[case]
    src = tmp_path / "src"
    shutil.copytree(SRC / ROOT, src / ROOT, ignore=shutil.ignore_patterns("__pycache__"))
    before = checker(src)  # empty, unless the real tree breaks a rule (its own test says so)
    with (src / module).open("a", encoding="utf-8") as file:
        file.write(f"\n{statement}\n")
    found = [line for line in checker(src) if line not in before]
    assert len(found) == 1
    assert found[0].startswith(where)


#: Shared names that moved to their own module, where the code imports them from. The old
#: places (``veracity.checks.Dimension``, ``veracity.results.Status``,
#: ``veracity.checks.base.BooleanSpellings``) keep them for users only.
HOMES = {name: home.__name__ for home in (vocabulary, booleans) for name in home.__all__}


def test_shared_names_are_imported_from_their_own_module() -> None:
    elsewhere = []
    for module, (path, _) in _modules(SRC).items():
        if not path.is_file():
            continue
        for node in ast.walk(_parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(ROOT)):
                for alias in node.names:
                    home = HOMES.get(alias.name)
                    if home is not None and node.module != home and module != home:
                        elsewhere.append(
                            f"{module}:{node.lineno} imports {alias.name} from {node.module}, not {home}"
                        )
    assert elsewhere == []
