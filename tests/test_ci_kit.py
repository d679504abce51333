"""The CI kit: the GitHub Action's steps run as a runner would run them, and the pre-commit hook
runs through ``pre-commit try-repo`` on a fixture repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent

PASSING_RULES = """\
version: 1
rules:
  - {id: email-valid, check: email, field: email}
"""
PASSING_DATA = "customer_id,email\nC-1,a@example.com\nC-2,b@example.com\n"


def _action() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _expand(text: str, inputs: dict[str, str]) -> str:
    """``${{ inputs.x }}`` and ``${{ github.action_path }}`` as the runner fills them in."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name == "github.action_path":
            return str(ROOT)
        assert name.startswith("inputs."), f"action.yml uses an expression the test cannot fill: {name}"
        return inputs[name.removeprefix("inputs.")]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _run_action(
    workspace: Path, given: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """Every step of the composite action, in order, until one fails (as a runner does). The
    install step's ``python`` is a stand-in that records its arguments; the audit step runs
    the installed veracity."""
    action = _action()
    assert action["runs"]["using"] == "composite"
    unknown = set(given) - set(action["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | given
    shims = workspace.parent / "shims"
    shims.mkdir(exist_ok=True)
    record = workspace.parent / "python-args"
    shim = shims / "python"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    shim.chmod(0o755)
    summary = workspace.parent / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "VERACITY_"))
    }
    environment.update(
        PATH=f"{shims}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(ROOT),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(summary),
        NO_COLOR="1",
    )
    result: subprocess.CompletedProcess[str] | None = None
    for number, step in enumerate(action["runs"]["steps"]):
        assert step["shell"] == "bash"
        script = workspace.parent / f"step{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        env = environment | {name: _expand(str(text), inputs) for name, text in step.get("env", {}).items()}
        # The runner's own command line for `shell: bash`.
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            break
    assert result is not None
    return result, summary, record


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    checkout = tmp_path / "checkout"
    (checkout / "exports").mkdir(parents=True)
    shutil.copy(EXAMPLES / "rules.yaml", checkout / "rules.yaml")
    shutil.copy(EXAMPLES / "crm_export.csv", checkout / "exports" / "crm_export.csv")
    shutil.copy(EXAMPLES / "shop_customers.ndjson", checkout / "exports" / "shop_customers.ndjson")
    (checkout / "passing.yaml").write_text(PASSING_RULES, encoding="utf-8")
    (checkout / "passing.csv").write_text(PASSING_DATA, encoding="utf-8")
    shutil.copy(EXAMPLES / "rules.yaml", checkout / "veracity.yaml")
    return checkout


def test_the_install_step_installs_the_action_itself(workspace: Path) -> None:
    _, _, record = _run_action(workspace, {"rules": "passing.yaml", "data": "passing.csv"})
    args = record.read_text(encoding="utf-8").splitlines()
    assert args[:3] == ["-m", "pip", "install"]
    assert args[-1] == str(ROOT)
    assert (ROOT / "pyproject.toml").exists()


def test_a_failing_gate_fails_the_job_with_annotations_and_a_summary(workspace: Path) -> None:
    result, summary, _ = _run_action(
        workspace, {"rules": "rules.yaml", "data": "exports/*.csv\nexports/*.ndjson", "as-of": "2026-11-01"}
    )
    assert result.returncode == 1, result.stderr
    assert "::error " in result.stdout  # -f github: the annotations are the report
    assert "Error:" not in result.stderr
    text = summary.read_text(encoding="utf-8")
    assert "FAIL" in text
    assert "2 sources" in text or "crm_export.csv" in text


def test_a_passing_audit_passes_and_inputs_reach_the_command(workspace: Path) -> None:
    result, summary, _ = _run_action(
        workspace,
        {
            "rules": "passing.yaml",
            "data": "passing.csv",
            "format": "json",
            "output": "report.json",
            "fail-under": "99",
            "chunk-rows": "1000",
            "set": "gate.min_score=50\nrules.email-valid.severity=warning",
        },
    )
    assert result.returncode == 0, result.stderr
    report = json.loads((workspace / "report.json").read_text(encoding="utf-8"))
    assert report["score"] == 100
    assert report["rules"][0]["severity"] == "warning"
    assert "PASS" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("given", "line"),
    [
        ({"rules": "missing.yaml"}, "Error: rule file missing.yaml not found; check the path"),
        (
            {"rules": "passing.yaml", "data": "passing.csv", "set": "rules.email-valid.sevrity=warning"},
            "Error: --set rules.email-valid.sevrity=warning: rules[0]: unknown key 'sevrity'; "
            "did you mean 'severity'?",
        ),
        (
            {"rules": "passing.yaml", "data": "nothing/*.csv"},
            "Error: nothing/*.csv",
        ),
    ],
    ids=["missing rule file", "bad setting", "pattern without matches"],
)
def test_a_mistake_ends_the_job_with_exit_2_and_one_error_line(
    workspace: Path, given: dict[str, str], line: str
) -> None:
    result, _, _ = _run_action(workspace, given)
    assert result.returncode == 2
    errors = [text for text in result.stderr.splitlines() if text.startswith("Error:")]
    assert len(errors) == 1
    assert errors[0].startswith(line)


def test_a_value_in_an_input_is_not_run_as_shell_code(workspace: Path) -> None:
    result, _, _ = _run_action(workspace, {"rules": "passing.yaml", "data": "passing.csv $(touch pwned)"})
    assert result.returncode == 2
    assert not (workspace / "pwned").exists()


# --- pre-commit -----------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=_git_env())


