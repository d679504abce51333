"""Time ``veracity audit`` against a bare polars read of the same file, on this machine.

Usage::

    python benchmarks/run_audit.py benchmarks/data/customers_1m.csv [--rules rules/customer-master.yaml] [--runs 3] [--json]
    python benchmarks/run_audit.py --shapes all [--rows 1000000] [--runs 3] [--json]

With ``--shapes`` (``all``, or shape names of ``shapes.py``) it runs a shape set in one go instead
of one file: each shape's data, rule file and truth are written when missing (or written by
another version of ``shapes.py``), each is timed as below with its own rule file, and one table
has a row per shape (``run_shapes.py`` holds that part).

Each run starts fresh subprocesses, interleaved so that drift on a noisy machine hits both alike:

(a) the bare read: ``polars.read_csv(path, infer_schema=False)`` (``read_parquet`` for
    ``.parquet``), the floor any tool reading this file with polars pays;
(b) the audit: ``veracity audit --rules RULES --as-of 2026-11-01 --format json -o REPORT
    --exit-zero --no-progress PATH``;
(c) with ``--peers``, a peer tool doing the same job: ``benchmarks/peers/pointblank_audit.py``,
    the shipped rule pack as far as pointblank can express it, run by the interpreter of the
    peers virtualenv (``benchmarks/.venv-peers``, made by ``benchmarks/peers/setup.sh``; the
    peers are not dependencies of veracity, so they are not in the project's virtualenv).
    Without that virtualenv the run goes on without (c) and says so on stderr. With
    ``--shapes``, pointblank runs ``benchmarks/peers/pointblank_shapes.py``, which translates
    each shape's rule file into pointblank steps (where a check has no pointblank equivalent,
    its docstring says what stands in for it).

For each it reports the median wall time, the median CPU time (user + system, worker
processes included) and the peak memory over the runs, and the ratios to the bare read. Absolute
numbers depend on the machine and its load; the ratios are what to compare across machines and
commits.

Memory is measured two ways, and the larger is reported as the peak:

- the largest single process, from ``/usr/bin/time -v`` when it is GNU time, else from
  ``getrusage(RUSAGE_CHILDREN)`` in a fresh wrapper process per command (RUSAGE_CHILDREN keeps
  the maximum over all children ever waited for, hence one wrapper each). Exact, but blind to
  processes running side by side: it is a maximum, not a sum;
- the whole process tree, sampled from /proc every 0.2 s (Linux only): the sum of the RSS of
  the command and all its descendants, which is what a pool of worker processes really costs
  (an upper bound: shared pages count once per process; a peak shorter than 0.2 s can be
  missed).

The report goes to a temporary file rather than ``-o /dev/null``: veracity writes reports
atomically (temporary file + rename), which, run as root, replaces the /dev/null device with a
regular file. If ``<data>.truth.json`` from ``generate.py`` sits next to the data and the rules
are the shipped ``customer-master.yaml``, the last report's failure counts are checked against
the injected errors, so a fast but wrong audit does not go unnoticed. pointblank's counts (from
its JSON report) are compared with them too, for information: where its checks are not the
pack's (regexes for e-mail, phone and postal codes, every copy of a duplicate failing) they
differ by design.

The checkout may be shared and edited while a benchmark runs (veracity is installed editable).
The veracity sources are fingerprinted before and after every audit run, and a change is
reported. ``--src DIR`` benchmarks another source tree without touching the work tree, e.g. the
last commit: ``mkdir /tmp/head && git archive HEAD src | tar -x -C /tmp/head`` and
``--src /tmp/head/src``.

Measuring a command is ``timing.py``'s, the machine and software notes ``machine.py``'s, the
truth check ``truth.py``'s and pointblank's side ``peer.py``'s; a shape set is ``run_shapes.py``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine
from peer import (
    PEERS_PYTHON,
    PEERS_SETUP,
    POINTBLANK_SCRIPT,
    POINTBLANK_SHAPES_SCRIPT,
    peer_lines,
    peer_versions,
    pointblank_failures,
)
from timing import GNU_TIME, CommandFailed, Step, gnu_time_available, measure, seconds_list
from truth import SHIPPED_RULES, check_truth, compare_with_truth

REPO = Path(__file__).resolve().parent.parent
DEFAULT_RULES = SHIPPED_RULES
AS_OF = "2026-11-01"

#: The bare read, run by the same interpreter as veracity's. Prints the shape so the table
#: can show the row count without a second read.
_READ_SCRIPT = """\
import sys
import polars as pl
path = sys.argv[1]
frame = pl.read_parquet(path) if path.endswith(".parquet") else pl.read_csv(path, infer_schema=False)
print(frame.height, frame.width)
"""


# ---------------------------------------------------------------------------------------------
# Output


def _seconds(value: float) -> str:
    return f"{value:,.1f} s" if value >= 100 else f"{value:.2f} s"


def _measures(step: Mapping[str, Any]) -> str:
    return f"| {_seconds(step['median_wall_s'])} | {_seconds(step['median_cpu_s'])} | {step['peak_mib']:,.0f} MiB "


def _ratios(ratio: Mapping[str, float]) -> str:
    return f"| {ratio['wall']:,.1f}x | {ratio['cpu']:,.1f}x | {ratio['rss']:,.1f}x "


def markdown(result: dict[str, Any]) -> str:
    read, audit = result["steps"]["read"], result["steps"]["audit"]
    data = result["input"]
    # The peer's columns come after veracity's, so a table without them keeps its layout.
    peer = result.get("peers", {}).get("pointblank")
    header = "| input | rows | size | read: wall | read: CPU | read: peak RSS | audit: wall | audit: CPU | audit: peak RSS "
    if peer is not None:
        header += "| pointblank: wall | pointblank: CPU | pointblank: peak RSS "
    header += "| audit/read wall | audit/read CPU | audit/read RSS "
    if peer is not None:
        header += "| pointblank/read wall | pointblank/read CPU | pointblank/read RSS "
    row = (
        f"| {data['name']} | {data['rows']:,} | {data['bytes'] / 1e6:,.1f} MB "
        + _measures(read)
        + _measures(audit)
    )
    if peer is not None:
        row += _measures(result["steps"]["pointblank"])
    # CPU time is the steadier measure on a shared machine: waiting for a core is not in it.
    # (Ratios are recomputed from the steps: results saved by older versions lack some.)
    row += _ratios(ratios(result["steps"], "audit"))
    if peer is not None:
        row += _ratios(ratios(result["steps"], "pointblank"))
    lines = [
        header + "|",
        "|---|---:|---:|" + "---:|" * (header.count("|") - 3),
        row + "|",
        "",
        f"- {result['runs']} run{'s' if result['runs'] != 1 else ''} of each, interleaved; "
        "wall and CPU are medians, peak RSS the maximum",
        f"- walls: read {seconds_list(read['walls_s'])} s; audit {seconds_list(audit['walls_s'])} s "
        f"(audit CPU {seconds_list(audit['cpus_s'])} s)",
        f"- audit peak RSS per run: largest process {', '.join(f'{k / 1024:,.0f}' for k in audit['rss_kib'])} MiB, "
        f"process tree (sampled) {', '.join(f'{k / 1024:,.0f}' for k in audit['tree_rss_kib'])} MiB; "
        f"at most {audit['max_processes']} process(es) at once",
        f"- audit: `{' '.join(audit['command'])}`",
    ]
    truth = result.get("truth_check")
    if truth is not None:
        if truth["mismatches"]:
            detail = "; ".join(
                f"{rule}: expected {m['expected']}, reported {m['reported']}"
                for rule, m in truth["mismatches"].items()
            )
            lines.append(
                f"- truth check ({truth['truth_file']}): MISMATCH in {len(truth['mismatches'])} rules: {detail}"
            )
        else:
            lines.append(
                f"- truth check ({truth['truth_file']}): all {truth['rules_checked']} rules report the injected counts"
            )
    if peer is not None:
        lines += peer_lines(result["steps"]["pointblank"], peer, result["software"]["polars"])
    machine, software = result["machine"], result["software"]
    git = machine["git"]
    source = software["source"]
    git_text = ""
    # The checkout's state describes the audited code only when veracity was imported from it.
    if git and Path(source["dir"]).is_relative_to(REPO):
        changes = " + uncommitted changes in src/" if git["src_modified"] else ""
        git_text = f" (checkout at {git['commit']}{changes})"
    changed = " -- CHANGED DURING THE RUN, numbers mix versions" if source["changed"] else ""
    lines += [
        f"- veracity {software['veracity']} from {source['dir']}{git_text}, "
        f"sources {', '.join(source['fingerprints'])}{changed}",
        f"- machine: {machine['cpu']}, {machine['usable_cpus']} usable of {machine['logical_cpus']} logical CPUs, "
        f"{machine['ram_gib']} GiB RAM, {machine['os']}; Python {software['python']}, polars {software['polars']}",
        f"- load average (1 min) before/after: {result['load_1min'][0]:.2f} / {result['load_1min'][1]:.2f}; "
        f"peak RSS via {software['rss_method']} and /proc sampling; {machine['date']}",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Run


def _default_veracity(python: str) -> str:
    # The console script installed next to the interpreter (the project's venv) first.
    beside = Path(python).parent / "veracity"
    if beside.exists():
        return str(beside)
    found = shutil.which("veracity")
    if found is None:
        raise SystemExit("cannot find the veracity command; install the project or pass --veracity")
    return found


def ratios(summaries: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, float]:
    """Median wall, median CPU and peak RSS of step ``name`` over those of the bare read."""
    step, read = summaries[name], summaries["read"]
    return {
        "wall": step["median_wall_s"] / read["median_wall_s"],
        "cpu": step["median_cpu_s"] / read["median_cpu_s"],
        "rss": step["peak_mib"] / read["peak_mib"],
    }


def _relative(path: str) -> str:
    """``path`` relative to the repository when it lies inside it (shorter in the output)."""
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path


def run(
    data: Path,
    rules: Path,
    runs: int,
    python: str,
    veracity: str | None,
    src: Path | None,
    progress: bool = True,
    peer_python: str | None = None,
) -> dict[str, Any]:
    # Other processes may share this machine; the 1-minute load average says how much.
    load_before = os.getloadavg()[0]
    use_gnu_time = gnu_time_available()
    env = None
    if src is not None:
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": str(src.resolve()) + (os.pathsep + path if path else "")}
    software = machine.versions(python, env)
    package_dir = Path(software.pop("veracity_dir"))
    fingerprints = [machine.source_fingerprint(package_dir)]
    launcher = [python, "-m", "veracity"] if src is not None else [veracity or _default_veracity(python)]
    peer = peer_versions(peer_python) if peer_python is not None else None
    if peer_python is not None and peer is None:
        raise CommandFailed(f"{peer_python} cannot run pointblank; set the peers up with {PEERS_SETUP}")

    # Warm the page cache and the bytecode caches (the sources may just have been edited), so
    # that the first timed run does not pay for them.
    with data.open("rb") as handle:
        while handle.read(1 << 24):
            pass
    subprocess.run([*launcher, "audit", "--help"], capture_output=True, env=env)
    if peer_python is not None:
        subprocess.run([peer_python, "-c", "import pointblank"], capture_output=True)

    with tempfile.TemporaryDirectory(prefix="veracity-bench-") as scratch:
        report = Path(scratch) / "report.json"
        audit_args = [
            "audit", "--rules", str(rules), "--as-of", AS_OF, "--format", "json", "-o", str(report),
            "--exit-zero", "--no-progress", str(data),
        ]  # fmt: skip
        read = Step("read", [python, "-c", _READ_SCRIPT, str(data)])
        audit = Step("audit", [*launcher, *audit_args], env=env)
        peer_report = Path(scratch) / "pointblank.json"
        peer_args = [str(POINTBLANK_SCRIPT), "--as-of", AS_OF, "-o", str(peer_report), str(data)]
        if rules.resolve() != DEFAULT_RULES.resolve():
            peer_args[:1] = [str(POINTBLANK_SHAPES_SCRIPT), "--rules", str(rules)]
        pointblank = Step("pointblank", [peer_python, *peer_args]) if peer_python is not None else None
        # The peer runs in the same rounds as the others, so that load from other processes hits
        # it alike.
        steps = [read, audit] if pointblank is None else [read, audit, pointblank]
        for number in range(1, runs + 1):
            for step in steps:
                outcome = measure(step.command, use_gnu_time, step.env)
                step.outcomes.append(outcome)
                if step is audit:
                    fingerprints.append(machine.source_fingerprint(package_dir))
                if progress:
                    print(
                        f"run {number}/{runs} {step.name}: {outcome.wall_s:.2f} s wall, {outcome.cpu_s:.2f} s CPU, "
                        f"{outcome.peak_kib / 1024:,.0f} MiB",
                        file=sys.stderr,
                    )
        truth = check_truth(data, rules, report)
        # The report's temporary directory is about to go: show a placeholder for it.
        display = ["veracity", *("TMPDIR/report.json" if arg == str(report) else arg for arg in audit_args)]
        summaries = {
            "read": read.summary(["python", "-c", "<read script>", str(data)]),
            "audit": audit.summary(display),
        }
        peers: dict[str, Any] = {}
        if pointblank is not None and peer is not None:
            summaries["pointblank"] = pointblank.summary(
                [
                    "TMPDIR/pointblank.json" if arg == str(peer_report) else _relative(arg)
                    for arg in pointblank.command
                ]
            )
            failing = pointblank_failures(peer_report)
            peers["pointblank"] = {
                "versions": peer,
                "ratio": ratios(summaries, "pointblank"),
                # Its summary line: steps, failing units per rule, thresholds passed.
                "output": pointblank.outcomes[-1].stdout.strip(),
                "failing": failing,
                "truth_check": compare_with_truth(data, rules, failing),
            }

    rows, columns = (int(part) for part in read.outcomes[-1].stdout.split())
    result: dict[str, Any] = {
        "input": {
            "name": data.name,
            "path": str(data),
            "bytes": data.stat().st_size,
            "rows": rows,
            "columns": columns,
        },
        "rules": str(rules),
        "runs": runs,
        "steps": summaries,
        "ratio": ratios(summaries, "audit"),
        "truth_check": truth,
        "software": {
            **software,
            "source": {
                "dir": str(package_dir),
                "fingerprints": list(dict.fromkeys(fingerprints)),
                "changed": len(set(fingerprints)) > 1,
            },
            "rss_method": f"{GNU_TIME} -v"
            if use_gnu_time
            else "getrusage(RUSAGE_CHILDREN) in a wrapper process",
        },
        "machine": machine.machine_info(),
        "load_1min": [load_before, os.getloadavg()[0]],
    }
    # Only with --peers, so that the JSON of a run without them keeps its shape.
    if peers:
        result["peers"] = peers
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data", type=Path, nargs="?", help="the CSV or Parquet file to audit (or --shapes)")
    parser.add_argument(
        "--shapes",
        nargs="+",
        metavar="SHAPE",
        help="time a set of shapes.py's shapes instead of one file: 'all' or shape names",
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="with --shapes: rows per shape (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=42, help="with --shapes: seed of the shapes (default 42)")
    parser.add_argument(
        "--out", default="benchmarks/data/shape", help="with --shapes: path prefix of the shape files"
    )
    parser.add_argument(
        "--rules", type=Path, default=DEFAULT_RULES, help="rule file (default: the shipped pack)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (default 3)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of Markdown")
    parser.add_argument("--save", type=Path, help="also write the result as JSON to this file")
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter for the bare read (default: this one)"
    )
    parser.add_argument("--veracity", help="veracity command (default: the one beside --python, else PATH)")
    parser.add_argument(
        "--src",
        type=Path,
        help="run veracity from this source directory (python -m veracity with PYTHONPATH)",
    )
    parser.add_argument(
        "--peers",
        nargs="?",
        const=str(PEERS_PYTHON),
        metavar="PYTHON",
        help="also time pointblank on the same file, with this interpreter (default: that of the peers "
        f"virtualenv, made by `{PEERS_SETUP}`); skipped with a warning when it is missing",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-run progress on stderr")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.shapes is not None:
        return _run_shapes(parser, args)
    if args.data is None:
        parser.error("give the file to audit, or --shapes")
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file (generate it with benchmarks/generate.py)")
    if args.src is not None and not (args.src / "veracity" / "__init__.py").is_file():
        parser.error(f"--src {args.src}: no veracity package in it (give the directory holding veracity/)")
    if args.src is not None and args.veracity is not None:
        parser.error("--src and --veracity exclude each other")
    if args.peers is not None and args.rules.resolve() != DEFAULT_RULES.resolve():
        # pointblank_audit.py has the shipped pack written into it; other rules would not be
        # the same job.
        parser.error("--peers compares the shipped rule pack only; leave out --rules")
    args.peers = _usable_peers(args.peers)
    try:
        result = run(
            args.data,
            args.rules,
            args.runs,
            args.python,
            args.veracity,
            args.src,
            progress=not args.quiet,
            peer_python=args.peers,
        )
    except CommandFailed as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        return 1
    if args.save is not None:
        args.save.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


def _usable_peers(peers: str | None) -> str | None:
    """The peers' Python when it can run pointblank; else a warning and None (timing without it)."""
    if peers is not None and peer_versions(peers) is None:
        print(
            f"warning: {peers} cannot run pointblank (set the peers up with {PEERS_SETUP}); timing without it",
            file=sys.stderr,
        )
        return None
    return peers


def _run_shapes(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import run_shapes  # imports this module: only here, when it is needed

    names = list(run_shapes.shapes.SHAPES) if args.shapes == ["all"] else args.shapes
    unknown = sorted(set(names) - set(run_shapes.shapes.SHAPES))
    if unknown:
        parser.error(
            f"--shapes: unknown {', '.join(unknown)}; choose from all, {', '.join(run_shapes.shapes.SHAPES)}"
        )
    if args.data is not None or args.rules.resolve() != DEFAULT_RULES.resolve():
        parser.error("--shapes brings each shape's data and rule file: leave out the file and --rules")
    args.peers = _usable_peers(args.peers)
    try:
        results = run_shapes.run_set(
            names,
            args.rows,
            args.seed,
            args.runs,
            args.out,
            args.python,
            args.src,
            progress=not args.quiet,
            peer_python=args.peers,
        )
    except CommandFailed as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        return 1
    if args.save is not None:
        args.save.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2) if args.json else run_shapes.table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
