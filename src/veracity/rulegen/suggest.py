"""A commented starter rule file for data nobody has written rules for.

1. The sources' headers are read and every column gets a snake_case field name (a role's own
   name where its name says one: ``E-Mail-Adresse`` -> ``email``), written as ``columns:``
   renames of each source.
2. The data is profiled under those names (:mod:`veracity.profiling`).
3. Rules are chosen from the profile (:mod:`veracity.rulegen.choose`).
4. The drafted rule file is audited on the same partitions by the engine, and each rule's
   threshold is set to its observed pass rate rounded down to 0.001, with the observed rate in
   a comment: the file states today's quality as a baseline, and the same data audits with
   exit 0 (rules evaluating no record are left out).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

from veracity.config import RuleSet, parse_rule_text
from veracity.engine import AuditPlan, run_partitions
from veracity.errors import SourceError, UsageError
from veracity.profiling import (
    MULTILINGUAL_BOOLEANS,
    Profile,
    field_name,
    open_partitions,
    profile_partitions,
    role_of,
)
from veracity.rulegen.choose import Draft, DraftRule, choose_rules
from veracity.scoring import score_rules
from veracity.sources import ReadOptions, SourceInfo, SourceSpec, open_sources

__all__ = ["Suggestion", "renames", "suggest_rules"]

Progress = Callable[[str], None]


@dataclass
class Suggestion:
    text: str
    profile: Profile
    draft: Draft
    #: Rule id -> (passed, evaluated) observed on the data.
    observed: dict[str, tuple[int, int]]


#: A field name the rule file can use as it is, and in rule ids (``email-valid``).
_PLAIN_FIELD = re.compile(r"[a-z0-9][a-z0-9_]*")


def renames(columns: Sequence[str]) -> dict[str, str]:
    """Column -> field name for one source's columns (only those that change): snake_case in
    ASCII (``field`` for a name without such letters, ``名前``) and unique (``x``, ``x_2``)."""
    used: set[str] = set()
    out: dict[str, str] = {}
    for column in columns:
        role = role_of(column)
        name = field_name(column, role)
        if name in used:
            name = field_name(column)
        if not _PLAIN_FIELD.fullmatch(name):
            name = "field"
        first, number = name, 1
        while name in used:
            number += 1
            name = f"{first}_{number}"
        used.add(name)
        if name != column:
            out[column] = name
    return out


def _y(value: Any) -> str:
    """A YAML flow scalar (JSON's double-quoted strings are YAML too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_y(v) for v in value) + "]"
    text = str(value)
    plain = text.replace("_", "").replace("-", "").replace(".", "").isalnum() and text.isascii()
    reserved = text.lower() in ("true", "false", "yes", "no", "null", "on", "off", "y", "n", "today")
    return text if plain and not reserved and not text[0].isdigit() else json.dumps(text, ensure_ascii=False)


def _rule_line(rule: DraftRule, threshold: float | None) -> str:
    parts = [f"id: {rule.id}", f"check: {rule.check}"]
    parts += [f"{k}: {_y(v)}" for k, v in rule.params.items()]
    if rule.severity:
        parts.append(f"severity: {rule.severity}")
    if threshold is not None:
        parts.append(f"threshold: {threshold:g}")
    return "  - {" + ", ".join(parts) + "}"


def _threshold(passed: int, evaluated: int) -> float:
    return math.floor(passed / evaluated * 1000) / 1000 if evaluated else 1.0


def _observed(passed: int, evaluated: int) -> str:
    return f"observed: {100 * passed / evaluated:.1f}% pass ({passed:,} of {evaluated:,})"


def _source_block(spec: SourceSpec, info: SourceInfo, base: Path) -> list[str]:
    lines = []
    if "://" in spec.path:
        url = urlsplit(spec.path)
        table = parse_qs(url.query).get("table", [spec.table or ""])[0]
        netloc = url.netloc.rsplit("@", 1)
        host = netloc[-1] if len(netloc) == 1 else netloc[0].split(":", 1)[0] + "@" + netloc[-1]
        location = url.path
        if url.scheme == "sqlite" and not location.startswith("//"):
            # sqlite:///FILE is relative: to the working directory here, to the rule file there.
            location = "/" + os.path.relpath(Path(location[1:]).resolve(), base)
        lines.append(f"  - database: {_y(f'{url.scheme}://{host}{location}')}")
        lines.append(f"    table: {_y(table)}")
    else:
        path = Path(spec.path).resolve()
        lines.append(f"  - path: {_y(os.path.relpath(path, base))}")
    if spec.columns:
        lines.append("    columns:")
        lines += [f"      {_y(k)}: {_y(v)}" for k, v in spec.columns.items()]
    read: dict[str, str | int] = {}
    if info.format in ("csv", "tsv"):
        if info.delimiter and info.delimiter != ("," if info.format == "csv" else "\t"):
            read["delimiter"] = info.delimiter
        if info.encoding and info.encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "ascii"):
            read["encoding"] = info.encoding
    if spec.read.format:
        read["format"] = spec.read.format
    if spec.read.sheet is not None:
        read["sheet"] = spec.read.sheet
    items = [f"{k}: {_y(v)}" for k, v in read.items()]
    if spec.read.null_markers:
        items.append(f"null_markers: {_y(list(spec.read.null_markers))}")
    if items:
        lines.append("    read: {" + ", ".join(items) + "}")
    return lines


