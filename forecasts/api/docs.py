"""``/docs`` without the network: Swagger UI's files served from the installed
``swagger_ui_bundle`` package instead of a CDN.

The bundled Swagger UI (4.x) reads OpenAPI 3.0 documents only; FastAPI writes 3.1. The
page therefore loads ``/docs/openapi.json``: the same document labelled 3.0.3, which that
UI renders (the schemas it uses are common to both). ``/openapi.json`` itself is unchanged.
ReDoc is not offered: no kept package ships its files.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS", "install_docs"]

ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """Add ``/docs``, its assets and its OAuth2 redirect page to ``app``."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/docs/openapi.json",
            title=f"{app.title} – API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/docs/openapi.json", include_in_schema=False)
    def openapi_for_the_ui() -> JSONResponse:
        document: dict[str, Any] = dict(app.openapi())
        document["openapi"] = "3.0.3"
        return JSONResponse(document)
