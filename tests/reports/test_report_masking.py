"""Values from the data are personal data: no output shows them unless asked to."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import veracity
from tests.reports.report_fixture import FORMULA_VALUE, NEWLINE_VALUE, PIPE_VALUE, RAW_EMAILS, RAW_PHONE
from veracity.config import rule_set_from_objects
from veracity.masking import ValueKind, mask_expr, mask_value, rule_masks, safe_name
from veracity.personal import name_kind
from veracity.reports import FORMATS, findings_frame, render, write_findings
from veracity.reports.openlineage import emit_openlineage
from veracity.results import AuditResult

#: Fragments of raw values; none of them survives masking (masks keep one character per part).
RAW_FRAGMENTS = (
    "jane.doe",
    "mustermann",
    "anna@",
    "user1@",
    "@example",
    "30 1234",
    "Hinterhaus",
    "HYPERLINK",
    "Am Markt",
    "Red Street",
)


def _outputs(result: AuditResult, tmp_path: Path, *, reveal: bool) -> dict[str, str]:
    outputs = {fmt: render(result, fmt, reveal_values=reveal) for fmt in FORMATS}
    outputs["table (colour)"] = render(result, "table", reveal_values=reveal, color=True)
    for suffix in ("csv", "parquet"):
        path = tmp_path / f"findings.{suffix}"
        write_findings(result, path, reveal_values=reveal)
        frame = pl.read_csv(path, infer_schema=False) if suffix == "csv" else pl.read_parquet(path)
        outputs[f"findings.{suffix}"] = json.dumps(frame.to_dicts(), ensure_ascii=False)
    return outputs


def test_no_raw_value_in_any_output_by_default(audit_result: AuditResult, tmp_path: Path) -> None:
    for name, text in _outputs(audit_result, tmp_path, reveal=False).items():
        leaked = [fragment for fragment in RAW_FRAGMENTS if fragment in text]
        assert not leaked, f"{name} shows raw values: {leaked}"


def test_masked_shapes_are_shown_by_default(audit_result: AuditResult) -> None:
    report = json.loads(render(audit_result, "json"))
    values = [s["value"] for rule in report["rules"] for s in rule["samples"]]
    assert values[:3] == ["j***@e***.com", "m***@b***.de", "a***@@***.org"]
    assert "+49 *** *** 00" in values
    assert "H***s" in values


@pytest.mark.parametrize("fmt", FORMATS)
def test_reveal_values_shows_them(audit_result: AuditResult, fmt: str) -> None:
    text = render(audit_result, fmt, reveal_values=True)
    assert "jane.doe@example.com" in text
    assert "max.mustermann@beispiel.de" in text
    assert "Hinterhaus" in text
    assert "HYPERLINK" in text


def test_reveal_values_in_json_is_exact(audit_result: AuditResult) -> None:
    report = json.loads(render(audit_result, "json", reveal_values=True))
    values = [s["value"] for rule in report["rules"] for s in rule["samples"]]
    for raw in (*RAW_EMAILS, RAW_PHONE + "0000", PIPE_VALUE, FORMULA_VALUE, NEWLINE_VALUE):
        assert raw in values


def test_reveal_values_in_findings_files(audit_result: AuditResult, tmp_path: Path) -> None:
    outputs = _outputs(audit_result, tmp_path, reveal=True)
    for name in ("findings.csv", "findings.parquet"):
        assert "jane.doe@example.com" in outputs[name]
        assert "Hinterhaus" in outputs[name]


def test_outputs_say_whether_values_are_masked(audit_result: AuditResult) -> None:
    assert "values masked; --reveal-values shows them" in render(audit_result, "table")
    assert "values shown unmasked" in render(audit_result, "table", reveal_values=True)
    assert "run with `--reveal-values` to show them" in render(audit_result, "markdown")
    assert "Values are shown unmasked." in render(audit_result, "markdown", reveal_values=True)


# --- Masking decided once per field, by what is personal -------------------------------------

RULES_YAML = """\
version: 1
key: customer_id
fields:
  notes: {personal: false}
  tier_label: {personal: true}
rules:
  - {id: email-valid, check: email, field: email}
  - {id: email-unique, check: unique, fields: [email]}
  - {id: email-present, check: not_null, field: email}
  - {id: name-short, check: length, field: last_name, max: 5}
  - {id: tier-known, check: in_set, field: tier, values: [gold]}
  - {id: label-known, check: in_set, field: tier_label, values: [Gold]}
  - {id: notes-short, check: length, field: notes, max: 3}
  - {id: id-unique, check: unique, fields: [customer_id]}
  - {id: updated-known, check: in_set, field: last_updated, values: ["2024-01-01"]}