def _render(
    draft: Draft,
    profile: Profile,
    specs: Sequence[SourceSpec],
    infos: Sequence[SourceInfo],
    base: Path,
    observed: dict[str, tuple[int, int]] | None,
    as_of: date,
) -> str:
    lines = [
        "# Starter rules written by 'veracity suggest' from the data it profiled "
        f"({profile.records:,} records, {len(profile.sources)} source{'s' if len(profile.sources) != 1 else ''}).",
        "# Each threshold is the pass rate observed then, rounded down: the file states today's",
        f"# quality as a baseline (audit date {as_of.isoformat()}). Raise thresholds as the data improves.",
        "version: 1",
    ]
    if draft.key:
        lines.append(f"key: {_y(draft.key)}")
    lines += ["", "sources:"]
    for spec, info in zip(specs, infos, strict=True):
        lines += _source_block(spec, info, base)
    if draft.multilingual_booleans:
        lines += [
            "",
            "# Yes/no values are written in several languages.",
            "booleans:",
            f"  true: {_y(list(MULTILINGUAL_BOOLEANS.true))}",
            f"  false: {_y(list(MULTILINGUAL_BOOLEANS.false))}",
        ]
    if draft.date_formats:
        lines += ["", "fields:"]
        for name, fmt in draft.date_formats.items():
            lines.append(f"  {_y(name)}: {{format: {_y(fmt)}}}")
    lines += ["", "rules:"]
    for rule in draft.rules:
        if observed is None:
            lines.append(_rule_line(rule, 0.0))
            continue
        if rule.id not in observed:
            continue
        passed, evaluated = observed[rule.id]
        lines.append(f"  # {rule.reason}; {_observed(passed, evaluated)}")
        lines.append(_rule_line(rule, _threshold(passed, evaluated)))
    return "\n".join(lines) + "\n"


_NOTHING = (
    "no rule to suggest: no field is filled in 90% of the records or holds values of a kind the "
    "checks know; profile the data with 'veracity profile' and write the rules by hand"
)


def suggest_rules(
    paths: Sequence[str | Path],
    output: Path,
    *,
    read: ReadOptions | None = None,
    chunk_rows: int | None = None,
    as_of: date | None = None,
    stdin: IO[bytes] | None = None,
    progress: Progress | None = None,
) -> Suggestion:
    """The starter rule file for ``paths``, to be written at ``output`` (its directory is where
    the sources' relative paths start)."""
    _refuse_streams(paths)
    step = progress or (lambda _: None)
    day = as_of or date.today()
    base = output.resolve().parent
    step("reading headers")
    plain = [SourceSpec(path=str(p), read=read or ReadOptions()) for p in paths]
    specs = [
        SourceSpec(path=spec.path, read=spec.read, columns=renames([c.original for c in info.columns]))
        for spec, info in zip(plain, _headers(plain, chunk_rows, stdin), strict=True)
    ]
    parts = open_partitions(specs, chunk_rows=chunk_rows, stdin=stdin)
    profile = profile_partitions(parts, progress=step)
    draft = choose_rules(profile)
    if not draft.rules:
        raise UsageError(_NOTHING)
    infos = parts.infos
    rule_set = parse_rule_text(_render(draft, profile, specs, infos, base, None, day), str(output))
    step("measuring the rules")
    observed = _measure(rule_set, open_partitions(specs, chunk_rows=chunk_rows, stdin=stdin), day)
    if not observed:
        raise UsageError(_NOTHING)
    text = _render(draft, profile, specs, infos, base, observed, day)
    parse_rule_text(text, str(output))  # what is written must load
    return Suggestion(text=text, profile=profile, draft=draft, observed=observed)


def _refuse_streams(paths: Sequence[str | Path]) -> None:
    """Standard input, named pipes and devices can be read once; suggest reads its data twice
    (to profile it, then to measure the rules) and names it in the rule file."""
    for path in paths:
        if str(path) == "-":
            raise UsageError(
                "suggest reads the data twice (to profile it, then to measure the rules) and names "
                "it in the rule file: save standard input to a file and give its path instead of '-'"
            )
        try:
            mode = Path(path).stat().st_mode
        except (OSError, ValueError):
            continue  # no such file (the reader says so), or a database URL
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise UsageError(
                f"{path}: is a named pipe or a device, which can be read only once; suggest reads "
                "the data twice (to profile it, then to measure the rules) and names it in the rule "
                "file: save the data to a file and give its path"
            )


def _headers(
    plain: Sequence[SourceSpec], chunk_rows: int | None, stdin: IO[bytes] | None
) -> list[SourceInfo]:
    """Each source's columns, from its first chunk (no more is read); without --chunk-rows, a
    source that is not read in chunks (a UTF-16 file) is read whole, as the profile reads it."""
    try:
        return list(open_sources(plain, chunk_rows=chunk_rows or 1_000_000, stdin=stdin).infos)
    except SourceError:
        if chunk_rows is not None:
            raise
        return list(open_partitions(plain, stdin=stdin).infos)


def _measure(rule_set: RuleSet, parts: Any, as_of: date) -> dict[str, tuple[int, int]]:
    fields = parts.skeleton().fields
    plan = AuditPlan.for_rules(rule_set, as_of=as_of, fields=fields, max_samples=0)
    output = run_partitions(parts, plan)
    results = score_rules(rule_set.rules, output.states)
    return {r.id: (r.passed, r.evaluated) for r in results if r.evaluated}
