"""The worklist: one row per failed (record, rule), with the record's score and, where a library
can decide it, a suggested correction that makes the rule pass. Stewards mark rows ``accept``;
``veracity fix`` applies them (see docs/worklist.md for the columns, a contract).

It is built from the findings, not the table: the work after the checks grows with the failing
records. Per rule, each kind of correction the rule's check admits (:data:`PLANS`) is computed
once per distinct failing value (and its context, e.g. the record's country), and a suggestion
is kept only when the rule's own check, run on the failing records with the value replaced,
passes them: "only when the corrected value passes the rule that failed", judged by the same
code that failed it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from veracity._atomic import StrPath, atomic_path
from veracity.checks.base import CheckContext
from veracity.config import RuleSet
from veracity.config.loader import Rule
from veracity.errors import UsageError
from veracity.masking import mask_expr
from veracity.reports.findings import neutralise_formulas
from veracity.results import AuditResult
from veracity.safetext import printable
from veracity.sources import LINE_COL, ROW_ID, SOURCE_COL, LoadedData
from veracity.text.booleans import BooleanSpellings

# The corrections, the check modules whose parameters a plan reads and the phone regions are
# imported by the functions that use them: every audit imports this module for its worklist
# settings, and only an audit with --worklist (or `veracity fix`) suggests corrections.

__all__ = [
    "ACCEPTED",
    "CHANGE_COLUMNS",
    "PLANS",
    "WORKLIST_COLUMNS",
    "WORKLIST_SCHEMA",
    "Settings",
    "accepted_changes",
    "build_worklist",
    "check_worklist_path",
    "failing_records",
    "html_section",
    "marked_rows",
    "worklist_of",
    "write_worklist",
]

#: The worklist's columns, in order: a contract with ``veracity fix`` and stewards' sheets.
WORKLIST_SCHEMA: dict[str, type[pl.DataType]] = {
    "source": pl.String,
    "line": pl.Int64,
    "key": pl.String,
    "record_score": pl.Float64,
    "rule": pl.String,
    "check": pl.String,
    "field": pl.String,
    "message": pl.String,
    "value": pl.String,
    "suggestion": pl.String,
    "confidence": pl.String,
    "fixes_rule": pl.String,
    "correction": pl.String,
    "accept": pl.String,
    "source_sha256": pl.String,
}
WORKLIST_COLUMNS = tuple(WORKLIST_SCHEMA)
_TEXT_COLUMNS = tuple(name for name, dtype in WORKLIST_SCHEMA.items() if dtype is pl.String)


@dataclass(frozen=True)
class Settings:
    """What the checks were built with (the audit's date and the rule file's settings)."""

    as_of: date
    booleans: BooleanSpellings
    date_formats: Mapping[str, str]
    field_kinds: Mapping[str, str]

    @classmethod
    def of(cls, rule_set: RuleSet, as_of: date) -> Settings:
        model = rule_set.model
        return cls(
            as_of=as_of,
            booleans=BooleanSpellings(tuple(model.booleans.true), tuple(model.booleans.false)),
            date_formats={name: f.format for name, f in model.fields.items() if f.format},
            field_kinds={name: f.type for name, f in model.fields.items() if f.type},
        )


#: The context of one kind of correction per failing record: a String expression over the
#: failing records' fields ("" where there is none).
ArgBuilder = Callable[[Rule, Settings, pl.DataFrame], pl.Series]


def _none(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    return pl.repeat("", records.height, dtype=pl.String, eager=True)


def _countries(records: pl.DataFrame, field: str | None, fallback: str | None) -> pl.Series:
    """Each record's alpha-2 country from ``field`` (a code, name or common variant), else
    ``fallback``, else ""."""
    if field is None or field not in records.columns:
        return pl.repeat(fallback or "", records.height, dtype=pl.String, eager=True)
    from veracity.corrections import resolve_country

    column = records.get_column(field)
    distinct = column.drop_nulls().unique()
    resolved = [resolve_country(value) for value in distinct.to_list()]
    return column.replace_strict(
        distinct, pl.Series(resolved, dtype=pl.String), default=None, return_dtype=pl.String
    ).fill_null(fallback or "")


def _phone_region(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    """The record's country where the check read none: a country written as a name. Null
    elsewhere: the check judged the number with the same library and region already."""
    from veracity.checks.validity import PhoneParams
    from veracity.text.phones import PHONE_REGIONS

    params = rule.params
    assert isinstance(params, PhoneParams)
    field = params.region_field
    if field is None or field not in records.columns:
        return pl.repeat(None, records.height, dtype=pl.String, eager=True)
    column = records.get_column(field)
    own = column.str.strip_chars().replace_strict(PHONE_REGIONS, default=None, return_dtype=pl.String)
    named = _countries(records, field, None)
    return pl.select(
        pl.when(own.is_null() & (named != "") & (named != (params.default_region or ""))).then(named)
    ).to_series()


def _email_slip(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    """ "" where the address has surrounding spaces or a listed misspelt domain, else null: the
    check judged the address as stored with the same library, so nothing else can pass."""
    from veracity.corrections.email import DOMAIN_TYPOS

    value = records.get_column(rule.fields[0])
    domain = value.str.strip_chars().str.split("@").list.last().str.to_lowercase()
    slip = (value.str.strip_chars() != value) | domain.is_in(list(DOMAIN_TYPOS))
    return pl.select(pl.when(slip).then(pl.lit(""))).to_series()


def _postal_country(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    from veracity.checks.validity import PostalCodeParams

    params = rule.params
    assert isinstance(params, PostalCodeParams)
    return _countries(records, params.country_field, params.country)


def _country_alpha(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    from veracity.checks.validity import CountryParams

    assert isinstance(rule.params, CountryParams)
    alpha = "alpha3" if rule.params.alpha == "alpha3" else "alpha2"
    return pl.repeat(alpha, records.height, dtype=pl.String, eager=True)


def _date_format(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    from veracity.checks.validity_bounds import DateParams

    assert isinstance(rule.params, DateParams)
    fmt = rule.params.format or settings.date_formats.get(rule.params.field) or ""
    return pl.repeat(fmt, records.height, dtype=pl.String, eager=True)


def _alpha2(rule: Rule, settings: Settings, records: pl.DataFrame) -> pl.Series:
    return pl.repeat("alpha2", records.height, dtype=pl.String, eager=True)


_TEXT_PLAN: tuple[tuple[str, ArgBuilder], ...] = (("trim", _none), ("name_case", _none))

#: Check name -> the kinds of correction tried on its failing values, in order, and how each
#: kind's context is read from the record. The first kind whose suggestion passes wins.
PLANS: dict[str, tuple[tuple[str, ArgBuilder], ...]] = {
    "email": (("email", _email_slip),),
    "phone": (("phone", _phone_region),),
    "country": (("country", _country_alpha), *_TEXT_PLAN),
    "postal_code": (("postal", _postal_country),),
    "date": (("date", _date_format),),
    "pattern": _TEXT_PLAN,
    # A list of country codes written as names ("Germany" where DE is allowed).
    "in_set": (*_TEXT_PLAN, ("country", _alpha2)),
    "length": _TEXT_PLAN,
}


def build_worklist(
    findings: pl.DataFrame,
    data: LoadedData,
    record_scores: pl.Series,
    rules: Sequence[Rule],
    settings: Settings,
    *,
    reveal_values: bool = False,
) -> pl.DataFrame:
    """The worklist of an audit: ``findings`` are the engine's (unmasked, ``source`` as the
    path), ``data`` the audited records (or those of them that failed, with their ``ROW_ID``
    audit-wide) and ``record_scores`` every record's score by ``ROW_ID``."""
    by_id = {rule.id: rule for rule in rules if rule.check.reads != "dataset"}
    paths = {info.path: info.index for info in data.sources}
    hashes = {info.path: info.sha256 for info in data.sources}
    order = {rule_id: index for index, rule_id in enumerate(by_id)}
    # The field whose value the row shows and a correction changes: the rule's first.
    primary = {rule_id: rule.fields[0] if rule.fields else None for rule_id, rule in by_id.items()}
    # A record's rows together, records in audit order, its rules in rule-file order: the same
    # whether the findings came rule by rule (one partition) or chunk by chunk.
    failed = (
        _located(findings.filter(pl.col("rule").is_in(list(by_id))), paths)
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.UInt32).alias("__rule"))
        .sort(SOURCE_COL, LINE_COL, "__rule")
        .with_row_index("__order")
    )
    if not failed.height:
        return pl.DataFrame(schema=WORKLIST_SCHEMA)
    provenance = data.frame.select(ROW_ID, SOURCE_COL, LINE_COL)
    failed = failed.join(provenance, on=[SOURCE_COL, LINE_COL], how="left", maintain_order="left")
    scores = record_scores.gather(failed.get_column(ROW_ID).cast(pl.Int64))
    failed = failed.with_columns(scores.alias("record_score"))

    pieces = []
    for (rule_id,), group in failed.group_by("rule", maintain_order=True):
        pieces.append(_suggestions(group, data, by_id[str(rule_id)], settings))
    suggested = pl.concat(pieces).sort("__order")

    def shown(column: str) -> pl.Expr:
        return pl.col(column) if reveal_values else mask_expr(pl.col(column), pl.col("value_kind"))

    return suggested.select(
        "source",
        pl.col("line").cast(pl.Int64),
        pl.col("record_key").alias("key"),
        pl.col("record_score").round(1),
        "rule",
        "check",
        pl.col("rule").replace_strict(primary, default=None, return_dtype=pl.String).alias("field"),
        "message",
        shown("value").alias("value"),
        shown("suggestion").alias("suggestion"),
        "confidence",
        pl.when(pl.col("suggestion").is_not_null()).then(pl.col("rule")).alias("fixes_rule"),
        "correction",
        pl.lit(None, dtype=pl.String).alias("accept"),
        pl.col("source").replace_strict(hashes, default=None, return_dtype=pl.String).alias("source_sha256"),
    ).cast(WORKLIST_SCHEMA)  # type: ignore[arg-type]


