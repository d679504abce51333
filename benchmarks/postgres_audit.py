"""Audit a 1M-row PostgreSQL table, beside ``COPY ... TO STDOUT`` of the same table and the same
audit of the table exported as CSV, on this machine, in one run.

Usage::

    python benchmarks/postgres_audit.py benchmarks/data/customers_1m.csv [--runs 3] [--chunk-rows 200000]

The CSV (from ``generate.py``) is loaded into a table of text columns on a throw-away cluster
(the one the tests use: ``tests/sources/pg_server.py``; Debian's PostgreSQL, see
``.ci/install-postgres``), then, interleaved for ``--runs`` rounds, each in a fresh process:

(a) ``psql -c "COPY customers TO STDOUT (FORMAT csv)" > /dev/null``: the floor, the server
    writing every row as text to a client that keeps nothing;
(b) ``veracity audit`` of ``postgresql://...?table=customers`` with the shipped
    ``rules/customer-master.yaml`` (the whole table in memory);
(c) the same with ``--chunk-rows`` (batches in bounded memory);
(d) the read alone (``load_sources``) of the table and of the exported CSV: where the time goes;
(e) the same audit of the table exported once as CSV (``COPY ... TO`` a file, with header).

Reported: median wall time and the largest peak RSS over the rounds (GNU time's maximum
resident set size of the measured command), and whether the audits' rule counts agree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sources"))

import pg_server  # noqa: E402  (the tests' throw-away cluster)

RULES = ROOT / "rules" / "customer-master.yaml"
AS_OF = "2026-11-01"


def _timed(command: list[str], stdout: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS in MiB of ``command`` under GNU time."""
    with tempfile.NamedTemporaryFile(suffix=".time") as report:
        out = stdout.open("wb") if stdout else subprocess.DEVNULL
        try:
            subprocess.run(
                ["/usr/bin/time", "-f", "%e %M", "-o", report.name, *command],
                stdout=out,
                stderr=subprocess.PIPE,
                check=True,
            )
        finally:
            if stdout:
                out.close()  # type: ignore[union-attr]
        wall, rss = Path(report.name).read_text().split()[-2:]
    return float(wall), int(rss) // 1024


def _audit(source: str, report: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "veracity",
        "audit",
        "--no-progress",
        "-r",
        str(RULES),
        "--as-of",
        AS_OF,
        "-f",
        "json",
        "-o",
        str(report),
        "--exit-zero",
        source,
        *extra,
    ]


def _load(source: str) -> list[str]:
    """The read alone: every record into one frame, as the audit's first step does."""
    code = (
        "import sys; from veracity.sources import SourceSpec, load_sources; "
        "load_sources([SourceSpec(path=sys.argv[1])])"
    )
    return [sys.executable, "-c", code, source]


def _counts(report: Path) -> list[tuple[str, int, int]]:
    rules = json.loads(report.read_text())["rules"]
    return sorted((r["id"], r["evaluated"], r["failed"]) for r in rules)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-rows", type=int, default=200_000)
    args = parser.parse_args()

    server = pg_server.start()
    if isinstance(server, str):
        sys.exit(f"postgres_audit: {server}")
    work = Path(tempfile.mkdtemp(prefix="veracity-pg-bench-"))
    try:
        import psycopg

        header = args.csv.open(encoding="utf-8").readline().strip().split(",")
        columns = ", ".join(f'"{name}" text' for name in header)
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE customers ({columns})")
            load = "COPY customers FROM STDIN (FORMAT csv, HEADER)"
            with conn.cursor() as cursor, cursor.copy(load) as copy, args.csv.open("rb") as source:
                while block := source.read(1 << 20):
                    copy.write(block)
            conn.execute("VACUUM ANALYZE customers")
            conn.execute(f"GRANT SELECT ON customers TO {pg_server.USER}")
            exported = work / "customers_export.csv"
            dump = "COPY customers TO STDOUT (FORMAT csv, HEADER)"
            with exported.open("wb") as sink, conn.cursor() as cursor, cursor.copy(dump) as copy:
                for data in copy:
                    sink.write(data)
        url = f"{server.url()}?table=customers"
        psql = pg_server.find_bin()
        psql_command = [
            str(psql / "psql") if psql and (psql / "psql").exists() else "psql",
            server.url(),
            "-c",
            "COPY customers TO STDOUT (FORMAT csv)",
        ]
        commands = {
            "COPY ... TO STDOUT (psql, to /dev/null)": (psql_command, None),
            "veracity audit, PostgreSQL table": (_audit(url, work / "pg.json"), work / "pg.json"),
            f"veracity audit, PostgreSQL table, --chunk-rows {args.chunk_rows}": (
                _audit(url, work / "pg_chunked.json", "--chunk-rows", str(args.chunk_rows)),
                work / "pg_chunked.json",
            ),
            "read only: load_sources of the table": (_load(url), None),
            "read only: load_sources of the exported CSV": (_load(str(exported)), None),
            "veracity audit, the table exported as CSV": (
                _audit(str(exported), work / "csv.json"),
                work / "csv.json",
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, int] = dict.fromkeys(commands, 0)
        for _ in range(args.runs):
            for name, (command, _report) in commands.items():
                wall, rss = _timed(command)
                times[name].append(wall)
                peaks[name] = max(peaks[name], rss)
        counts = {name: _counts(report) for name, (_, report) in commands.items() if report is not None}
        agree = len({json.dumps(c) for c in counts.values()}) == 1
        print(
            f"rows: {sum(1 for _ in args.csv.open('rb')) - 1:,}; runs: {args.runs}; rule counts agree: {agree}"
        )
        print("| command | wall (median) | peak RSS |")
        print("| --- | ---: | ---: |")
        for name in commands:
            print(f"| {name} | {statistics.median(times[name]):.2f} s | {peaks[name]:,} MiB |")
    finally:
        server.stop()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
