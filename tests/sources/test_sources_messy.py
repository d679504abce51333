"""Messy CSV/TSV exports (tests/sources/messy/cases.yaml): each read by the whole-file reader and
the chunked reader with the same outcome, and each refusal a single located ``Error:`` line on
the command line, exit code 2, with no value from the file in it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from veracity.cli import app
from veracity.errors import SourceError
from veracity.sources import LINE_COL, ReadOptions, SourceSpec, load_sources
from veracity.sources._chunks import open_sources

MESSY = Path(__file__).parent / "messy"
CASES: list[dict[str, Any]] = yaml.safe_load((MESSY / "cases.yaml").read_text(encoding="utf-8"))
IDS = [
    case["file"] + "".join(f"-{key}={value}" for key, value in case.get("read", {}).items()) for case in CASES
]
REFUSED = [(case, name) for case, name in zip(CASES, IDS, strict=True) if "refuse" in case]
# Defaults of the ``load`` entries: a plain UTF-8 comma file.
LOAD_DEFAULTS = {"encoding": "utf-8", "confidence": 1.0, "delimiter": ","}


def _whole(path: Path, read: dict[str, Any]) -> dict[str, Any] | str:
    try:
        data = load_sources([SourceSpec(str(path), read=ReadOptions(**read))])
    except SourceError as error:
        return str(error)
    info = data.sources[0]
    return {
        "encoding": info.encoding,
        "confidence": info.encoding_confidence,
        "delimiter": info.delimiter,
        "fields": data.fields,
        "rows": [list(row) for row in data.frame.select(data.fields).rows()],
        "lines": data.frame.get_column(LINE_COL).to_list(),
    }


def _chunked(path: Path, read: dict[str, Any]) -> dict[str, Any] | str:
    try:
        opened = open_sources([SourceSpec(str(path), read=ReadOptions(**read))], chunk_rows=1)
        rows: list[list[Any]] = []
        lines: list[int] = []
        for chunk in opened.chunks():
            frame = chunk.data.frame
            rows += [list(row) for row in frame.select(opened.fields).rows()]
            lines += frame.get_column(LINE_COL).to_list()
    except SourceError as error:
        return str(error)
    info = opened.infos[0]
    return {
        "encoding": info.encoding,
        "confidence": info.encoding_confidence,
        "delimiter": info.delimiter,
        "fields": opened.fields,
        "rows": rows,
        "lines": lines,
    }


def _expected(case: dict[str, Any], path: Path) -> dict[str, Any] | str:
    if "refuse" in case:
        return f"{path}{case['refuse']}"
    return LOAD_DEFAULTS | case["load"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_whole_file_reader(case: dict[str, Any]) -> None:
    path = MESSY / case["file"]
    assert _whole(path, case.get("read", {})) == _expected(case, path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_chunked_reader(case: dict[str, Any]) -> None:
    path = MESSY / case["file"]
    expected = f"{path}{case['chunked']}" if "chunked" in case else _expected(case, path)
    assert _chunked(path, case.get("read", {})) == expected


RULES = "version: 1\nrules:\n  - {id: present, check: not_null, field: x}\n"


@pytest.mark.parametrize("chunked", [False, True], ids=["whole", "chunked"])
@pytest.mark.parametrize("case", [case for case, _ in REFUSED], ids=[name for _, name in REFUSED])
def test_refusal_on_the_command_line(
    case: dict[str, Any], chunked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(MESSY / case["file"], tmp_path / case["file"])
    (tmp_path / "r.yaml").write_text(RULES, encoding="utf-8")
    options = [f"--{key}={value}" for key, value in case.get("read", {}).items()]
    if chunked:
        options += ["--chunk-rows", "1000"]
    result = CliRunner().invoke(
        app, ["audit", "--no-progress", "-r", "r.yaml", case["file"], *options, "-o", "out.json"]
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert result.exit_code == 2
    assert errors == [f"Error: {case['file']}{case['refuse']}"]
    assert len(result.stderr.strip().splitlines()) == 1
    for secret in case.get("secrets", []):
        assert secret not in result.stderr
    assert not (tmp_path / "out.json").exists()
