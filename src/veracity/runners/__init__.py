"""Runners: schedulers of the one engine plan (:mod:`veracity.engine`) over partitions.

``local`` runs in this process (:mod:`.local`); ``spark`` runs each Spark partition's records
through the same plan with polars (``mapInArrow``), shuffles by key for checks that compare
records, and merges the partitions' states on the driver (:mod:`.spark`). pyspark is imported
only when the Spark runner runs.
"""

from __future__ import annotations

from veracity.runners import local, spark
from veracity.runners.base import AuditRequest, Runner, RunnerOutput, get_runner, register, runner_names

__all__ = [
    "AuditRequest",
    "Runner",
    "RunnerOutput",
    "get_runner",
    "local",
    "register",
    "runner_names",
    "spark",
]
