"""Planted values in file names, header names, ``--by`` values and data values, through every
output: no personal value in clear (unless ``--reveal-values``), no raw control character, no
spreadsheet cell that starts a formula, no markup or emoji read from data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from veracity.cli import app
from veracity.safetext import INVISIBLE_CODEPOINTS

EMAIL = "zoe.planted@example.com"
PHONE = "+49 170 5550123"
NAME = "Zebulonowitsch"
ESC = "\x1b[31m"
OSC = "\x1b]0;owned\x07"
FORMULA = "=cmd|' /C calc'!A0"
EMOJI = ":smile:"
BIDI = "\u202e"

#: Personal values that must never appear in clear: the data's and a header that is data.
PERSONAL = (
    EMAIL,
    "zoe.planted",
    PHONE,
    "5550123",
    NAME,
    "header.person@example.org",
    "header.person",
    "5550199",
)
#: Every raw control or direction-changing character except the line feed that ends lines.
RAW_CONTROLS = re.compile("[" + "".join(chr(c) for c in INVISIBLE_CODEPOINTS if c != 0x0A) + "]")
FORMULA_START = re.compile(r"^\s*[=+\-@\t\r]")

FILE_NAME = f"{FORMULA.replace('/', '')} {EMOJI} {BIDI}{ESC}.csv"
RULE_FILE = f"rules {ESC}{EMOJI}.yaml"
FORMULA_FIELD = f"{FORMULA}{ESC}"
SEGMENT_FIELD = f"seg{OSC}{EMOJI}"
HEADER = [
    "customer_id",
    "email",
    "phone",
    "last_name",
    FORMULA_FIELD,
    SEGMENT_FIELD,
]
ROWS = [
    ["C-1", EMAIL, PHONE, NAME, f"{FORMULA}", f"{FORMULA}{ESC}"],
    ["C-2", EMAIL, "0", f"{NAME}{ESC}", f"@SUM(1){BIDI}", f"{EMOJI}{BIDI}"],
    ["C-3", f"{BIDI}{EMAIL}", PHONE, f"-{NAME}", "+1", f"-{EMOJI}"],
    ["C-4", "", "", "Oz", "ok", "plain"],
]
RULES = f"""\
version: 1
key: customer_id
rules:
  - {{id: email-valid, check: email, field: email}}
  - {{id: email-unique, check: unique, fields: [email]}}
  - {{id: email-present, check: not_null, field: email}}
  - {{id: phone-valid, check: phone, field: phone, default_region: DE}}
  - {{id: name-short, check: length, field: last_name, max: 5}}
  - {{id: formula-short, check: length, field: {json.dumps(FORMULA_FIELD)}, max: 1}}
  - {{id: seg-known, check: in_set, field: {json.dumps(SEGMENT_FIELD)}, values: [plain]}}
