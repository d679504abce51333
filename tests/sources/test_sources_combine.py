"""Several sources into one frame; renames; missing-value spellings."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from loader_helpers import Writer, load_bytes, load_one, provenance, values

from veracity.errors import SourceError
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, ReadOptions, SourceSpec, load_sources


def test_several_sources_stack_diagonally_with_provenance(tmp_path: Path, write: Writer) -> None:
    write("crm.csv", "id,email\n1,a@b.com\n\n2,c@d.org\n")
    write("shop.tsv", "email\tphone\tid\nx@y.z\t555\t3\n")
    pl.DataFrame({"id": [4, 5], "country": ["DE", "FR"]}).write_parquet(tmp_path / "erp.parquet")
    specs = [SourceSpec("crm.csv"), SourceSpec("shop.tsv"), SourceSpec("erp.parquet")]
    data = load_sources(specs, base_dir=tmp_path)

    assert data.frame.columns == ["id", "email", "phone", "country", ROW_ID, SOURCE_COL, LINE_COL]
    assert data.fields == ["id", "email", "phone", "country"]
    assert values(data) == [
        ("1", "a@b.com", None, None),
        ("2", "c@d.org", None, None),
        ("3", "x@y.z", "555", None),
        ("4", None, None, "DE"),
        ("5", None, None, "FR"),
    ]
    assert provenance(data).rows() == [(0, 0, 2), (1, 0, 4), (2, 1, 2), (3, 2, 1), (4, 2, 2)]
    assert data.frame.schema[ROW_ID] == pl.UInt32
    assert data.frame.schema[SOURCE_COL] == pl.UInt16
    assert data.frame.schema[LINE_COL] == pl.UInt32
    assert all(data.frame.schema[name] == pl.String for name in data.fields)
    assert [s.index for s in data.sources] == [0, 1, 2]
    assert [s.rows for s in data.sources] == [2, 1, 2]
    assert data.fields_of(1) == ["email", "phone", "id"]


def test_renames_map_columns_to_fields(tmp_path: Path, write: Writer) -> None:
    write("a.csv", "E-Mail,Tel\nx@y.z,1\n")
    write("b.csv", "mail,Tel\nu@v.w,2\n")
    renames = {"E-Mail": "email", "mail": "email", "Unused": "other"}
    specs = [SourceSpec("a.csv", columns=renames), SourceSpec("b.csv", columns=renames)]
    data = load_sources(specs, base_dir=tmp_path)
    assert data.fields == ["email", "Tel"]
    assert values(data) == [("x@y.z", "1"), ("u@v.w", "2")]
    origins = [(c.original, c.field) for s in data.sources for c in s.columns]
    assert origins == [("E-Mail", "email"), ("Tel", "Tel"), ("mail", "email"), ("Tel", "Tel")]


def test_renames_may_swap_names() -> None:
    data = load_sources(
        [SourceSpec("-", columns={"a": "b", "b": "a"})],
        stdin=io.BytesIO(b"a,b\n1,2\n"),
    )
    assert data.fields == ["b", "a"]
    assert values(data) == [("1", "2")]


@pytest.mark.parametrize(
    ("renames", "message"),
    [
        (
            {"Email": "email"},
            "<stdin>: renaming column 'Email' to 'email' collides with the existing column 'email'; "
            "choose another field name in the rule file",
        ),
        (
            {"Email": "x", "email": "x"},
            "<stdin>: columns 'Email' and 'email' are both renamed to 'x'; choose different field names",
        ),
        ({"Email": " "}, "<stdin>: column 'Email' is renamed to an empty name; give it a field name"),
        (
            {"Email": ROW_ID},
            f"<stdin>: column 'Email' is renamed to the reserved name '{ROW_ID}'; choose another",
        ),
    ],
)
def test_bad_renames(renames: dict[str, str], message: str) -> None:
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("-", columns=renames)], stdin=io.BytesIO(b"Email,email\n1,2\n"))
    assert str(caught.value) == message


def test_null_markers_global_and_per_source(tmp_path: Path, write: Writer) -> None:
    write("a.csv", "x,y\nNULL,n/a\nnull, NULL\nN/A,ok\n")
    write("b.csv", "x\nn/a\nNULL\n")
    specs = [SourceSpec("a.csv", read=ReadOptions(null_markers=("n/a", "NULL"))), SourceSpec("b.csv")]
    data = load_sources(specs, base_dir=tmp_path, null_markers=("NULL",))
    # Exact, case-sensitive matches only; " NULL" is a value, not the marker.
    assert values(data) == [(None, None), ("null", " NULL"), ("N/A", "ok"), ("n/a", None), (None, None)]
    first, second = data.sources
    assert first.null_markers == ("NULL", "n/a")
    assert second.null_markers == ("NULL",)
    assert [c.missing_replaced for c in first.columns] == [1, 1]
    assert [c.missing_replaced for c in second.columns] == [1]


def test_missing_counts_cover_empty_whitespace_and_markers() -> None:
    data = load_bytes('a,b\n"",-\n \t ,x\n-,\n\u00a0,y\n', null_markers=("-",))
    assert values(data) == [(None, None), (None, "x"), (None, None), (None, "y")]
    assert [c.missing_replaced for c in data.sources[0].columns] == [4, 2]


def test_no_sources() -> None:
    with pytest.raises(SourceError, match="no sources to load"):
        load_sources([])


def test_stdin_only_once() -> None:
    with pytest.raises(SourceError) as caught:
        load_sources([SourceSpec("-"), SourceSpec("-")], stdin=io.BytesIO(b"a\n1\n"))
    assert str(caught.value) == (
        "standard input ('-') is given as a source more than once; it can be read only once"
    )


def test_row_ids_are_global_and_dense(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.csv").write_text("v\n" + "\n".join(f"{name}{i}" for i in range(4)) + "\n")
    data = load_sources([SourceSpec(f"{n}.csv") for n in "abc"], base_dir=tmp_path)
    assert data.frame.get_column(ROW_ID).to_list() == list(range(12))
    assert data.frame.get_column(SOURCE_COL).to_list() == [0] * 4 + [1] * 4 + [2] * 4
    assert data.frame.get_column(LINE_COL).to_list() == [2, 3, 4, 5] * 3


def test_load_one_helper_applies_global_markers(write: Writer) -> None:
    data = load_one(write("a.csv", "x\n?\n"), null_markers=("?",))
    assert values(data) == [(None,)]
