"""Commands timed in fresh processes, round after round, each against a baseline of its round.

Shared by the cost benchmarks (``profile_cost.py``, ``worklist_cost.py``): on a shared, noisy
machine the ratio of a run to the baseline measured in the same round is steadier than seconds
compared across rounds.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping

#: Best wall seconds and largest peak resident memory (bytes) of each command over the rounds.
Best = dict[str, tuple[float, int]]
#: Each command's ratio to its baseline, one per round.
Ratios = dict[str, list[float]]


def run_fresh(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of one fresh process."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execv(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss * 1024


def time_rounds(
    commands: Mapping[str, list[str]], runs: int, baseline: Callable[[str], str]
) -> tuple[Best, Ratios]:
    """Run every command once per round, in order; ``baseline(name)`` names the command of the
    same round that ``name``'s ratio is taken against."""
    best: Best = {}
    ratios: Ratios = {}
    for _ in range(runs):
        times: dict[str, float] = {}
        for name, command in commands.items():
            seconds, peak = run_fresh(command)
            times[name] = seconds
            previous = best.get(name)
            best[name] = (
                min(seconds, previous[0]) if previous else seconds,
                max(peak, previous[1] if previous else 0),
            )
            print(f"{name}: {seconds:.1f} s, {peak / 2**30:.2f} GiB", file=sys.stderr)
        for name, seconds in times.items():
            ratios.setdefault(name, []).append(seconds / times[baseline(name)])
    return best, ratios


def print_table(best: Best, ratios: Ratios, ratio_heading: str) -> None:
    """A Markdown table: best wall time, peak memory and best ratio of each command."""
    print(f"| run | wall s (best) | peak memory | {ratio_heading} |")
    print("| --- | ---: | ---: | ---: |")
    for name, (seconds, peak) in best.items():
        print(f"| {name} | {seconds:.1f} | {peak / 2**30:.2f} GiB | {min(ratios[name]):.2f} |")