def _git_env() -> dict[str, str]:
    return os.environ | {
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def test_the_hooks_share_one_command() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"veracity-rules", "veracity-rules-system"}
    assert hooks["veracity-rules"]["language"] == "python"  # installs veracity from this repository
    for key in ("entry", "files", "types"):
        assert hooks["veracity-rules"][key] == hooks["veracity-rules-system"][key]
    assert hooks["veracity-rules"]["entry"] == "veracity rules check --each"


def test_the_pre_commit_hook_on_a_fixture_repository(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=str(BIN))
    assert pre_commit, "pre-commit is a test dependency: pip install -e '.[test]'"
    # The hook repository: this repository's hook definitions, committed.
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", hooks / ".pre-commit-hooks.yaml")
    _git(hooks, "init", "-q")
    _git(hooks, "add", ".")
    _git(hooks, "commit", "-q", "-m", "hooks")
    # The project: rule files, one of them broken, and a YAML file that is not a rule file.
    project = tmp_path / "project"
    (project / "packs").mkdir(parents=True)
    (project / "veracity.yaml").write_text(
        "version: 1\ninclude: [packs/rules-shared.yaml]\n", encoding="utf-8"
    )
    (project / "packs" / "rules-shared.yaml").write_text(PASSING_RULES, encoding="utf-8")
    (project / "ci.yaml").write_text("jobs: {}\n", encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    env = _git_env() | {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
    }

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(hooks), "veracity-rules-system", "--all-files"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    passed = run()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "veracity rules check (installed veracity)" in passed.stdout
    assert "Passed" in passed.stdout

    (project / "packs" / "rules-broken.yaml").write_text(
        "version: 1\nrules:\n  - {id: a, check: emial, field: e}\n", encoding="utf-8"
    )
    _git(project, "add", ".")
    failed = run()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "packs/rules-broken.yaml:3:20: rules[0].check: unknown check type 'emial'" in failed.stdout
    assert "ci.yaml" not in failed.stdout  # not a rule file by its name


# --- docs/ci.md: every example runs -------------------------------------------------------------


def _doc_block(first_line: str) -> str:
    """The fenced block of docs/ci.md whose first line is ``first_line``."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    for match in re.finditer(r"^```\w*\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        if match.group(1).startswith(first_line):
            return match.group(1)
    raise AssertionError(f"docs/ci.md has no block starting with {first_line!r}")


def _pip_shim(directory: Path) -> Path:
    """A ``pip`` that records its arguments: installing is the CI image's business."""
    directory.mkdir(exist_ok=True)
    record = directory / "pip-args"
    shim = directory / "pip"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    shim.chmod(0o755)
    return record


def test_the_documented_github_workflow_runs_the_action(workspace: Path) -> None:
    workflow = yaml.safe_load(_doc_block("# .github/workflows/data-quality.yml"))
    steps = workflow["jobs"]["audit"]["steps"]
    ours = [step for step in steps if step["uses"].split("@")[0].endswith("/veracity")]
    assert len(ours) == 1
    given = {name: str(value) for name, value in ours[0]["with"].items()}
    result, summary, _ = _run_action(workspace, given | {"as-of": "2026-11-01"})
    # The shipped examples fail their gate: the job fails, with annotations and a summary.
    assert result.returncode == 1, result.stderr
    assert "::error " in result.stdout
    assert "FAIL" in summary.read_text(encoding="utf-8")


def test_the_documented_gitlab_job_writes_its_junit_artifact(workspace: Path) -> None:
    job = yaml.safe_load(_doc_block("# .gitlab-ci.yml"))["data-quality"]
    record = _pip_shim(workspace.parent / "bin")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "VERACITY_"))
    }
    environment |= {name: str(value) for name, value in job["variables"].items()}
    environment["PATH"] = f"{record.parent}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    # GitLab runs the script lines in one shell and stops at the first that fails.
    script = "set -e\n" + "\n".join(job["script"]) + "\n"
    result = subprocess.run(
        ["bash", "-c", script], cwd=workspace, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Error:" not in result.stderr
    assert record.read_text(encoding="utf-8").splitlines() == [
        "install",
        job["variables"]["VERACITY_PACKAGE"],
    ]
    artifact = workspace / job["artifacts"]["reports"]["junit"]
    assert job["artifacts"]["when"] == "always"
    suites = ElementTree.parse(artifact).getroot()
    assert suites.iter("testcase")


@pytest.mark.parametrize(
    ("rules", "code", "said"),
    [
        ("veracity.yaml", 1, "quality gate failed: not importing; see audit.json"),
        ("passing.yaml", 0, "quality gate passed: importing"),
        ("missing.yaml", 2, "the audit could not run: see the Error line above"),
    ],
)
def test_the_documented_shell_gate(workspace: Path, rules: str, code: int, said: str) -> None:
    gate = workspace / "import-customers.sh"
    gate.write_text(_doc_block("#!/bin/sh").replace("veracity.yaml", rules), encoding="utf-8")
    gate.chmod(0o755)
    if rules == "passing.yaml":
        (workspace / "exports" / "crm_export.csv").write_text(PASSING_DATA, encoding="utf-8")
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "VERACITY_"))
    }
    environment["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [str(gate)], cwd=workspace, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == code, result.stderr
    assert said in result.stdout + result.stderr
    assert (workspace / "audit.json").exists() == (code != 2)


def test_the_documented_pre_commit_config_names_our_hooks() -> None:
    config = yaml.safe_load(_doc_block("# .pre-commit-config.yaml"))
    ids = {
        hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    used = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert used <= ids
    pattern = re.compile(config["repos"][0]["hooks"][0]["files"])
    assert pattern.search("veracity.yaml")
    assert pattern.search("rules/customers.yml")
    assert not pattern.search(".gitlab-ci.yml")