def _located(findings: pl.DataFrame, paths: Mapping[str, int]) -> pl.DataFrame:
    """The findings about records, with their source index and line as the data has them."""
    return findings.filter(pl.col("line").is_not_null()).with_columns(
        pl.col("source").replace_strict(paths, return_dtype=pl.UInt16).alias(SOURCE_COL),
        pl.col("line").cast(pl.UInt32).alias(LINE_COL),
    )


def failing_records(
    findings: pl.DataFrame, partitions: Iterable[tuple[LoadedData, int]], rules: Sequence[Rule]
) -> LoadedData | None:
    """The records ``findings`` name, gathered from ``partitions`` (each partition's records and
    the audit-wide row id of its first): the fields the corrections of the failing rules read,
    with audit-wide ``ROW_ID``. None when there are no partitions."""
    failing = set(findings.get_column("rule").unique().to_list()) if findings.height else set()
    fields = list(
        dict.fromkeys(
            name
            for rule in rules
            if rule.id in failing and rule.check.name in PLANS
            for name in rule.params.referenced_fields()
        )
    )
    pieces: list[pl.DataFrame] = []
    sources = None
    for data, start in partitions:
        sources = data.sources
        if not findings.height:
            continue
        wanted = _located(findings, {info.path: info.index for info in data.sources}).select(
            SOURCE_COL, LINE_COL
        )
        frame = data.frame.join(wanted.unique(), on=[SOURCE_COL, LINE_COL], how="semi")
        pieces.append(
            frame.select(
                *(name for name in fields if name in frame.columns),
                (pl.col(ROW_ID).cast(pl.Int64) + start).cast(pl.UInt32).alias(ROW_ID),
                SOURCE_COL,
                LINE_COL,
            )
        )
    if sources is None:
        return None
    return LoadedData(pl.concat(pieces, how="diagonal") if pieces else pl.DataFrame(), sources)


