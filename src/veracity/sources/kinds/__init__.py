"""The source kinds, one module each; importing this package registers them all.

The order of the imports is the order the kinds are listed in messages and help texts.
"""

from __future__ import annotations

from veracity.sources.kinds import csv, excel, json, parquet, postgresql, sqlite

__all__ = ["csv", "excel", "json", "parquet", "postgresql", "sqlite"]
