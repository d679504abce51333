"""Files named on the command line read as the rule file says: its renames and null markers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import veracity
from veracity.cli import app
from veracity.results import AuditResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRM = EXAMPLES / "crm_export.csv"
SHOP = EXAMPLES / "shop_customers.ndjson"
RULES = EXAMPLES / "rules.yaml"


def verdicts(result: AuditResult) -> dict[str, tuple[int, int]]:
    return {rule.id: (rule.evaluated, rule.failed) for rule in result.rules}


@pytest.mark.parametrize(
    "paths",
    [[CRM, SHOP], [str(CRM), str(SHOP)], [os.path.relpath(CRM), os.path.relpath(SHOP)]],
    ids=["paths", "strings", "relative"],
)
def test_configured_files_named_again_read_as_their_sources(paths: list[str | Path]) -> None:
    named = veracity.audit(paths, RULES)
    configured = veracity.audit(None, RULES)
    assert verdicts(named) == verdicts(configured)


def test_a_configured_file_reached_through_a_link_reads_as_its_source(tmp_path: Path) -> None:
    link = tmp_path / "today.csv"
    link.symlink_to(CRM)
    via_link = veracity.audit([link, SHOP], RULES)
    assert verdicts(via_link) == verdicts(veracity.audit(None, RULES))


def test_the_readme_command_audits_one_configured_file() -> None:
    result = CliRunner().invoke(
        app, ["audit", "--no-progress", "-r", str(RULES), str(CRM), "--as-of", "2026-11-01", "-f", "json"]
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["records"]["records"] == veracity.audit([CRM], RULES).records.records == 24


def test_other_files_take_every_rename_and_every_sources_null_markers(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(
        "version: 1\nkey: id\n"
        "sources:\n"
        "  - {path: a.csv, columns: {Mail: email}, read: {null_markers: ['n/a']}}\n"
        "  - {path: b.csv, columns: {Ident: id}, read: {null_markers: ['-']}}\n"
        "rules:\n  - {id: email-present, check: not_null, field: email}\n",
        encoding="utf-8",
    )
    other = tmp_path / "other.csv"
    other.write_text("Ident,Mail\n1,n/a\n2,-\n3,ann@example.com\n", encoding="utf-8")
    result = veracity.audit([other], tmp_path / "rules.yaml")
    assert verdicts(result) == {"email-present": (3, 2)}