def _suggestions(group: pl.DataFrame, data: LoadedData, rule: Rule, settings: Settings) -> pl.DataFrame:
    """``group`` (one rule's failing records) with ``suggestion``, ``confidence`` and
    ``correction``: the first kind of the rule's plan whose suggestion passes the rule."""
    from veracity.corrections import suggest

    empty = pl.lit(None, dtype=pl.String)
    plan = PLANS.get(rule.check.name, ()) if not rule.params.sql_params else ()
    field = rule.fields[0] if rule.fields else None
    if not plan or field is None or field not in data.frame.columns:
        return group.with_columns(
            empty.alias("suggestion"), empty.alias("confidence"), empty.alias("correction")
        )
    read = [name for name in rule.params.referenced_fields() if name in data.frame.columns]
    records = group.select(ROW_ID).join(
        data.frame.select(*read, ROW_ID, SOURCE_COL, LINE_COL), on=ROW_ID, how="left", maintain_order="left"
    )
    suggestion = pl.repeat(None, group.height, dtype=pl.String, eager=True)
    confidence = suggestion.clone()
    correction = suggestion.clone()
    for kind, arg_of in plan:
        open_rows = suggestion.is_null()
        if not open_rows.any():
            break
        args = arg_of(rule, settings, records)
        found = suggest(kind, records.get_column(field), args)
        candidate = found.get_column("suggestion").zip_with(
            open_rows, pl.repeat(None, group.height, dtype=pl.String, eager=True)
        )
        passes = _passes(rule, settings, data, records, field, candidate)
        keep = passes & candidate.is_not_null()
        suggestion = suggestion.zip_with(~keep, candidate)
        confidence = confidence.zip_with(~keep, found.get_column("confidence"))
        # The kind and its context ("phone:DE", "email"): what ``veracity fix`` reapplies.
        labels = (f"{kind}:" + args).str.strip_suffix(":")
        correction = correction.zip_with(~keep, labels)
    return group.with_columns(
        suggestion.alias("suggestion"), confidence.alias("confidence"), correction.alias("correction")
    )


