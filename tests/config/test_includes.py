"""Rule files that include others: what merges, and each mistake's exact message at its place."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from veracity.config import check_fields, compose_rule_file, load_rule_file
from veracity.config._include import MAX_INCLUDE_DEPTH
from veracity.errors import FieldError, RuleFileError
from veracity.sources import SourceSpec, load_sources
from veracity.vocabulary import Severity

PACK = """\
version: 1
key: customer_id
defaults: {severity: warning}
gate: {min_score: 90}
fields: {birth_date: {format: "%d.%m.%Y"}}
null_markers: ["n/a"]
rules:
  - {id: email-valid, check: email, field: email}
  - {id: fresh, check: max_age, field: last_updated, days: 730}
  - {id: id-unique, check: unique, fields: [customer_id]}
"""


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _project(*lines: str) -> str:
    return "version: 1\n" + "".join(f"{line}\n" for line in lines)


# (files besides shared/pack.yaml, expected rules as "id@file:line" or the exact error)
CASES = {
    "include merges in order, the includer's rules last": (
        _project("include: ../shared/pack.yaml", "rules:", "  - {id: own, check: not_null, field: email}"),
        [
            "email-valid@shared/pack.yaml:8",
            "fresh@shared/pack.yaml:9",
            "id-unique@shared/pack.yaml:10",
            "own@proj/rules.yaml:4",
        ],
    ),
    "a file may include only, without rules of its own": (
        _project("include: [../shared/pack.yaml]"),
        ["email-valid@shared/pack.yaml:8", "fresh@shared/pack.yaml:9", "id-unique@shared/pack.yaml:10"],
    ),
    "override: true replaces the rule in its place": (
        _project(
            "include: [../shared/pack.yaml]",
            "rules:",
            "  - {id: fresh, check: max_age, field: last_updated, days: 365, override: true}",
        ),
        ["email-valid@shared/pack.yaml:8", "fresh@proj/rules.yaml:4", "id-unique@shared/pack.yaml:10"],
    ),
    "disable drops a rule": (
        _project("include: [../shared/pack.yaml]", "disable: [fresh, id-unique]"),
        ["email-valid@shared/pack.yaml:8"],
    ),
    "a clash without override names both places": (
        _project(
            "include: [../shared/pack.yaml]",
            "rules:",
            "  - {id: fresh, check: max_age, field: last_updated, days: 1}",
        ),
        "proj/rules.yaml:4:10: rules[0].id: 'fresh' is already defined at shared/pack.yaml:9:5; "
        "add 'override: true' to this rule to replace it, or give it another id",
    ),
    "override without a rule to override": (
        _project(
            "include: [../shared/pack.yaml]",
            "rules:",
            "  - {id: frsh, check: max_age, field: last_updated, days: 1, override: true}",
        ),
        "proj/rules.yaml:4:62: rules[0].override: no included rule has id 'frsh'; did you mean 'fresh'?; "
        "remove 'override: true' or correct the id",
    ),
    "disable of an id no included file defines": (
        _project("include: [../shared/pack.yaml]", "disable: [freshh]"),
        "proj/rules.yaml:3:11: disable[0]: no included rule has id 'freshh'; did you mean 'fresh'?; "
        "'disable:' drops rules of the files this one includes",
    ),
    "a problem inside the included file is at its own line and index": (
        _project("include: [../shared/bad.yaml]"),
        "shared/bad.yaml:3:55: rules[0].threshold: input should be less than or equal to 1",
    ),
    "a missing included file is named at the include entry": (
        _project("include: [../shared/nope.yaml]"),
        "proj/rules.yaml:2:11: include[0]: rule file shared/nope.yaml not found; check the path",
    ),
    "an unknown shipped pack gets a suggestion": (
        _project("include: [veracity:customer-mastr]"),
        "proj/rules.yaml:2:11: include[0]: unknown rule pack 'veracity:customer-mastr'; did you mean "
        "'customer-master'? (shipped packs: veracity:consent, veracity:customer-master; "
        "see 'veracity rules packs')",
    ),
    "a cycle of includes names the chain": (
        _project("include: [../shared/a.yaml]"),
        "shared/b.yaml:2:10: include: includes form a cycle: proj/rules.yaml -> shared/a.yaml -> "
        "shared/b.yaml -> shared/a.yaml; remove one of these includes",
    ),
    "a file including itself is a cycle": (
        _project("include: rules.yaml"),
        "proj/rules.yaml:2:10: include: includes form a cycle: proj/rules.yaml -> proj/rules.yaml; "
        "remove one of these includes",
    ),
    "an included file needs version 1": (
        _project("include: [../shared/noversion.yaml]"),
        "shared/noversion.yaml:1:1: missing required key 'version'",
    ),
    "an included directory is refused at its entry": (
        _project("include: [../shared]"),
        "proj/rules.yaml:2:11: include[0]: rule file shared is a directory; name a .yaml file",
    ),
    "include must name files": (
        _project("include: {a: b}"),
        "proj/rules.yaml:2:10: include: must be a rule file's path or a list of them, "
        "e.g. [../shared/customers.yaml]",
    ),
    "an unknown key of an included file is at its place": (
        _project("include: [../shared/typo.yaml]"),
        "shared/typo.yaml:2:1: unknown key 'gaet'; did you mean 'gate'?",
    ),
    "a misspelt include is offered the right key": (
        _project("inclde: [../shared/pack.yaml]", "rules: [{id: a, check: not_null, field: e}]"),
        "proj/rules.yaml:2:1: unknown key 'inclde'; did you mean 'include'?",
    ),
    "a misspelt override is offered the right key": (
        _project(
            "include: [../shared/pack.yaml]",
            "rules: [{id: fresh, check: max_age, field: last_updated, days: 1, overide: true}]",
        ),
        "proj/rules.yaml: 2 problems in the rule file, one per line below\n"
        "  proj/rules.yaml:3:14: rules[0].id: 'fresh' is already defined at shared/pack.yaml:9:5; "
        "add 'override: true' to this rule to replace it, or give it another id\n"
        "  proj/rules.yaml:3:67: rules[0]: unknown key 'overide'; did you mean 'override'?",
    ),
    "a file included twice (a shared base) is read once": (
        _project("include: [../shared/a2.yaml, ../shared/pack.yaml]"),
        ["email-valid@shared/pack.yaml:8", "fresh@shared/pack.yaml:9", "id-unique@shared/pack.yaml:10"],
    ),
}

SHARED = {
    "shared/pack.yaml": PACK,
    "shared/bad.yaml": "version: 1\nrules:\n  - {id: b, check: not_null, field: email, threshold: 2}\n",
    "shared/a.yaml": "version: 1\ninclude: b.yaml\n",
    "shared/b.yaml": "version: 1\ninclude: a.yaml\n",
    "shared/noversion.yaml": "rules:\n  - {id: b, check: not_null, field: email}\n",
    "shared/typo.yaml": "version: 1\ngaet: {min_score: 3}\nrules: [{id: a, check: not_null, field: e}]\n",
    "shared/a2.yaml": "version: 1\ninclude: pack.yaml\n",
}


@pytest.mark.parametrize(("project", "expected"), list(CASES.values()), ids=list(CASES))
def test_includes(
    project: str, expected: list[str] | str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {**SHARED, "proj/rules.yaml": project})
    monkeypatch.chdir(tmp_path)
    if isinstance(expected, str):
        with pytest.raises(RuleFileError) as caught:
            load_rule_file("proj/rules.yaml")
        assert str(caught.value) == expected
    else:
        rules = load_rule_file("proj/rules.yaml").rules
        shown = [f"{rule.id}@{rule.location.path}:{rule.location.line}" for rule in rules if rule.location]
        assert shown == expected


def test_settings_merge_key_by_key_and_the_includer_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(
        "include: [../shared/pack.yaml]",
        "gate: {min_score: 80}",
        "fields: {birth_date: {description: DD.MM.YYYY}}",
        'null_markers: ["-"]',
        "defaults: {threshold: 0.5}",
    )
    _write(tmp_path, {**SHARED, "proj/rules.yaml": project})
    monkeypatch.chdir(tmp_path)
    model = load_rule_file("proj/rules.yaml").model
    assert model.gate.min_score == 80
    assert (model.fields["birth_date"].format, model.fields["birth_date"].description) == (
        "%d.%m.%Y",
        "DD.MM.YYYY",
    )
    assert model.null_markers == ["n/a", "-"]
    assert (model.defaults.severity, model.defaults.threshold) == (Severity.WARNING, 0.5)
    assert model.key == "customer_id"


def test_every_problem_of_every_file_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project("include: [../shared/bad.yaml]", "rules:", "  - {id: own, check: emial, field: email}")
    _write(tmp_path, {**SHARED, "proj/rules.yaml": project})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file("proj/rules.yaml")
    # The including file's problems first, then those of the files it includes.
    assert [str(problem) for problem in caught.value.problems] == [
        "proj/rules.yaml:4:22: rules[0].check: unknown check type 'emial'; did you mean 'email'? "
        "(run 'veracity rules list' for the catalogue)",
        "shared/bad.yaml:3:55: rules[0].threshold: input should be less than or equal to 1",
    ]


# (the included file's source, the root file's source, the files they read below tmp_path;
# None: the data file, shared/data/crm.csv or shared/data/shop.db, read through an absolute path)
INCLUDED_SOURCES = {
    "path": ("{path: data/crm.csv}", "{path: own.csv}", ["shared/data/crm.csv", "proj/own.csv"]),
    "sqlite": (
        "{database: 'sqlite:///data/shop.db', table: customers}",
        "{path: own.csv}",
        ["shared/data/shop.db", "proj/own.csv"],
    ),
    "sqlite-in-both": (
        "{database: 'sqlite:///data/shop.db', table: customers}",
        "{database: 'sqlite:///own.db', table: customers}",
        ["shared/data/shop.db", "proj/own.db"],
    ),
    "sqlite-absolute": ("{database: 'sqlite:///{absolute}', table: customers}", "{path: own.csv}", None),
    "path-absolute": ("{path: '{absolute}'}", "{path: own.csv}", None),
}


@pytest.mark.parametrize("case", INCLUDED_SOURCES)
def test_sources_of_an_included_file_are_relative_to_it(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative path, or the file of a relative sqlite:///FILE, is relative to the file that
    names it; the sources are then read from those files wherever the audit runs."""
    included, own, expected = INCLUDED_SOURCES[case]
    data = tmp_path / "shared" / "data"
    data.mkdir(parents=True)
    (tmp_path / "proj").mkdir()
    csv_text = "customer_id,email\n1,a@example.com\n"
    for folder in (data, tmp_path / "proj"):
        (folder / ("crm.csv" if folder == data else "own.csv")).write_text(csv_text, encoding="utf-8")
        for name in ("shop.db", "own.db"):
            with sqlite3.connect(folder / name) as connection:
                connection.execute("CREATE TABLE customers (customer_id TEXT, email TEXT)")
                connection.execute("INSERT INTO customers VALUES ('1', 'a@example.com')")
            connection.close()
    absolute = str(data / ("shop.db" if "sqlite" in case else "crm.csv"))
    _write(
        tmp_path,
        {
            "shared/base.yaml": f"version: 1\nsources: [{included.replace('{absolute}', absolute)}]\n",
            "proj/rules.yaml": _project(
                "include: ../shared/base.yaml",
                f"sources: [{own}]",
                "rules:",
                "  - {id: a, check: not_null, field: email}",
            ),
        },
    )
    monkeypatch.chdir(tmp_path / "shared")  # neither file's folder
    rule_set = load_rule_file(tmp_path / "proj" / "rules.yaml")
    specs = [
        SourceSpec(path=source.location, table=source.table, query=source.query)
        for source in rule_set.model.sources
    ]
    loaded = load_sources(specs, base_dir=rule_set.base_dir)
    assert loaded.frame.get_column("email").to_list() == ["a@example.com"] * 2
    read = [
        info.details.get("database") or str((rule_set.base_dir or Path()) / info.path)
        for info in loaded.sources
    ]
    files = [str(Path(name).resolve().relative_to(tmp_path)) for name in read]
    assert files == (expected or [str(Path(absolute).relative_to(tmp_path)), "proj/own.csv"])


