"""One small base class for the schedulers of an audit, and the registry they join.

A runner turns an :class:`AuditRequest` (the rules, what to read, where findings go) into the
engine's merged states (:class:`veracity.engine.RunOutput`) plus the sources' descriptions;
scoring and reports are the same whichever runner ran. Runners register themselves
(:func:`register`), so the ``--runner`` choices and the rule file's ``runner:`` values are read
from :func:`runner_names`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar

from veracity.config import RuleSet
from veracity.engine import AuditPlan, RunOutput
from veracity.errors import UsageError
from veracity.sources import LoadedData, SourceInfo, SourceSpec
from veracity.suggest import did_you_mean

__all__ = ["AuditRequest", "Runner", "RunnerOutput", "get_runner", "register", "runner_names"]

Progress = Callable[[str], None]


@dataclass
class AuditRequest:
    """What to audit and how, as the API resolved it."""

    rule_set: RuleSet
    specs: Sequence[SourceSpec]
    base_dir: Path | None
    #: The plan for the data's skeleton (fields and sources known, no records): it checks the
    #: rules' fields and segments against them first.
    plan: Callable[[LoadedData], AuditPlan]
    findings_path: Path | None = None
    reveal_values: bool = False
    max_samples: int = 100
    progress: Progress = field(default=lambda _: None)
    #: Runner-specific settings (``master`` for Spark).
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class RunnerOutput:
    output: RunOutput
    infos: list[SourceInfo]
    #: The data without records (lineage reads fields and sources from it).
    skeleton: LoadedData
    #: The findings were written to ``AuditRequest.findings_path`` by the runner.
    findings_written: bool = False


class Runner:
    """Schedules the engine's plan over the data's partitions and merges their states."""

    name: ClassVar[str]
    #: One line for ``--runner``'s help.
    summary: ClassVar[str]

    def run(self, request: AuditRequest) -> RunnerOutput:
        raise NotImplementedError


_RUNNERS: dict[str, type[Runner]] = {}
R = TypeVar("R", bound=type[Runner])


def register(cls: R) -> R:
    if cls.name in _RUNNERS:
        raise RuntimeError(f"runner '{cls.name}' is registered twice")
    _RUNNERS[cls.name] = cls
    return cls


def runner_names() -> tuple[str, ...]:
    return tuple(_RUNNERS)


def get_runner(name: str) -> Runner:
    if name not in _RUNNERS:
        hint = did_you_mean(name, list(_RUNNERS))
        raise UsageError(f"--runner: unknown runner '{name}'{hint}; choose one of {', '.join(_RUNNERS)}")
    return _RUNNERS[name]()