def _passes(
    rule: Rule, settings: Settings, data: LoadedData, records: pl.DataFrame, field: str, candidate: pl.Series
) -> pl.Series:
    """Whether the rule's check passes each record with ``field`` replaced by ``candidate``
    (False where the candidate is null)."""
    replaced = records.with_columns(
        candidate.alias(field), pl.int_range(pl.len(), dtype=pl.UInt32).alias(ROW_ID)
    )
    replaced = replaced.filter(pl.col(field).is_not_null())
    if not replaced.height:
        return pl.repeat(False, records.height, dtype=pl.Boolean, eager=True)
    ctx = CheckContext(
        data=LoadedData(replaced, data.sources),
        as_of=settings.as_of,
        booleans=settings.booleans,
        date_formats=dict(settings.date_formats),
        field_kinds=dict(settings.field_kinds),
    )
    verdicts = replaced.select(
        pl.col(ROW_ID), rule.check.build(rule.params, ctx).fill_null(False).alias("ok")
    )
    passed = pl.repeat(False, records.height, dtype=pl.Boolean, eager=True)
    return passed.scatter(verdicts.get_column(ROW_ID).cast(pl.Int64), verdicts.get_column("ok"))


def worklist_of(result: AuditResult) -> pl.DataFrame:
    """The worklist an audit asked for one with carries (an empty one otherwise)."""
    frame = getattr(result, "worklist", None)
    return frame if isinstance(frame, pl.DataFrame) else pl.DataFrame(schema=WORKLIST_SCHEMA)


