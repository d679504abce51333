"""Collecting a rule file's problems: pydantic's errors as located one-line messages, all of
them, so that a user fixes a file in one run rather than one run per typo."""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from typing import Any, NoReturn, get_args

from pydantic import BaseModel, ValidationError

from veracity.config._yaml import Path_, Positions, dotted
from veracity.errors import Location, RuleFileError
from veracity.safetext import printable
from veracity.suggest import did_you_mean

__all__ = ["Problems"]


class Problems:
    """The problems found in one rule file, reported together, sorted by position."""

    def __init__(
        self,
        file: str,
        positions: Positions,
        found: Sequence[RuleFileError] = (),
        unreadable: Set[Location] = frozenset(),
        *,
        order: Sequence[str] = (),
    ) -> None:
        self.file = file
        #: Files in the order their problems are listed (a rule file, then those it includes);
        #: problems of other places (settings) come last.
        self.order = list(order)
        self.positions = positions
        self.found: list[RuleFileError] = list(found)
        #: Where a YAML value could not be read: a model's complaint about the stand-in value
        #: there would only repeat the problem.
        self._unreadable = unreadable

    def add(self, message: str, location: Location | None) -> None:
        self.found.append(RuleFileError(message, location))

    def validation(
        self,
        exc: ValidationError,
        model: type[BaseModel],
        prefix: Path_,
        *,
        extra_keys: Sequence[str] = (),
        skip: Callable[[Path_], bool] | None = None,
        top_keys: Sequence[str] = (),
    ) -> None:
        """Every error of ``exc`` (from validating ``model`` at ``prefix``) as a located problem;
        ``extra_keys`` (anywhere) and ``top_keys`` (directly in ``model``) are valid keys the
        model does not declare, offered for a misspelt key."""
        for problem in _translate(exc, self.positions, model, prefix, extra_keys, skip, top_keys):
            if problem.location is None or problem.location not in self._unreadable:
                self.found.append(problem)

    def raise_any(self) -> None:
        """Raise one RuleFileError for all problems, if there are any."""
        if self.found:
            self._raise()

    def _raise(self) -> NoReturn:
        # Names quoted from the file (keys, check types, ids) may hold line breaks or terminal
        # controls: each problem stays one line, with them shown as escapes.
        shown = [
            problem
            if printable(problem.detail) == problem.detail
            else RuleFileError(printable(problem.detail), problem.location)
            for problem in self.found
        ]
        unique = list({str(problem): problem for problem in shown}.values())
        unique.sort(key=self._position)
        raise RuleFileError.collected(self.file, unique)

    def _position(self, problem: RuleFileError) -> tuple[int, int, int]:
        where = problem.location
        if where is None:
            return (0, 0, 0)
        rank = self.order.index(where.path) if where.path in self.order else len(self.order)
        return (rank, where.line or 0, where.column or 0)


def _translate(
    exc: ValidationError,
    positions: Positions,
    model: type[BaseModel],
    prefix: Path_,
    extra_keys: Sequence[str],
    skip: Callable[[Path_], bool] | None,
    top_keys: Sequence[str] = (),
) -> list[RuleFileError]:
    errors = [error for error in exc.errors() if skip is None or not skip((*prefix, *error["loc"]))]
    # A misspelt key also makes its correct spelling "missing": report the misspelling only.
    unknown = [tuple(e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
    problems: list[RuleFileError] = []
    seen: set[Path_] = set()
    for error in errors:
        loc: Path_ = (*prefix, *error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            allowed = [*_allowed_keys(model, tuple(error["loc"][:-1])), *extra_keys]
            if len(error["loc"]) == 1:
                allowed += top_keys
            parent = dotted(loc[:-1])
            problems.append(
                RuleFileError(
                    f"{parent + ': ' if parent else ''}unknown key '{name}'{did_you_mean(name, allowed)}",
                    positions.locate(loc, key=True),
                )
            )
            continue
        if kind == "missing":
            name = str(loc[-1])
            if any(u[:-1] == tuple(error["loc"][:-1]) and did_you_mean(str(u[-1]), [name]) for u in unknown):
                continue
            parent_loc = _existing(loc[:-1], positions)
            parent = dotted(parent_loc)
            problems.append(
                RuleFileError(
                    f"{parent + ': ' if parent else ''}missing required key '{name}'",
                    positions.locate(parent_loc),
                )
            )
            continue
        # Union members add their type name to loc; the YAML node is the longest existing
        # prefix, and one message per node is enough (the first member's).
        data_loc = _existing(loc, positions)
        if data_loc in seen:
            continue
        seen.add(data_loc)
        message = (
            str(error.get("ctx", {}).get("error", error["msg"])) if kind == "value_error" else error["msg"]
        )
        message = message.removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        where = dotted(data_loc)
        problems.append(
            RuleFileError(f"{where}: {message}" if where else message, positions.locate(data_loc))
        )
    return problems


def _existing(loc: Path_, positions: Positions) -> Path_:
    if not positions.values:
        return loc
    kept: Path_ = ()
    for part in loc:
        if (*kept, part) not in positions.values:
            break
        kept = (*kept, part)
    return kept


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
    return None
