"""Imported extracted claims show on the question and expert pages: quote, context, source link."""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from forecasts.api import create_app
from forecasts.db.store import Store
from forecasts.extract import build_draft, extract_rules, render_yaml
from forecasts.services.transfer import import_file
from forecasts.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient

TEXT = (
    "Norte Bank published its quarterly report on Monday.\n"
    "Ana Ruiz, chief economist at Norte Bank, said inflation is likely to fall to 2.1% by "
    "March 2027. Markets were calm.\n"
)


def test_question_and_expert_pages_show_the_quote_in_context_with_a_link(
    store: Store, tmp_path: Path
) -> None:
    extraction = extract_rules(TEXT, made_at=date(2026, 4, 1))
    document = build_draft(
        extraction, source_url="https://news.example.org/norte", published=date(2026, 4, 1)
    )
    # A second, hand-edited forecast whose source is not a web address must not become a link.
    rogue = dict(document["forecasts"][0], source="javascript:alert(1)")
    document["forecasts"].append(rogue)
    draft = tmp_path / "draft.yaml"
    draft.write_text(render_yaml(document, extraction, "norte"), encoding="utf-8")
    assert yaml.safe_load(draft.read_text(encoding="utf-8"))["forecasts"][0]["review"] == "pending"
    import_file(store, draft, as_of=datetime(2026, 4, 2, tzinfo=UTC), accept_pending=True)
    question_id = document["questions"][0]["id"]
    with TestClient(create_app(Settings(), store=store)) as client:
        question = client.get(f"/questions/{question_id}").text
        expert = client.get("/forecasters/ana-ruiz").text
    quote = "inflation is likely to fall to 2.1% by March 2027"
    for html in (question, expert):
        assert quote in html
        assert '<a href="https://news.example.org/norte"' in html
        assert "In context:" in html and "Markets were calm." in html
        assert 'href="javascript:' not in html
    assert 'id="claims"' in expert and f'href="/questions/{question_id}"' in expert