def test_a_field_no_source_provides_is_reported_in_the_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {**SHARED, "proj/rules.yaml": _project("include: [../shared/pack.yaml]")})
    monkeypatch.chdir(tmp_path)
    rule_set = load_rule_file("proj/rules.yaml")
    with pytest.raises(FieldError) as caught:
        check_fields(rule_set, ["customer_id", "email"])
    assert str(caught.value) == (
        "shared/pack.yaml:9:40: rules[1].field: field 'last_updated' is in no source "
        "(fields: customer_id, email)"
    )


def test_a_shipped_pack_loads_and_is_listed_in_merge_order(tmp_path: Path) -> None:
    _write(tmp_path, {"rules.yaml": _project("include: [veracity:customer-master, veracity:consent]")})
    composed = compose_rule_file(tmp_path / "rules.yaml")
    assert composed.files == ["veracity:customer-master", "veracity:consent", str(tmp_path / "rules.yaml")]
    ids = [rule.id for rule in composed.rule_set.rules]
    assert ids[0] == "customer-id-present"
    assert ids[-1] == "consent-not-future"
    assert str(composed.rule_set.rules[0].location).startswith("veracity:customer-master:")


def test_a_changed_pack_changes_the_rule_digest(tmp_path: Path) -> None:
    _write(tmp_path, {**SHARED, "proj/rules.yaml": _project("include: [../shared/pack.yaml]")})
    before = load_rule_file(tmp_path / "proj/rules.yaml").sha256
    (tmp_path / "shared/pack.yaml").write_text(PACK.replace("730", "365"), encoding="utf-8")
    assert load_rule_file(tmp_path / "proj/rules.yaml").sha256 != before


