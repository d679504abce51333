"""Rule file -> validated, resolved rules. Every error names file:line:col of the YAML node."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from veracity.checks import REGISTRY, CheckParams, CheckType
from veracity.config._compose import COMPOSITION_KEYS, Composition, compose
from veracity.config._include import MAX_RULE_FILE_BYTES, Layer, parse_layer, read_layers, read_rule_bytes
from veracity.config._problems import Problems
from veracity.config._yaml import Path_, Positions, read_yaml
from veracity.config.models import COMMON_RULE_KEYS, DefaultsConfig, FieldConfig, RuleConfig, RuleFileModel
from veracity.config.settings import Setting
from veracity.errors import FieldError, Location, RuleFileError
from veracity.suggest import did_you_mean
from veracity.vocabulary import Severity

__all__ = [
    "MAX_RULE_FILE_BYTES",
    "ComposedRules",
    "Rule",
    "RuleSet",
    "compose_rule_file",
    "load_rule_file",
    "parse_rule_text",
    "rule_set_from_objects",
    "sql_columns",
]


@dataclass(frozen=True)
class Rule:
    """One rule, resolved: its check type, typed parameters and effective settings."""

    id: str
    check: CheckType[Any]
    params: CheckParams
    severity: Severity
    threshold: float
    weight: float
    when: str | None = None
    description: str | None = None
    location: Location | None = None
    #: Fewest records the rule must evaluate (``min_evaluated:``); None: no minimum.
    min_evaluated: int | None = None
    #: Where each key of the rule stands, for errors found after loading (unknown fields).
    key_locations: Mapping[str, Location] = field(default_factory=dict)
    #: The rule's index in the ``rules:`` list of its own file (``location``'s), which messages
    #: name; a rule from an included file has another index in the merged set.
    index: int | None = None

    @property
    def fields(self) -> list[str]:
        return self.params.referenced_fields()


@dataclass
class RuleSet:
    """A validated rule file."""

    model: RuleFileModel
    rules: list[Rule]
    path: str | None = None
    sha256: str | None = None
    base_dir: Path | None = None
    positions: Positions | None = None
    #: Every rule file read, in merge order: included files first, this file last.
    files: tuple[str, ...] = ()

    def locate(self, path: Path_, *, key: bool = False) -> Location | None:
        return self.positions.locate(path, key=key) if self.positions else None


def load_rule_file(path: str | Path, settings: Iterable[Setting] = ()) -> RuleSet:
    """Read and validate a rule file, the files it includes, and ``settings`` over them."""
    return compose_rule_file(path, settings).rule_set


@dataclass
class ComposedRules:
    """A rule file merged with its includes and settings: the validated rule set, the merged
    document as plain data (``veracity rules show``), and the files read, in merge order."""

    rule_set: RuleSet
    data: dict[str, Any]
    files: list[str]


def compose_rule_file(path: str | Path, settings: Iterable[Setting] = ()) -> ComposedRules:
    """:func:`load_rule_file`, keeping the merged document."""
    file = Path(path)
    raw, identity = read_rule_bytes(file, str(path), pipe=True)
    with _cyclic_gc_paused():
        root = parse_layer(raw, str(path), file.resolve().parent)
        composed = _compose_layers(root, identity, settings)
    rule_set = composed.rule_set
    rule_set.base_dir = root.base_dir
    return ComposedRules(rule_set, composed.data, [layer.shown for layer in composed.layers])


def parse_rule_text(text: str, file: str = "<rules>", settings: Iterable[Setting] = ()) -> RuleSet:
    """Validate a rule file's text. Every problem found is reported at once: the
    :class:`RuleFileError` lists them (``problems``), sorted by position. Includes are read
    relative to ``file``'s directory."""
    with _cyclic_gc_paused():
        document = read_yaml(text, file)
        base_dir = None if file.startswith("<") else Path(file).resolve().parent
        root = Layer(file, document.data, document.positions, document, base_dir)
        return _compose_layers(root, None, settings).rule_set


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Loading makes hundreds of thousands of objects that live until it ends and form no
    cycles; the cyclic collector's passes over them made loading grow with the square of the
    rule count (20,000 rules: 10 s, 2.5 s without). Reference counting frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class _Composed:
    rule_set: RuleSet
    data: dict[str, Any]
    layers: list[Layer]


