"""The application factory: the API under ``/api`` and the web pages, one store."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from forecasts.errors import ForecastsError
from forecasts.services.ledger import Store, open_database
from forecasts.settings import Settings, load_settings

from .docs import install_docs
from .errors import error_response
from .limits import BodyLimit, validation_response
from .routes import due, forecasters, questions, records, writes

__all__ = ["create_app", "create_app_from_environment", "serving_app"]

_DESCRIPTION = """Forecasts recorded in a hash-chained ledger, resolved and scored.

Reads are public. Writes need `Authorization: Bearer <token>` (`forecasts token create`):
a forecaster token posts forecasts only as its forecaster; an admin token manages
questions, forecasters and resolutions. Errors are `{"detail": {"code", "message"}}`;
validation errors keep FastAPI's 422 shape.
"""


def create_app(settings: Settings, *, store: Store | None = None, preload: bool = False) -> FastAPI:
    """Build the app over ``store`` (or a store opened from ``settings``, closed on shutdown);
    ``preload`` (servers) compiles the page templates now rather than on first use."""
    from forecasts.web import build_router
    from forecasts.web.due import build_due_router
    from forecasts.web.forms import install_forms

    owned = store is None
    the_store = store if store is not None else open_database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_store.close()

    app = FastAPI(
        title="forecasts",
        version="0.1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = the_store
    app.add_exception_handler(ForecastsError, error_response)
    app.add_exception_handler(RequestValidationError, validation_response)
    app.add_middleware(BodyLimit)
    for module in (forecasters, questions, writes, records, due):
        app.include_router(module.router)
    install_forms(app, settings, the_store, preload=preload)
    app.include_router(build_router(preload=preload))
    app.include_router(build_due_router(preload=preload))
    install_docs(app)
    return app


def serving_app(settings: Settings) -> FastAPI:
    """:func:`create_app` for a server process, with what is alive now frozen out of the
    garbage collector's full passes.

    The libraries and the app are ~120k long-lived objects; without the freeze every full
    collection walks them all (100+ ms on a slow core), a pause that lands on whichever
    request set it off. Frozen, a full pass walks only what requests left behind. Servers
    only: tests build many apps in one process, and the frozen ones would never be freed.
    """
    app = create_app(settings, preload=True)
    gc.collect()
    gc.freeze()
    return app


def create_app_from_environment() -> FastAPI:
    """The app over the settings of the environment: what each ``serve --workers`` process
    builds for itself (uvicorn imports it by name in every worker)."""
    return serving_app(load_settings())
