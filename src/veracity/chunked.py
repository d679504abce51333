"""Audits in bounded memory: :func:`audit_chunked` reads, checks and scores the sources a chunk
of records at a time, with the same results as :func:`veracity.audit`.

Both are the same run of the engine (:mod:`veracity.engine`) over different partitions of the
data: the whole data in memory, or sequential chunks of ``chunk_rows`` records. This module
keeps the names the command line and users import.
"""

from __future__ import annotations

from veracity._api import DEFAULT_CHUNK_ROWS, DEFAULT_SAMPLES, ChunkedAuditResult, audit_chunked

__all__ = ["DEFAULT_CHUNK_ROWS", "DEFAULT_SAMPLES", "ChunkedAuditResult", "audit_chunked"]
