"""Chromium, with the network beyond loopback cut off, opens the index pages, the API docs
and the experts' pages of the demo database."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from forecasts.db.store import open_store
from forecasts.domain import question_status
from forecasts.timeutils import utc_now
from forecasts.vocab import QuestionStatus
from tests.forecasts.api._server import EXAMPLE, running_server
from tests.forecasts.web._offline import refusing_proxy, visit

from ._chromium import chromium_or_skip


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``forecasts demo`` run as a user runs it (it writes forecasts-demo.db here)."""
    where = tmp_path_factory.mktemp("demo")
    subprocess.run(
        [sys.executable, "-m", "forecasts", "demo"],
        cwd=where,
        check=True,
        capture_output=True,
        timeout=180,
    )
    return f"sqlite:///{where / 'forecasts-demo.db'}"


def _containing(words: tuple[str, ...]) -> set[str]:
    """The example's questions whose id, title, criteria, notes or tags hold every word."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    found = set()
    for q in document["questions"]:
        text = " ".join(
            [q["id"], q["title"], q.get("criteria", ""), q.get("notes") or "", *q.get("tags", [])]
        ).lower()
        if all(word in text for word in words):
            found.add(q["id"])
    return found


def _open_tagged(demo_db: str, tag: str) -> set[str]:
    """The demo's questions under ``tag`` still open now: which they are moves with the
    clock (B1-B3 close at the end of 2026)."""
    store = open_store(demo_db)
    try:
        outcomes = store.current_outcomes()
        return {
            q.id
            for q in store.questions()
            if tag in q.tags
            and question_status(q, resolved=outcomes.get(q.id), as_of=utc_now())
            is QuestionStatus.OPEN
        }
    finally:
        store.close()


def _unresolved_claims(demo_db: str, handle: str) -> list[str]:
    """The questions of ``handle``'s forecasts that the demo has not resolved (yet)."""
    store = open_store(demo_db)
    try:
        outcomes = store.current_outcomes()
        return sorted(
            f.question_id
            for f in store.forecasts(forecaster=handle)
            if f.question_id not in outcomes
        )
    finally:
        store.close()


def _rows(dom: str, css: str) -> list[str]:
    return re.findall(rf'<tr class="{css}">(.*?)</tr>', dom, flags=re.S)


@pytest.mark.browser
@pytest.mark.slow
def test_the_proxy_sees_a_request_to_another_host(tmp_path: Path) -> None:
    """The detector itself: a page that asks for an outside image is caught."""
    browser = chromium_or_skip()
    page = tmp_path / "outside.html"
    page.write_text('<img src="https://cdn.example.com/logo.png">', encoding="utf-8")
    with refusing_proxy() as proxy:
        seen = visit(browser, page.as_uri(), tmp_path / "profile", proxy=proxy)
    assert seen.outside() == ["https://cdn.example.com/logo.png"]


@pytest.mark.browser
@pytest.mark.slow
def test_index_pages_due_and_docs_work_with_the_network_off(demo_db: str, tmp_path: Path) -> None:
    browser = chromium_or_skip()
    profile = tmp_path / "profile"
    with refusing_proxy() as proxy, running_server(demo_db) as base:
        visits = [
            visit(browser, f"{base}/questions?q=LMArena+overall", profile, proxy=proxy),
            visit(browser, f"{base}/questions?tag=claim-b&status=open", profile, proxy=proxy),
            visit(browser, f"{base}/forecasters", profile, proxy=proxy),
            visit(
                browser,
                f"{base}/docs",
                profile,
                proxy=proxy,
                ready='document.querySelector(".opblock-summary-path")',
            ),
            visit(browser, f"{base}/due", profile, proxy=proxy),
        ]
    for seen in visits:
        assert seen.requests and seen.outside() == []
    search, filtered, people, docs, due = (seen.dom for seen in visits)
    # The due page rendered (the demo's manual questions become due as the clock moves on).
    assert "<h2>" in due and ('id="due-none"' in due or 'id="due-table"' in due)
    # The docs page fetched its script, its style and the API description from the server.
    assert {urlsplit(url).path for url in visits[3].requests} >= {
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
        "/docs/openapi.json",
    }
    # Search: every question whose text mentions both words, linked to its page.
    expected = _containing(("lmarena", "overall"))
    found = set(re.findall(r'<td><a href="/questions/([A-Z0-9]+)">', search))
    assert found == expected and len(expected) >= 3
    assert f'id="result-count">{len(expected)} question(s)' in search
    open_b = _open_tagged(demo_db, "claim-b")
    assert set(re.findall(r'<td><a href="/questions/([A-Z0-9]+)">', filtered)) == open_b
    assert "B0" not in open_b  # closed in 2025: the status filter leaves it out
    # Forecasters: each links to the expert's page, with counts.
    for handle in ("yao-shunyu", "lin-junyang", "agi-next-panel", "analyst"):
        assert f'href="/forecasters/{handle}"' in people
    yao = re.search(r'href="/forecasters/yao-shunyu".*?</tr>', people, flags=re.S)
    assert yao is not None and "person" in yao.group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', yao.group(0))[:4] == ["4", "4", "4", "0"]
    # The Swagger UI rendered from local files: the operations of the API are in the DOM.
    assert 'id="swagger-ui"' in docs
    assert 'class="opblock-summary-path" data-path="/api/questions"' in docs
    assert "Unable to render" not in docs
    assert re.findall(r'<script src="([^"]+)"', docs) == ["/docs/assets/swagger-ui-bundle.js"]


@pytest.mark.browser
@pytest.mark.slow
def test_demo_experts_show_their_pending_claims_with_quotes(demo_db: str, tmp_path: Path) -> None:
    browser = chromium_or_skip()
    profile = tmp_path / "profile"
    with refusing_proxy() as proxy, running_server(demo_db) as base:
        pages = [
            visit(browser, f"{base}/forecasters/{handle}", profile, proxy=proxy)
            for handle in ("yao-shunyu", "lin-junyang")
        ]
    assert all(page.outside() == [] for page in pages)
    yao, lin = (page.dom for page in pages)
    yao_pending = _rows(yao, "claim pending")
    assert len(yao_pending) == 4  # A1-A4, none resolved in the demo
    for qid, row in zip(("A1", "A2", "A3", "A4"), sorted(yao_pending), strict=True):
        assert f'href="/questions/{qid}"' in row
        assert "high likelihood" in row and "very likely" in row and "ICD 203 80%–95%" in row
        assert '<a href="https://www.reuters.com/"' in row and "2026-01-10" in row
    assert any(
        "a high likelihood that a Chinese firm becomes the world's leading AI" in html.unescape(row)
        for row in yao_pending
    )
    lin_pending = _rows(lin, "claim pending")
    # A1, A2, B1, B2, B3 until the demo's recordings resolve some of them
    assert len(lin_pending) == len(_unresolved_claims(demo_db, "lin-junyang"))
    lin_claims = lin_pending + _rows(lin, "claim resolved")
    assert len(lin_claims) == 5
    quoted = [row for row in lin_claims if "the chance is below 20%" in row]
    assert len(quoted) == 2 and all("15%" in row for row in quoted)
    compute = [row for row in lin_claims if "one to two orders of magnitude" in row]
    assert len(compute) == 1 and "90% interval 10 to 100, log scale" in compute[0]
