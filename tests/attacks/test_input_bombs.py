"""Small files that unpack to gigabytes are refused in one line before they are unpacked, and
workbooks whose sheets cannot be measured (.xls, .xlsb, .ods) never reach the Excel reader."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from tests.attacks.harness import Attack, attack

RULES = "version: 1\nrules:\n  - {id: email-valid, check: email, field: email}\n"


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd")
    return buffer.getvalue()


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


def _cases() -> list[Attack]:
    # 3,000,000 copies of one 1,000-character text: about 180 KB of Parquet, 3 GB once read
    # (gathered, the copies share one buffer while the file is written).
    text = pl.Series("email", ["x" * 1000]).gather(pl.zeros(3_000_000, dtype=pl.UInt32, eager=True))
    repeated = _parquet(text.to_frame())
    # 6,000,000 rows of 10 one-byte columns: 60 million cells in about 100 KB.
    cells = _parquet(pl.select([pl.repeat(1, 6_000_000, dtype=pl.Int8).alias(f"c{i}") for i in range(10)]))
    ods = _zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
    xlsb = _zip({"[Content_Types].xml": "<x/>", "xl/workbook.bin": "", "xl/worksheets/sheet1.bin": ""})
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    as_xlsx = ["--input-format", "xlsx"]
    return [
        Attack(
            "parquet-repeated-text",
            ["audit", "-r", "r.yaml", "d.parquet"],
            {"d.parquet": repeated},
            error="bytes of text, more than",
        ),
        Attack(
            "parquet-too-many-cells",
            ["audit", "-r", "r.yaml", "d.parquet"],
            {"d.parquet": cells},
            error="rows of 10 columns, more than the 50,000,000 cells",
        ),
        Attack(
            "ods-as-xlsx",
            ["audit", "-r", "r.yaml", "d.ods", *as_xlsx],
            {"d.ods": ods},
            error="without .xlsx sheets",
        ),
        Attack(
            "xlsb-as-xlsx",
            ["audit", "-r", "r.yaml", "d.xlsb", *as_xlsx],
            {"d.xlsb": xlsb},
            error="without .xlsx sheets",
        ),
        Attack(
            "xls-as-xlsx",
            ["audit", "-r", "r.yaml", "d.xls", *as_xlsx],
            {"d.xls": xls},
            error="is not a readable Excel workbook",
        ),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case.id)
def test_bombs_and_unmeasurable_workbooks_are_refused(case: Attack, tmp_path: Path) -> None:
    attack(Attack(**{**case.__dict__, "files": {**case.files, "r.yaml": RULES}}), tmp_path)
