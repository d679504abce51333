"""Measuring one command in a fresh process tree: wall time, CPU time (user + system, worker
processes included) and peak memory, as ``run_audit.py`` and the scripts built on it report them.

Memory is measured two ways, and the larger is the peak (``Outcome.peak_kib``): the largest
single process, from ``/usr/bin/time -v`` when it is GNU time, else from
``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process per command; and the whole process
tree, sampled from /proc every 0.2 s (Linux only). ``run_audit.py``'s docstring says what each
misses.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GNU_TIME = "/usr/bin/time"
SAMPLE_SECONDS = 0.2

#: Fallback when GNU time is missing: run the command, report its wall and CPU time and peak
#: RSS. ru_maxrss is in KiB on Linux (bytes on macOS, converted).
_WRAPPER_SCRIPT = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
rss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_kib": rss,
                  "code": done.returncode, "stdout": done.stdout.decode(errors="replace"),
                  "stderr": done.stderr.decode(errors="replace")}))
"""


@dataclass
class Outcome:
    """One run of one command."""

    wall_s: float
    #: User + system time of the command and every child it waited for.
    cpu_s: float
    #: Largest single process (rusage).
    rss_kib: int
    #: Largest sampled sum over the process tree (0 where /proc is unavailable).
    tree_rss_kib: int
    #: Most processes seen in the tree at once.
    processes: int
    stdout: str

    @property
    def peak_kib(self) -> int:
        return max(self.rss_kib, self.tree_rss_kib)


@dataclass
class Step:
    """All runs of one command."""

    name: str
    command: list[str]
    env: dict[str, str] | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self, display: list[str]) -> dict[str, Any]:
        return {
            "command": display,
            "walls_s": [o.wall_s for o in self.outcomes],
            "cpus_s": [o.cpu_s for o in self.outcomes],
            "rss_kib": [o.rss_kib for o in self.outcomes],
            "tree_rss_kib": [o.tree_rss_kib for o in self.outcomes],
            "median_wall_s": statistics.median(o.wall_s for o in self.outcomes),
            "median_cpu_s": statistics.median(o.cpu_s for o in self.outcomes),
            "peak_mib": max(o.peak_kib for o in self.outcomes) / 1024,
            "max_processes": max(o.processes for o in self.outcomes),
        }


class CommandFailed(RuntimeError):
    pass


def gnu_time_available() -> bool:
    """Whether /usr/bin/time is GNU time with -v (BSD and busybox time are not)."""
    if not os.access(GNU_TIME, os.X_OK):
        return False
    try:
        done = subprocess.run([GNU_TIME, "-v", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "Maximum resident set size" in done.stderr


_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc/PID/stat (this kernel may lack the
    cheaper /proc/PID/task/TID/children)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:  # the process ended in between
            continue
        # The command name is in parentheses and may itself contain ") ": split at the last.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            parents[int(entry)] = int(fields[1])
    return parents


def _tree_rss(root: int) -> tuple[int, int]:
    """(summed RSS in KiB, number of processes) of ``root``'s descendants, ``root`` excluded."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents().items():
        children.setdefault(parent, []).append(pid)
    total = count = 0
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                resident_pages = int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        total += resident_pages * _PAGE_KIB
        count += 1
    return total, count


class TreeSampler(threading.Thread):
    """Samples the process tree under one launcher process until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_kib = 0
        self.processes = 0
        self._stop_event = threading.Event()
        self.enabled = os.path.isdir("/proc") and sys.platform.startswith("linux")

    def run(self) -> None:
        while self.enabled and not self._stop_event.wait(SAMPLE_SECONDS):
            rss, count = _tree_rss(self.root)
            self.peak_kib = max(self.peak_kib, rss)
            self.processes = max(self.processes, count)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def measure(command: Sequence[str], use_gnu_time: bool, env: Mapping[str, str] | None = None) -> Outcome:
    """Run ``command`` once in a fresh process tree and measure it."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        launcher = (
            [GNU_TIME, "-v", "-o", report.name, *command]
            if use_gnu_time
            else [sys.executable, "-c", _WRAPPER_SCRIPT, *command]
        )
        start = time.perf_counter()
        process = subprocess.Popen(
            launcher, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        sampler = TreeSampler(process.pid)
        sampler.start()
        stdout, stderr = process.communicate()
        wall = time.perf_counter() - start
        sampler.stop()
        # GNU time writes its report to -o, so the command's own output stays separate.
        stats = report.read()
    if not use_gnu_time:
        if process.returncode != 0:
            raise CommandFailed(_failure(command, process.returncode, stderr))
        result = json.loads(stdout)
        if result["code"] != 0:
            raise CommandFailed(_failure(command, result["code"], result["stderr"]))
        return Outcome(
            result["wall"],
            result["cpu"],
            result["rss_kib"],
            sampler.peak_kib,
            sampler.processes,
            result["stdout"],
        )
    if process.returncode != 0:
        raise CommandFailed(_failure(command, process.returncode, stderr))
    values = {
        key: re.search(rf"{re.escape(label)}: ([\d.]+)", stats)
        for key, label in (
            ("rss", "Maximum resident set size (kbytes)"),
            ("user", "User time (seconds)"),
            ("system", "System time (seconds)"),
        )
    }
    missing = [key for key, found in values.items() if found is None]
    if missing:
        raise CommandFailed(f"no {', '.join(missing)} in the output of {GNU_TIME} -v:\n{stats}")
    number = {key: float(found.group(1)) for key, found in values.items() if found is not None}
    return Outcome(
        wall,
        number["user"] + number["system"],
        int(number["rss"]),
        sampler.peak_kib,
        sampler.processes,
        stdout,
    )


def seconds_list(values: Sequence[float]) -> str:
    """Measured seconds of several runs, as the tables list them."""
    return ", ".join(f"{value:.2f}" for value in values)


def _failure(command: Sequence[str], code: int, stderr: str) -> str:
    tail = "\n".join(stderr.strip().splitlines()[-20:])
    return f"exit code {code} from: {' '.join(command)}\n{tail}"