def _compose_layers(root: Layer, identity: tuple[int, int] | None, settings: Iterable[Setting]) -> _Composed:
    if not isinstance(root.data, dict):
        document = root.document
        problems = Problems(
            root.shown,
            root.positions,
            document.problems if document else (),
            document.unreadable if document else frozenset(),
        )
        problems.add("the rule file must be a mapping with 'version' and 'rules'", root.positions.locate(()))
        problems.raise_any()
    settings = list(settings)
    layers, include_problems = read_layers(root, identity)
    composition = compose(layers, settings, root.base_dir)
    composition.problems[:0] = include_problems
    rule_set = _rule_set(composition, root.shown, rules_may_be_missing=bool(include_problems))
    rule_set.sha256 = root.sha256 if len(layers) == 1 and not settings else _combined_digest(layers, settings)
    rule_set.files = tuple(layer.shown for layer in layers)
    return _Composed(rule_set, composition.data, layers)


def _combined_digest(layers: list[Layer], settings: Iterable[Setting]) -> str | None:
    """One digest for every file read and every setting: a change to a shared pack or a
    ``--set`` is a change of the rules, which the history tells apart."""
    if any(layer.sha256 is None for layer in layers):
        return None
    digest = hashlib.sha256()
    for layer in layers:
        digest.update(f"{layer.sha256}\n".encode())
    for setting in settings:
        digest.update(f"{setting.text}\n".encode())
    return digest.hexdigest()


def rule_set_from_objects(rules: Sequence[Mapping[str, Any]], **settings: Any) -> RuleSet:
    """A rule set from Python objects (the API's alternative to a rule file)."""
    data = {
        "version": 1,
        **settings,
        "rules": [dict(rule) if isinstance(rule, Mapping) else rule for rule in rules],
    }
    root = Layer("<rules>", data, Positions("<rules>"), None, None)
    rule_set = _compose_layers(root, None, ()).rule_set
    rule_set.path = None  # no file: reports name the rules by their own default
    return rule_set


def _rule_set(composition: Composition, file: str, *, rules_may_be_missing: bool = False) -> RuleSet:
    """The validated rule set; ``rules_may_be_missing``: an include failed, and the rules it
    would have brought are not reported missing as well."""
    layers = composition.layers
    data = composition.data
    order = [file, *(layer.shown for layer in layers if layer.shown != file)]
    found: list[RuleFileError] = []
    unreadable: set[Location] = set()
    for layer in layers:
        if layer.document is not None:
            found.extend(layer.document.problems)
            unreadable |= layer.document.unreadable
    problems = Problems(file, composition.positions, [*found, *composition.problems], unreadable, order=order)
    model: RuleFileModel | None = None
    try:
        model = RuleFileModel.model_validate(data)
    except ValidationError as exc:
        # Each rule is validated on its own below, with its check's parameters.
        skip = _within_a_rule
        if rules_may_be_missing and "rules" not in data:
            skip = lambda loc: _within_a_rule(loc) or loc == ("rules",)  # noqa: E731
        problems.validation(exc, RuleFileModel, (), skip=skip, top_keys=COMPOSITION_KEYS)
    items = data.get("rules")
    rules: list[Rule] = []
    if isinstance(items, list):
        defaults = model.defaults if model is not None else DefaultsConfig()
        own = [Problems(layer.shown, layer.positions, (), unreadable) for layer in layers]
        key_locations: dict[int, dict[int, dict[str, Location]]] = {}
        for item, origin in zip(items, composition.origins, strict=True):
            layer = layers[origin.layer]
            if origin.layer not in key_locations:
                key_locations[origin.layer] = _key_locations(layer.positions)
            rule = _resolve_rule(
                origin.index,
                item,
                defaults,
                layer.positions,
                own[origin.layer],
                key_locations[origin.layer].get(origin.index, {}),
            )
            if rule is not None:
                rules.append(rule)
        for layer, layer_problems in zip(layers, own, strict=True):
            layer_items = layer.data.get("rules") if isinstance(layer.data, dict) else None
            if isinstance(layer_items, list):
                _refuse_duplicate_ids(layer_items, layer.positions, layer_problems)
            problems.found.extend(layer_problems.found)
        if model is not None and not problems.found:
            # (Checked once the rules themselves are sound: a broken when: has no fields.)
            rules = _completed(rules, model.fields, problems)
            _refuse_unknown_clusters(rules, problems)
    problems.raise_any()
    assert model is not None  # a model that failed validation left a problem
    positions = composition.positions
    return RuleSet(model=model, rules=rules, path=file, positions=positions if positions.values else None)


