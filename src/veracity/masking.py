"""Masking of customer values for every output.

Values from the data are personal data: outputs show them masked unless the user asks with
``--reveal-values``. Masks keep just enough shape for a steward to recognise the defect:

- e-mail ``jane.doe@example.com`` -> ``j***@e***.com``
- phone ``+49 30 1234 5689`` -> ``+49 *** *** 89``
- any other text ``Hauptstrasse 5`` -> ``H***5`` (``***`` for 4 characters or fewer)

The polars expression (:func:`mask_expr`) and the scalar function (:func:`mask_value`) give the
same result; the tests prove it.

Which fields are masked, and in which shape, is decided once per field by :func:`field_masks`
(names are judged by :mod:`veracity.personal`), and every output (findings, samples, segments, the most frequent
failing values) uses that decision. ``shown`` values pass unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal

import polars as pl

from veracity.personal import name_kind

if TYPE_CHECKING:
    from veracity.config import RuleSet
    from veracity.config.loader import Rule

__all__ = [
    "MASK",
    "ValueKind",
    "field_masks",
    "looks_like_contact",
    "mask_expr",
    "mask_findings",
    "mask_value",
    "rule_masks",
    "safe_name",
]

MASK = "***"
#: How a field's values are shown: in an e-mail's or a phone number's mask, as other masked
#: text, or as they are.
ValueKind = Literal["email", "phone", "text", "shown"]
#: The strictest kind wins when several sources of the decision disagree.
_STRICTNESS: dict[str, int] = {"shown": 0, "text": 1, "phone": 2, "email": 3}

_EMAIL = re.compile(r"^\s*(.)[^@]*@(.)(?:.*?)(\.[^.@\s]+)?\s*$", re.DOTALL)
_PHONE_PREFIX = re.compile(r"^\s*(\+\d{1,3})")


def mask_value(value: str | None, kind: ValueKind = "text") -> str | None:
    """Mask one value (see the module docstring for the shapes); ``shown`` returns it as is."""
    if value is None or kind == "shown":
        return value
    if kind == "email" and value.count("@") >= 1:
        match = _EMAIL.match(value)
        if match:
            return f"{match.group(1)}{MASK}@{match.group(2)}{MASK}{match.group(3) or ''}"
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        prefix = _PHONE_PREFIX.match(value)
        if len(digits) >= 6:
            head = f"{prefix.group(1)} " if prefix else ""
            return f"{head}{MASK} {MASK} {digits[-2:]}"
        return MASK
    if len(value) <= 4:
        return MASK
    return f"{value[0]}{MASK}{value[-1]}"


def _text_mask(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.str.len_chars() <= 4)
        .then(pl.lit(MASK))
        .otherwise(pl.concat_str([text.str.head(1), pl.lit(MASK), text.str.tail(1)]))
    )


def _email_mask(text: pl.Expr) -> pl.Expr:
    parts = text.str.extract_groups(r"^\s*(?s:(.))[^@]*@(?s:(.))(?s:.*?)(\.[^.@\s]+)?\s*$")
    masked = pl.concat_str(
        [
            parts.struct[0],
            pl.lit(MASK + "@"),
            parts.struct[1],
            pl.lit(MASK),
            parts.struct[2].fill_null(""),
        ]
    )
    return pl.when(parts.struct[0].is_not_null()).then(masked).otherwise(_text_mask(text))


def _phone_mask(text: pl.Expr) -> pl.Expr:
    digits = text.str.replace_all(r"\D", "")
    prefix = text.str.extract(r"^\s*(\+\d{1,3})", 1)
    head = pl.when(prefix.is_not_null()).then(prefix + " ").otherwise(pl.lit(""))
    masked = pl.concat_str([head, pl.lit(f"{MASK} {MASK} "), digits.str.tail(2)])
    return pl.when(digits.str.len_chars() >= 6).then(masked).otherwise(pl.lit(MASK))


def mask_expr(value: pl.Expr, kind: pl.Expr | ValueKind) -> pl.Expr:
    """Mask a String expression; ``kind`` is a literal or a per-row expression."""
    text = value.cast(pl.String)
    if isinstance(kind, str):
        kind = pl.lit(kind)
    masked = (
        pl.when(kind == "shown")
        .then(text)
        .when(kind == "email")
        .then(_email_mask(text))
        .when(kind == "phone")
        .then(_phone_mask(text))
        .otherwise(_text_mask(text))
    )
    return pl.when(text.is_null()).then(pl.lit(None, dtype=pl.String)).otherwise(masked)


def mask_findings(findings: pl.DataFrame, reveal: bool = False) -> pl.DataFrame:
    """The findings as users see them: ``value`` masked unless ``reveal``; no helper columns."""
    from veracity.results import FINDINGS_COLUMNS

    if not reveal and findings.height:
        findings = findings.with_columns(value=mask_expr(pl.col("value"), pl.col("value_kind")))
    return findings.select(FINDINGS_COLUMNS)


def field_masks(rule_set: RuleSet, names: Iterable[str] = ()) -> dict[str, ValueKind]:
    """How each field's values are shown in every output, decided once per field.

    ``names`` are the data's fields; the rules' fields are always included. In order:

    1. ``fields: {NAME: {personal: false}}`` in the rule file: shown;
    2. the key field: shown, as it is in every finding's ``record_key`` (choose an identifier
       as ``key``, not contact data; ``personal: true`` does not hide it);
    3. otherwise the strictest of what the field's name says (:func:`veracity.personal.name_kind`)
       and what every rule checking it says (an ``email`` or ``phone`` check masks in that
       shape); ``personal: true`` masks a field whose name would be shown.

    Every rule checking a field counts, not the last one: ``--by email`` must not show raw
    addresses because a ``unique`` rule on ``email`` comes after the ``email`` check.
    """
    return rule_masks(
        rule_set.rules,
        key=rule_set.model.key,
        personal={name: f.personal for name, f in rule_set.model.fields.items() if f.personal is not None},
        names=names,
    )


def rule_masks(
    rules: Sequence[Rule],
    *,
    key: str | None = None,
    personal: Mapping[str, bool] | None = None,
    names: Iterable[str] = (),
) -> dict[str, ValueKind]:
    """:func:`field_masks` from its parts: the rules, the key field and the fields' ``personal``
    settings."""
    flags = personal or {}
    checked: dict[str, ValueKind] = {}
    for rule in rules:
        by_check: ValueKind = rule.check.value_kind
        if by_check == "text":
            # A check without a value shape of its own (in_set, length, ...) says nothing
            # about whether the field is personal.
            continue
        # The shape is the checked field's; a phone rule's region field holds country codes.
        name = rule.fields[0] if rule.fields else None
        if name is not None and _STRICTNESS[by_check] > _STRICTNESS[checked.get(name, "shown")]:
            checked[name] = by_check
    masks: dict[str, ValueKind] = {}
    for name in dict.fromkeys([*names, *checked, *flags]):
        if flags.get(name) is False or name == key:
            masks[name] = "shown"
            continue
        decided: ValueKind = max(name_kind(name), checked.get(name, "shown"), key=_STRICTNESS.__getitem__)
        masks[name] = "text" if decided == "shown" and flags.get(name) else decided
    return masks


_CONTACT_EMAIL = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")
_CONTACT_PHONE = re.compile(r"^\s*\+?[\d\s().\-/]+$")
_DATE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})\s*$")


def looks_like_contact(text: str) -> ValueKind | None:
    """``email`` or ``phone`` when ``text`` has the shape of one (a header row that was data)."""
    if _CONTACT_EMAIL.match(text):
        return "email"
    if _CONTACT_PHONE.match(text) and sum(char.isdigit() for char in text) >= 7 and not _DATE.match(text):
        return "phone"
    return None


def safe_name(name: str) -> str:
    """A column or field name as outputs show it: masked when it has the shape of an e-mail
    address or a phone number, as the first line of a file without a header does."""
    kind = looks_like_contact(name)
    return name if kind is None else mask_value(name, kind) or name
