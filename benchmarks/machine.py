"""The machine and the software a benchmark ran on: CPU, RAM, operating system, the checkout's
commit, the versions the audited interpreter imports, and a fingerprint of the veracity sources
(the checkout may be edited while a benchmark runs)."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from timing import CommandFailed

REPO = Path(__file__).resolve().parent.parent


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^MemTotal:\s*(\d+) kB", text, re.MULTILINE)
    return round(int(found.group(1)) / 1024**2, 1) if found else None


def versions(python: str, env: Mapping[str, str] | None) -> dict[str, str]:
    """Versions, and where veracity is imported from, as the audited interpreter sees them."""
    script = (
        "import json, pathlib, platform, polars, veracity\n"
        "from importlib.metadata import version\n"
        "print(json.dumps({'python': platform.python_version(), 'polars': polars.__version__,"
        " 'veracity': version('veracity'),"
        " 'veracity_dir': str(pathlib.Path(veracity.__file__).resolve().parent)}))"
    )
    done = subprocess.run([python, "-c", script], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise CommandFailed(f"{python} cannot import polars and veracity:\n{done.stderr.strip()}")
    versions: dict[str, str] = json.loads(done.stdout)
    return versions


def source_fingerprint(package_dir: Path) -> str:
    """A hash of every Python file of the veracity package (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(str(path.relative_to(package_dir)).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:  # deleted while we looked: that is a change too
            digest.update(b"<unreadable>")
    return digest.hexdigest()[:12]


def git_state() -> dict[str, str | bool] | None:
    """Commit and whether src/ differs from it (other engineers may be editing it)."""
    git = shutil.which("git")
    if git is None:
        return None
    # GIT_OPTIONAL_LOCKS=0: `git status` must not rewrite the index of a shared checkout.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    head = subprocess.run(
        [git, "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0:
        return None
    status = subprocess.run(
        [git, "-C", str(REPO), "status", "--porcelain", "--", "src"], capture_output=True, text=True, env=env
    )
    return {"commit": head.stdout.strip(), "src_modified": bool(status.stdout.strip())}


def machine_info() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 0
    return {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "ram_gib": _ram_gib(),
        "os": platform.platform(),
        "git": git_state(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