"""

CSV_TEXT = """\
customer_id,email,last_name,tier,tier_label,notes,last_updated
C-1,ann.archer@example.com,Mustermann,silver,Silver,call back,2019-03-01
C-1,ann.archer@example.com,Schneider,bronze,Bronze,vip list,2018-01-10
C-3,bob.baker@example.org,Oz,gold,Gold,ok,2024-01-01
"""


@pytest.fixture
def personal_audit(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    data = tmp_path / "customers.csv"
    data.write_text(CSV_TEXT, encoding="utf-8")
    return rules, data


def _audit(personal_audit: tuple[Path, Path], chunked: bool) -> AuditResult:
    rules, data = personal_audit
    by = ["email", "last_name", "tier", "notes", "tier_label"]
    if chunked:
        from veracity.chunked import audit_chunked

        return audit_chunked([data], rules, segments=by, chunk_rows=2)
    return veracity.audit([data], rules, segments=by)


@pytest.mark.parametrize("chunked", [False, True], ids=["in-memory", "chunked"])
def test_segments_mask_a_field_as_every_rule_on_it_says(
    personal_audit: tuple[Path, Path], chunked: bool
) -> None:
    # The e-mail check masks `email` although later rules on it (unique, not_null) have no shape.
    result = _audit(personal_audit, chunked)
    labels = {b.field: sorted(s.value or "" for s in b.segments) for b in result.segments}
    assert labels["email"] == ["a***@e***.com", "b***@e***.org"]
    assert labels["last_name"] == sorted(["M***n", "S***r", "***"])
    assert labels["tier"] == ["bronze", "gold", "silver"]
    assert labels["notes"] == ["call back", "ok", "vip list"]
    assert labels["tier_label"] == sorted(["S***r", "B***e", "***"])


@pytest.mark.parametrize("chunked", [False, True], ids=["in-memory", "chunked"])
def test_findings_show_codes_dates_and_keys_and_mask_personal_fields(
    personal_audit: tuple[Path, Path], chunked: bool
) -> None:
    result = _audit(personal_audit, chunked)
    frame = findings_frame(result)
    values = {
        rule: frame.filter(pl.col("rule") == rule)["value"].to_list() for rule in frame["rule"].unique()
    }
    assert values["email-unique"] == ["a***@e***.com"]
    assert values["name-short"] == ["M***n", "S***r"]
    assert values["tier-known"] == ["silver", "bronze"]
    assert values["updated-known"] == ["2019-03-01", "2018-01-10"]
    # personal: false shows a field whose name says nothing; personal: true masks a tier.
    assert values["notes-short"] == ["call back", "vip list"]
    assert values["label-known"] == ["S***r", "B***e"]
    # The key is shown as record_key, so its value is shown too: no mask of what stands beside it.
    key_rows = frame.filter(pl.col("rule") == "id-unique")
    assert key_rows["value"].to_list() == key_rows["record_key"].to_list() == ["C-1"]


def test_reveal_values_shows_segments_and_findings_unmasked(personal_audit: tuple[Path, Path]) -> None:
    result = _audit(personal_audit, chunked=False)
    assert "ann.archer@example.com" not in render(result, "json")
    revealed = findings_frame(result, reveal_values=True)
    assert "ann.archer@example.com" in revealed["value"].to_list()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        # contact data, in four languages, keeps the shape of its mask
        ("email", "email"),
        ("E-Mail", "email"),
        ("Emailadresse", "email"),
        ("courriel", "email"),
        ("correo_electronico", "email"),
        ("phone", "phone"),
        ("Telefonnummer", "phone"),
        ("tel", "phone"),
        ("mobile", "phone"),
        ("telefono_movil", "phone"),
        # names, addresses, birth dates: masked
        ("first_name", "text"),
        ("LastName", "text"),
        ("Nachname", "text"),
        ("Vorname", "text"),
        ("prenom", "text"),
        ("nom", "text"),
        ("apellidos", "text"),
        ("nombre", "text"),
        ("Straße", "text"),
        ("street", "text"),
        ("adresse", "text"),
        ("direccion", "text"),
        ("PLZ", "text"),
        ("postal_code", "text"),
        ("city", "text"),
        ("birth_date", "text"),
        ("Geburtsdatum", "text"),
        ("date_de_naissance", "text"),
        ("fecha_de_nacimiento", "text"),
        ("dob", "text"),
        ("iban", "text"),
        # unknown: masked until the rule file says personal: false
        ("notes", "text"),
        ("column_3", "text"),
        ("amount", "text"),
        # codes, tiers, countries, statuses, record dates: shown
        ("customer_id", "shown"),
        ("tier", "shown"),
        ("country", "shown"),
        ("country_code", "shown"),
        ("Land", "shown"),
        ("pays", "shown"),
        ("state", "shown"),
        ("status", "shown"),
        ("currency", "shown"),
        ("segment", "shown"),
        ("last_updated", "shown"),
        ("signup_date", "shown"),
        ("consent_date", "shown"),
        ("Erstelldatum", "shown"),
        ("Änderungsdatum", "shown"),
        ("fecha_alta", "shown"),
        ("Marketing Opt-In", "shown"),
        # an attribute of personal data is not personal itself
        ("email_status", "shown"),
        ("phone_type", "shown"),
        ("address_updated_at", "shown"),
    ],
)
def test_personal_data_is_recognised_by_name(name: str, kind: str) -> None:
    assert name_kind(name) == kind


def test_strictest_kind_wins_and_explicit_settings_decide() -> None:
    rules = rule_set_from_objects(
        [
            {"id": "a", "check": "not_null", "field": "contact"},
            {"id": "b", "check": "email", "field": "contact"},
            {"id": "c", "check": "unique", "fields": ["contact"]},
            {"id": "d", "check": "phone", "field": "tier", "region_field": "country"},
        ]
    ).rules
    masks = rule_masks(
        rules, key="customer_id", personal={"notes": False, "status": True}, names=["notes", "country"]
    )
    # e-mail > phone > text > shown: a later rule without a shape does not undo the e-mail mask
    assert masks["contact"] == "email"
    # a check's shape beats a name that would be shown; the region field is not the phone
    assert (masks["tier"], masks["country"]) == ("phone", "shown")
    assert (masks["notes"], masks["status"]) == ("shown", "text")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.none()
        | st.text(max_size=30)
        | st.from_regex(r"[a-z.]{1,8}@[a-z]{1,6}(\.[a-z]{2,3})?", fullmatch=True)
        | st.from_regex(r"\+?[0-9 ()-]{0,16}", fullmatch=True),
        max_size=6,
    ),
    st.sampled_from(["email", "phone", "text", "shown"]),
)
def test_mask_expression_agrees_with_mask_value(values: list[str | None], kind: ValueKind) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    masked = frame.select(mask_expr(pl.col("v"), kind)).to_series().to_list()
    assert masked == [mask_value(v, kind) for v in values]
    if kind == "shown":
        assert masked == values


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("jane.doe@example.com", "j***@e***.com"),
        ("+49 30 5550199", "+49 *** *** 99"),
        ("0301234567", "*** *** 67"),
        ("email", "email"),
        ("customer_id", "customer_id"),
        ("2024-01-01", "2024-01-01"),
        ("12345", "12345"),
    ],
)
def test_column_names_with_the_shape_of_contact_data_are_masked(name: str, shown: str) -> None:
    assert safe_name(name) == shown


def test_column_names_that_are_contact_data_are_masked_in_every_format(tmp_path: Path) -> None:
    # Loaders refuse a CSV whose first line is data; a DataFrame or a JSON export can still
    # carry values as column names, and lineage names every column.
    frame = pl.DataFrame(
        {"customer_id": ["C-1", "C-2"], "jane.doe@example.com": ["a", "b"], "+49 30 5550199": ["1", "2"]}
    )
    result = veracity.audit(frame, [{"id": "id-unique", "check": "unique", "fields": ["customer_id"]}])
    outputs = {fmt: render(result, fmt) for fmt in FORMATS}
    emit_openlineage(result, tmp_path / "events.ndjson")
    outputs["openlineage"] = (tmp_path / "events.ndjson").read_text(encoding="utf-8")
    for name, text in outputs.items():
        assert "jane.doe" not in text, name
        assert "5550199" not in text, name
    lineage = {entry["field"] for entry in json.loads(outputs["json"])["lineage"]}
    assert lineage == {"customer_id", "j***@e***.com", "+49 *** *** 99"}
