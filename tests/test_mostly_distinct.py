"""``veracity profile``, ``suggest``, ``audit --worklist`` and ``fix`` on e-mail and phone fields
of mostly distinct values, which the e-mail and phone checks judge record by record (no
table of distinct values) from ``validity._PER_RECORD_FROM`` records on.

Each command runs twice on the same file through the command line: as it is (record by record)
and with the threshold out of reach (by distinct values, the way a smaller file is judged).
Their outputs are the same, and they find what the data was built to hold: every record's
e-mail and phone number is distinct; seven tenths are valid, the rest half fixable (spaces
around the address, a provider's misspelt domain, a national number whose country is written
as a name), half beyond any correction.

(The suggestions are judged by distinct values here: a worklist of 50,000 suggestions costs
about ten seconds of the correcting libraries, too much for a test.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
import polars as pl
import pytest
from email_validator import EmailNotValidError, validate_email
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from veracity.checks import validity
from veracity.cli import app

RECORDS = validity._PER_RECORD_FROM + 10_000
AS_OF = "2024-06-30"
RULES = """\
version: 1
key: customer_id
sources: [{path: people.csv}]
rules:
  - {id: email-valid, check: email, field: email}
  - {id: phone-valid, check: phone, field: phone, region_field: country}
"""

#: What each record holds, by its number modulo 20.
VALID, FIXABLE, LIKELY, INVALID = range(14), range(14, 17), 16, range(17, 20)


def _people() -> pl.DataFrame:
    """The records, built column by column (no Python loop over records)."""
    n = pl.col("customer_id")
    k = n % 20
    return (
        pl.DataFrame({"customer_id": pl.int_range(0, RECORDS, eager=True)})
        .with_columns(
            email=pl.when(k < 14)
            .then(pl.format("anna.{}@web.de", n))
            .when(k == 14)
            .then(pl.format(" ben.{}@gmx.de", n))
            .when(k == 15)
            .then(pl.format("cem.{}@WEB.DE ", n))
            .when(k == LIKELY)
            .then(pl.format(" dora.{}@gmial.com", n))
            .when(k == 17)
            .then(pl.format("eva.{}@example", n))
            .when(k == 18)
            .then(pl.format("finn.{}@@web.de", n))
            .otherwise(pl.format("gus {}@web.de", n)),
            phone=pl.when(k < 7)
            .then(pl.format("+49 151 {}", n + 10_000_000))
            .when(k < 17)
            .then(pl.format("0151 {}", n + 20_000_000))
            .otherwise(pl.format("+1 555 {}", n + 1_000_000)),
            country=pl.when(k.is_between(14, 16)).then(pl.lit("Deutschland")).otherwise(pl.lit("DE")),
        )
        .with_columns(pl.col("customer_id").cast(pl.String))
    )


@dataclass
class Run:
    """One pass of every command over the file, and what the checks were asked."""

    directory: Path
    #: (command, field, judged record by record) for every e-mail and phone verdict taken.
    paths: list[tuple[str, str, bool]] = field(default_factory=list)
    command: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """An output, its directory's name made one for both runs."""
        return (self.directory / name).read_text(encoding="utf-8").replace(str(self.directory), "<run>")


def _invoke(run: Run, *args: str) -> Any:
    run.command = args[0] if args[0] != "audit" or "--worklist" in args else "audit again"
    result = CliRunner().invoke(app, list(args))
    assert "internal error" not in result.stderr, result.stderr
    return result