def check_worklist_path(path: StrPath) -> None:
    """Refuse a worklist path whose suffix is not .csv or .parquet, before any work."""
    if str(path).lower().rsplit(".", 1)[-1] not in ("csv", "parquet"):
        raise UsageError(f"--worklist: {path} must end in .csv or .parquet (e.g. worklist.csv)")


def write_worklist(worklist: pl.DataFrame, path: StrPath) -> None:
    """Write the worklist to ``path`` atomically: CSV with every text cell in its safe form
    for spreadsheets (:func:`veracity.reports.findings.neutralise_formulas`), or Parquet."""
    check_worklist_path(path)
    with atomic_path(path) as temp:
        if str(path).lower().endswith(".csv"):
            neutralise_formulas(worklist, _TEXT_COLUMNS).write_csv(temp)
        else:
            worklist.write_parquet(temp)


#: Spellings of "yes" in the ``accept`` column (any case, surrounding spaces ignored).
ACCEPTED = ("yes", "y", "true", "1", "x", "ja", "oui", "si", "sí")
#: The worklist columns ``veracity fix`` reads.
FIX_COLUMNS = ("source", "line", "field", "rule", "correction", "accept", "source_sha256")
#: The change log's columns, in order (a contract, like the worklist's).
CHANGE_COLUMNS = ("record", "field", "old", "new", "rule")


def marked_rows(worklist: pl.DataFrame, confident: str | None = None) -> pl.Expr:
    """Which rows of ``worklist`` are accepted: marked in ``accept``, or (``confident``:
    ``certain`` or ``likely``) with a suggestion that sure or surer."""
    marked = pl.col("accept").cast(pl.String).str.strip_chars().str.to_lowercase().is_in(list(ACCEPTED))
    if confident is not None and "confidence" in worklist.columns:
        sure = ["certain"] if confident == "certain" else ["certain", "likely"]
        marked = marked | pl.col("confidence").cast(pl.String).str.strip_chars().is_in(sure)
    return marked.fill_null(False)


