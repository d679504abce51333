"""The engine: rules planned once, run on each partition of the data, states merged exactly.

- :func:`run_rules` (:mod:`._plan`): one partition's pass, every rule in one polars query.
- :func:`run_partitions` (:mod:`._runner`): the audit over :class:`Partitions`, the in-memory
  data as one partition (:class:`WholeData`) or sources read in chunks (:class:`ChunkedData`),
  with the pre-pass that checks reading other records (``reads="key"``, ``"table"``) and SQL
  field types need when there are several.
- :mod:`._keys`: key groups within a partition and across partitions.
- :mod:`._findings`: findings with provenance; :mod:`._sink`: findings written to a file as
  the partitions go.
"""

from __future__ import annotations

from veracity.engine._findings import FINDINGS_SCHEMA
from veracity.engine._plan import EngineOutput, run_rules
from veracity.engine._runner import (
    AuditPlan,
    ChunkedData,
    Partition,
    Partitions,
    RunOutput,
    WholeData,
    run_partitions,
)
from veracity.engine._sink import FindingsSink, findings_sink

__all__ = [
    "FINDINGS_SCHEMA",
    "AuditPlan",
    "ChunkedData",
    "EngineOutput",
    "FindingsSink",
    "Partition",
    "Partitions",
    "RunOutput",
    "WholeData",
    "findings_sink",
    "run_partitions",
    "run_rules",
]
