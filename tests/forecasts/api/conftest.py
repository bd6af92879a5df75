"""An API client over the test store (SQLite and PostgreSQL), with tokens."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from forecasts.api import create_app
from forecasts.db.store import Store
from forecasts.services.tokens import create_token
from forecasts.settings import Settings
from tests.factories import AS_OF

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 at import; the installed httpx works the same here.
    warnings.filterwarnings("ignore", message="Using .httpx. with .starlette.testclient")
    from starlette.testclient import TestClient


@dataclass
class Api:
    client: TestClient
    store: Store
    admin: dict[str, str]
    alice: dict[str, str]


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    from forecasts.services import add_forecaster
    from tests.factories import make_forecaster

    for handle in ("alice", "bob"):
        add_forecaster(store, make_forecaster(handle), as_of=AS_OF)
    admin, _ = create_token(store, "root", admin=True, as_of=AS_OF)
    alice, _ = create_token(store, "alice laptop", forecaster="alice", as_of=AS_OF)
    app = create_app(Settings(), store=store)
    with TestClient(app) as client:
        yield Api(
            client=client,
            store=store,
            admin={"Authorization": f"Bearer {admin}"},
            alice={"Authorization": f"Bearer {alice}"},
        )