def accepted_changes(
    worklist: pl.DataFrame, data: LoadedData, label: str, confident: str | None = None
) -> pl.DataFrame:
    """The changes the rows of ``worklist`` marked accepted make to ``data`` (one source, read
    as the audit read it): columns ``row`` (its position), ``record`` (its line), ``field``,
    ``old``, ``new`` and ``rule``, one per changed (record, field). ``label`` names the
    worklist in errors.

    The suggestion is worked out again from the data (the worklist's values may be masked):
    the row's ``correction`` applied to the record's current value. UsageError when the
    worklist lacks a column, was made from other data, or accepts two different values for
    one field of a record. ``confident`` (``certain`` or ``likely``) also accepts every row
    whose suggestion is that sure or surer, marked or not."""
    from veracity.corrections import REGISTRY as _KINDS
    from veracity.corrections import suggest

    needed = (*FIX_COLUMNS, "confidence") if confident is not None else FIX_COLUMNS
    missing = [name for name in needed if name not in worklist.columns]
    if missing:
        raise UsageError(
            f"{label} has no column {', '.join(missing)}: give the file 'veracity audit --worklist' wrote"
        )
    info = data.sources[0]
    rows = worklist.select(
        *(pl.col(name).cast(pl.String).str.strip_chars().str.strip_prefix("'") for name in needed)
    )
    marked = marked_rows(rows, confident)
    if not rows.filter(pl.col("source_sha256") == info.sha256).height:
        raise UsageError(
            f"{label} was not made from {info.path}: no row's source_sha256 is its sha256 (the file "
            f"changed since the audit, or it is another file); audit {info.path} again with --worklist"
        )
    accepted = rows.filter(
        (pl.col("source_sha256") == info.sha256) & marked & pl.col("correction").is_not_null()
    ).with_columns(pl.col("line").cast(pl.UInt32, strict=False).alias(LINE_COL))
    unknown = sorted(set(accepted.get_column("field").to_list()) - set(data.fields))
    if unknown:
        raise UsageError(f"{label} names field {unknown[0]!r}, which {info.path} does not have")
    located = accepted.join(
        data.frame.select(ROW_ID, LINE_COL), on=LINE_COL, how="left", maintain_order="left"
    )
    if located.get_column(ROW_ID).null_count():
        raise UsageError(f"{label} names lines {info.path} does not have; audit it again with --worklist")
    parts = []
    for (field,), group in located.group_by("field", maintain_order=True):
        old = data.frame.get_column(str(field)).gather(group.get_column(ROW_ID))
        kinds = group.get_column("correction").str.split_exact(":", 1).struct.field("field_0")
        args = group.get_column("correction").str.splitn(":", 2).struct.field("field_1").fill_null("")
        new = pl.repeat(None, group.height, dtype=pl.String, eager=True)
        for kind in kinds.unique().to_list():
            if kind not in _KINDS:
                raise UsageError(f"{label}: unknown correction {kind!r}; give the file veracity wrote")
            here = kinds == kind
            found = suggest(kind, old.filter(here), args.filter(here)).get_column("suggestion")
            new = new.scatter(here.arg_true(), found)
        parts.append(
            group.select(
                pl.col(ROW_ID).alias("row"), pl.col(LINE_COL).cast(pl.Int64).alias("record"), "field", "rule"
            ).with_columns(old.alias("old"), new.alias("new"))
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "row": pl.UInt32,
                "record": pl.Int64,
                **dict.fromkeys(("field", "old", "new", "rule"), pl.String),
            }
        )
    changes = pl.concat(parts).filter(pl.col("new").is_not_null()).sort("record", "field")
    clash = (
        changes.group_by("record", "field")
        .agg(pl.col("new").n_unique().alias("n"), pl.col("rule"))
        .filter(pl.col("n") > 1)
    )
    if clash.height:
        record, field, _, clashing = clash.row(0)
        raise UsageError(
            f"{label}: line {record}, field {field}: the accepted rows of rules {', '.join(clashing)} "
            "change it differently; accept one of them"
        )
    first = changes.unique(["record", "field"], keep="first", maintain_order=True)
    merged_rules = changes.group_by("record", "field", maintain_order=True).agg(
        pl.col("rule").unique(maintain_order=True).str.join(", ")
    )
    return (
        first.drop("rule")
        .join(merged_rules, on=["record", "field"], maintain_order="left")
        .select("row", "record", "field", "old", "new", "rule")
    )


#: Worklist rows the HTML report shows: the records with the lowest scores first.
HTML_ROWS = 25


def html_section(result: AuditResult) -> dict[str, object] | None:
    """The HTML report's worklist section (``_worklist.html.j2``): counts, and the rows of the
    worst-scored records. None when the audit made no worklist."""
    frame = getattr(result, "worklist", None)
    if not isinstance(frame, pl.DataFrame):
        return None
    confidences = dict(
        frame.filter(pl.col("confidence").is_not_null()).group_by("confidence").len().iter_rows()
    )
    shown = frame.with_row_index("__at").sort("record_score", "__at", nulls_last=True).head(HTML_ROWS)
    columns = ("line", "key", "record_score", "rule", "value", "suggestion", "confidence")
    rows = [
        {name: "" if row[name] is None else printable(str(row[name])) for name in columns}
        for row in shown.iter_rows(named=True)
    ]
    return {
        "rows": rows,
        "total": frame.height,
        "records": frame.select("source", "line").n_unique(),
        "certain": confidences.get("certain", 0),
        "likely": confidences.get("likely", 0),
        "left_out": max(frame.height - HTML_ROWS, 0),
    }
