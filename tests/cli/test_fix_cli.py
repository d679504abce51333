"""``veracity fix``: audit, accept, fix, re-audit; only accepted rows, never the input, a masked
change log, and worklists that do not belong to the data refused."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit
from tests.test_worklist import write_example
from veracity.cli import app


def fix(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["fix", *args])
    return result.exit_code, result.stderr


def _worklist(runner: CliRunner, data: Path, rules: Path, target: Path, *extra: str) -> pl.DataFrame:
    code, _, stderr = run_audit(runner, str(data), "-r", str(rules), "--worklist", str(target), *extra)
    assert code == 1, stderr
    return pl.read_csv(target, infer_schema=False) if target.suffix == ".csv" else pl.read_parquet(target)


def _accept(frame: pl.DataFrame, target: Path, which: pl.Expr) -> None:
    marked = frame.with_columns(pl.when(which).then(pl.lit("yes")).otherwise(None).alias("accept"))
    if target.suffix == ".csv":
        marked.write_csv(target)
    else:
        marked.write_parquet(target)


def _failing(runner: CliRunner, data: Path, rules: Path, tmp_path: Path) -> set[tuple[int, str]]:
    findings = tmp_path / "after-findings.csv"
    run_audit(runner, str(data), "-r", str(rules), "--findings", str(findings))
    return set(pl.read_csv(findings).select("line", "rule").rows())


@pytest.mark.parametrize("worklist_name", ["worklist.csv", "worklist.parquet"])
def test_round_trip_audit_accept_fix_reaudit(tmp_path: Path, worklist_name: str) -> None:
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    before = data.read_bytes()
    worklist = tmp_path / worklist_name
    frame = _worklist(runner, data, rules, worklist)
    _accept(frame, worklist, pl.col("suggestion").is_not_null())
    fixed = tmp_path / "fixed.csv"
    code, stderr = fix(runner, str(data), "--worklist", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    assert data.read_bytes() == before  # the input is never written
    accepted = set(frame.filter(pl.col("suggestion").is_not_null()).select("line", "rule").rows())
    accepted = {(int(line), rule) for line, rule in accepted}
    failing_before = {(int(line), rule) for line, rule in frame.select("line", "rule").rows()}
    # Re-auditing the copy: the accepted rules pass for those records, the rest still fail.
    assert _failing(runner, fixed, rules, tmp_path) == failing_before - accepted
    assert (
        fixed.read_text(encoding="utf-8").splitlines()[1] == data.read_text(encoding="utf-8").splitlines()[1]
    )


def test_only_accepted_rows_are_applied_and_logged(tmp_path: Path) -> None:
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)
    _accept(frame, worklist, (pl.col("rule") == "postal-code") & (pl.col("line") == "5"))
    fixed = tmp_path / "fixed.csv"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    assert f"Changed 1 value(s) in 1 record(s); wrote {fixed}" in stderr
    original, copy = (
        data.read_text(encoding="utf-8").splitlines(),
        fixed.read_text(encoding="utf-8").splitlines(),
    )
    assert [i for i, (a, b) in enumerate(zip(original, copy, strict=True)) if a != b] == [4]
    assert copy[4] == "4,=cmd,dora@example.de,+49 30 901820,GB,SW1A 1AA,2024-02-02"
    log = pl.read_csv(tmp_path / "fixed.changes.csv", infer_schema=False)
    assert log.columns == ["record", "field", "old", "new", "rule"]
    assert log.rows() == [("5", "postal_code", "s***a", "S***A", "postal-code")]


def test_the_change_log_shows_values_when_revealed(tmp_path: Path) -> None:
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)
    _accept(frame, worklist, pl.col("rule") == "email-valid")
    changes = tmp_path / "log.csv"
    code, stderr = fix(
        runner, str(data), "-w", str(worklist), "-o", str(tmp_path / "out.csv"), "-r", str(rules),
        "--changes", str(changes), "--reveal-values",
    )  # fmt: skip
    assert code == 0, stderr
    assert pl.read_csv(changes, infer_schema=False).rows() == [
        ("3", "email", " ben@example.de ", "ben@example.de", "email-valid")
    ]


def test_a_parquet_copy_keeps_its_format(tmp_path: Path) -> None:
    runner = CliRunner()
    csv, rules = write_example(tmp_path)
    data = tmp_path / "customers.parquet"
    pl.read_csv(csv, infer_schema=False).write_parquet(data)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)
    _accept(frame, worklist, pl.col("suggestion").is_not_null())
    fixed = tmp_path / "fixed.parquet"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(fixed), "-r", str(rules))
    assert code == 0, stderr
    copy = pl.read_parquet(fixed)
    assert copy.get_column("country").to_list() == ["DE", "DE", "DE", "GB"]
    assert copy.get_column("phone").to_list()[1] == "+491701234567"


def _prepared(tmp_path: Path) -> tuple[CliRunner, Path, Path, Path]:
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)
    _accept(frame, worklist, pl.col("suggestion").is_not_null())
    return runner, data, rules, worklist


def test_a_worklist_of_other_data_is_refused(tmp_path: Path) -> None:
    runner, data, rules, worklist = _prepared(tmp_path)
    data.write_text(
        data.read_text(encoding="utf-8") + "5,Eva,eva@example.de,,DE,10115,2024-01-01\n", encoding="utf-8"
    )
    out = tmp_path / "fixed.csv"
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(out), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == (
        f"Error: {worklist} was not made from {data}: no row's source_sha256 is its sha256 (the file changed "
        f"since the audit, or it is another file); audit {data} again with --worklist"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("customers.csv", "Error: -o/--output {out} is the data file {data}: writing there would destroy it; "
         "give -o/--output another path"),
        ("fixed.parquet", "Error: -o/--output {out} must end in .csv like {data}: the copy keeps its format"),
    ],
)  # fmt: skip
def test_outputs_are_checked_before_the_work(tmp_path: Path, output: str, message: str) -> None:
    runner, data, rules, worklist = _prepared(tmp_path)
    before = data.read_bytes()
    out = tmp_path / output
    code, stderr = fix(runner, str(data), "-w", str(worklist), "-o", str(out), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == message.format(out=out, data=data)
    assert data.read_bytes() == before


def test_standard_input_as_data_is_refused_in_one_line(tmp_path: Path) -> None:
    runner, _, rules, worklist = _prepared(tmp_path)
    out = tmp_path / "fixed.csv"
    code, stderr = fix(runner, "-", "-w", str(worklist), "-o", str(out), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == (
        "Error: DATA -: standard input cannot be fixed, since the copy is made from the file the worklist came "
        "from; save the data to a file, audit that file with --worklist and fix it"
    )
    assert not out.exists()


def test_a_file_that_is_no_worklist_is_refused(tmp_path: Path) -> None:
    runner, data, rules, _ = _prepared(tmp_path)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    code, stderr = fix(runner, str(data), "-w", str(other), "-o", str(tmp_path / "f.csv"), "-r", str(rules))
    assert code == 2
    assert stderr.strip() == (
        f"Error: {other} has no column source, line, field, rule, correction, accept, source_sha256: "
        "give the file 'veracity audit --worklist' wrote"
    )


@pytest.mark.parametrize(
    ("accept", "rules_changed"),
    [
        ("certain", {"email-valid", "phone-valid", "country-code", "signup-date", "postal-code"}),
        (
            "likely",
            {"email-valid", "phone-valid", "country-code", "signup-date", "postal-code", "name-format"},
        ),
    ],
)
def test_accept_applies_every_suggestion_that_sure(
    tmp_path: Path, accept: str, rules_changed: set[str]
) -> None:
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)  # nothing marked
    code, stderr = fix(
        runner,
        str(data),
        "-w",
        str(worklist),
        "-o",
        str(tmp_path / "f.csv"),
        "-r",
        str(rules),
        "--accept",
        accept,
    )
    assert code == 0, stderr
    log = pl.read_csv(tmp_path / "f.changes.csv", infer_schema=False)
    expected = frame.filter(
        pl.col("confidence").is_in(["certain"] if accept == "certain" else ["certain", "likely"])
    )
    assert log.height == expected.height
    assert set(log.get_column("rule").to_list()) == rules_changed


def test_an_unknown_confidence_is_refused(tmp_path: Path) -> None:
    runner, data, _, worklist = _prepared(tmp_path)
    code, stderr = fix(
        runner, str(data), "-w", str(worklist), "-o", str(tmp_path / "f.csv"), "--accept", "maybe"
    )
    assert code == 2
    assert stderr.strip() == "Error: --accept: unknown confidence 'maybe'; choose certain or likely"


def test_a_worklist_saved_back_by_a_spreadsheet_is_read(tmp_path: Path) -> None:
    """Semicolons and a byte-order mark, as a German spreadsheet saves CSV."""
    runner = CliRunner()
    data, rules = write_example(tmp_path)
    worklist = tmp_path / "worklist.csv"
    frame = _worklist(runner, data, rules, worklist)
    marked = frame.with_columns(pl.when(pl.col("rule") == "country-code").then(pl.lit("Ja")).alias("accept"))
    worklist.write_bytes(b"\xef\xbb\xbf" + marked.write_csv(separator=";").encode("utf-8"))
    code, stderr = fix(
        runner, str(data), "-w", str(worklist), "-o", str(tmp_path / "f.csv"), "-r", str(rules)
    )
    assert code == 0, stderr
    log = pl.read_csv(tmp_path / "f.changes.csv", infer_schema=False)
    assert log.rows() == [("3", "country", "Deutschland", "DE", "country-code")]
