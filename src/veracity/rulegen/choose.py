"""Which rules a profile calls for: each field's role (from its name, else its values), the
key, the date formats and yes/no spellings to declare, and the rules for each role.

Thresholds are not chosen here: :mod:`veracity.rulegen.suggest` measures every drafted rule on
the data and sets each threshold just below what it observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veracity.profiling import FieldProfile, Profile, Role
from veracity.profiling.roles import normal_name

__all__ = ["Draft", "DraftRule", "choose_rules", "value_role"]

#: A field filled in at least this share of records gets a not_null rule.
NOT_NULL_FROM = 0.9
#: Share of a field's values valid as one kind from which the values alone give the field a role.
ROLE_FROM_VALUES = 0.8
#: Share of values that must be dates (in one format) for date rules.
DATES_FROM = 0.8
#: Share of distinct values among filled ones for a key candidate named as an identifier
#: (``customer_id``), and for one whose name only ends like one (``account_no``).
KEY_DISTINCT = 0.9
KEY_DISTINCT_UNNAMED = 0.98
#: Days a record may go without an update before max_age counts it stale.
STALE_DAYS = 730


@dataclass
class DraftRule:
    id: str
    check: str
    params: dict[str, Any]
    severity: str | None = None
    #: Why the rule is there, for the comment above it.
    reason: str = ""


@dataclass
class Draft:
    key: str | None
    roles: dict[str, Role | None]
    #: Field -> strftime format of its dates (non-ISO ones only).
    date_formats: dict[str, str]
    #: Whether the yes/no fields need spellings beyond the audit's English defaults.
    multilingual_booleans: bool
    rules: list[DraftRule] = field(default_factory=list)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def value_role(f: FieldProfile) -> Role | None:
    """The role a field's values say, when its name says none."""
    if not f.filled:
        return None
    if f.valid("email").share and _share(f.valid("email").valid, f.filled) >= ROLE_FROM_VALUES:
        return "email"
    if _share(f.valid("phone").valid, f.filled) >= ROLE_FROM_VALUES and f.type not in ("integer", "decimal"):
        return "phone"
    if _share(f.valid("country").valid, f.filled) >= ROLE_FROM_VALUES and f.distinct > 1:
        return "country"
    if _share(f.yes_no_any, f.filled) >= 0.95 and f.distinct <= 12 and f.type != "integer":
        return "opt_in" if any(w in normal_name(f.name) for w in ("opt", "consent", "newsletter")) else None
    return None


def _is_dated(f: FieldProfile) -> bool:
    return f.date_format is not None and _share(f.dates, f.filled) >= DATES_FROM


def _key(profile: Profile, roles: dict[str, Role | None]) -> str | None:
    def candidate(f: FieldProfile) -> bool:
        least = KEY_DISTINCT if roles.get(f.name) == "id" else KEY_DISTINCT_UNNAMED
        return (
            f.records > 0
            and _share(f.filled, f.records) >= least
            # Exact duplicate records repeat their key: they are the unique rule's findings.
            and _share(f.distinct, f.filled - min(profile.duplicates, f.filled - 1)) >= least
            and not _is_dated(f)
            and roles.get(f.name) in (None, "id")
        )

    named = normal_name
    ranked = [
        f
        for f in profile.fields
        if candidate(f)
        and (
            roles.get(f.name) == "id" or named(f.name).endswith(("id", "nr", "no", "number", "nummer", "key"))
        )
    ]
    ranked.sort(key=lambda f: (roles.get(f.name) != "id", -_share(f.distinct, f.filled)))
    return ranked[0].name if ranked else None


def choose_rules(profile: Profile) -> Draft:
    """The starter rules for data with this profile (fields named as the rule file names them)."""
    roles: dict[str, Role | None] = {}
    taken: set[Role] = set()
    for f in profile.fields:
        role = f.role or value_role(f)
        # One field per role: a second "E-Mail" column is checked as its values say, not by role.
        if role is not None and role in taken and role != "id":
            role = None
        roles[f.name] = role
        if role is not None:
            taken.add(role)
    by_role = {role: name for name, role in roles.items() if role is not None}
    key = _key(profile, roles)
    formats = {f.name: f.date_format for f in profile.fields if _is_dated(f) and f.date_format}
    yes_no = [f for f in profile.fields if roles.get(f.name) == "opt_in"]
    multilingual = any(f.yes_no_any > f.valid("yes_no").valid for f in yes_no)
    draft = Draft(key=key, roles=roles, date_formats=formats, multilingual_booleans=multilingual)
    rules = draft.rules
    country = by_role.get("country")
    for f in profile.fields:
        name, role = f.name, roles.get(f.name)
        fill = _share(f.filled, f.records)
        if fill >= NOT_NULL_FROM:
            rules.append(
                DraftRule(f"{name}-present", "not_null", {"field": name}, reason="nearly always filled")
            )
        if role == "email" or (role is None and value_role(f) == "email"):
            rules.append(DraftRule(f"{name}-valid", "email", {"field": name}, reason="e-mail addresses"))
        elif role == "phone":
            params: dict[str, Any] = {"field": name}
            if country is not None:
                params["region_field"] = country
            rules.append(DraftRule(f"{name}-valid", "phone", params, reason="phone numbers"))
        elif role == "country":
            rules.append(DraftRule(f"{name}-code", "country", {"field": name}, reason="ISO country codes"))
        elif role == "postal_code" and country is not None:
            rules.append(
                DraftRule(
                    f"{name}-format",
                    "postal_code",
                    {"field": name, "country_field": country},
                    reason="postal codes, by the record's country",
                )
            )
        if _is_dated(f):
            rules.extend(_date_rules(name, role, by_role))
    if key is not None:
        rules.append(DraftRule(f"one-record-per-{key}", "unique", {"fields": [key]}, reason="the key"))
    return draft


def _date_rules(name: str, role: Role | None, by_role: dict[Role, str]) -> list[DraftRule]:
    rules = [DraftRule(f"{name}-date", "date", {"field": name}, reason="dates")]
    if role == "birth_date":
        rules.append(
            DraftRule(f"{name}-past", "range", {"field": name, "max": "today"}, reason="born in the past")
        )
    elif role in ("signup_date", "last_updated"):
        rules.append(
            DraftRule(f"{name}-not-future", "not_in_future", {"field": name}, reason="not in the future")
        )
    if role == "last_updated":
        rules.append(
            DraftRule(
                f"{name}-fresh",
                "max_age",
                {"field": name, "days": STALE_DAYS},
                severity="warning",
                reason=f"updated within {STALE_DAYS} days (a warning: records age every day)",
            )
        )
    if role == "consent_date" and "opt_in" in by_role:
        rules.append(
            DraftRule(
                f"{name}-recorded",
                "consent",
                {"field": name, "opt_in_field": by_role["opt_in"]},
                reason="opted-in records have a consent date",
            )
        )
    return rules