def _run(data: Path, directory: Path, monkeypatch: pytest.MonkeyPatch, *, per_record: bool) -> Run:
    run = Run(directory)
    mostly_distinct = validity._mostly_distinct

    def spy(column: pl.Series) -> bool:
        verdict = mostly_distinct(column)
        run.paths.append((run.command, column.name, verdict))
        return verdict

    monkeypatch.setattr(validity, "_mostly_distinct", spy)
    if not per_record:
        monkeypatch.setattr(validity, "_PER_RECORD_FROM", 10**12)
    rules = directory / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    (directory / "people.csv").symlink_to(data)
    people = str(directory / "people.csv")
    out = str(directory)
    audit = _invoke(
        run,
        *("audit", "--no-progress", "-r", str(rules), "--as-of", AS_OF, "--reveal-values"),
        *("-f", "json", "-o", f"{out}/report.json", "--worklist", f"{out}/worklist.parquet"),
    )
    assert audit.exit_code == 1, audit.stderr  # the gate fails
    profile = _invoke(run, "profile", people, "-f", "json", "-o", f"{out}/profile.json")
    assert profile.exit_code == 0, profile.stderr
    suggest = _invoke(run, "suggest", people, "-o", f"{out}/suggested.yaml", "--as-of", AS_OF)
    assert suggest.exit_code == 0, suggest.stderr
    fix = _invoke(
        run,
        *("fix", people, "-r", str(rules), "-w", f"{out}/worklist.parquet", "--accept", "likely"),
        *("-o", f"{out}/fixed.csv", "--reveal-values"),
    )
    assert fix.exit_code == 0, fix.stderr
    (directory / "after").mkdir()
    (directory / "after" / "people.csv").symlink_to(directory / "fixed.csv")
    (directory / "after" / "rules.yaml").write_text(RULES, encoding="utf-8")
    after = _invoke(
        run,
        *("audit", "--no-progress", "-r", str(directory / "after" / "rules.yaml"), "--as-of", AS_OF),
        *("-f", "json", "-o", f"{out}/after.json"),
    )
    assert after.exit_code == 1, after.stderr  # the unfixable records still fail
    run.outputs = {"fix": fix.stdout + fix.stderr}
    monkeypatch.undo()
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every command record by record, and by distinct values."""
    data = tmp_path_factory.mktemp("mostly-distinct") / "people.csv"
    _people().write_csv(data)
    done = {}
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, per_record in (("per_record", True), ("distinct", False)):
            done[name] = _run(data, tmp_path_factory.mktemp(name), monkeypatch, per_record=per_record)
    return done


def _planted(kinds: range | int) -> list[int]:
    """The CSV lines (header: line 1) of the records of ``kinds`` (numbers modulo 20)."""
    wanted = list(kinds) if isinstance(kinds, range) else [kinds]
    lines = pl.int_range(0, RECORDS, eager=True)
    return (lines.filter((lines % 20).is_in(wanted)) + 2).to_list()


def test_the_checks_judge_record_by_record_in_one_run_and_by_distinct_values_in_the_other(
    runs: dict[str, Run],
) -> None:
    commands = ["audit", "profile", "suggest", "audit again"]
    mine = {(command, name) for command in commands for name in ("email", "phone")}
    assert {(c, f) for c, f, by_record in runs["per_record"].paths if by_record} == mine
    assert {(c, f) for c, f, _ in runs["distinct"].paths} >= mine
    assert not any(by_record for _, _, by_record in runs["distinct"].paths)


def _without_times(text: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(text)
    for section in (document, document.get("run", {})):
        for key in ("generated_at", "started_at", "duration_seconds"):
            section.pop(key, None)
    return document


@pytest.mark.parametrize("output", ["report.json", "profile.json", "after.json"])
def test_the_reports_and_profile_are_the_same_either_way(runs: dict[str, Run], output: str) -> None:
    assert _without_times(runs["per_record"].text(output)) == _without_times(runs["distinct"].text(output))


@pytest.mark.parametrize("output", ["suggested.yaml", "fixed.csv", "fixed.changes.csv"])
def test_the_files_written_are_the_same_either_way(runs: dict[str, Run], output: str) -> None:
    assert runs["per_record"].text(output) == runs["distinct"].text(output)


def _worklist(run: Run) -> pl.DataFrame:
    return pl.read_parquet(run.directory / "worklist.parquet")


def test_the_worklists_are_the_same_either_way(runs: dict[str, Run]) -> None:
    assert_frame_equal(_worklist(runs["per_record"]), _worklist(runs["distinct"]))


def test_the_worklist_lists_the_planted_records_with_their_corrections(runs: dict[str, Run]) -> None:
    rows = _worklist(runs["per_record"])
    failing = [*_planted(FIXABLE), *_planted(INVALID)]
    for rule in ("email-valid", "phone-valid"):
        mine = rows.filter(pl.col("rule") == rule)
        assert sorted(mine.get_column("line").to_list()) == sorted(failing), rule
        fixed = mine.filter(pl.col("suggestion").is_not_null())
        assert sorted(fixed.get_column("line").to_list()) == _planted(FIXABLE), rule
    email = rows.filter(pl.col("rule") == "email-valid")
    likely = email.filter(pl.col("confidence") == "likely")
    assert likely.get_column("line").to_list() == _planted(LIKELY)
    assert likely.get_column("suggestion").str.ends_with("@gmail.com").all()
    phone = rows.filter(pl.col("rule") == "phone-valid", pl.col("suggestion").is_not_null())
    assert phone.get_column("correction").unique().to_list() == ["phone:DE"]
    expected = "+49151" + (phone.get_column("key").cast(pl.Int64) + 20_000_000).cast(pl.String)
    assert phone.get_column("suggestion").to_list() == expected.to_list()


def test_the_libraries_reject_every_failing_value_and_accept_every_suggestion(runs: dict[str, Run]) -> None:
    """The verdicts taken straight from email-validator and phonenumbers, on the failing values
    (revealed in the worklist) and on the suggestions; the country name is read as DE."""
    rows = _worklist(runs["per_record"])
    email = rows.filter(pl.col("rule") == "email-valid")

    def valid_email(value: str) -> bool:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return False
        return True

    def valid_phone(value: str, region: str | None) -> bool:
        try:
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(value, region)))
        except phonenumbers.NumberParseException:
            return False

    assert not any(valid_email(v) for v in email.get_column("value").to_list())
    assert all(valid_email(v) for v in email.get_column("suggestion").drop_nulls().to_list())
    phone = rows.filter(pl.col("rule") == "phone-valid")
    # The check reads "Deutschland" as no region (national numbers fail), the correction as DE.
    assert not any(valid_phone(v, None) for v in phone.get_column("value").to_list())
    unfixed = phone.filter(pl.col("suggestion").is_null()).get_column("value").to_list()
    assert not any(valid_phone(v, "DE") for v in unfixed)
    assert all(valid_phone(v, None) for v in phone.get_column("suggestion").drop_nulls().to_list())


def test_the_profile_and_the_suggested_rules_state_the_planted_shares(runs: dict[str, Run]) -> None:
    profile = json.loads(runs["per_record"].text("profile.json"))
    shares = {
        f["name"]: {v["kind"]: v["valid"] for v in f["validity"]} for f in profile["fields"] if f["validity"]
    }
    assert shares["email"]["email"] == len(_planted(VALID))
    # As a profile reads a number: by the record's country field, "Deutschland" being no code.
    assert shares["phone"]["phone"] == len(_planted(VALID))
    suggested = runs["per_record"].text("suggested.yaml")
    assert "{id: email-valid, check: email, field: email, threshold: 0.7}" in suggested
    assert "{id: phone-valid, check: phone, field: phone, region_field: country, threshold: 0.7}" in suggested


def test_fix_corrects_every_fixable_record_and_nothing_else(runs: dict[str, Run]) -> None:
    fixable = len(_planted(FIXABLE))
    assert (
        runs["per_record"]
        .outputs["fix"]
        .startswith(f"Changed {2 * fixable} value(s) in {fixable} record(s);")
    )
    after = json.loads(runs["per_record"].text("after.json"))
    failed = {rule["id"]: rule["failed"] for rule in after["rules"]}
    assert failed == {"email-valid": len(_planted(INVALID)), "phone-valid": len(_planted(INVALID))}
