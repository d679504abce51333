"""The HTML report in a real headless Chromium: what a reader sees, and that the page fetches
nothing. ``.ci/install-browser`` installs Debian's chromium; without one these tests skip.

The page is rendered by the browser once per module (about a second per run): the DOM as the
browser built it, a network log of the same load, and a screenshot.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reports.fixture_extras import SCRIPT_SEGMENT, with_extras
from tests.reports.report_fixture import build_result
from tests.reports.test_html import _parse
from tests.reports.test_report_masking import RAW_FRAGMENTS
from veracity.reports.html import render

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not found on PATH; run .ci/install-browser (Debian: apt-get install chromium)",
)

# Everything Chromium would do on its own (updates, sync, sign-in, first-run pages) is off, so
# that the run is quick and the network log holds little beside the page's own requests.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TIMEOUT = 90
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A blank 1280 × 2000 page screenshots to about 12 KB; the report's first screen to ~300 KB.
NON_TRIVIAL_PNG = 100_000


def _chromium(tmp: Path, *args: str) -> str:
    assert CHROMIUM is not None
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {' '.join(command)}")
    assert done.returncode == 0, f"chromium failed ({done.returncode}):\n{done.stderr[-2000:]}"
    return done.stdout


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page asked for, from a Chromium NetLog.

    The browser's own requests (update checks and the like, which the flags above mostly but
    not always stop) have no initiator; a document's requests name its origin, ``null`` for
    a file:// page.
    """
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start_job
        and "url" in event.get("params", {})
        and event["params"].get("initiator") not in (None, "not an origin")
    ]


@dataclass(frozen=True)
class Loaded:
    dom: str
    requests: list[str]
    screenshot: Path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    tmp = tmp_path_factory.mktemp("html-browser")
    page = tmp / "report.html"
    page.write_text(render(with_extras(build_result()), reveal_values=False), encoding="utf-8")
    net_log = tmp / "net-log.json"
    dom = _chromium(tmp, f"--log-net-log={net_log}", "--dump-dom", page.as_uri())
    shot = tmp / "shot.png"
    _chromium(tmp, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri())
    return Loaded(dom, _page_requests(net_log), shot)


def test_visible_text(loaded: Loaded) -> None:
    parsed = _parse(loaded.dom)
    text = parsed.visible_text
    assert "Data quality report" in text
    assert "Quality gate FAIL" in text
    assert "88.47" in text
    for dimension in ("Completeness 100.00", "Validity 97.94", "Consent 75.00", "Timeliness not evaluated"):
        assert dimension in text
    for rule_id in (
        "email-valid",
        "phone-valid",
        "customer-id-unique",
        "street-format",
        "consent-before-contact",
    ):
        assert rule_id in text
    for masked in ("j***@e***.com", "m***@b***.de", "+49 *** *** 00", "H***s"):
        assert masked in text
    assert "Clusters in the findings (2)" in text
    assert "Scores by country" in text


def test_raw_values_are_absent(loaded: Loaded) -> None:
    leaked = [fragment for fragment in RAW_FRAGMENTS if fragment in loaded.dom]
    assert not leaked


def test_markup_from_the_data_stayed_text(loaded: Loaded) -> None:
    parsed = _parse(loaded.dom)
    assert SCRIPT_SEGMENT in parsed.visible_text
    assert "script" not in {tag for tag, _ in parsed.tags}


def test_page_makes_no_network_request(loaded: Loaded) -> None:
    assert loaded.requests == []


def test_network_check_sees_requests(tmp_path: Path) -> None:
    """The check above is only worth something if it notices a page that does fetch."""
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<!DOCTYPE html><img src="http://127.0.0.1:9/pixel.png">', encoding="utf-8")
    net_log = tmp_path / "net-log.json"
    _chromium(tmp_path, f"--log-net-log={net_log}", "--dump-dom", leaky.as_uri())
    assert _page_requests(net_log) == ["http://127.0.0.1:9/pixel.png"]


def test_screenshot(loaded: Loaded) -> None:
    data = loaded.screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    assert (width, height) == (1280, 2000)
    assert len(data) > NON_TRIVIAL_PNG, f"a {len(data)}-byte screenshot is close to a blank page"


def test_dom_is_the_page_as_written(loaded: Loaded) -> None:
    # The browser parsed the whole page: the last section and the footer are in the DOM.
    assert '<section id="sources">' in loaded.dom
    assert "Values from the data are masked" in _parse(loaded.dom).visible_text
