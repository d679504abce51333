"""Profiling: a first look at data nobody has written rules for.

Per field: inferred type, fill rate, distinct values, the most frequent values and value
shapes, lengths, smallest and largest numbers and dates, and the share of values the audit's
own checks find valid as e-mail, phone, country code, postal code, ISO date and yes/no; per
source: records and exact duplicates. Computed as mergeable states over the engine's
partitions (:mod:`veracity.profiling._state`), so it runs whole or in chunks on every source kind.
"""

from __future__ import annotations

from veracity.profiling._state import MULTILINGUAL_BOOLEANS
from veracity.profiling.model import FieldProfile, Profile, SourceProfile, Validity, ValueCount
from veracity.profiling.render import PROFILE_FORMATS, render_profile
from veracity.profiling.roles import ROLES, Role, field_name, role_of
from veracity.profiling.run import open_partitions, profile_partitions, profile_sources, source_specs

__all__ = [
    "MULTILINGUAL_BOOLEANS",
    "PROFILE_FORMATS",
    "ROLES",
    "FieldProfile",
    "Profile",
    "Role",
    "SourceProfile",
    "Validity",
    "ValueCount",
    "field_name",
    "open_partitions",
    "profile_partitions",
    "profile_sources",
    "render_profile",
    "role_of",
    "source_specs",
]
