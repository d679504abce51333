"""Timing an audit's steps inside one process, as ``stages.py`` and ``after_checks.py`` report them.

The engine's functions are wrapped so each call adds its wall seconds and its CPU seconds (every
thread of the process) to a table per step. Both scripts wrap the same functions the same way;
this module is that one wrapping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import polars as pl

import veracity._api
import veracity.engine._plan as plan
import veracity.engine._runner
from veracity.sources import ROW_ID

#: The step names the engine's wrappers report.
READING, BUILDING, ENGINE, ONE_PASS = "reading", "building the checks", "engine", "one-pass plan"
FINDINGS, RECORD_SCORES = "findings", "record scores"


@dataclass
class StepClocks:
    """Seconds per step: ``wall`` (elapsed) and ``cpu`` (every thread of the process)."""

    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, label: str, wall: float, cpu: float) -> None:
        self.wall[label] = self.wall.get(label, 0.0) + wall
        self.cpu[label] = self.cpu.get(label, 0.0) + cpu

    def clear(self) -> None:
        self.wall.clear()
        self.cpu.clear()

    def timed(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.add(label, time.perf_counter() - start, time.process_time() - cpu)

        return timed

    def timed_building(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """The engine's concurrent build: from its start to the last check or key group done.

        The build returns futures; waiting on them here would change the engine's overlap, so
        the last one to finish stops the clocks.
        """

        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            built, grouped = func(*args, **kwargs)
            futures = [*built.values(), *grouped]
            lock = threading.Lock()
            pending = [len(futures)]

            def done(_: Future[Any]) -> None:
                with lock:
                    pending[0] -= 1
                    if not pending[0]:
                        self.add(label, time.perf_counter() - start, time.process_time() - cpu)

            for future in futures:
                future.add_done_callback(done)
            return built, grouped

        return timed


def instrument_engine(clocks: StepClocks, *, one_pass_min_rows: int = 0) -> None:
    """Wrap the audit's steps: reading, building, the engine, the one-pass plan, findings, scores.

    The one-pass plan is the collect whose first column is the row id and that has a column per
    rule; ``one_pass_min_rows`` leaves out smaller collects of that form (the findings' gathers).
    """
    veracity._api.load_data = clocks.timed(READING, veracity._api.load_data)  # type: ignore[attr-defined]
    plan._built = clocks.timed_building(BUILDING, plan._built)
    plan.run_rules = clocks.timed(ENGINE, plan.run_rules)
    veracity.engine._runner.run_rules = plan.run_rules
    plan.row_findings = clocks.timed(FINDINGS, plan.row_findings)
    plan._record_scores = clocks.timed(RECORD_SCORES, plan._record_scores)
    collect = pl.LazyFrame.collect

    def timed_collect(self: pl.LazyFrame, *args: Any, **kwargs: Any) -> pl.DataFrame:
        start, cpu = time.perf_counter(), time.process_time()
        frame: pl.DataFrame = collect(self, *args, **kwargs)
        if frame.columns[:1] == [ROW_ID] and len(frame.columns) > 1 and frame.height >= one_pass_min_rows:
            clocks.add(ONE_PASS, time.perf_counter() - start, time.process_time() - cpu)
        return frame

    pl.LazyFrame.collect = timed_collect  # type: ignore[method-assign, assignment]