"""

FORMATS = ("table", "json", "markdown", "html", "junit", "github")
#: An export without a header line: its first record would be read as the column names.
HEADERLESS = "no header.csv"
HEADERLESS_TEXT = "C-9,header.person@example.org,+49 30 5550199\nC-8,ann@example.com,+49 30 5550100\n"


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / RULE_FILE).write_text(RULES, encoding="utf-8")
    lines = [",".join(_csv_cell(cell) for cell in row) for row in [HEADER, *ROWS]]
    (tmp_path / FILE_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / HEADERLESS).write_text(HEADERLESS_TEXT, encoding="utf-8")
    return tmp_path


def _invoke(args: list[str]) -> Result:
    # color=True: as on a terminal, where click.echo leaves ANSI sequences in place.
    return CliRunner().invoke(app, args, color=True)


def _audit(*args: str) -> tuple[int, str, str]:
    result = _invoke(["audit", "--no-progress", "--exit-zero", "-r", RULE_FILE, *args])
    return result.exit_code, result.stdout, result.stderr


def _outputs(planted: Path, *extra: str) -> dict[str, str]:
    outputs: dict[str, str] = {}
    by = ["--by", "email", "--by", "last_name", "--by", SEGMENT_FIELD]
    for fmt in FORMATS:
        code, out, err = _audit(FILE_NAME, "-f", fmt, *by, *extra)
        assert code == 0, err
        outputs[fmt] = out
        outputs[f"{fmt} (stderr)"] = err
    code, _, err = _audit(
        FILE_NAME,
        "-f",
        "json",
        "-o",
        "report.json",
        "--findings",
        "findings.csv",
        "--openlineage",
        "events.ndjson",
        *extra,
    )
    assert code == 0, err
    outputs["stderr"] = err
    outputs["findings.csv"] = (planted / "findings.csv").read_text(encoding="utf-8")
    outputs["openlineage"] = (planted / "events.ndjson").read_text(encoding="utf-8")
    code, _, err = _audit(FILE_NAME, "--findings", "findings.parquet", *extra)
    assert code == 0, err
    outputs["findings.parquet"] = json.dumps(pl.read_parquet(planted / "findings.parquet").to_dicts())
    return outputs


def test_planted_values_are_safe_in_every_output(planted: Path) -> None:
    outputs = _outputs(planted)
    for name, text in outputs.items():
        leaked = [value for value in PERSONAL if value in text]
        assert not leaked, f"{name} shows personal values in clear: {leaked}"
        if name != "findings.parquet":  # Parquet keeps every value exactly, for programs
            raw = sorted({f"U+{ord(c):04X}" for c in RAW_CONTROLS.findall(text)})
            assert not raw, f"{name} carries raw control characters: {raw}"
        assert "😄" not in text, f"{name} turned :smile: into an emoji"


def test_no_findings_cell_starts_a_formula(planted: Path) -> None:
    _outputs(planted)
    frame = pl.read_csv(planted / "findings.csv", infer_schema=False)
    assert frame.height > 0
    cells = [cell for column in frame.columns for cell in frame[column].to_list() if cell is not None]
    # The file name and the header name, not only the values, reach the cells.
    assert any(FORMULA.replace("/", "") in cell for cell in frame["source"].to_list())
    assert any(FORMULA in (cell or "") for cell in frame["field"].to_list())
    assert [cell for cell in cells if FORMULA_START.match(cell)] == []


def test_reveal_values_shows_the_data_but_stays_free_of_control_characters(planted: Path) -> None:
    outputs = _outputs(planted, "--reveal-values")
    assert EMAIL in outputs["json"]
    assert NAME in outputs["table"]
    for name, text in outputs.items():
        if name != "findings.parquet":
            assert not RAW_CONTROLS.search(text), name


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([f"missing {EMOJI}{ESC}{BIDI} {EMAIL}.csv"], id="missing file"),
        pytest.param([FILE_NAME, "--by", f"{EMAIL}{OSC}{EMOJI}"], id="unknown --by field"),
        pytest.param([HEADERLESS], id="a file without a header line"),
        pytest.param([HEADERLESS, "--by", "header.person@example.orh"], id="--by near a data header"),
        pytest.param([FILE_NAME, "--as-of", f"{ESC}{EMOJI}"], id="bad --as-of"),
    ],
)
def test_error_lines_are_one_safe_line(planted: Path, args: list[str]) -> None:
    code, out, err = _audit(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("Error: "), err
    assert err.count("\n") == 1, err
    assert not RAW_CONTROLS.search(err)
    assert "😄" not in err
    leaked = [value for value in PERSONAL if value in err]
    assert not leaked, err


@pytest.mark.expects_internal_error
def test_debug_shows_where_an_internal_error_happened_not_the_data(
    planted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.InvalidOperationError(
            f"conversion from `str` to `i64` failed in column 'age' for 1 out of 1 values: [\"{EMAIL}\"]"
            f"\nname {NAME} phone {PHONE}{ESC}"
        )

    monkeypatch.setattr("veracity.cli.audit.run_audit", explode)
    code, out, err = _audit(FILE_NAME, "--debug")
    assert code == 2
    assert out == ""
    assert "Traceback (most recent call last):" in err
    assert "in explode" in err
    assert "polars.exceptions.InvalidOperationError: conversion from `…` to `…` failed in column '…'" in err
    assert err.splitlines()[-1].startswith("Error: internal error (InvalidOperationError)")
    assert not [value for value in PERSONAL if value in err]
    assert not RAW_CONTROLS.search(err)


def test_debug_on_a_user_error_keeps_values_out_of_the_traceback(planted: Path) -> None:
    code, _, err = _audit(FILE_NAME, "--debug", "--by", f"{EMAIL}{ESC}")
    assert code == 2
    assert "Traceback (most recent call last):" in err
    assert "FieldError" in err
    assert err.splitlines()[-1].startswith("Error: segment field 'z***@e***.com\\x1b[31m'")
    assert EMAIL not in err
    assert not RAW_CONTROLS.search(err)


def test_rules_check_prints_the_rule_file_name_safely(planted: Path) -> None:
    result = _invoke(["rules", "check", RULE_FILE, FILE_NAME])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("rules OK and its field names\n")
    assert not RAW_CONTROLS.search(result.stdout)
    assert "😄" not in result.stdout
