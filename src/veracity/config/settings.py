"""Settings that change a rule file without editing it: ``--set PATH=VALUE`` on the command line
and ``VERACITY_SET_<PATH>=VALUE`` in the environment.

``PATH`` names a key of the rule file with dots: ``gate.min_score``, ``defaults.severity``,
``fields.email.description``, or ``rules.<id>.<key>`` for one key of the rule with that id
(``rules.fresh.days``). ``VALUE`` is read as YAML: ``95``, ``warning``, ``true``, ``[DE, AT]``;
an empty value is null. In the environment the path is written in capitals with ``__`` between
its parts (``VERACITY_SET_GATE__MIN_SCORE=95``, ``VERACITY_SET_RULES__FRESH__DAYS=365``); there a
rule id matches whatever its case, with ``_`` standing for any ``-``, ``.`` or ``:`` in it
(``RULES__EMAIL_PRESENT__THRESHOLD`` sets ``email-present``). The command line's settings come
after the environment's, so ``--set`` wins where both set the same key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from veracity.config._yaml import Unusable, read_yaml
from veracity.errors import Location, RuleFileError
from veracity.safetext import printable

__all__ = ["ENV_PREFIX", "Setting", "settings_from"]

#: Environment variables that set a rule-file key.
ENV_PREFIX = "VERACITY_SET_"

#: Keys that shape the composition itself; they are written in a rule file.
_FILE_ONLY = ("include", "disable", "version")
_RULE_KEYS_FIXED = ("id", "override")


@dataclass(frozen=True)
class Setting:
    """One key set from outside the rule file."""

    #: ``("gate", "min_score")``, or ``("rules", <rule id>, <key>)``.
    path: tuple[str, ...]
    value: Any
    #: The setting as the user wrote it (control characters as escapes), which names it in
    #: every message about it.
    text: str
    #: From the environment: a rule id matches whatever its case, ``_`` for ``-``, ``.`` or ``:``.
    loose_ids: bool = False

    @property
    def location(self) -> Location:
        return Location(self.text)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def settings_from(options: Sequence[str], environ: Mapping[str, str] | None = None) -> list[Setting]:
    """The settings of ``VERACITY_SET_*`` variables in ``environ`` (sorted by name), then those
    of the ``--set`` options, in the order given. Raises RuleFileError naming each malformed one."""
    settings: list[Setting] = []
    problems: list[RuleFileError] = []
    for name in sorted(environ or {}):
        if not name.startswith(ENV_PREFIX):
            continue
        value = (environ or {})[name]
        text = printable(f"{name}={value}")
        parts = tuple(part.lower() for part in name.removeprefix(ENV_PREFIX).split("__"))
        _collect(problems, settings, text, parts, value, loose=True)
    for option in options:
        text = printable(f"--set {option}")
        path, sep, value = option.partition("=")
        if not sep:
            problems.append(
                RuleFileError(
                    "give a key and a value, e.g. --set gate.min_score=95 or --set rules.fresh.days=365",
                    Location(text),
                )
            )
            continue
        _collect(problems, settings, text, tuple(path.strip().split(".")), value, loose=False)
    if problems:
        raise RuleFileError.collected("settings", problems)
    return settings


def _collect(
    problems: list[RuleFileError],
    settings: list[Setting],
    text: str,
    parts: tuple[str, ...],
    value_text: str,
    *,
    loose: bool,
) -> None:
    where = Location(text)
    problem = _path_problem(parts, loose=loose)
    if problem:
        problems.append(RuleFileError(problem, where))
        return
    if parts[0] == "rules":
        parts = ("rules", ".".join(parts[1:-1]), parts[-1])
    try:
        value = _value(value_text, where)
    except RuleFileError as exc:
        problems.append(exc)
        return
    settings.append(Setting(parts, value, text, loose))


def _path_problem(parts: tuple[str, ...], *, loose: bool) -> str | None:
    example = "VERACITY_SET_GATE__MIN_SCORE=95" if loose else "--set gate.min_score=95"
    if not parts or any(not part or part != part.strip() for part in parts):
        return f"name a key of the rule file, parts separated by {'__' if loose else 'dots'}, e.g. {example}"
    if parts[0] in _FILE_ONLY:
        return f"'{parts[0]}' is set in the rule file itself, not from outside it"
    if parts[0] == "rules":
        rule_example = "VERACITY_SET_RULES__FRESH__DAYS=365" if loose else "--set rules.fresh.days=365"
        if len(parts) < 3:
            return f"name a rule and one of its keys: rules.<id>.<key>, e.g. {rule_example}"
        if parts[-1] in _RULE_KEYS_FIXED:
            return f"a rule's '{parts[-1]}' is set in the rule file itself, not from outside it"
    if any(re.fullmatch(r"\d+", part) for part in parts[1:] if parts[0] != "rules"):
        return "items of lists cannot be set one by one; set the whole list, e.g. segments=[country]"
    return None


def _value(text: str, where: Location) -> Any:
    """The value as YAML reads it (bounded as a rule file is); empty is null."""
    if not text.strip():
        return None
    try:
        document = read_yaml(text, where.path)
    except RuleFileError as exc:
        raise RuleFileError(
            f"the value is not valid YAML ({exc.detail}); quote it, e.g. 'a: b' as \"a: b\"", where
        ) from None
    if document.problems or _unusable(document.data):
        detail = document.problems[0].detail if document.problems else "the value cannot be read"
        raise RuleFileError(f"the value cannot be used: {detail}", where)
    if isinstance(document.data, dict):
        raise RuleFileError("the value is a mapping; set its keys one by one (e.g. gate.min_score=95)", where)
    return document.data


def _unusable(value: Any) -> bool:
    if isinstance(value, Unusable):
        return True
    if isinstance(value, list):
        return any(_unusable(item) for item in value)
    return False
