"""``veracity fix`` for every format veracity reads: audit --worklist, accept, fix, re-audit, and
a copy that changes the accepted cells and nothing else (bytes, sheets, other tables)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from tests.cli.test_fix_cli import fix
from tests.test_worklist import DATA, RULES

HEADER, *ROWS = list(csv.reader(io.StringIO(DATA)))
#: A column no rule reads, whose values a copy must keep as they are: a line break inside
#: quotes (the later records start on other lines than their number says), accents, quotes.
NOTES = ['two\nlines, "quoted"', "Grüße; €", "", "# not a comment"]


def _table() -> tuple[list[str], list[list[str]]]:
    return [*HEADER, "note"], [[*row, note] for row, note in zip(ROWS, NOTES, strict=True)]


def _delimited(delimiter: str, quoting: int, terminator: str, rows: list[list[str]] | None = None) -> str:
    header, body = _table()
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerows([header, *(rows if rows is not None else body)])
    return out.getvalue()


def _records() -> list[dict[str, str]]:
    header, body = _table()
    return [dict(zip(header, row, strict=True)) for row in body]


def _write_csv(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_bytes(_delimited(";", csv.QUOTE_ALL, "\r\n").encode("cp1252"))
    return path


def _write_tsv(folder: Path) -> Path:
    path = folder / "customers.tsv"
    path.write_bytes(_delimited("\t", csv.QUOTE_MINIMAL, "\n").encode("utf-8-sig"))
    return path


def _write_ndjson(folder: Path) -> Path:
    path = folder / "customers.ndjson"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records()), encoding="utf-8")
    return path


def _write_json(folder: Path) -> Path:
    path = folder / "customers.json"
    path.write_text(json.dumps(_records(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def _write_xlsx(folder: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    header, body = _table()
    sheet.append(header)
    for row in body:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    book.create_sheet("Notes")["A1"] = "kept as it is"
    path = folder / "customers.xlsx"
    book.save(path)
    return path


WRITERS: dict[str, Callable[[Path], Path]] = {
    "csv": _write_csv,
    "tsv": _write_tsv,
    "ndjson": _write_ndjson,
    "json": _write_json,
    "xlsx": _write_xlsx,
}


def _audit_and_accept(runner: CliRunner, data: list[str], rules: Path, worklist: Path) -> pl.DataFrame:
    code, _, stderr = run_audit(runner, *data, "-r", str(rules), "--worklist", str(worklist))
    assert code == 1, stderr
    frame = pl.read_csv(worklist, infer_schema=False)
    marked = frame.with_columns(
        pl.when(pl.col("suggestion").is_not_null()).then(pl.lit("yes")).otherwise(None).alias("accept")
    )
    marked.write_csv(worklist)
    return frame


def _failing(runner: CliRunner, data: list[str], rules: Path, folder: Path) -> set[tuple[str, str]]:
    findings = folder / "after.csv"
    code, _, stderr = run_audit(runner, *data, "-r", str(rules), "--findings", str(findings))
    assert code in (0, 1), stderr
    return set(pl.read_csv(findings, infer_schema=False).select("line", "rule").rows())


def _round_trip(tmp_path: Path, data: Path) -> tuple[Path, pl.DataFrame]:
    runner = CliRunner()
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    before = data.read_bytes()
    worklist = tmp_path / "worklist.csv"
    frame = _audit_and_accept(runner, [str(data)], rules, worklist)
    fixed = tmp_path / f"fixed{data.suffix}"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    assert data.read_bytes() == before  # the input is never written
    accepted = set(frame.filter(pl.col("suggestion").is_not_null()).select("line", "rule").rows())
    assert accepted  # every format has corrections to apply
    assert (
        _failing(runner, [str(fixed)], rules, tmp_path) == set(frame.select("line", "rule").rows()) - accepted
    )
    return fixed, frame


def _corrected_rows(frame: pl.DataFrame, first_line: dict[int, int]) -> list[list[str]]:
    """The table with the accepted suggestions in place (``first_line``: record -> its line)."""
    _, body = _table()
    rows = [list(row) for row in body]
    by_line = {line: index for index, line in first_line.items()}
    suggested = frame.filter(pl.col("suggestion").is_not_null())
    for line, field, value in suggested.select("line", "field", "suggestion").rows():
        # The worklist keeps spreadsheets from reading "+49..." as a formula: "'+49...".
        shown = value[1:] if value[:1] == "'" and value[1:2] in "+-=@" else value
        rows[by_line[int(line)]][HEADER.index(field)] = shown
    return rows


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_round_trip_for_every_file_format(tmp_path: Path, fmt: str) -> None:
    data = WRITERS[fmt](tmp_path)
    fixed, frame = _round_trip(tmp_path, data)
    revealed = tmp_path / "revealed.csv"
    run_audit(
        CliRunner(),
        str(data),
        "-r",
        str(tmp_path / "rules.yaml"),
        "--worklist",
        str(revealed),
        "--reveal-values",
    )
    frame = pl.read_csv(revealed, infer_schema=False)
    if fmt == "csv":
        # Record 1's note spans two lines: records 2-4 start on lines 4-6.
        rows = _corrected_rows(frame, {0: 2, 1: 4, 2: 5, 3: 6})
        assert fixed.read_bytes() == _delimited(";", csv.QUOTE_ALL, "\r\n", rows).encode("cp1252")
    elif fmt == "tsv":
        rows = _corrected_rows(frame, {0: 2, 1: 4, 2: 5, 3: 6})
        assert fixed.read_bytes() == _delimited("\t", csv.QUOTE_MINIMAL, "\n", rows).encode("utf-8-sig")
    elif fmt == "ndjson":
        lines = fixed.read_text(encoding="utf-8").splitlines()
        original = data.read_text(encoding="utf-8").splitlines()
        assert lines[0] == original[0]  # record 1 has nothing to fix: its line is as it was
        assert json.loads(lines[1])["phone"] == "+491701234567"
    elif fmt == "json":
        copy = json.loads(fixed.read_text(encoding="utf-8"))
        assert [r["country"] for r in copy] == ["DE", "DE", "DE", "GB"]
        assert copy[0] == _records()[0]
        assert fixed.read_text(encoding="utf-8").startswith(data.read_text(encoding="utf-8")[:200])
    else:
        from openpyxl import load_workbook

        book = load_workbook(fixed)
        assert book.sheetnames == ["Sheet", "Notes"]
        assert book["Notes"]["A1"].value == "kept as it is"
        assert all(cell.font.bold for cell in book["Sheet"][1])
        assert [c.value for c in book["Sheet"]["E"]] == ["country", "DE", "DE", "DE", "GB"]
        assert book["Sheet"]["H2"].value == NOTES[0]


def _write_sqlite(folder: Path, key: bool) -> Path:
    path = folder / "customers.db"
    header, body = _table()
    conn = sqlite3.connect(path)
    columns = ", ".join(f'"{name}" TEXT' for name in header)
    conn.execute(f"CREATE TABLE customers ({columns})")
    conn.executemany(f"INSERT INTO customers VALUES ({', '.join('?' * len(header))})", body)
    conn.execute("CREATE TABLE other (x TEXT)")
    conn.execute("INSERT INTO other VALUES ('untouched')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("keyed", [True, False], ids=["by key", "by rowid"])
def test_a_sqlite_source_is_fixed_in_a_copy_of_the_database(tmp_path: Path, keyed: bool) -> None:
    runner = CliRunner()
    database = _write_sqlite(tmp_path, keyed)
    before = database.read_bytes()
    body = RULES.replace("version: 1\n", "").replace("key: id\n", "key: id\n" if keyed else "")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nsources:\n  - {database: 'sqlite:///customers.db', table: customers}\n" + body,
        encoding="utf-8",
    )
    worklist = tmp_path / "worklist.csv"
    frame = _audit_and_accept(runner, [], rules, worklist)
    fixed = tmp_path / "fixed.db"
    # No DATA: the rule file's source.
    code, stderr = fix(runner, "-w", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    assert database.read_bytes() == before
    conn = sqlite3.connect(fixed)
    countries = [row[0] for row in conn.execute("SELECT country FROM customers ORDER BY rowid")]
    assert countries == ["DE", "DE", "DE", "GB"]
    assert conn.execute("SELECT x FROM other").fetchall() == [("untouched",)]
    conn.close()
    rules.write_text(rules.read_text(encoding="utf-8").replace("customers.db", "fixed.db"), encoding="utf-8")
    accepted = set(frame.filter(pl.col("suggestion").is_not_null()).select("line", "rule").rows())
    assert _failing(runner, [], rules, tmp_path) == set(frame.select("line", "rule").rows()) - accepted


def test_a_worklist_of_several_sources_fixes_the_one_given(tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = _write_csv(tmp_path), _write_ndjson(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    worklist = tmp_path / "worklist.csv"
    frame = _audit_and_accept(runner, [str(first), str(second)], rules, worklist)
    of_second = frame.filter(pl.col("suggestion").is_not_null() & (pl.col("source") == str(second))).height
    fixed = tmp_path / "fixed.csv"
    code, stderr = fix(runner, str(first), "-w", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    assert (
        f"{of_second} accepted row(s) of the worklist belong to other sources and were not applied" in stderr
    )
    assert _failing(runner, [str(fixed)], rules, tmp_path) == set(
        frame.filter((pl.col("source") == str(first)) & pl.col("suggestion").is_null())
        .select("line", "rule")
        .rows()
    )


@pytest.mark.parametrize("fmt", ["ndjson", "xlsx"])
def test_the_output_may_not_be_the_input(tmp_path: Path, fmt: str) -> None:
    runner = CliRunner()
    data = WRITERS[fmt](tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    worklist = tmp_path / "worklist.csv"
    _audit_and_accept(runner, [str(data)], rules, worklist)
    before = data.read_bytes()
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(data), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == (
        f"Error: -o/--output {data} is the data file {data}: writing there would destroy it; "
        "give -o/--output another path"
    )
    assert data.read_bytes() == before


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_a_worklist_of_other_data_is_refused(tmp_path: Path, fmt: str) -> None:
    runner = CliRunner()
    data = WRITERS[fmt](tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    worklist = tmp_path / "worklist.csv"
    _audit_and_accept(runner, [str(_write_csv(tmp_path))], rules, worklist)
    out = tmp_path / f"fixed{data.suffix}"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(out), "-r", str(rules))
    assert code == 2
    assert stderr.startswith(f"Error: {worklist} was not made from {data}")
    assert not out.exists()


def test_a_change_to_a_field_the_copy_does_not_have_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    data = _write_ndjson(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    worklist = tmp_path / "worklist.csv"
    frame = _audit_and_accept(runner, [str(data)], rules, worklist)
    frame.with_columns(pl.lit("yes").alias("accept"), pl.lit("fax").alias("field")).write_csv(worklist)
    out = tmp_path / "fixed.ndjson"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(out), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == f"Error: {worklist} names field 'fax', which {data} does not have"
    assert not out.exists()
