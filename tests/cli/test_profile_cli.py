"""`veracity profile` on the command line: formats, outputs, chunks, masking, exact error lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profile"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "kunden.csv", tmp_path / "kunden.csv")
    return tmp_path


def profile(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["profile", "--no-progress", *args])
    return result.exit_code, result.stdout, result.stderr


def test_table_on_stdout(runner: CliRunner, workdir: Path) -> None:
    code, out, err = profile(runner, "kunden.csv")
    assert code == 0, err
    assert "7 records in 1 source, 1 exact duplicate, 12 fields" in out
    assert "E-Mail-Adresse" in out
    assert "anna.schmidt@example.de" not in out
    assert "Values of personal fields are masked" in out


@pytest.mark.parametrize("chunks", [[], ["--chunk-rows", "1000"]])
def test_json_is_the_profile_and_nothing_else(runner: CliRunner, workdir: Path, chunks: list[str]) -> None:
    code, out, _ = profile(runner, "kunden.csv", "-f", "json", *chunks)
    assert code == 0
    data = json.loads(out)
    assert (data["records"], data["duplicates"]) == (7, 1)
    email = next(f for f in data["fields"] if f["name"] == "E-Mail-Adresse")
    assert (email["filled"], email["missing"], email["distinct"]) == (6, 1, 5)
    assert email["top_values"][0] == {"value": "m***@e***.de", "count": 2}
    assert {"kind": "email", "valid": 5, "evaluated": 6, "share": 5 / 6} in email["validity"]


def test_reveal_values(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = profile(runner, "kunden.csv", "-f", "json", "--reveal-values")
    assert code == 0
    email = next(f for f in json.loads(out)["fields"] if f["name"] == "E-Mail-Adresse")
    assert email["top_values"][0] == {"value": "max.bauer@example.de", "count": 2}


@pytest.mark.parametrize(("fmt", "start"), [("markdown", "# Data profile\n"), ("html", "<!DOCTYPE html>\n")])
def test_markdown_and_html_to_a_file(runner: CliRunner, workdir: Path, fmt: str, start: str) -> None:
    code, out, err = profile(runner, "kunden.csv", "-f", fmt, "-o", f"profile.{fmt}")
    assert code == 0
    assert out == ""
    assert err.strip() == f"Profile written to profile.{fmt}"
    text = (workdir / f"profile.{fmt}").read_text(encoding="utf-8")
    assert text.startswith(start)
    assert "anna.schmidt@example.de" not in text


def test_html_escapes_values(runner: CliRunner, workdir: Path) -> None:
    (workdir / "x.csv").write_text("note\n<script>alert(1)</script>\n", encoding="utf-8")
    code, _, _ = profile(runner, "x.csv", "-f", "html", "-o", "p.html", "--reveal-values")
    assert code == 0
    text = (workdir / "p.html").read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["kunden.csv", "-f", "xml"],
            "Error: --format: unknown format 'xml'; choose one of table, json, markdown, html",
        ),
        (
            ["kunden.csv", "-o", "kunden.csv"],
            "Error: -o/--output kunden.csv is the data file kunden.csv: writing there would destroy it; "
            "give -o/--output another path",
        ),
        (
            ["kunden.csv", "--delimiter", ";;"],
            "Error: --delimiter: give a single character such as ';' or '\\t'",
        ),
        (
            ["missing.csv"],
            None,
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    runner: CliRunner, workdir: Path, args: list[str], message: str | None
) -> None:
    code, out, err = profile(runner, *args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    if message is not None:
        assert lines[0] == message
    else:
        assert lines[0].startswith("Error: missing.csv: no such file")
    assert (workdir / "kunden.csv").read_bytes() == (FIXTURES / "kunden.csv").read_bytes()


def _as(kind: str, workdir: Path) -> str:
    import sqlite3

    import polars as pl

    frame = pl.read_csv(workdir / "kunden.csv", separator=";", infer_schema=False)
    if kind == "parquet":
        frame.write_parquet(workdir / "kunden.parquet")
        return "kunden.parquet"
    if kind == "xlsx":
        frame.write_excel(workdir / "kunden.xlsx", worksheet="Kunden")
        return "kunden.xlsx"
    if kind == "ndjson":
        frame.write_ndjson(workdir / "kunden.ndjson")
        return "kunden.ndjson"
    with sqlite3.connect(workdir / "kunden.db") as connection:
        columns = ", ".join(f'"{name}" text' for name in frame.columns)
        connection.execute(f"CREATE TABLE kunden ({columns})")
        connection.executemany(f"INSERT INTO kunden VALUES ({', '.join('?' * frame.width)})", frame.rows())
    connection.close()
    return "sqlite:///kunden.db?table=kunden"


@pytest.mark.parametrize("kind", ["parquet", "xlsx", "ndjson", "sqlite"])
@pytest.mark.parametrize("chunks", [[], ["--chunk-rows", "1000"]], ids=["whole", "chunks"])
def test_every_source_kind(runner: CliRunner, workdir: Path, kind: str, chunks: list[str]) -> None:
    code, out, err = profile(runner, _as(kind, workdir), "-f", "json", *chunks)
    assert code == 0, err
    data = json.loads(out)
    assert (data["records"], data["duplicates"]) == (7, 1)
    email = next(f for f in data["fields"] if f["name"] == "E-Mail-Adresse")
    assert (email["filled"], email["distinct"]) == (6, 5)
    assert {"kind": "email", "valid": 5, "evaluated": 6, "share": 5 / 6} in email["validity"]
