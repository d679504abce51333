"""Rule file -> validated, resolved rules. Every error names file:line:col of the YAML node."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from veracity.checks import REGISTRY, CheckParams, CheckType
from veracity.config._yaml import Path_, Positions, load_yaml
from veracity.config.models import COMMON_RULE_KEYS, RuleConfig, RuleFileModel
from veracity.errors import FieldError, Location, RuleFileError
from veracity.results import Severity
from veracity.suggest import did_you_mean

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


def load_rule_file(path: str | Path) -> RuleSet:
    """Read and validate a rule file."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise RuleFileError(f"rule file {path} not found; check the path") from None
    except IsADirectoryError:
        raise RuleFileError(f"rule file {path} is a directory; name a .yaml file") from None
    except OSError as exc:
        raise RuleFileError(f"cannot read rule file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RuleFileError(f"rule file {path} is not UTF-8 text; save it as UTF-8") from None
    rule_set = parse_rule_text(text, str(path))
    rule_set.sha256 = hashlib.sha256(raw).hexdigest()
    rule_set.base_dir = file.resolve().parent
    return rule_set


def parse_rule_text(text: str, file: str = "<rules>") -> RuleSet:
    data, positions = load_yaml(text, file)
    if not isinstance(data, dict):
        raise RuleFileError(
            "the rule file must be a mapping with 'version' and 'rules'", positions.locate(())
        )
    return _rule_set(data, positions, file)


def rule_set_from_objects(rules: Sequence[Mapping[str, Any]], **settings: Any) -> RuleSet:
    """A rule set from Python objects (the API's alternative to a rule file)."""
    data = {"version": 1, **settings, "rules": [dict(rule) for rule in rules]}
    return _rule_set(data, Positions("<rules>"), None)


def _rule_set(data: dict[str, Any], positions: Positions, file: str | None) -> RuleSet:
    try:
        model = RuleFileModel.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, positions, RuleFileModel, ()) from None
    rules = [_resolve_rule(i, rule, model, positions) for i, rule in enumerate(model.rules)]
    _refuse_duplicate_ids(rules, positions)
    return RuleSet(model=model, rules=rules, path=file, positions=positions if positions.values else None)


def _resolve_rule(index: int, rule: RuleConfig, model: RuleFileModel, positions: Positions) -> Rule:
    here: Path_ = ("rules", index)
    check = REGISTRY.get(rule.check)
    if check is None:
        hint = did_you_mean(rule.check, REGISTRY)
        raise RuleFileError(
            f"rules[{index}].check: unknown check type '{rule.check}'{hint} "
            "(run 'veracity rules list' for the catalogue)",
            positions.locate((*here, "check")),
        )
    # A check may own a common key under the same name (duplicates: `threshold` is its match
    # probability, as its contract says); the rule's pass threshold then comes from defaults.
    claimed = [k for k in COMMON_RULE_KEYS if k in check.params.model_fields and getattr(rule, k) is not None]
    raw = rule.params() | {k: getattr(rule, k) for k in claimed}
    try:
        params = check.params.model_validate(raw)
    except ValidationError as exc:
        raise _translate(exc, positions, check.params, here, extra_keys=COMMON_RULE_KEYS) from None
    if rule.when is not None:
        problem = sql_problem(rule.when)
        if problem:
            raise RuleFileError(f"rules[{index}].when: {problem}", positions.locate((*here, "when")))
    defaults = model.defaults
    key_locations = {
        str(key[-1]): positions.locate(key, key=False)
        for key in positions.values
        if len(key) == 3 and key[:2] == here
    }
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


def _refuse_duplicate_ids(rules: list[Rule], positions: Positions) -> None:
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.id in seen:
            raise RuleFileError(
                f"rules[{index}].id: '{rule.id}' is already used by rules[{seen[rule.id]}]; rule ids must be unique",
                positions.locate(("rules", index, "id")),
            )
        seen[rule.id] = index


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
    """Refuse rules that name fields no source provides (with their YAML location)."""
    available = list(fields)
    known = set(available)

    def refuse(name: str, where: Location | None, what: str) -> None:
        hint = did_you_mean(name, available)
        prefix = f"{where}: " if where else ""
        raise FieldError(
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
                raise FieldError(
                    f"{where}: rules[{index}].{message}" if where else f"rules[{index}].{message}"
                )
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


def _translate(
    exc: ValidationError,
    positions: Positions,
    model: type[BaseModel],
    prefix: Path_,
    extra_keys: Sequence[str] = (),
) -> RuleFileError:
    """The first pydantic error as one line at its YAML location."""
    # A misspelt key also makes its correct spelling "missing": report the misspelling.
    error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    loc: Path_ = (*prefix, *error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = [*_allowed_keys(model, tuple(error["loc"][:-1])), *extra_keys]
        parent = _dotted(loc[:-1])
        return RuleFileError(
            f"{parent + ': ' if parent else ''}unknown key '{name}'{did_you_mean(name, allowed)}",
            positions.locate(loc, key=True),
        )
    if kind == "missing":
        parent_loc = _existing(loc[:-1], positions)
        parent = _dotted(parent_loc)
        return RuleFileError(
            f"{parent + ': ' if parent else ''}missing required key '{loc[-1]}'", positions.locate(parent_loc)
        )
    # Union members add their type name to loc; the YAML node is the longest existing prefix.
    data_loc = _existing(loc, positions)
    message = str(error.get("ctx", {}).get("error", error["msg"])) if kind == "value_error" else error["msg"]
    message = message.removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    dotted = _dotted(data_loc)
    return RuleFileError(f"{dotted}: {message}" if dotted else message, positions.locate(data_loc))


def _existing(loc: Path_, positions: Positions) -> Path_:
    if not positions.values:
        return loc
    kept: Path_ = ()
    for part in loc:
        if (*kept, part) not in positions.values:
            break
        kept = (*kept, part)
    return kept


def _dotted(loc: Path_) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Keys of the model found by following ``loc`` through nested models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = _unwrap(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """list[X] / X | None / dict[str, X] -> X when X is a model."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _unwrap(arg)
        if found is not None:
            return found
    if get_origin(annotation) is None:
        return None
    return None