def _completed(rules: list[Rule], declared: Mapping[str, FieldConfig], problems: Problems) -> list[Rule]:
    """The rules with their parameters completed from ``fields:`` and from what the other
    rules read (:meth:`veracity.checks.base.CheckParams.with_fields`)."""
    read = frozenset(
        name for rule in rules for name in [*rule.fields, *(sql_columns(rule.when) if rule.when else [])]
    )
    completed = []
    for rule in rules:
        try:
            params = rule.params.with_fields(declared, read)
        except ValueError as exc:
            problems.add(f"rules[{rule.index}]: {exc}", rule.location)
            continue
        completed.append(rule if params is rule.params else dataclasses.replace(rule, params=params))
    return completed


def _refuse_unknown_clusters(rules: list[Rule], problems: Problems) -> None:
    """A rule that reads another rule's clusters must name a rule that makes clusters and does
    not, in turn, read the first one's (the engine runs the named rule first)."""
    by_id = {rule.id: rule for rule in rules}
    makers = sorted(rule.id for rule in rules if rule.check.clusters)
    for rule in rules:
        for param in rule.params.cluster_params:
            name = getattr(rule.params, param)
            if not isinstance(name, str):
                continue
            target = by_id.get(name)
            where = rule.key_locations.get(param, rule.location)
            if target is None or not target.check.clusters:
                what = "no rule has that id" if target is None else f"it is a {target.check.name} rule"
                hint = (
                    f"name one of: {', '.join(makers)}" if makers else "add a duplicates rule and name its id"
                )
                problems.add(
                    f"rules[{rule.index}].{param}: '{name}' makes no clusters ({what}); {hint}", where
                )
            elif rule.id in _cluster_readers_of(target, by_id):
                problems.add(
                    f"rules[{rule.index}].{param}: '{name}' reads this rule's clusters in turn; "
                    "one of the two must not read the other's",
                    where,
                )


def _cluster_readers_of(rule: Rule, by_id: Mapping[str, Rule]) -> set[str]:
    """Every rule whose clusters ``rule`` reads, directly or through others."""
    seen: set[str] = set()
    todo = list(rule.params.cluster_rules())
    while todo:
        name = todo.pop()
        if name not in seen and name in by_id:
            seen.add(name)
            todo.extend(by_id[name].params.cluster_rules())
    return seen


def _within_a_rule(loc: Path_) -> bool:
    return len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int)


def _key_locations(positions: Positions) -> dict[int, dict[str, Location]]:
    """Per rule index, where each of its keys' values stands (one pass over the positions)."""
    found: dict[int, dict[str, Location]] = {}
    for key in positions.values:
        if len(key) == 3 and key[0] == "rules" and isinstance(key[1], int):
            found.setdefault(key[1], {})[str(key[2])] = positions.locate(key)
    return found


