"""`veracity audit` as a pipeline sees it: exit codes, stdout/stderr, exact error lines."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from tests.cli.helpers import run_audit as audit
from veracity.cli import app

RULES = "version: 1\nkey: id\nrules:\n  - {id: email-valid, check: email, field: email}\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "good.csv").write_text("id,email\n1,ann@example.com\n2,bob@example.org\n", encoding="utf-8")
    (tmp_path / "bad.csv").write_text("id,email\n1,ann@example.com\n2,bob@@example\n", encoding="utf-8")
    return tmp_path


def test_passing_audit_exits_0(runner: CliRunner, workdir: Path) -> None:
    code, out, err = audit(runner, "-r", "rules.yaml", "good.csv")
    assert code == 0, err
    assert "PASS" in out


def test_failing_gate_exits_1(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv")
    assert code == 1
    assert "FAIL" in out


def test_exit_zero_reports_without_failing(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv", "--exit-zero")
    assert code == 0
    assert "FAIL" in out


def test_fail_under_gates_on_the_score(runner: CliRunner, workdir: Path) -> None:
    (workdir / "warn.yaml").write_text(RULES.replace("field: email}", "field: email, severity: warning}"))
    assert audit(runner, "-r", "warn.yaml", "bad.csv")[0] == 0
    assert audit(runner, "-r", "warn.yaml", "bad.csv", "--fail-under", "60")[0] == 1
    assert audit(runner, "-r", "warn.yaml", "bad.csv", "--fail-under", "40")[0] == 0


def test_json_on_stdout_is_pure_json(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", "json")
    assert code == 1
    report = json.loads(out)
    rule = report["rules"][0]
    assert {k: rule[k] for k in ("id", "check", "dimension", "evaluated", "failed", "status")} == {
        "id": "email-valid",
        "check": "email",
        "dimension": "validity",
        "evaluated": 2,
        "failed": 1,
        "status": "fail",
    }
    assert report["gate"]["passed"] is False


@pytest.mark.parametrize(
    ("fmt", "opening"),
    [("table", "╭─ veracity · data quality audit"), ("json", "{"), ("markdown", "# ")],
)
def test_output_dash_is_standard_output(runner: CliRunner, workdir: Path, fmt: str, opening: str) -> None:
    before = sorted(p.name for p in workdir.iterdir())
    code, out, err = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", fmt, "-o", "-")
    assert (code, out.startswith(opening), "written to" in err) == (1, True, False)
    assert sorted(p.name for p in workdir.iterdir()) == before


def test_values_are_masked_unless_revealed(runner: CliRunner, workdir: Path) -> None:
    for fmt in ("table", "json", "markdown"):
        _, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", fmt)
        assert "bob@@example" not in out
    _, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", "json", "--reveal-values")
    assert "bob@@example" in out


def test_output_and_findings_files(runner: CliRunner, workdir: Path) -> None:
    code, out, err = audit(
        runner, "-r", "rules.yaml", "bad.csv", "-f", "markdown", "-o", "report.md", "--findings", "f.csv"
    )
    assert code == 1
    assert out == ""
    assert "Report written to report.md" in err
    assert (workdir / "report.md").read_text(encoding="utf-8").startswith("#")
    findings = pl.read_csv(workdir / "f.csv", infer_schema=False)
    assert findings.columns == [
        "rule",
        "check",
        "dimension",
        "severity",
        "field",
        "source",
        "line",
        "record_key",
        "message",
        "value",
        "cluster_id",
    ]
    assert findings.row(0) == (
        "email-valid",
        "email",
        "validity",
        "error",
        "email",
        "bad.csv",
        "3",
        "2",
        "not a valid e-mail address",
        "b***@@***",
        None,
    )


def test_stdin_is_read_as_csv(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = audit(runner, "-r", "rules.yaml", "-", "-f", "json", stdin="id,email\n1,x@example.com\n")
    assert code == 0
    assert json.loads(out)["sources"][0]["path"] == "-"


def test_rule_file_sources_are_used_when_no_paths_are_given(runner: CliRunner, workdir: Path) -> None:
    (workdir / "with-sources.yaml").write_text(
        "version: 1\nsources:\n  - path: good.csv\n    columns: {email: mail}\n"
        "rules:\n  - {id: r, check: email, field: mail}\n"
    )
    code, out, err = audit(runner, "-r", "with-sources.yaml", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["rules"][0]["evaluated"] == 2


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        pytest.param(
            ["missing.csv"],
            {},
            "Error: missing.csv: no such file (looked for {tmp}/missing.csv); check the path "
            "(relative paths start from the current directory)",
            id="missing file",
        ),
        pytest.param(
            ["empty.csv"],
            {"empty.csv": ""},
            "Error: empty.csv: the file is empty; export the data again or remove this source",
            id="empty file",
        ),
        pytest.param(
            ["header.csv"],
            {"header.csv": "id,email\n"},
            "Error: header.csv: the file has a header but no data rows; export the data again or remove this source",
            id="header only",
        ),
        pytest.param(
            ["ragged.csv"],
            {"ragged.csv": 'id,email\n1,a@b.c\n2,"x\ny",z\n'},
            "Error: ragged.csv:3: record has 3 fields, the header has 2 (split at each comma); quote fields that "
            "contain the delimiter or fix the row, or set read.delimiter in the rule file or --delimiter if that "
            "is not the delimiter",
            id="ragged rows",
        ),
        pytest.param(
            ["dup.csv"],
            {"dup.csv": "id,email,email\n1,a,b\n"},
            "Error: dup.csv: column 'email' appears twice in the header (columns 2 and 3); rename one",
            id="duplicate column names",
        ),
        pytest.param(
            ["data.xyz"],
            {"data.xyz": "id,email\n1,a\n"},
            "Error: data.xyz: cannot tell the format from the extension '.xyz' (accepted: .csv .txt .tsv .tab "
            ".parquet .pq .json .ndjson .jsonl .xlsx .xlsm); set read.format in the rule file or --input-format "
            "to one of csv, tsv, parquet, json, ndjson, xlsx",
            id="unknown format",
        ),
        pytest.param(
            ["good.csv", "--as-of", "2024-13-01"],
            {},
            "Error: --as-of: '2024-13-01' is not a date; use YYYY-MM-DD, e.g. --as-of 2024-06-30",
            id="as-of not a date",
        ),
        pytest.param(
            ["good.csv", "-f", "xml"],
            {},
            "Error: --format: unknown format 'xml'; choose one of table, json, markdown, html, junit, github",
            id="unknown report format",
        ),
        pytest.param(
            ["good.csv", "-r", "fields.yaml"],
            {"fields.yaml": "version: 1\nrules:\n  - {id: r, check: email, field: mail}\n"},
            "Error: fields.yaml:3:34: rules[0].field: field 'mail' is in no source; did you mean 'email'? "
            "(fields: id, email)",
            id="unknown field",
        ),
        pytest.param(
            ["good.csv", "-r", "syntax.yaml"],
            {"syntax.yaml": "version: 1\nrules:\n  - {id: r, check: email\n"},
            "Error: syntax.yaml:4:1: YAML syntax error: expected ',' or '}', but got '<stream end>'; "
            "check indentation and quoting",
            id="yaml syntax",
        ),
        pytest.param(
            ["good.csv", "-r", "regex.yaml"],
            {"regex.yaml": "version: 1\nrules:\n  - {id: r, check: pattern, field: id, pattern: '(a'}\n"},
            "Error: regex.yaml:3:49: rules[0].pattern: invalid regular expression: unclosed group",
            id="invalid regex",
        ),
        pytest.param(
            ["good.csv", "-r", "nope.yaml"],
            {},
            "Error: rule file nope.yaml not found; check the path",
            id="missing rule file",
        ),
    ],
)
def test_user_errors_exit_2_with_one_line(
    runner: CliRunner, workdir: Path, args: list[str], files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (workdir / name).write_text(text, encoding="utf-8")
    rules = [] if "-r" in args else ["-r", "rules.yaml"]
    code, _, err = audit(runner, *rules, *args, "-o", "report.txt", "--findings", "f.csv")
    assert code == 2
    assert err.strip() == message.replace("{tmp}", str(workdir))
    assert "Traceback" not in err
    assert not (workdir / "report.txt").exists()
    assert not (workdir / "f.csv").exists()


@pytest.mark.expects_internal_error
def test_an_unexpected_error_names_no_value(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError("secret-customer@example.com")

    monkeypatch.setattr("veracity.cli.audit.run_audit", explode)
    code, _, err = audit(runner, "-r", "rules.yaml", "good.csv")
    assert code == 2
    assert err.startswith("Error: internal error (ValueError); rerun with --debug")
    assert "secret-customer" not in err


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("veracity ")


def test_by_breaks_scores_down_in_json(runner: CliRunner, workdir: Path) -> None:
    (workdir / "seg.csv").write_text(
        "id,email,tier\n1,a@example.com,gold\n2,bad@@x,silver\n3,c@example.org,gold\n"
    )
    code, out, _ = audit(runner, "-r", "rules.yaml", "seg.csv", "--by", "tier", "-f", "json")
    assert code == 1
    (breakdown,) = json.loads(out)["segments"]
    assert breakdown["field"] == "tier"
    assert [(s["value"], s["records"], s["score"]) for s in breakdown["segments"]] == [
        ("gold", 2, 100.0),
        ("silver", 1, 0.0),
    ]


@pytest.mark.parametrize("chunked", [[], ["--chunk-rows", "1000"]], ids=["whole", "chunked"])
@pytest.mark.parametrize(
    ("extra", "shown"),
    [([], False), (["--reveal-values"], True)],
    ids=["masked", "revealed"],
)
def test_by_a_personal_field_is_masked_unless_values_are_revealed(
    runner: CliRunner, workdir: Path, extra: list[str], shown: bool, chunked: list[str]
) -> None:
    (workdir / "seg.csv").write_text("id,email,tier\n1,a@example.com,gold\n2,bad@@x,silver\n")
    code, out, _ = audit(
        runner, "-r", "rules.yaml", "seg.csv", "--by", "email", "-f", "json", *extra, *chunked
    )
    assert code == 1
    (breakdown,) = json.loads(out)["segments"]
    values = {s["value"] for s in breakdown["segments"]}
    assert ("a@example.com" in values) is shown
    assert len(values) == 2


def test_history_records_each_audit_for_trend(runner: CliRunner, workdir: Path) -> None:
    for _ in range(2):
        assert audit(runner, "-r", "rules.yaml", "good.csv", "--history")[0] == 0
    result = runner.invoke(app, ["trend", "-f", "markdown"])
    assert result.exit_code == 0, result.stderr
    assert (workdir / ".veracity" / "history.db").exists()
    assert "100.00" in result.stdout


def test_openlineage_events_go_to_a_file(runner: CliRunner, workdir: Path) -> None:
    code, _, err = audit(runner, "-r", "rules.yaml", "bad.csv", "--openlineage", "lineage.ndjson")
    assert code == 1, err
    events = [json.loads(line) for line in (workdir / "lineage.ndjson").read_text().splitlines()]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    assert events[0]["run"]["runId"] == events[1]["run"]["runId"]


def test_an_output_in_a_missing_directory_is_refused_before_anything_is_written(
    runner: CliRunner, workdir: Path
) -> None:
    code, _, err = audit(
        runner, "-r", "rules.yaml", "good.csv", "-o", "report.txt", "--openlineage", "nope/l.ndjson"
    )
    assert code == 2
    assert err.strip() == (
        "Error: --openlineage: cannot write nope/l.ndjson: directory nope does not exist; create it first"
    )
    assert not (workdir / "report.txt").exists()


def test_inside_github_actions_annotations_and_summary(
    runner: CliRunner, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = workdir / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", "json")
    assert code == 1
    json.loads(out)  # stdout stays a clean JSON report
    assert err.startswith("::error file=rules.yaml,line=4,")
    assert summary.read_text(encoding="utf-8").startswith("# ❌")


def test_format_github_prints_annotations_on_stdout(runner: CliRunner, workdir: Path) -> None:
    code, out, _ = audit(runner, "-r", "rules.yaml", "bad.csv", "-f", "github")
    assert code == 1
    assert out.startswith("::error file=rules.yaml,line=4,")


def test_duplicates_file_has_the_contract_columns(runner: CliRunner, workdir: Path) -> None:
    (workdir / "people.csv").write_text(
        "id,first_name,last_name,email\n"
        "1,Anna,Schmidt,anna.schmidt@example.de\n"
        "2,Ana,Schmidt,ANNA.SCHMIDT@example.de\n"
        "3,Peter,Meyer,peter.meyer@example.de\n",
        encoding="utf-8",
    )
    (workdir / "dup.yaml").write_text(
        "version: 1\nkey: id\nrules:\n  - id: same-person\n    check: duplicates\n"
        "    compare:\n      - {field: first_name, method: jaro_winkler}\n"
        "      - {field: last_name, method: jaro_winkler}\n      - {field: email, method: email}\n"
        "    blocking:\n      - [last_name]\n      - [email]\n",
        encoding="utf-8",
    )
    code, out, err = audit(runner, "-r", "dup.yaml", "people.csv", "--duplicates", "dupes.csv", "-f", "json")
    assert code in (0, 1), err
    clusters = pl.read_csv(workdir / "dupes.csv", infer_schema=False)
    assert clusters.columns[:6] == [
        "cluster_id",
        "source",
        "line",
        "record_key",
        "match_probability",
        "agreeing_fields",
    ]
    assert sorted(clusters.get_column("record_key").to_list()) == ["1", "2"]
    details = json.loads(out)["rules"][0]["details"]
    assert details["clusters"] == 1


def test_duplicates_needs_a_csv_or_parquet_path(runner: CliRunner, workdir: Path) -> None:
    code, _, err = audit(runner, "-r", "rules.yaml", "good.csv", "--duplicates", "d.txt")
    assert (code, err.strip()) == (2, "Error: --duplicates: d.txt must end in .csv or .parquet")


def test_chunk_rows_gives_the_same_verdicts_in_bounded_memory(runner: CliRunner, workdir: Path) -> None:
    rows = "".join(f"{i},{'bad@@x' if i % 7 == 0 else f'user{i}@example.com'}\n" for i in range(3000))
    (workdir / "big.csv").write_text("id,email\n" + rows, encoding="utf-8")
    whole = audit(runner, "-r", "rules.yaml", "big.csv", "-f", "json", "--findings", "whole.csv")
    chunked = audit(
        runner,
        "-r",
        "rules.yaml",
        "big.csv",
        "-f",
        "json",
        "--findings",
        "chunked.csv",
        "--chunk-rows",
        "1000",
    )
    assert whole[0] == chunked[0] == 1
    assert json.loads(whole[1])["findings"] == json.loads(chunked[1])["findings"]
    assert json.loads(chunked[1])["findings"]["total"] == 429
    assert (workdir / "whole.csv").read_bytes() == (workdir / "chunked.csv").read_bytes()


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "junit"])
def test_segments_appear_in_every_report_format(runner: CliRunner, workdir: Path, fmt: str) -> None:
    (workdir / "seg.csv").write_text("id,email,tier\n1,a@example.com,gold\n2,bad@@x,silver\n")
    code, out, _ = audit(runner, "-r", "rules.yaml", "seg.csv", "--by", "tier", "-f", fmt)
    assert code == 1
    assert "gold" in out
    assert "silver" in out


_ENTRY_POINT = """
import atexit, pathlib, sys
atexit.register(lambda: pathlib.Path("atexit-ran").write_text("yes"))
from veracity.cli import main
sys.argv = ["veracity", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["bad.csv", "-f", "json"], 1),
        (["good.csv", "-f", "json"], 0),
        (["missing.csv", "-f", "json"], 2),
    ],
)
def test_the_entry_point_exits_with_the_status_after_exit_handlers_and_output(
    workdir: Path, args: list[str], code: int
) -> None:
    """The console script skips interpreter shutdown: the status, the report on a piped
    standard output and the atexit handlers must survive that."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _ENTRY_POINT, "audit", "-r", "rules.yaml", "--no-progress", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
    assert done.returncode == code, done.stderr
    assert (workdir / "atexit-ran").read_text() == "yes"
    if code != 2:
        assert json.loads(done.stdout)["records"]["records"] == 2
    else:
        assert "missing.csv" in done.stderr


def test_python_dash_m_runs_the_same_command(workdir: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "veracity",
            "audit",
            "-r",
            "rules.yaml",
            "bad.csv",
            "-f",
            "json",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["rules"][0]["failed"] == 1
