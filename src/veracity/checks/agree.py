"""Consistency across sources: is one customer written the same way in every system?"""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import Field, field_validator, model_validator

from veracity.checks.base import CheckContext, CheckParams, TableOutcome, register
from veracity.corrections import to_e164
from veracity.sources import SOURCE_COL
from veracity.text.phones import default_region
from veracity.vocabulary import Dimension

__all__ = ["AgreeParams", "agree_across_sources"]

Normalise = Literal["exact", "text", "casefold", "email", "phone"]


class AgreeParams(CheckParams):
    field_params: ClassVar[tuple[str, ...]] = ("fields", "key")
    cluster_params: ClassVar[tuple[str, ...]] = ("clusters",)

    key: str | None = Field(
        None, description="Field that names the customer in every source (e.g. customer_id); or clusters."
    )
    clusters: str | None = Field(
        None,
        description=(
            "Id of a duplicates rule: records it clusters as one customer are compared (instead of key)."
        ),
    )
    fields: list[str] = Field(min_length=1, description="Fields every source must agree on.")
    normalise: dict[str, Normalise] = Field(
        default_factory=dict,
        description=(
            "How a field is compared, by field: text (trimmed, inner spaces as one; the default), "
            "casefold (text, any case), email (trimmed, any case), phone (E.164), exact (as stored)."
        ),
    )
    default_region: str | None = Field(
        None, description="Country of phone numbers written without '+' (normalise: phone), e.g. 'DE'."
    )

    @field_validator("default_region")
    @classmethod
    def _supported_region(cls, value: str | None) -> str | None:
        return None if value is None else default_region(value)

    @model_validator(mode="after")
    def _known_fields(self) -> AgreeParams:
        unknown = sorted(set(self.normalise) - set(self.fields))
        if unknown:
            raise ValueError(f"normalise names {unknown[0]!r}, which is not in fields; list it in fields")
        if (self.key is None) == (self.clusters is None):
            raise ValueError(
                "give either key (a field naming the customer in every source) or clusters "
                "(the id of a duplicates rule), not both"
                if self.key is not None
                else "give key (a field naming the customer in every source) or clusters (the id of a duplicates rule)"
            )
        if self.key is not None and self.key in self.fields:
            raise ValueError(f"the key {self.key!r} cannot be one of the fields compared")
        return self

    def same_customer(self) -> str:
        """What the records compared share, as messages say it."""
        return f"the same {self.key}" if self.key is not None else f"one customer by rule {self.clusters}"


def _normalised(column: pl.Series, how: Normalise, region: str | None) -> pl.Series:
    """The values of ``column`` as they are compared."""
    text = column.str.strip_chars()
    if how == "exact":
        return column
    if how == "phone":
        distinct = text.drop_nulls().unique()
        # E.164 where the number is valid; otherwise its digits, so that spacing never counts.
        e164 = [to_e164(value, region or "") for value in distinct.to_list()]
        digits = distinct.str.replace_all(r"[^0-9+]", "")
        mapped = pl.Series(e164, dtype=pl.String).fill_null(digits)
        return text.replace_strict(distinct, mapped, default=None, return_dtype=pl.String)
    text = text.str.replace_all(r"\s+", " ")
    return text.str.to_lowercase() if how in ("casefold", "email") else text


