"""No rule file can make loading slow, crash it or read without end: each bound is a located message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from veracity.config import load_rule_file, parse_rule_text
from veracity.config._yaml import MAX_ALIAS_NODES, MAX_DEPTH
from veracity.config.loader import MAX_RULE_FILE_BYTES
from veracity.errors import RuleFileError

RULE = "  - {id: a, check: in_set, field: country, values: %s}\n"


def _bomb(levels: int) -> str:
    """The 'billion laughs': each level lists the one below nine times (9**levels values)."""
    lines = ["version: 1", "anchors:", "  - &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\nrules:\n" + RULE % f"*a{levels}"


def _error(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        parse_rule_text(text, "rules.yaml")
    return caught.value


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_bound(levels: int) -> None:
    messages = [problem.detail for problem in _error(_bomb(levels)).problems]
    bound = [m for m in messages if "aliases expand to more than" in m]
    assert bound == [
        f"anchors[5][0]: aliases expand to more than {MAX_ALIAS_NODES:,} values; write the repeated part "
        "out or use fewer aliases (alias *a4)"
    ]


def test_aliases_within_the_bound_are_read() -> None:
    text = "version: 1\nrules:\n" + RULE % "&eu [DE, AT, FR]" + RULE.replace("id: a", "id: b") % "*eu"
    first, second = parse_rule_text(text).rules
    assert first.params.values == second.params.values == ["DE", "AT", "FR"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "version: 1\nrules: &r\n  - {id: a, check: in_set, field: e, values: *r}\n",
            "rules.yaml:3:46: rules[0].values: alias *r refers to a node that contains it; remove the alias",
            id="an alias inside its own anchor",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: in_set, field: e, values: !!set {a, b}}\n",
            "rules.yaml:3:46: rules[0].values: unsupported YAML tag !!set: a rule file holds plain text, "
            "numbers, true/false, lists and mappings; remove the tag",
            id="set tag",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: pattern, field: e, pattern: !!binary aGVsbG8=}\n",
            "rules.yaml:3:48: rules[0].pattern: unsupported YAML tag !!binary",
            id="binary tag",
        ),
        pytest.param(
            "version: 1\nrules:\n  - !!python/object:os.system {id: a}\n",
            "rules.yaml:3:5: rules[0]: unsupported YAML tag !!python/object:os.system",
            id="python object tag",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: pattern, field: e, pattern: !custom x}\n",
            "rules.yaml:3:48: rules[0].pattern: unsupported YAML tag !custom",
            id="local tag",
        ),
        pytest.param(
            'version: 1\nrules:\n  - {id: a, check: not_null, field: e, threshold: !!float "abc"}\n',
            "rules.yaml:3:51: rules[0].threshold: the value tagged !!float is not a valid float; "
            "remove the tag or fix the value",
            id="float tag on text",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: max_age, field: e, days: !!int x}\n",
            "rules.yaml:3:45: rules[0].days: the value tagged !!int is not a valid int",
            id="int tag on text",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: range, field: e, min: 2026-02-30}\n",
            "rules.yaml:3:42: rules[0].min: '2026-02-30' is not a calendar date",
            id="impossible YAML date",
        ),
        pytest.param(
            "version: 1\nbase: &b {check: not_null}\nrules:\n  - {<<: *b, id: a, field: e}\n",
            "rules.yaml:4:6: rules[0]: merge keys ('<<') are not supported; write the keys out",
            id="merge key",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: max_age, field: e, days: 100000000000}\n",
            "rules.yaml:3:45: rules[0].days: input should be less than or equal to 1000000",
            id="days beyond a timedelta",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e, weight: .inf}\n",
            "rules.yaml:3:48: rules[0].weight: input should be a finite number",
            id="infinite weight",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e, threshold: .nan}\n",
            "rules.yaml:3:51: rules[0].threshold: input should be a finite number",
            id="NaN threshold",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {id: a, check: not_null, field: e, min_evaluated: 1.0e+400}\n",
            "rules.yaml:3:55: rules[0].min_evaluated: input should be a finite number",
            id="overflowing number",
        ),
        pytest.param(
            "version: 1\nrules:\n  - {[a]: 1, id: a, check: not_null, field: e}\n",
            "rules.yaml:3:6: rules[0]: complex mapping keys are not supported; use a plain name",
            id="complex key",
        ),
    ],
)
def test_unusual_yaml_is_refused_where_it_stands(text: str, message: str) -> None:
    problems = [str(problem) for problem in _error(text).problems]
    assert [problem for problem in problems if problem.startswith(message)], problems


def test_nesting_is_bounded() -> None:
    deep = "version: 1\nrules:\n" + "".join(f"{'  ' * level}- a:\n" for level in range(100))
    assert str(_error(deep)) == (
        f"rules.yaml:{2 + MAX_DEPTH // 2}:{MAX_DEPTH + 1}: YAML syntax error: nested more than {MAX_DEPTH} "
        "levels deep; a rule file needs far fewer"
    )


def test_deep_flow_nesting_is_refused_on_its_line() -> None:
    # 1,000 levels once ended in an internal error (RecursionError).
    error = _error("version: 1\nrules: " + "[" * 1000 + "]" * 1000 + "\n")
    assert error.location is not None
    assert error.location.line == 2
    assert (
        error.detail
        == f"YAML syntax error: nested more than {MAX_DEPTH} levels deep; a rule file needs far fewer"
    )


def test_an_impossible_date_in_a_text_key_stays_text() -> None:
    (rule,) = parse_rule_text(
        "version: 1\nrules:\n  - {id: a, check: not_null, field: e, description: 2026-02-30}\n"
    ).rules
    assert rule.description == "2026-02-30"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_device_is_no_rule_file(tmp_path: Path, through_a_link: bool) -> None:
    path = Path("/dev/zero")
    if through_a_link:
        path = tmp_path / "rules.yaml"
        path.symlink_to("/dev/zero")
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    assert str(caught.value) == f"rule file {path} is a device, not a file; name a .yaml file"


def test_a_rule_file_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * MAX_RULE_FILE_BYTES)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    assert str(caught.value) == (
        f"rule file {path} is larger than 5 MB; a rule file is text of a few kB: check the path"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_rule_file_from_a_pipe_is_read_once(tmp_path: Path) -> None:
    # `-r <(generate-rules)` hands veracity a pipe: it is read, within the same cap.
    import threading

    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    text = b"version: 1\nrules:\n  - {id: a, check: not_null, field: e}\n"
    writer = threading.Thread(target=fifo.write_bytes, args=(text,))
    writer.start()
    try:
        assert [rule.id for rule in load_rule_file(fifo).rules] == ["a"]
    finally:
        writer.join(timeout=10)