def test_includes_are_bounded_in_depth(tmp_path: Path) -> None:
    files = {f"f{n}.yaml": f"version: 1\ninclude: f{n + 1}.yaml\n" for n in range(MAX_INCLUDE_DEPTH + 2)}
    files[f"f{MAX_INCLUDE_DEPTH + 2}.yaml"] = "version: 1\nrules: [{id: a, check: not_null, field: e}]\n"
    _write(tmp_path, files)
    with pytest.raises(RuleFileError, match=f"includes nest more than {MAX_INCLUDE_DEPTH} files deep"):
        load_rule_file(tmp_path / "f0.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_included_pipe_is_refused_without_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    _write(tmp_path, {"rules.yaml": _project("include: pipe.yaml")})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file("rules.yaml")
    assert (
        caught.value.detail == "include: rule file pipe.yaml is a named pipe, not a file; name a .yaml file"
    )


def test_an_included_device_or_socket_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    monkeypatch.chdir(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock.yaml")
        _write(tmp_path, {"rules.yaml": _project("include: [zero.yaml, sock.yaml]")})
        with pytest.raises(RuleFileError) as caught:
            load_rule_file("rules.yaml")
    finally:
        server.close()
    assert [problem.detail for problem in caught.value.problems] == [
        "include[0]: rule file zero.yaml is a device, not a file; name a .yaml file",
        "include[1]: rule file sock.yaml is a socket, not a file; name a .yaml file",
    ]
