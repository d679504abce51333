"""Lineage notes: for every field, the source columns it came from and what was done on the way."""

from __future__ import annotations

from collections.abc import Mapping

from veracity.fieldtypes import FieldType
from veracity.masking import ValueKind, safe_name
from veracity.results import FieldLineage
from veracity.sources import source_kinds
from veracity.sources.base import LoadedData

__all__ = ["build_lineage"]

#: Kinds whose values are text in the source itself: nothing is "read as text" from them.
_TEXT_FORMATS = {kind.name for kind in source_kinds() if kind.text}
#: Source types that are text already (files, database text columns, SQLite's untyped ones).
_TEXT_TYPES = {"string", "text", "character varying", "character", "varchar", "any"}


def build_lineage(
    data: LoadedData,
    field_types: Mapping[str, FieldType],
    purposes: Mapping[str, str] | None = None,
    masks: Mapping[str, ValueKind] | None = None,
) -> list[FieldLineage]:
    """Each field's origins and steps, its declared purpose (``purposes``, from ``fields:``)
    and whether outputs treat it as personal (``masks``: :func:`veracity.masking.field_masks`;
    a field it does not name is personal, as masking treats an unknown name).

    Names with the shape of an e-mail address or a phone number are masked
    (:func:`veracity.masking.safe_name`): in a file without a header, the first record's
    values are read as the column names."""
    purposes = purposes or {}
    masks = masks or {}
    notes = []
    for name in data.fields:
        origins: list[tuple[int, str, str]] = []
        steps: list[str] = []
        for source in data.sources:
            column = next((c for c in source.columns if c.field == name), None)
            if column is None:
                steps.append(f"absent from {source.path}: missing for its {source.rows} records")
                continue
            origins.append((source.index, safe_name(column.original), column.original_type))
            if column.original != name:
                steps.append(f"renamed from '{safe_name(column.original)}' in {source.path}")
            if source.format not in _TEXT_FORMATS and column.original_type not in _TEXT_TYPES:
                steps.append(f"read as text from {column.original_type} in {source.path}")
            if column.missing_replaced:
                markers = ", ".join(repr(m) for m in source.null_markers)
                spelled = (
                    f"empty, whitespace-only or null marker ({markers})"
                    if markers
                    else "empty or whitespace-only"
                )
                steps.append(f"{column.missing_replaced} {spelled} values set to missing in {source.path}")
        if name in field_types:
            steps.append(field_types[name].describe())
        notes.append(
            FieldLineage(
                field=safe_name(name),
                origins=origins,
                transformations=steps,
                purpose=purposes.get(name),
                personal=masks.get(name, "text") != "shown",
            )
        )
    return notes
