"""/docs is Swagger UI from the installed package: every URL it names is on this server."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from forecasts.api import create_app
from forecasts.db.store import open_store
from forecasts.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient


def test_docs_name_only_local_assets_and_serve_them(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/docs.db")
    with TestClient(create_app(Settings(), store=store)) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(
            r"url: '([^']+)'", page.text
        )
        assert urls and all(url.startswith("/docs/") for url in urls), urls
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200 and asset.content, url
        assert client.get("/docs/assets/swagger-ui-bundle.js").text.startswith("/*!")
        described = client.get("/docs/openapi.json").json()
        original = client.get("/openapi.json").json()
        assert described["openapi"] == "3.0.3" and original["openapi"].startswith("3.1")
        assert described["paths"] == original["paths"]
        assert client.get("/redoc").status_code == 404
        assert "/docs" not in original["paths"]
    store.close()
