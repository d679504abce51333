"""Rule file -> validated, resolved rules. Every error names file:line:col of the YAML node."""

from __future__ import annotations

import gc
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from veracity.checks import REGISTRY, CheckParams, CheckType
from veracity.config._problems import Problems
from veracity.config._yaml import Path_, Positions, YamlDocument, read_yaml
from veracity.config.models import COMMON_RULE_KEYS, DefaultsConfig, RuleConfig, RuleFileModel
from veracity.errors import FieldError, Location, RuleFileError
from veracity.suggest import did_you_mean
from veracity.vocabulary import Severity

__all__ = ["Rule", "RuleSet", "load_rule_file", "parse_rule_text", "rule_set_from_objects", "sql_columns"]


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

    def locate(self, path: Path_, *, key: bool = False) -> Location | None:
        return self.positions.locate(path, key=key) if self.positions else None


#: Largest rule file read: a rule pack of thousands of rules is a few hundred kB.
MAX_RULE_FILE_BYTES = 5 * 1024 * 1024


def load_rule_file(path: str | Path) -> RuleSet:
    """Read and validate a rule file."""
    file = Path(path)
    raw = _read_rule_file(file, str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleFileError(f"rule file {path} is not UTF-8 text; save it as UTF-8") from None
    rule_set = parse_rule_text(text, str(path))
    rule_set.sha256 = hashlib.sha256(raw).hexdigest()
    rule_set.base_dir = file.resolve().parent
    return rule_set


def _read_rule_file(file: Path, shown: str) -> bytes:
    """The file's bytes, read once and at most MAX_RULE_FILE_BYTES of them: a device such as
    /dev/zero (or a link to one) would otherwise be read for ever."""
    try:
        with file.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                raise RuleFileError(f"rule file {shown} is a device, not a file; name a .yaml file")
            raw = handle.read(MAX_RULE_FILE_BYTES + 1)
    except FileNotFoundError:
        raise RuleFileError(f"rule file {shown} not found; check the path") from None
    except IsADirectoryError:
        raise RuleFileError(f"rule file {shown} is a directory; name a .yaml file") from None
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file {shown}: {exc.strerror}") from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise RuleFileError(
            f"rule file {shown} is larger than {MAX_RULE_FILE_BYTES // 2**20} MB; "
            "a rule file is text of a few kB: check the path"
        )
    return raw


def parse_rule_text(text: str, file: str = "<rules>") -> RuleSet:
    """Validate a rule file's text. Every problem found is reported at once: the
    :class:`RuleFileError` lists them (``problems``), sorted by position."""
    with _cyclic_gc_paused():
        return _parse(text, file)


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


def _parse(text: str, file: str) -> RuleSet:
    document = read_yaml(text, file)
    data, positions = document.data, document.positions
    if not isinstance(data, dict):
        problems = Problems(file, positions, document.problems, document.unreadable)
        problems.add("the rule file must be a mapping with 'version' and 'rules'", positions.locate(()))
        problems.raise_any()
    return _rule_set(data, positions, file, document)


def rule_set_from_objects(rules: Sequence[Mapping[str, Any]], **settings: Any) -> RuleSet:
    """A rule set from Python objects (the API's alternative to a rule file)."""
    data = {
        "version": 1,
        **settings,
        "rules": [dict(rule) if isinstance(rule, Mapping) else rule for rule in rules],
    }
    return _rule_set(data, Positions("<rules>"), None)


def _rule_set(
    data: dict[str, Any], positions: Positions, file: str | None, document: YamlDocument | None = None
) -> RuleSet:
    problems = Problems(
        file or "<rules>",
        positions,
        document.problems if document else (),
        document.unreadable if document else frozenset(),
    )
    model: RuleFileModel | None = None
    try:
        model = RuleFileModel.model_validate(data)
    except ValidationError as exc:
        # Each rule is validated on its own below, with its check's parameters.
        problems.validation(exc, RuleFileModel, (), skip=_within_a_rule)
    items = data.get("rules")
    rules: list[Rule] = []
    if isinstance(items, list):
        defaults = model.defaults if model is not None else DefaultsConfig()
        key_locations = _key_locations(positions)
        for index, item in enumerate(items):
            rule = _resolve_rule(index, item, defaults, positions, problems, key_locations.get(index, {}))
            if rule is not None:
                rules.append(rule)
        _refuse_duplicate_ids(items, positions, problems)
    problems.raise_any()
    assert model is not None  # a model that failed validation left a problem
    return RuleSet(model=model, rules=rules, path=file, positions=positions if positions.values else None)


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
            problems.validation(exc, check.params, here, extra_keys=COMMON_RULE_KEYS)
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
    for index, rule in enumerate(rule_set.rules):
        # Checks with nested field references (duplicates: compare[].field, blocking keys)
        # name each problem's place within the rule, so it is reported at its own YAML line.
        problems = getattr(rule.params, "field_problems", None)
        if problems is not None:
            for path, message in problems(available):
                where = rule_set.locate(("rules", index, *path))
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