@register(
    "agree_across_sources",
    Dimension.CONSISTENCY,
    AgreeParams,
    message="disagrees with another source on the same customer",
    reads="table",
    # A record missing one compared field is still compared on the others.
    skips_missing=False,
)
def agree_across_sources(params: AgreeParams, ctx: CheckContext) -> TableOutcome:
    """Records of the same customer in different sources agree on the listed fields.

    What it checks
    Records of the same customer coming from different sources (a CRM export and a shop's,
    say) must hold the same value in each of ``fields``, compared after
    normalisation (``normalise``, per field: ``text`` trims and collapses spaces, the default;
    ``casefold`` and ``email`` also ignore case; ``phone`` compares numbers in E.164, read
    with ``default_region`` when they have no ``+``; ``exact`` compares as stored). A record
    fails when another source has a different value of one of the fields for the same
    customer; its finding names the fields and the other sources. A missing value disagrees
    with nothing. The same customer is either the records sharing the value of ``key`` (a
    field every source has), or, with ``clusters: <rule id>`` instead of ``key``, the records a
    ``duplicates`` rule of the rule file puts in one cluster (the same person under different
    ids in two systems, e.g. ``clusters: same-person`` in place of ``key: customer_id``); the
    audit runs that rule first. Records whose key is missing or that
    are in no cluster, and customers found in one source only, are not evaluated. Records of
    one source are never compared with each other (``unique`` and ``duplicates`` judge those).
    The comparison reads the whole data at once, so it is exact in chunks too.

    Why it matters
    A customer whose address differs between the CRM and the shop gets two letters, one of
    them wrong, and every report that joins the systems counts a different truth: the
    "multiple messages" problem the business notices first.

    Example
        - id: crm-and-shop-agree
          check: agree_across_sources
          key: customer_id
          fields: [email, phone, postal_code]
          normalise: {email: email, phone: phone}
          default_region: DE
    """
    frame = ctx.data.frame
    scope = ctx.scope if ctx.scope is not None else pl.repeat(True, frame.height, eager=True)
    key = frame.get_column(params.key) if params.key is not None else ctx.clusters[str(params.clusters)]
    sources = frame.get_column(SOURCE_COL)
    records = pl.DataFrame({"key": key, "source": sources, "scope": scope.fill_null(False)}).with_row_index(
        "pos"
    )
    keyed = records.filter(pl.col("scope") & pl.col("key").is_not_null())
    shared = keyed.filter(pl.col("source").n_unique().over("key") > 1)
    evaluated = pl.Series(records.get_column("pos").is_in(shared.get_column("pos").implode()))
    bad_fields: list[pl.Series] = []
    others: list[pl.Series] = []
    for name in params.fields:
        value = _normalised(frame.get_column(name), params.normalise.get(name, "text"), params.default_region)
        rows = shared.with_columns(value.gather(shared.get_column("pos")).alias("value")).filter(
            pl.col("value").is_not_null()
        )
        pairs = rows.select("key", "source", "value").unique()
        # Pairs (other source, other value) for the record's key: all pairs of the key, less
        # those with its value, less those of its source, plus its own (taken away twice).
        counted = pairs.with_columns(
            (pl.len().over("key") - pl.len().over("key", "value") - pl.len().over("key", "source") + 1).alias(
                "clash"
            )
        )
        judged = rows.join(counted, on=["key", "source", "value"], how="left").filter(pl.col("clash") > 0)
        # The other sources holding another value, for the failing records' messages.
        named = (
            judged.select("pos", "key", "source", "value")
            .join(pairs, on="key", suffix="_other")
            .filter((pl.col("source_other") != pl.col("source")) & (pl.col("value_other") != pl.col("value")))
            .group_by("pos")
            .agg(pl.col("source_other").unique().sort())
        )
        flag = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
        bad_fields.append(flag.scatter(named.get_column("pos").cast(pl.Int64), True).alias(name))
        others.append(
            records.select("pos")
            .join(named, on="pos", how="left", maintain_order="left")
            .get_column("source_other")
            .fill_null(pl.lit([], dtype=pl.List(pl.UInt16)))
        )
    bad = pl.DataFrame(bad_fields)
    failing = bad.select(pl.any_horizontal(pl.all())).to_series()
    verdicts = pl.select(pl.when(evaluated).then(~failing).otherwise(None)).to_series()
    return TableOutcome(verdicts=verdicts, messages=_messages(params, ctx, bad, others))


def _messages(
    params: AgreeParams, ctx: CheckContext, bad: pl.DataFrame, others: list[pl.Series]
) -> pl.Series:
    """Per failing record: the fields that disagree and the sources that hold other values."""
    paths = {info.index: info.path for info in ctx.data.sources}
    fields = pl.concat_list(
        [pl.when(pl.col(name)).then(pl.lit(name)).otherwise(None) for name in params.fields]
    ).list.drop_nulls()
    held = pl.DataFrame([column.alias(f"s{i}") for i, column in enumerate(others)])
    table = pl.DataFrame(
        {
            "fields": bad.select(fields.list.join(", ")).to_series(),
            "sources": held.select(pl.concat_list(pl.all()).list.unique().list.sort()).to_series(),
        }
    )
    names = pl.element().replace_strict(paths, return_dtype=pl.String)
    return table.select(
        pl.when(pl.col("fields") != "")
        .then(
            pl.format(
                "{} {} with {} for {}",
                "fields",
                pl.when(pl.col("fields").str.contains(", "))
                .then(pl.lit("disagree"))
                .otherwise(pl.lit("disagrees")),
                pl.col("sources").list.eval(names).list.join(", "),
                pl.lit(params.same_customer()),
            )
        )
        .otherwise(None)
    ).to_series()