def _resolve_rule(
    index: int,
    item: Any,
    defaults: DefaultsConfig,
    positions: Positions,
    problems: Problems,
    key_locations: Mapping[str, Location],
) -> Rule | None:
    """The rule at ``rules[index]``, or None after adding its problems to ``problems``."""
    here: Path_ = ("rules", index)
    rule: RuleConfig | None = None
    try:
        rule = RuleConfig.model_validate(item)
    except ValidationError as exc:
        problems.validation(exc, RuleConfig, here)
    if not isinstance(item, dict):
        return None
    name = item.get("check")
    check = REGISTRY.get(name) if isinstance(name, str) else None
    if isinstance(name, str) and check is None:
        problems.add(
            f"rules[{index}].check: unknown check type '{name}'{did_you_mean(name, REGISTRY)} "
            "(run 'veracity rules list' for the catalogue)",
            positions.locate((*here, "check")),
        )
    params: CheckParams | None = None
    claimed: list[str] = []
    if check is not None:
        # A check may own a common key under the same name (duplicates: `threshold` is its match
        # probability, as its contract says); the rule's pass threshold then comes from defaults.
        claimed = [k for k in COMMON_RULE_KEYS if k in check.params.model_fields and item.get(k) is not None]
        raw = {k: v for k, v in item.items() if k not in COMMON_RULE_KEYS or k in claimed}
        try:
            params = check.params.model_validate(raw)
        except ValidationError as exc:
            problems.validation(exc, check.params, here, extra_keys=COMMON_RULE_KEYS, top_keys=("override",))
    when = item.get("when")
    if isinstance(when, str):
        problem = sql_problem(when)
        if problem:
            problems.add(f"rules[{index}].when: {problem}", positions.locate((*here, "when")))
    if rule is None or check is None or params is None:
        return None
    return Rule(
        id=rule.id,
        check=check,
        params=params,
        severity=rule.severity or defaults.severity,
        threshold=rule.threshold
        if rule.threshold is not None and "threshold" not in claimed
        else defaults.threshold,
        weight=rule.weight if rule.weight is not None else defaults.weight,
        when=rule.when,
        description=rule.description,
        location=positions.locate(here) if positions.values else None,
        min_evaluated=rule.min_evaluated,
        key_locations=key_locations,
        index=index,
    )


def _refuse_duplicate_ids(items: list[Any], positions: Positions, problems: Problems) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        rule_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(rule_id, str):
            continue
        if rule_id in seen:
            problems.add(
                f"rules[{index}].id: '{rule_id}' is already used by rules[{seen[rule_id]}]; rule ids must be unique",
                positions.locate(("rules", index, "id")),
            )
        else:
            seen[rule_id] = index


def sql_problem(sql: str) -> str | None:
    """Why ``sql`` is not an allowed SQL expression over a record's fields, or None.

    Parsed and held to the allow-list and size limits of :mod:`veracity.sql`; it is never
    handed to an engine here, so a rule file cannot make the loader read anything.
    """
    from veracity.sql import SqlError, parse_sql

    try:
        parse_sql(sql)
    except SqlError as exc:
        return str(exc)
    return None


def sql_columns(sql: str) -> list[str]:
    """Column names a SQL expression reads (the loader has checked it with sql_problem)."""
    from veracity.sql import sql_fields

    return sql_fields(sql)


def check_fields(rule_set: RuleSet, fields: Iterable[str]) -> None:
    """Refuse rules that name fields no source provides (with their YAML location): every
    such reference at once, in the order of the rule file."""
    available = list(fields)
    known = set(available)
    found: list[str] = []

    def refuse(name: str, where: Location | None, what: str) -> None:
        hint = did_you_mean(name, available)
        prefix = f"{where}: " if where else ""
        found.append(
            f"{prefix}{what}: field '{name}' is in no source{hint} "
            f"(fields: {', '.join(available[:12])}{', ...' if len(available) > 12 else ''})"
        )

    key = rule_set.model.key
    if key is not None and key not in known:
        refuse(key, rule_set.locate(("key",)), "key")
    for merged, rule in enumerate(rule_set.rules):
        index = rule.index if rule.index is not None else merged
        # Checks with nested field references (duplicates: compare[].field, blocking keys)
        # name each problem's place within the rule, so it is reported at its own YAML line.
        problems = getattr(rule.params, "field_problems", None)
        if problems is not None:
            for path, message in problems(available):
                where = rule_set.locate(("rules", merged, *path))
                found.append(f"{where}: rules[{index}].{message}" if where else f"rules[{index}].{message}")
            continue
        for param in (*rule.params.field_params, *rule.params.optional_field_params):
            value = getattr(rule.params, param)
            names = [value] if isinstance(value, str) else list(value or [])
            for name in names:
                if name not in known:
                    refuse(name, rule.key_locations.get(param), f"rules[{index}].{param}")
        sql_params = [p for p in getattr(rule.params, "sql_params", ()) if getattr(rule.params, p, None)]
        for param, sql in [("when", rule.when), *((p, getattr(rule.params, p)) for p in sql_params)]:
            if sql is None:
                continue
            for name in sql_columns(sql):
                if name not in known:
                    refuse(name, rule.key_locations.get(param), f"rules[{index}].{param}")
    if found:
        raise FieldError.collected(rule_set.path, found)
