"""Starter rules: roles from names in four languages, renames, the key, thresholds from the
observed rates; the suggested file loads and audits the same data with exit 0."""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veracity.cli import app
from veracity.config import load_rule_file
from veracity.profiling import role_of
from veracity.rulegen import renames, suggest_rules

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "profile"
EXAMPLES = ROOT / "examples"
AS_OF = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("email", "email"),
        ("E-Mail", "email"),
        ("E-Mail-Adresse", "email"),
        ("Courriel", "email"),
        ("Correo electrónico", "email"),
        ("emailAddress", "email"),
        ("Telefon", "phone"),
        ("Telefonnummer", "phone"),
        ("Téléphone", "phone"),
        ("Teléfono", "phone"),
        ("Handy", "phone"),
        ("Móvil", "phone"),
        ("mobile", "phone"),
        ("Country", "country"),
        ("Land", "country"),
        ("Pays", "country"),
        ("País", "country"),
        ("ZIP", "postal_code"),
        ("Postal Code", "postal_code"),
        ("PLZ", "postal_code"),
        ("Postleitzahl", "postal_code"),
        ("Code postal", "postal_code"),
        ("CP", "postal_code"),
        ("Código postal", "postal_code"),
        ("Vorname", "first_name"),
        ("Prénom", "first_name"),
        ("Nachname", "last_name"),
        ("Apellido", "last_name"),
        ("Date of Birth", "birth_date"),
        ("Geburtsdatum", "birth_date"),
        ("Date de naissance", "birth_date"),
        ("Fecha de nacimiento", "birth_date"),
        ("created_at", "signup_date"),
        ("Fecha de alta", "signup_date"),
        ("Last Updated", "last_updated"),
        ("Letzte Änderung", "last_updated"),
        ("Date de mise à jour", "last_updated"),
        ("Marketing Opt-In", "opt_in"),
        ("Newsletter", "opt_in"),
        ("Einwilligung", "opt_in"),
        ("Consent Date", "consent_date"),
        ("Einwilligungsdatum", "consent_date"),
        ("Customer ID", "id"),
        ("Kundennummer", "id"),
        ("ID Cliente", "id"),
        ("Telefon privat", "phone"),
        ("phone_type", None),
        ("Street", None),
        ("Stadt", None),
        ("email_status", None),
    ],
)
def test_roles_from_names(name: str, role: str | None) -> None:
    assert role_of(name) == role


def test_renames_give_human_headers_snake_case_names() -> None:
    assert renames(["Kundennummer", "E-Mail-Adresse", "Code postal", "Ort", "Kunden Segment", "email"]) == {
        "Kundennummer": "customer_id",
        "E-Mail-Adresse": "email",
        "Code postal": "postal_code",
        "Ort": "ort",
        "Kunden Segment": "kunden_segment",
        "email": "email_2",  # the role's name is taken: numbered, not left to collide
    }
    # A second column with a role already taken keeps a name of its own.
    assert renames(["E-Mail", "Mail"]) == {"E-Mail": "email", "Mail": "mail"}
    # Names that snake_case alike are numbered; a name without ASCII letters is a "field".
    assert renames(["x", "{x}", "X!", "名前", "😀", "Größe"]) == {
        "{x}": "x_2",
        "X!": "x_3",
        "名前": "field",
        "😀": "field_2",
        "Größe": "grosse",
    }


CASES = {
    "german": [FIXTURES / "kunden.csv"],
    "french": [FIXTURES / "clients.csv"],
    "spanish": [FIXTURES / "clientes.csv"],
    "examples": [EXAMPLES / "crm_export.csv", EXAMPLES / "shop_customers.ndjson"],
}


@pytest.fixture(params=list(CASES))
def suggested(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    paths = []
    for path in CASES[request.param]:
        shutil.copy(path, tmp_path / path.name)
        paths.append(tmp_path / path.name)
    output = tmp_path / "rules" / "starter.yaml"
    output.parent.mkdir()
    suggestion = suggest_rules(paths, output, as_of=AS_OF)
    output.write_text(suggestion.text, encoding="utf-8")
    return output, request.param


def test_suggested_file_audits_the_same_data_with_exit_0(suggested: tuple[Path, str]) -> None:
    output, _ = suggested
    runner = CliRunner()
    checked = runner.invoke(app, ["rules", "check", str(output)])
    assert checked.exit_code == 0, checked.stderr
    for extra in ([], ["--chunk-rows", "1000"]):
        result = runner.invoke(
            app, ["audit", "--no-progress", "-r", str(output), "--as-of", AS_OF.isoformat(), *extra]
        )
        assert result.exit_code == 0, result.stdout


def test_roles_key_renames_and_rules(suggested: tuple[Path, str]) -> None:
    output, case = suggested
    rule_set = load_rule_file(output)
    model = rule_set.model
    assert model.key == "customer_id"
    checks = {rule.id: rule.check.name for rule in rule_set.rules}
    assert checks["email-valid"] == "email"
    assert checks["phone-valid"] == "phone"
    assert checks["country-code"] == "country"
    assert checks["postal_code-format"] == "postal_code"
    assert checks["one-record-per-customer_id"] == "unique"
    phone = next(rule for rule in rule_set.rules if rule.id == "phone-valid")
    assert phone.params.model_dump()["region_field"] == "country"
    renamed = {v for source in model.sources for v in source.columns.values()}
    assert {"customer_id", "email", "phone", "postal_code", "country"} <= renamed
    if case == "german":
        assert model.fields["birth_date"].format == "%d.%m.%Y"
        assert "ja" in model.booleans.true
        assert checks["consent_date-recorded"] == "consent"
        assert checks["last_updated-fresh"] == "max_age"
    if case == "spanish":
        assert checks["signup_date-not-future"] == "not_in_future"


def test_thresholds_are_the_observed_rates_rounded_down(tmp_path: Path) -> None:
    output = tmp_path / "rules.yaml"
    suggestion = suggest_rules([FIXTURES / "kunden.csv"], output, as_of=AS_OF)
    output.write_text(suggestion.text, encoding="utf-8")
    rules = {rule.id: rule for rule in load_rule_file(output).rules}
    # 5 of the 6 addresses are valid; 6 of 7 postal codes; 6 of 7 records have an address.
    assert suggestion.observed["email-valid"] == (5, 6)
    assert rules["email-valid"].threshold == 0.833
    assert suggestion.observed["postal_code-format"] == (6, 7)
    assert rules["postal_code-format"].threshold == 0.857
    assert "email-present" not in rules  # filled in 6 of 7 records: below 90%
    for rule_id, (passed, evaluated) in suggestion.observed.items():
        assert rules[rule_id].threshold == math.floor(passed / evaluated * 1000) / 1000
        assert rules[rule_id].threshold <= passed / evaluated
    assert "# e-mail addresses; observed: 83.3% pass (5 of 6)" in suggestion.text


def test_sources_are_relative_to_the_rule_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "kunden.csv", data / "kunden.csv")
    output = tmp_path / "rules" / "kunden.yaml"
    output.parent.mkdir()
    text = suggest_rules([data / "kunden.csv"], output, as_of=AS_OF).text
    assert '  - path: "../data/kunden.csv"' in text
    assert 'read: {delimiter: ";"}' in text
    assert "      E-Mail-Adresse: email" in text
    assert '      "Letzte Änderung": last_updated' in text
